"""The intervention catalogue: what is offered, by whom, for whom, and where it runs.

Loaded from `reference/data/interventions.yaml` by the migrations; maintained afterwards by
functional administrators (and, in the catalogue issue, by providers for their own offers)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisatie")
    INSTITUTION = "institution", _("De inrichting zelf")
    COURT = "court", _("Rechtbank")
    OTHER = "other", _("Andere aanbieder")


class TargetAge(models.TextChoices):
    ADULTS = "adults", _("Volwassenen")
    JUVENILES = "juveniles", _("Jeugdigen")
    BOTH = "both", _("Volwassenen en jeugdigen")
    BAND = "band", _("Leeftijdsgroep")


class TargetSex(models.TextChoices):
    MEN = "men", _("Mannen")
    WOMEN = "women", _("Vrouwen")
    ANY = "any", _("Iedereen")


class Format(models.TextChoices):
    GROUP = "group", _("Groep")
    INDIVIDUAL = "individual", _("Individueel")
    CONFERENCE = "conference", _("Conferentie")
    WARD = "ward", _("Afdeling")
    PROGRAMME = "programme", _("Programma")
    ACTIVITY = "activity", _("Activiteit")


class Intervention(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    provider_kind = models.CharField(_("soort aanbieder"), max_length=16,
                                     choices=ProviderKind.choices)
    provider = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="interventions", verbose_name=_("aanbieder"),
    )
    layers = models.ManyToManyField(
        "reference.Code", related_name="interventions_in_layer", blank=True,
        limit_choices_to={"code_list__name": "restoration_layers"},
        verbose_name=_("herstellagen"),
    )
    target_age = models.CharField(_("leeftijd"), max_length=16, choices=TargetAge.choices)
    age_min = models.PositiveSmallIntegerField(_("minimumleeftijd"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximumleeftijd"), null=True, blank=True)
    target_sex = models.CharField(_("doelgroep"), max_length=8, choices=TargetSex.choices)
    format = models.CharField(_("vorm"), max_length=16, choices=Format.choices)
    sessions = models.PositiveSmallIntegerField(_("bijeenkomsten"), null=True, blank=True)
    session_hours = models.DecimalField(_("uren per bijeenkomst"), max_digits=4,
                                        decimal_places=1, null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(_("duur in weken"), null=True, blank=True)
    group_min = models.PositiveSmallIntegerField(_("minimale groepsgrootte"), null=True,
                                                 blank=True)
    group_max = models.PositiveSmallIntegerField(_("maximale groepsgrootte"), null=True,
                                                 blank=True)
    min_remaining_weeks = models.PositiveSmallIntegerField(
        _("minimale resterende detentie (weken)"), null=True, blank=True)
    requires = models.JSONField(_("voorwaarden"), default=list, blank=True)
    excludes = models.JSONField(_("uitsluitingen"), default=list, blank=True)
    themes = models.JSONField(_("thema's"), default=list, blank=True)
    reporting_level = models.ForeignKey(
        "reference.Code", on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"code_list__name": "reporting_levels"},
        verbose_name=_("terugkoppeling aan de inrichting"),
    )
    evaluation_status = models.CharField(_("evaluatiestatus"), max_length=200, blank=True)
    description = models.TextField(_("beschrijving voor medewerkers"), blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    source = models.CharField(_("bron"), max_length=200, blank=True)
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("interventie")
        verbose_name_plural = _("interventies")

    def __str__(self) -> str:
        return self.name


class AvailabilityStatus(models.TextChoices):
    ACTIVE = "active", _("Loopt")
    INCIDENTAL = "incidental", _("Incidenteel")
    STARTING = "starting", _("Start binnenkort")
    STOPPED = "stopped", _("Gestopt")


class Availability(models.Model):
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE,
                                     related_name="availability")
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    related_name="interventions_available")
    status = models.CharField(_("status"), max_length=16, choices=AvailabilityStatus.choices)
    starts_on = models.DateField(_("vanaf"), null=True, blank=True)
    ends_on = models.DateField(_("tot en met"), null=True, blank=True)
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)

    class Meta:
        ordering = ["intervention__name", "institution__name"]
        constraints = [
            models.UniqueConstraint(fields=["intervention", "institution"],
                                    name="availability_unique"),
        ]
        verbose_name = _("beschikbaarheid")
        verbose_name_plural = _("beschikbaarheid")

    def __str__(self) -> str:
        return f"{self.intervention} @ {self.institution}"
