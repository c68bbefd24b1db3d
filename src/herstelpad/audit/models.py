"""The audit trail: append-only, hash-chained.

Each entry carries an HMAC over its own content and the previous entry's hash (`prev_hash`), so
altering or deleting any entry breaks the chain from that point; `AuditChainHead` remembers the
last entry, so cutting entries off the end is detected too. The HMAC key comes from the
environment (`HERSTELPAD_AUDIT_KEY`, else derived from `SECRET_KEY`), not from the database, so
someone who can write the database cannot forge a consistent chain.

Entries never hold the values of person data: an object is named by type and id, an update by
the names of the fields that changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("aangemaakt")
    UPDATE = "update", _("gewijzigd")
    DELETE = "delete", _("verwijderd")
    READ = "read", _("ingezien")
    LIST = "list", _("lijst ingezien")
    DENIED = "denied", _("toegang geweigerd")
    LOGIN = "login", _("ingelogd")
    LOGOUT = "logout", _("uitgelogd")
    LOGIN_FAILED = "login_failed", _("inloggen mislukt")
    IMPORT = "import", _("geïmporteerd")
    REPORT = "report", _("rapport gemaakt")
    EXPORT = "export", _("geëxporteerd")
    TRANSITION = "transition", _("stap in werkproces")
    COMMAND = "command", _("opdracht uitgevoerd")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only")

    def delete(self):
        raise PermissionError("The audit trail is append-only")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("tijdstip"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
        null=True, blank=True, related_name="+", verbose_name=_("gebruiker"),
    )
    actor_label = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    actor_role = models.CharField(_("rol"), max_length=32, blank=True)
    action = models.CharField(_("actie"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("soort object"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True, db_index=True)
    purpose = models.CharField(_("doel"), max_length=200, blank=True)
    channel = models.CharField(_("ingang"), max_length=8, blank=True)  # web, api, cli, task
    path = models.CharField(_("adres"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditregels")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("The audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only")


class AuditChainHead(models.Model):
    """Singleton (pk=1): the id and hash of the last entry, updated in the same transaction."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("kop van de auditketen")
