"""The demo data set behind `herstelpad demo`.

Each app may have a `demo` module with `load(context)`; they run in INSTALLED_APPS order, so a
later app can use what an earlier one created (`context` carries it). Loaders must be
idempotent: running the demo twice leaves one demo data set.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils.translation import gettext as _

DEMO_PASSWORD = "Herstelpad-demo-2026"


class DemoRefused(Exception):
    pass


@dataclass
class DemoContext:
    password: str = DEMO_PASSWORD
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where
    data: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


def person_level_models():
    from herstelpad.audit.registry import AuditedModel

    return [m for m in apps.get_models()
            if issubclass(m, AuditedModel) and m.audit_person_level]


def check_safe() -> None:
    """Refuse to touch a database that holds anything but demo data."""
    from herstelpad.accounts.models import User

    if settings.PRODUCTION:
        raise DemoRefused(_("De demo draait niet met HERSTELPAD_ENV=production."))
    if User.objects.filter(is_demo=False).exists():
        raise DemoRefused(_("Deze database bevat gebruikers die niet door de demo zijn "
                            "aangemaakt; de demo raakt echte gegevens niet aan."))
    if not User.objects.filter(is_demo=True).exists():
        for model in person_level_models():
            if model is not User and model.objects.exists():
                raise DemoRefused(
                    _("Deze database bevat al persoonsgegevens (%(model)s) die niet van de "
                      "demo zijn.") % {"model": model._meta.verbose_name_plural})


def demo_modules():
    for config in apps.get_app_configs():
        if not config.name.startswith("herstelpad."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise


def load() -> DemoContext:
    from django.db import transaction

    from herstelpad.audit.services import acting_as

    from django.utils import translation

    check_safe()
    context = DemoContext()
    # The data is made in the product's language, whatever language the command line speaks.
    with translation.override(settings.LANGUAGE_CODE), \
            acting_as(None, channel="cli", purpose="demo"), transaction.atomic():
        for module in demo_modules():
            module.load(context)
    return context
