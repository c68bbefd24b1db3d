"""Creates, updates and deletes of audited models are recorded whatever door they come through
(service layer, admin, shell). Values are never copied into the trail: an update records the
names of the fields that changed."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from herstelpad.audit.models import Action
from herstelpad.audit.registry import AuditedModel, changed_fields, snapshot
from herstelpad.audit.services import record


@receiver(post_save)
def _saved(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel):
        return
    if created:
        record(Action.CREATE, obj=instance)
    else:
        fields = changed_fields(instance)
        if fields:
            record(Action.UPDATE, obj=instance, details={"fields": fields})
    instance._audit_snapshot = snapshot(instance)


@receiver(post_delete)
def _deleted(sender, instance, **kwargs):
    if isinstance(instance, AuditedModel):
        record(Action.DELETE, obj=instance)


@receiver(m2m_changed)
def _m2m(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, AuditedModel):
        field = next((f.name for f in instance._meta.many_to_many
                      if f.remote_field.through is sender), sender._meta.model_name)
        record(Action.UPDATE, obj=instance, details={"fields": [field]})
