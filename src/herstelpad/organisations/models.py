"""Organisations (who employs a user), institutions (where detainees stay) and municipalities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    PRISON_SERVICE = "prison_service", _("Gevangeniswezen (DJI)")
    MEDIATION = "mediation", _("Bemiddelingsorganisatie")
    VOLUNTEER = "volunteer", _("Vrijwilligersorganisatie")
    RESTORATIVE = "restorative", _("Herstelgerichte organisatie")
    DEVELOPER = "developer", _("Ontwikkelaar van interventies")
    KNOWLEDGE = "knowledge", _("Kenniscentrum")
    PROBATION = "probation", _("Reclassering")
    VICTIM_SUPPORT = "victim_support", _("Slachtofferhulp")
    MINISTRY = "ministry", _("Ministerie")
    PROSECUTION = "prosecution", _("Openbaar Ministerie")
    CARE = "care", _("Zorgaanbieder")
    MUNICIPALITY = "municipality", _("Gemeente")
    RESEARCH = "research", _("Onderzoeksinstelling")
    PLATFORM = "platform", _("Beheer van Herstelpad")
    OTHER = "other", _("Overig")


class Municipality(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("naam"), max_length=120, unique=True)
    region = models.CharField(
        _("regio"), max_length=64, blank=True, help_text=_("Bijvoorbeeld: twente")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    type = models.CharField(_("soort"), max_length=32, choices=OrganisationType.choices)
    name = models.CharField(_("naam"), max_length=200)
    notes = models.TextField(_("toelichting"), blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True,
        related_name="organisations", verbose_name=_("gemeente"),
        help_text=_("Alleen voor organisaties van het soort gemeente."),
    )
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class InstitutionType(models.TextChoices):
    PI = "pi", _("Penitentiaire inrichting")
    JJI = "jji", _("Justitiële jeugdinrichting")
    FACILITY = "facility", _("Kleinschalige voorziening of afdeling")


class Institution(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    type = models.CharField(_("soort"), max_length=16, choices=InstitutionType.choices)
    name = models.CharField(_("naam"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("hoofdinrichting"),
    )
    places = models.PositiveIntegerField(_("plaatsen"), null=True, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("inrichting")
        verbose_name_plural = _("inrichtingen")

    def __str__(self) -> str:
        return self.name

    @property
    def is_facility(self) -> bool:
        return self.type == InstitutionType.FACILITY
