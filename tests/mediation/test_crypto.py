"""The sealed compartment at rest: Fernet with keys from the environment, rotation, no SQL
search on sealed values, and production refusing to start without a key."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from herstelpad.mediation import crypto
from herstelpad.mediation.models import MediationCase, Party
from tests.mediation.helpers import VICTIM, make_case, step
from tests.test_settings import GOOD_KEY, run_settings

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM "
                       f"{connection.ops.quote_name(table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def party(make_user):
    mediator = make_user("mediator")
    case = make_case()
    step(case, "assign", mediators=[mediator])
    from herstelpad.mediation import services

    return services.add_party(case, actor=mediator, side="victim", kind="victim", **VICTIM)


def test_sealed_values_are_encrypted_in_the_database(party):
    for field, value in VICTIM.items():
        stored = _raw("mediation_party", field, party.pk)
        assert stored.startswith(crypto.TOKEN_PREFIX) and value not in stored
        assert crypto.unseal(stored) == value
    assert Party.objects.get(pk=party.pk).name == VICTIM["name"]


def test_the_same_value_is_never_stored_the_same_way():
    assert crypto.seal("Jan") != crypto.seal("Jan")
    assert crypto.seal("") == ""


def test_the_development_key_is_derived_with_its_own_salt(settings):
    settings.MEDIATION_KEYS = []
    key = crypto.derived_development_key(settings.SECRET_KEY)
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert crypto.configured_keys() == [key]
    from herstelpad.audit.services import _key as audit_key

    assert base64.urlsafe_b64decode(key) != audit_key()


def test_sealed_fields_cannot_be_searched(party):
    with pytest.raises(FieldError, match="sealed"):
        list(Party.objects.filter(name=VICTIM["name"]))
    with pytest.raises(FieldError):
        list(Party.objects.filter(name__icontains="Kwartel"))
    assert Party.objects.filter(name__isnull=False).count() == 1


def test_a_wrong_key_fails_without_showing_the_value(party):
    with override_settings(MEDIATION_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(crypto.SealedValueError) as exc:
            Party.objects.get(pk=party.pk)
    assert VICTIM["name"] not in str(exc.value)


def test_rotation_rekeys_every_sealed_value(party, capsys):
    old = crypto.configured_keys()[0].decode()
    new = Fernet.generate_key().decode()
    case = MediationCase.objects.get()
    with override_settings(MEDIATION_KEYS=[new, old]):
        assert Party.objects.get(pk=party.pk).name == VICTIM["name"]  # old key still reads
        call_command("mediation", "rekey")
        assert "rekeyed" in capsys.readouterr().out
    with override_settings(MEDIATION_KEYS=[new]):  # the old key can go
        assert Party.objects.get(pk=party.pk).name == VICTIM["name"]
        assert MediationCase.objects.get(pk=case.pk).referrer_name == case.referrer_name
    with override_settings(MEDIATION_KEYS=[old]), pytest.raises(crypto.SealedValueError):
        Party.objects.get(pk=party.pk)


def test_production_refuses_to_start_without_a_mediation_key(tmp_path):
    env = {"HERSTELPAD_ENV": "production", "SECRET_KEY": GOOD_KEY,
           "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}
    result = run_settings(env)
    assert result.returncode != 0 and "HERSTELPAD_MEDIATION_KEY" in result.stderr
    bad = run_settings({**env, "HERSTELPAD_MEDIATION_KEY": "not-a-key"})
    assert bad.returncode != 0 and "not a Fernet key" in bad.stderr
    assert "not-a-key" not in bad.stderr
    good = run_settings({**env, "HERSTELPAD_MEDIATION_KEY": Fernet.generate_key().decode()},
                        "print(len(settings.MEDIATION_KEYS))")
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "1"


def test_newkey_prints_a_usable_key(capsys):
    call_command("mediation", "newkey")
    key = capsys.readouterr().out.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"
