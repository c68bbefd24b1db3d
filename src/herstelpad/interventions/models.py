"""The intervention catalogue and its delivery: what is offered, by whom, for whom and where it
runs (`Intervention`, `Availability`); runs of an intervention at an institution (`Edition`,
with its `Session`s); and who takes part (`Enrolment`, with its recorded workflow steps
`EnrolmentStep`, and `Attendance` per session).

The catalogue is loaded from `reference/data/interventions.yaml` after every migrate
(`reference/loaders.py`) and maintained afterwards by functional administrators (the admin) and
by providers for their own offers (the maintenance pages). Conventions as in the dossier:
external keys `Edition.ref`, `Enrolment.ref` (INTERCHANGE §2.4 `edition_ref`, `enrolment_ref`);
code-valued fields hold the code string (validated by the services); editable records carry
`version` (optimistic concurrency); an enrolment's status is rebuilt from its steps
(`workflows.replay`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.registry import AuditedModel
from herstelpad.participants.models import REF_LENGTH, DossierModel, TimestampedModel


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
    """Catalogue data, not person data. It is reference data (loaded again after every flush of
    a test database), so it does not inherit AuditedModel: the maintenance services record their
    changes in the audit trail explicitly."""

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
    version = models.PositiveIntegerField(default=1, editable=False)

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


# Offers a staff member can refer to (everything but a stopped offer).
OFFERED_STATUSES = (AvailabilityStatus.ACTIVE, AvailabilityStatus.INCIDENTAL,
                    AvailabilityStatus.STARTING)


class Availability(models.Model):
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE,
                                     related_name="availability")
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    related_name="interventions_available")
    status = models.CharField(_("status"), max_length=16, choices=AvailabilityStatus.choices)
    starts_on = models.DateField(_("vanaf"), null=True, blank=True)
    ends_on = models.DateField(_("tot en met"), null=True, blank=True)
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

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


class Edition(AuditedModel, TimestampedModel):
    """One run of an intervention at an institution (INTERCHANGE §2.4 `editions`)."""

    audit_person_level = False
    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("editienummer"), max_length=REF_LENGTH, unique=True)
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT,
                                     related_name="editions", verbose_name=_("interventie"))
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    related_name="editions", verbose_name=_("inrichting"))
    starts_on = models.DateField(_("begint op"))
    ends_on = models.DateField(_("eindigt op"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("plaatsen"), null=True, blank=True)
    sessions = models.PositiveSmallIntegerField(_("aantal bijeenkomsten"), null=True,
                                                blank=True)
    leaders = models.CharField(_("trainers of begeleiders"), max_length=300, blank=True)
    location = models.CharField(_("plaats in de inrichting"), max_length=200, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("aangemaakt door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-starts_on", "ref"]
        verbose_name = _("editie")
        verbose_name_plural = _("edities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="edition_ends_after_start"),
        ]
        indexes = [models.Index(fields=["institution", "starts_on"]),
                   models.Index(fields=["intervention", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.intervention} ({self.starts_on:%Y-%m-%d}, {self.ref})"


class Session(AuditedModel):
    """A meeting of an edition, for the attendance register."""

    audit_person_level = False

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="meetings",
                                verbose_name=_("editie"))
    number = models.PositiveSmallIntegerField(_("bijeenkomst"))
    held_on = models.DateField(_("gehouden op"))
    topic = models.CharField(_("onderwerp"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["edition", "number"]
        verbose_name = _("bijeenkomst")
        verbose_name_plural = _("bijeenkomsten")
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="session_number_unique"),
        ]


class EnrolmentStatus(models.TextChoices):
    REFERRED = "referred", _("aangemeld")
    INTAKE = "intake", _("in intake")
    APPROVED = "approved", _("toegelaten")
    REJECTED = "rejected", _("niet toegelaten")
    STARTED = "started", _("neemt deel")
    COMPLETED = "completed", _("afgerond")
    ENDED = "ended", _("gestopt")


class DecidedBy(models.TextChoices):
    MDO = "mdo", _("het MDO")
    PROVIDER = "provider", _("de aanbieder")


class Enrolment(DossierModel, TimestampedModel):
    """A participant's enrolment in an intervention at an institution: in an edition, or on the
    waiting list for the next one (`edition` empty). The status is kept here for lists and is
    rebuilt from the recorded steps (`services.replayed_state`)."""

    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("deelnamenummer"), max_length=REF_LENGTH, unique=True)
    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE,
                                    related_name="enrolments", verbose_name=_("deelnemer"))
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT,
                                     related_name="enrolments", verbose_name=_("interventie"))
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    related_name="enrolments", verbose_name=_("inrichting"))
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="enrolments", verbose_name=_("editie"))
    status = models.CharField(_("stand"), max_length=16, choices=EnrolmentStatus.choices)
    enrolled_on = models.DateField(_("aangemeld op"))
    outcome = models.CharField(_("uitkomst"), max_length=64, blank=True)
    outcome_on = models.DateField(_("uitkomst op"), null=True, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("aangemeld door"))
    certificate_on = models.DateField(_("certificaat uitgereikt op"), null=True, blank=True)
    content_report = models.TextField(
        _("inhoudelijke terugkoppeling"), blank=True,
        help_text=_("Alleen zichtbaar voor de inrichting als de interventie inhoud met "
                    "toestemming terugkoppelt en de deelnemer daarvoor toestemming gaf."))
    goal = models.ForeignKey("plans.Goal", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="enrolments", verbose_name=_("doel in het plan"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-enrolled_on", "-id"]
        verbose_name = _("deelname")
        verbose_name_plural = _("deelnames")
        indexes = [models.Index(fields=["edition", "status"]),
                   models.Index(fields=["institution", "intervention", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome_on__isnull=True)
                | models.Q(outcome_on__gte=models.F("enrolled_on")),
                name="enrolment_outcome_after_enrolled"),
        ]

    def __str__(self) -> str:
        return self.ref


class StepAction(models.TextChoices):
    REFER = "refer", _("aangemeld")
    REGISTER = "register", _("ingeschreven vanuit een deelnemerslijst")
    INTAKE = "intake", _("intake gestart")
    APPROVE = "approve", _("toegelaten")
    REJECT = "reject", _("niet toegelaten")
    PLACE = "place", _("geplaatst in een editie")
    START = "start", _("gestart")
    COMPLETE = "complete", _("afgerond")
    END = "end", _("gestopt")


class StepSource(models.TextChoices):
    APP = "app", _("Herstelpad")
    IMPORT = "import", _("import")


class EnrolmentStep(DossierModel):
    """One recorded step of an enrolment's workflow (see `workflows.py`): never edited;
    replaying the steps gives the enrolment's status, outcome and edition."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="steps",
                                  verbose_name=_("deelname"))
    action = models.CharField(_("stap"), max_length=16, choices=StepAction.choices)
    from_status = models.CharField(_("van"), max_length=16, blank=True)
    to_status = models.CharField(_("naar"), max_length=16)
    on = models.DateField(_("datum"))
    reason = models.TextField(_("reden"), blank=True)
    outcome = models.CharField(_("uitkomst"), max_length=64, blank=True)
    decided_by = models.CharField(_("besloten door"), max_length=16, blank=True)
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("editie na deze stap"))
    source = models.CharField(_("bron"), max_length=16, choices=StepSource.choices,
                              default=StepSource.APP)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["enrolment", "id"]
        verbose_name = _("stap van een deelname")
        verbose_name_plural = _("stappen van deelnames")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("aanwezig")
    EXCUSED = "excused", _("afgemeld")
    ABSENT = "absent", _("afwezig")


class Attendance(DossierModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("bijeenkomst"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE,
                                  related_name="attendance", verbose_name=_("deelname"))
    status = models.CharField(_("aanwezigheid"), max_length=16, choices=AttendanceStatus.choices)

    class Meta:
        ordering = ["session", "enrolment"]
        verbose_name = _("aanwezigheid")
        verbose_name_plural = _("aanwezigheid")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"],
                                    name="attendance_unique"),
        ]
