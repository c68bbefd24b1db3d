"""Participants and their stays: the person, the episodes of detention, the stays in an
institution within an episode, the regime history, the team around the person (caseload
assignments) and the team's shift notes.

Conventions (shared with the import engine, which upserts into these tables with set-based SQL;
see INTERCHANGE §2.1):
- external keys: `Participant.ref`, `Stay.ref` (unique, at most 64 characters); records made in
  the application get a generated, non-guessable ref (`P-…`, `S-…`);
- code-valued fields hold the code string; the service layer validates it against the code list
  (`reference.codes`), labels come from `reference.Code`;
- episodes are derived from the stays by `services.assign_episodes` (run it after any change to a
  participant's stays); `Participant.current_episode`/`current_stay` are maintained there too;
- editable records carry `version` for optimistic concurrency (`herstelpad.concurrency`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.registry import AuditedModel, snapshot

REF_LENGTH = 64


class Sex(models.TextChoices):
    MALE = "male", _("man")
    FEMALE = "female", _("vrouw")
    OTHER = "other", _("anders")
    UNKNOWN = "unknown", _("onbekend")


class DutchProficiency(models.TextChoices):
    UNKNOWN = "unknown", _("onbekend")
    NONE = "none", _("spreekt geen Nederlands")
    LIMITED = "limited", _("beperkt")
    SUFFICIENT = "sufficient", _("voldoende")


class KindCheck(models.TextChoices):
    """The casemanager's question whether the detainee cares for minor children. An unanswered
    question is itself a signal (shown on the dossier)."""

    UNKNOWN = "unknown", _("onbekend (nog niet gevraagd)")
    NO = "no", _("nee")
    YES = "yes", _("ja")


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        abstract = True


class DossierModel(AuditedModel):
    """An audited dossier record. `refresh_from_db()` also refreshes the audit snapshot, so that
    the next save records only the fields changed since the refresh (the trail names changed
    fields by comparing with the state last read)."""

    class Meta:
        abstract = True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self._audit_snapshot = snapshot(self)


class Participant(DossierModel, TimestampedModel):
    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("deelnemernummer"), max_length=REF_LENGTH, unique=True,
                           help_text=_("Stabiele, gepseudonimiseerde sleutel van de persoon."))
    given_name = models.CharField(_("voornaam"), max_length=100, blank=True)
    family_name = models.CharField(_("achternaam"), max_length=150, blank=True)
    birth_date = models.DateField(_("geboortedatum"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("geboortejaar"), null=True, blank=True)
    sex = models.CharField(_("geslacht"), max_length=64, default=Sex.UNKNOWN)
    language = models.CharField(_("taal"), max_length=64, blank=True,
                                help_text=_("De taal waarin de deelnemer het best communiceert."))
    dutch_proficiency = models.CharField(_("beheersing van het Nederlands"), max_length=64,
                                         default=DutchProficiency.UNKNOWN)
    lvb_indication = models.BooleanField(_("indicatie lvb"), null=True, blank=True,
                                         help_text=_("Licht verstandelijke beperking; leeg is "
                                                     "onbekend."))
    kind_check = models.CharField(_("kind-check: zorg voor minderjarige kinderen"), max_length=64,
                                  default=KindCheck.UNKNOWN)
    kind_check_on = models.DateField(_("kind-check gedaan op"), null=True, blank=True)
    # The category of the index offence of the current detention (code of
    # offence_categories.csv); interventions exclude some (e.g. sexual offences).
    offence_category = models.CharField(_("delictcategorie"), max_length=64, blank=True)
    # Maintained by services.assign_episodes: the latest episode and the stay the person is in.
    current_episode = models.ForeignKey(
        "participants.Episode", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("huidige periode"), editable=False,
    )
    current_stay = models.ForeignKey(
        "participants.Stay", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("huidig verblijf"), editable=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["family_name", "given_name", "ref"]
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.given_name, self.family_name) if part)
        return name or self.ref

    @property
    def sex_label(self) -> str:
        return _label(Sex, self.sex)

    @property
    def dutch_proficiency_label(self) -> str:
        return _label(DutchProficiency, self.dutch_proficiency)

    @property
    def kind_check_label(self) -> str:
        return _label(KindCheck, self.kind_check)

    @property
    def sort_name(self) -> str:
        if self.family_name and self.given_name:
            return f"{self.family_name}, {self.given_name}"
        return self.family_name or self.given_name or self.ref


class Episode(DossierModel, TimestampedModel):
    """One uninterrupted period of detention: the stays from an admission up to a release,
    transfers included. Derived from the stays by `services.assign_episodes`."""

    audit_exclude_fields = frozenset({"updated_at"})

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="episodes", verbose_name=_("deelnemer"))
    number = models.PositiveIntegerField(_("volgnummer"))
    started_on = models.DateField(_("begonnen op"))
    ended_on = models.DateField(_("geëindigd op"), null=True, blank=True)
    # Deadlines of the episode, kept here so lists can filter and sort on them in SQL.
    plan_due_on = models.DateField(_("D&R-plan uiterlijk op"))
    plan_established_on = models.DateField(_("eerste D&R-plan vastgesteld op"), null=True,
                                           blank=True)
    next_review_on = models.DateField(_("volgend trajectgesprek"), null=True, blank=True)

    class Meta:
        ordering = ["participant", "number"]
        verbose_name = _("detentieperiode")
        verbose_name_plural = _("detentieperiodes")
        constraints = [
            models.UniqueConstraint(fields=["participant", "number"],
                                    name="episode_number_unique"),
        ]
        indexes = [models.Index(fields=["plan_due_on"]), models.Index(fields=["next_review_on"])]

    def __str__(self) -> str:
        return f"{self.participant.ref} #{self.number}"


class Stay(DossierModel, TimestampedModel):
    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("verblijfsnummer"), max_length=REF_LENGTH, unique=True)
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="stays", verbose_name=_("deelnemer"))
    # Null only between an import's insert and its call to services.assign_episodes.
    episode = models.ForeignKey(Episode, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="stays", verbose_name=_("detentieperiode"))
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    related_name="stays", verbose_name=_("inrichting"))
    entered_on = models.DateField(_("binnengekomen op"))
    left_on = models.DateField(_("vertrokken op"), null=True, blank=True)
    legal_status = models.CharField(_("titel van detentie"), max_length=64, blank=True)
    sentence_end_on = models.DateField(_("verwachte einddatum detentie"), null=True, blank=True)
    outflow_type = models.CharField(_("soort uitstroom"), max_length=64, blank=True)
    return_reason = models.CharField(_("reden van terugplaatsing"), max_length=64, blank=True)
    aftercare_municipality = models.CharField(
        _("gemeente van nazorg"), max_length=120, blank=True,
        help_text=_("Naam of code van de gemeente waar de deelnemer na detentie gaat wonen."))
    # Resolved from aftercare_municipality when it names a known municipality (by code or name).
    municipality = models.ForeignKey("organisations.Municipality", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="aftercare_stays",
                                     verbose_name=_("gemeente van nazorg (bekend)"),
                                     editable=False)
    unit = models.CharField(_("afdeling"), max_length=100, blank=True)
    transferred_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="transferred_to",
        verbose_name=_("overgeplaatst vanuit"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["participant", "entered_on", "id"]
        verbose_name = _("verblijf")
        verbose_name_plural = _("verblijven")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("entered_on")),
                name="stay_left_after_entered"),
        ]
        indexes = [models.Index(fields=["institution", "entered_on"]),
                   models.Index(fields=["sentence_end_on"])]

    def __str__(self) -> str:
        return f"{self.ref} ({self.institution_id}, {self.entered_on})"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class RegimeKind(models.TextChoices):
    START = "start", _("start")
    PROMOTION = "promotion", _("promotie")
    DEMOTION = "demotion", _("degradatie")
    EXCLUSION = "exclusion", _("uitsluiting van promotie")


class RegimeChange(DossierModel):
    """One step in the regime history of an episode (basic or plus programme). Recorded, never
    edited: a mistake is corrected by a further step with a reason."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="regime_changes", verbose_name=_("deelnemer"))
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="regime_changes",
                             verbose_name=_("verblijf"))
    kind = models.CharField(_("soort"), max_length=16, choices=RegimeKind.choices)
    regime = models.CharField(_("regime na deze stap"), max_length=64)
    changed_on = models.DateField(_("datum"))
    reason = models.TextField(_("reden"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["changed_on", "id"]
        verbose_name = _("regimewijziging")
        verbose_name_plural = _("regimewijzigingen")


class AssignmentRole(models.TextChoices):
    CASEMANAGER = "casemanager", _("casemanager")
    MENTOR = "mentor", _("mentor")


class Assignment(DossierModel, TimestampedModel):
    """A staff member's responsibility for a participant: the caseload. A participant has at
    most one casemanager at a time and any number of mentors (two is normal at Huis van
    Herstel)."""

    audit_exclude_fields = frozenset({"updated_at"})

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="assignments", verbose_name=_("deelnemer"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="assignments", verbose_name=_("medewerker"))
    role = models.CharField(_("rol"), max_length=16, choices=AssignmentRole.choices)
    starts_on = models.DateField(_("vanaf"))
    ends_on = models.DateField(_("tot en met"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["participant", "role", "starts_on"]
        verbose_name = _("toewijzing")
        verbose_name_plural = _("toewijzingen")
        indexes = [models.Index(fields=["user", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start"),
        ]


class ShiftNote(DossierModel):
    """A short, dated note by floor staff for the team on shift ("already discussed X with
    him"). Never the content of conversations with the chaplaincy or volunteers (refused by
    `services.add_note`). Notes are not edited: a correction is a new note."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE,
                                    related_name="shift_notes", verbose_name=_("deelnemer"))
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("inrichting"))
    stay = models.ForeignKey(Stay, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("verblijf"))
    written_at = models.DateTimeField(_("geschreven op"), db_index=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("auteur"))
    text = models.CharField(_("notitie"), max_length=1000)

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("dienstnotitie")
        verbose_name_plural = _("dienstnotities")
