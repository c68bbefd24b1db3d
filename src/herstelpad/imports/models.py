"""The history of imports: one `ImportRun` per file, whatever door it came through."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("in de wachtrij")
    RUNNING = "running", _("bezig")
    SUCCEEDED = "succeeded", _("gelukt")
    INVALID = "invalid", _("afgekeurd: niets opgeslagen")
    FAILED = "failed", _("mislukt door een storing")


class ImportRun(models.Model):
    kind = models.CharField(_("soort"), max_length=64, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("door"))
    actor_label = models.CharField(_("door"), max_length=150, blank=True)
    channel = models.CharField(_("ingang"), max_length=8)  # web, api, cli
    filename = models.CharField(_("bestand"), max_length=255, blank=True)
    size = models.BigIntegerField(_("grootte (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    dry_run = models.BooleanField(_("proefimport"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    phase = models.CharField(_("fase"), max_length=16, blank=True)
    rows = models.BigIntegerField(_("rijen"), default=0)
    bytes_read = models.BigIntegerField(default=0)
    created = models.BigIntegerField(_("nieuw"), default=0)
    updated = models.BigIntegerField(_("bijgewerkt"), default=0)
    unchanged = models.BigIntegerField(_("ongewijzigd"), default=0)
    targets = models.JSONField(default=dict, blank=True)
    error_count = models.BigIntegerField(_("fouten"), default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    upload = models.CharField(max_length=300, blank=True)  # stored file while queued
    started_at = models.DateTimeField(_("gestart"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {RunStatus.SUCCEEDED, RunStatus.INVALID, RunStatus.FAILED}

    @property
    def percent(self) -> int | None:
        if not self.size:
            return None
        return min(100, int(self.bytes_read * 100 / self.size))
