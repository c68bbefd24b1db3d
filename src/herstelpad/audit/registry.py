"""`AuditedModel`: inherit from it and every create, update and delete is in the trail."""

from __future__ import annotations

from django.db import models


def snapshot(instance) -> dict:
    return {
        f.attname: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if f.attname not in instance.audit_exclude_fields
    }


def changed_fields(instance) -> list[str]:
    before = getattr(instance, "_audit_snapshot", None)
    after = snapshot(instance)
    if before is None:
        return sorted(after)
    return sorted(name for name, value in after.items() if before.get(name) != value)


class AuditedModel(models.Model):
    # True for models that hold data about a person (detainee, victim, staff member).
    audit_person_level = True
    # Fields whose changes are noise (timestamps the system maintains).
    audit_exclude_fields: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if len(values) == len(cls._meta.concrete_fields):
            instance._audit_snapshot = snapshot(instance)
        return instance
