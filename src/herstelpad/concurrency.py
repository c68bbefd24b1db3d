"""Optimistic concurrency for editable records.

Every editable model carries `version` (starting at 1). An update names the version it was based
on; `save_versioned` checks and increments it in one `UPDATE … WHERE pk = … AND version =
expected` and only then writes the changed fields, inside one transaction. When another user
saved first, the UPDATE matches no row and `ConflictError` is raised: nothing is written, and
every door (page, API, command line) tells the user so — a stale edit is never a silent
overwrite.

The second write goes through `Model.save(update_fields=...)`, so audited models record the
update (with the names of the changed fields) exactly as any other save does.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils.translation import gettext as _


class ConflictError(Exception):
    """The record changed since the version the update was based on."""

    def __init__(self, instance: models.Model, expected: int | None, current: int | None):
        self.instance = instance
        self.expected = expected
        self.current = current
        name = instance._meta.verbose_name
        if current is None:
            message = _("Dit %(name)s bestaat niet meer; uw wijziging is niet opgeslagen.") % {
                "name": name}
        else:
            message = _(
                "Iemand anders heeft dit %(name)s intussen gewijzigd (nu versie %(current)s; u "
                "werkte met versie %(expected)s). Uw wijziging is niet opgeslagen. Laad de "
                "actuele gegevens en breng uw wijziging opnieuw aan."
            ) % {"name": name, "current": current, "expected": expected}
        self.message = message
        super().__init__(message)


def parse_version(value) -> int | None:
    try:
        version = int(value)
    except (TypeError, ValueError):
        return None
    return version if version >= 1 else None


def check_version(instance: models.Model, expected_version) -> None:
    """Refuse early (before other validation) an update based on a version other than the one
    the instance was loaded with. `save_versioned` still guards the race in the database."""
    expected = parse_version(expected_version)
    if expected is None or expected != instance.version:
        raise ConflictError(instance, expected, instance.version)


def save_versioned(instance: models.Model, expected_version, fields: Iterable[str]) -> None:
    """Write `fields` of `instance` if the stored version still equals `expected_version`;
    then `instance.version` is the new version. Raises ConflictError otherwise."""
    model = type(instance)
    expected = parse_version(expected_version)
    with transaction.atomic():
        matched = 0
        if expected is not None:
            matched = model._default_manager.filter(pk=instance.pk, version=expected).update(
                version=models.F("version") + 1)
        if matched != 1:
            current = (model._default_manager.filter(pk=instance.pk)
                       .values_list("version", flat=True).first())
            raise ConflictError(instance, expected, current)
        instance.version = expected + 1
        update_fields = set(fields) | {"version"}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            update_fields.add("updated_at")
        instance.save(update_fields=sorted(update_fields))
