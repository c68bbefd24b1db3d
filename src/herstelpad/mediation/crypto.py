"""The sealed compartment's encryption at rest.

Every free-text field of the mediation app — victim and surviving-relative identities, contact
details, the parties' answers and reasons, letters and messages, conversation notes, the
reasons given for workflow steps — is a `SealedTextField`: the database holds a Fernet token
(AES-128-CBC with HMAC-SHA256, a random IV and a timestamp per value), never the text.

Keys come from the environment (`HERSTELPAD_MEDIATION_KEY`, comma-separated; see
`herstelpad.settings`), never from the database, so a copy of the database — a backup, a dump,
a stolen disk — does not open the compartment. The first key encrypts; every key decrypts
(`MultiFernet`), so a key is rotated by putting the new key first, running
`herstelpad mediation rekey` (re-encrypts every sealed value with the first key) and then
removing the old key. Production refuses to start without a key; in development and tests a
key is derived from `SECRET_KEY` with its own salt (`herstelpad-mediation-compartment`, not the
audit chain's), documented in the settings and the README.

A sealed field cannot be searched or compared in SQL (the tokens differ for equal texts):
lookups other than `isnull` raise, so nobody writes a query that silently matches nothing.
Decryption failures raise `SealedValueError`, whose message never contains the value.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.utils.translation import gettext_lazy as _

DERIVATION_SALT = b"herstelpad-mediation-compartment"
TOKEN_PREFIX = "gAAAAA"  # every Fernet token (version byte 0x80, base64) starts like this


class SealedValueError(Exception):
    """A stored value could not be decrypted with any configured key."""


def derived_development_key(secret_key: str) -> bytes:
    """The development/test key: HMAC-SHA256 of SECRET_KEY with this compartment's own salt."""
    digest = hmac.new(secret_key.encode(), DERIVATION_SALT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> list[bytes]:
    keys = [key.encode("ascii") for key in getattr(settings, "MEDIATION_KEYS", [])]
    if not keys:
        keys = [derived_development_key(settings.SECRET_KEY)]
    return keys


@functools.lru_cache(maxsize=4)
def _fernet_for(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(configured_keys()))


def seal(text: str) -> str:
    """Encrypt a text with the first key. The empty text stays empty (nothing to hide)."""
    if text is None or text == "":
        return text
    return fernet().encrypt(str(text).encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    if token is None or token == "":
        return token
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        raise SealedValueError(
            "A sealed mediation value cannot be decrypted with the configured "
            "HERSTELPAD_MEDIATION_KEY (wrong key, or the value was altered).") from None


def rotate(token: str) -> str:
    """The same value encrypted with the first key (for `herstelpad mediation rekey`)."""
    if token is None or token == "":
        return token
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise SealedValueError("A sealed mediation value cannot be decrypted with the "
                               "configured keys.") from None


class SealedTextField(models.TextField):
    """A text stored encrypted; Python sees the plain text, the database only the token."""

    description = _("Versleutelde tekst (afgeschermd deel van herstelbemiddeling)")

    def __init__(self, *args, max_length=None, **kwargs):
        # max_length is validated on the plain text by forms and services (the token is
        # longer); it is not a database constraint.
        self.plain_max_length = max_length
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return unseal(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.model.__name__}.{self.name} is sealed (encrypted at rest) "
                             f"and cannot be searched with '{lookup_name}'.")
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs):
        if self.plain_max_length is not None:
            kwargs.setdefault("max_length", self.plain_max_length)
        return super().formfield(**kwargs)


def sealed_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, SealedTextField)]
