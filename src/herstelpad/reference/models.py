"""Code lists: the stable codes every other part of Herstelpad refers to.

A code is a stable key (never renamed; retired codes are deactivated, not deleted). Labels are
Dutch and English; `label` follows the active language. Extra columns of a code list (a domain's
basic condition, whether an outflow type is positive, …) are kept in `attributes`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localised(obj, nl_field: str = "label_nl", en_field: str = "label_en") -> str:
    """The English label when English is active and one exists, the Dutch label otherwise."""
    language = (get_language() or "nl")[:2]
    if language == "en":
        return getattr(obj, en_field) or getattr(obj, nl_field)
    return getattr(obj, nl_field)


class CodeList(models.Model):
    name = models.SlugField(_("naam"), max_length=64, unique=True)
    label_nl = models.CharField(_("omschrijving (Nederlands)"), max_length=200)
    label_en = models.CharField(_("omschrijving (Engels)"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("codelijst")
        verbose_name_plural = _("codelijsten")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return localised(self)


class CodeQuerySet(models.QuerySet):
    def of(self, list_name: str) -> "CodeQuerySet":
        return self.filter(code_list__name=list_name)

    def active(self) -> "CodeQuerySet":
        return self.filter(active=True)


class Code(models.Model):
    code_list = models.ForeignKey(
        CodeList, on_delete=models.PROTECT, related_name="codes", verbose_name=_("codelijst")
    )
    code = models.CharField(_("code"), max_length=64)
    label_nl = models.CharField(_("label (Nederlands)"), max_length=200)
    label_en = models.CharField(_("label (Engels)"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    attributes = models.JSONField(_("kenmerken"), default=dict, blank=True)
    active = models.BooleanField(_("in gebruik"), default=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["code_list__name", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "code"], name="code_unique_in_list"),
        ]
        verbose_name = _("code")
        verbose_name_plural = _("codes")

    def __str__(self) -> str:
        return f"{self.code_list.name}:{self.code}"

    @property
    def label(self) -> str:
        return localised(self)
