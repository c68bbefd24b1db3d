"""Small-scale facilities (issue 7): their configuration as data, versioned eligibility
criteria, the selection funnel of candidates, the minimal-disclosure pre-scan and the facility
side of a stay.

Configuration (not person data; maintained by the functional administrator or the facility's
unit head, reference values loaded by migration `0002`):
- `FacilityProfile`: one per institution of type `facility`: legal frame, served
  municipalities;
- `CapacityPeriod` (+ `CapacityPlaces` per place type): the places in force from a date until
  the next period of the same facility (29 → 20 → 29 at Huis van Herstel);
- `RouteStep`: the ordered decision steps of the facility's inflow route;
- `CriterionSet` (+ `Criterion`): the eligibility criteria in force from a date.

Person data (audited, scoped in `herstelpad.policy`):
- `Candidate`: a person considered for a facility (from a list import, a referral or an
  application) with the facts screening needs, the stored screening result and the funnel
  state maintained from the recorded `CandidateStep`s (replayable, `workflows.replay`);
- `ScreeningException`: a reasoned exception to a criterion that allows one;
- `PrescanAnswer`: a partner's "objection / no objection" with a date — deliberately no field
  for content;
- `FacilityStay`: the facility's details of a `participants.Stay` (trial period, temporary
  returns, who decided a return, housing destination, end-evaluation placeholder). Outflow type
  and return reason stay on `participants.Stay` (INTERCHANGE §2.1), so imported and recorded
  stays are counted alike.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.registry import AuditedModel, snapshot

REF_LENGTH = 64


class LegalFrame(models.TextChoices):
    BBA = "bba", _("Beperkt beveiligde afdeling (BBA)")
    ZBBI = "zbbi", _("Zeer beperkt beveiligde inrichting (ZBBI)")
    BBI = "bbi", _("Beperkt beveiligde inrichting (BBI)")
    CLOSED = "closed", _("Gesloten afdeling (PI)")
    TVI = "tvi", _("Tijdelijk verlaten inrichting (TVI)")
    OTHER = "other", _("Anders")


class PlaceType(models.TextChoices):
    REGULAR = "regular", _("regulier")
    FLEX = "flex", _("flexibel")
    BBI = "bbi", _("BBI")
    ZBBI = "zbbi", _("ZBBI")
    CLOSED = "closed", _("gesloten")


class FacilityProfile(models.Model):
    institution = models.OneToOneField(
        "organisations.Institution", on_delete=models.CASCADE, related_name="facility_profile",
        verbose_name=_("voorziening"), limit_choices_to={"type": "facility"})
    legal_frame = models.CharField(_("juridisch kader"), max_length=16,
                                   choices=LegalFrame.choices, default=LegalFrame.OTHER)
    legal_frame_note = models.CharField(_("toelichting juridisch kader"), max_length=300,
                                        blank=True)
    description = models.TextField(_("beschrijving"), blank=True)
    municipalities = models.ManyToManyField(
        "organisations.Municipality", blank=True, related_name="facilities",
        verbose_name=_("gemeenten die de voorziening bedient"))
    region_label = models.CharField(_("regio"), max_length=100, blank=True)
    day_price = models.DecimalField(_("dagprijs (euro)"), max_digits=8, decimal_places=2,
                                    null=True, blank=True)

    class Meta:
        ordering = ["institution__name"]
        verbose_name = _("voorzieningsprofiel")
        verbose_name_plural = _("voorzieningsprofielen")

    def __str__(self) -> str:
        return str(self.institution)


class CapacityPeriod(models.Model):
    """The places of a facility in force from `effective_from` until the next period of the
    same facility. `places` is the total (what occupancy is measured against); the place types
    (`CapacityPlaces`) break it down and must add up to it (`services.set_capacity`)."""

    facility = models.ForeignKey("organisations.Institution", on_delete=models.CASCADE,
                                 related_name="capacity_periods", verbose_name=_("voorziening"))
    effective_from = models.DateField(_("geldig vanaf"))
    places = models.PositiveIntegerField(_("plaatsen"))
    reason = models.CharField(_("reden van de wijziging"), max_length=300, blank=True)

    class Meta:
        ordering = ["facility", "effective_from"]
        verbose_name = _("capaciteit")
        verbose_name_plural = _("capaciteit")
        constraints = [models.UniqueConstraint(fields=["facility", "effective_from"],
                                               name="capacity_period_unique")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.effective_from}: {self.places}"


class CapacityPlaces(models.Model):
    period = models.ForeignKey(CapacityPeriod, on_delete=models.CASCADE, related_name="lines",
                               verbose_name=_("capaciteit"))
    place_type = models.CharField(_("soort plaats"), max_length=16, choices=PlaceType.choices)
    places = models.PositiveIntegerField(_("plaatsen"))

    class Meta:
        ordering = ["period", "place_type"]
        verbose_name = _("plaatsen per soort")
        verbose_name_plural = _("plaatsen per soort")
        constraints = [models.UniqueConstraint(fields=["period", "place_type"],
                                               name="capacity_places_unique")]


class StepKind(models.TextChoices):
    SCREENING = "screening", _("screening op de criteria")
    PRESCAN = "prescan", _("voorscan bij ketenpartners")
    LETTER = "letter", _("brief (motivatie of oproep)")
    INTAKE = "intake", _("intake of gesprek")
    REVIEW = "review", _("dossieronderzoek")
    MEETING = "meeting", _("multidisciplinair overleg (weegtafel)")
    ADVICE = "advice", _("selectieadvies")
    DECISION = "decision", _("besluit over plaatsing")


class Decider(models.TextChoices):
    FACILITY = "facility", _("team van de voorziening")
    MDO = "mdo", _("multidisciplinair overleg")
    PI_CASEMANAGER = "pi_casemanager", _("casemanager van de PI")
    DIZ = "diz", _("selectiefunctionaris DIZ")
    DIRECTORATE = "directorate", _("directie van de PI")
    JUDGE = "judge", _("rechter")


class RouteStep(models.Model):
    """One decision step of a facility's inflow route, in `order`."""

    facility = models.ForeignKey("organisations.Institution", on_delete=models.CASCADE,
                                 related_name="route_steps", verbose_name=_("voorziening"))
    order = models.PositiveSmallIntegerField(_("volgorde"))
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("naam"), max_length=100)
    kind = models.CharField(_("soort stap"), max_length=16, choices=StepKind.choices)
    decider = models.CharField(_("wie beslist"), max_length=16, choices=Decider.choices,
                               default=Decider.FACILITY)
    description = models.CharField(_("toelichting"), max_length=300, blank=True)

    class Meta:
        ordering = ["facility", "order"]
        verbose_name = _("stap in de instroomroute")
        verbose_name_plural = _("stappen in de instroomroute")
        constraints = [
            models.UniqueConstraint(fields=["facility", "order"], name="route_step_order"),
            models.UniqueConstraint(fields=["facility", "code"], name="route_step_code"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class CriterionSet(models.Model):
    """A version of a facility's eligibility criteria, in force from `effective_from` until the
    next version of the same facility. Versions are not edited once candidates were screened
    with them: a change is a new version with a later date."""

    facility = models.ForeignKey("organisations.Institution", on_delete=models.CASCADE,
                                 related_name="criterion_sets", verbose_name=_("voorziening"))
    effective_from = models.DateField(_("geldig vanaf"))
    note = models.CharField(_("toelichting"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("vastgelegd door"))
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["facility", "effective_from"]
        verbose_name = _("versie van de toelatingscriteria")
        verbose_name_plural = _("versies van de toelatingscriteria")
        constraints = [models.UniqueConstraint(fields=["facility", "effective_from"],
                                               name="criterion_set_unique")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.effective_from}"


class CriterionKind(models.TextChoices):
    SEX = "sex", _("geslacht")
    ORDERS = "orders", _("uitsluiting op titel of maatregel")
    REMAINING_SENTENCE = "remaining_sentence", _("strafrestant")
    REGION = "region", _("regio of gemeente")
    LANGUAGE = "language", _("taal")
    REGIME = "regime", _("regime")
    OFFENCE = "offence", _("uitgesloten delicten")
    WORK_HOURS = "work_hours", _("minimaal aantal uren werk per week")
    JUDGED = "judged", _("oordeel van een professional")


class Criterion(models.Model):
    """One criterion of a version. `params` by kind (see `screening.py`):
    sex {"allowed": ["male"]}; orders {"excluded": ["life_sentence", "isd", …]};
    remaining_sentence {"min_days": 60, "max_days": 548}; region {"served": true} or
    {"municipalities": [codes]}; language {"min_dutch": "sufficient"}; regime {"allowed":
    ["plus"]}; offence {"excluded": [offence codes]}; work_hours {"min_hours": 24};
    judged {} (a person records the judgement; `description` says what is judged).
    `hard`: no exception possible; otherwise a reasoned exception lets a candidate pass."""

    criterion_set = models.ForeignKey(CriterionSet, on_delete=models.CASCADE,
                                      related_name="criteria", verbose_name=_("versie"))
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)
    kind = models.CharField(_("soort"), max_length=24, choices=CriterionKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    hard = models.BooleanField(_("hard criterium"), default=True,
                               help_text=_("Een hard criterium kent geen uitzondering; anders is "
                                           "een beargumenteerde uitzondering mogelijk."))
    description = models.CharField(_("omschrijving"), max_length=300, blank=True)

    class Meta:
        ordering = ["criterion_set", "order", "id"]
        verbose_name = _("toelatingscriterium")
        verbose_name_plural = _("toelatingscriteria")

    def __str__(self) -> str:
        return self.description or self.get_kind_display()


class Source(models.TextChoices):
    LIST = "list", _("landelijke lijst (import)")
    CASEMANAGER = "casemanager", _("verwijzing door casemanager")
    MUNICIPALITY = "municipality", _("verwijzing door gemeente")
    PROBATION = "probation", _("verwijzing door reclassering")
    APPLICATION = "application", _("eigen aanmelding")
    COURT = "court", _("rechter of OM")


class ListStatus(models.TextChoices):
    NONE = "", _("geen")
    ALREADY_PLACED = "already_placed", _("al geplaatst")
    ON_INTAKE_LIST = "on_intake_list", _("op de intakelijst")


class CandidateState(models.TextChoices):
    OPEN = "open", _("in selectie")
    APPROVED = "approved", _("toegelaten, wacht op plaatsing")
    PLACED = "placed", _("geplaatst")
    REJECTED = "rejected", _("afgewezen")
    WITHDRAWN = "withdrawn", _("teruggetrokken")


class Candidate(AuditedModel):
    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("kandidaatnummer"), max_length=REF_LENGTH, unique=True)
    facility = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                 related_name="candidates", verbose_name=_("voorziening"))
    source = models.CharField(_("herkomst"), max_length=16, choices=Source.choices)
    list_date = models.DateField(
        _("datum lijst of aanmelding"),
        help_text=_("De criteria die op deze datum gelden, worden toegepast."))
    participant = models.ForeignKey("participants.Participant", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="candidacies",
                                    verbose_name=_("deelnemer"))
    name = models.CharField(_("naam"), max_length=200, blank=True)
    # Facts screening uses (INTERCHANGE §2.5 and the further criteria).
    sex = models.CharField(_("geslacht"), max_length=16, default="unknown")
    sentence_end_on = models.DateField(_("verwachte einddatum detentie"), null=True, blank=True)
    life_sentence = models.BooleanField(_("levenslang"), default=False)
    isd = models.BooleanField(_("ISD-maatregel"), default=False)
    tbs = models.BooleanField(_("TBS"), default=False)
    clinic = models.BooleanField(_("kliniek geïndiceerd"), default=False)
    immediate_release = models.BooleanField(_("onmiddellijke invrijheidsstelling"),
                                            default=False)
    pp = models.BooleanField(_("in of kiest voor PP"), default=False)
    municipality_name = models.CharField(_("gemeente (zoals opgegeven)"), max_length=120,
                                         blank=True)
    municipality = models.ForeignKey("organisations.Municipality", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="candidates",
                                     verbose_name=_("gemeente"), editable=False)
    list_status = models.CharField(_("status op de lijst"), max_length=16, blank=True,
                                   choices=ListStatus.choices)
    dutch_proficiency = models.CharField(_("beheersing van het Nederlands"), max_length=16,
                                         default="unknown")
    regime = models.CharField(_("regime"), max_length=16, blank=True)
    offence_category = models.CharField(_("delictcategorie"), max_length=64, blank=True)
    weekly_work_hours = models.PositiveSmallIntegerField(_("uren werk per week"), null=True,
                                                         blank=True)
    # The stored screening: the version applied, the outcome (`eligible` or the first failing
    # reason in exclusion_reasons.csv order) and every failing reason, in that order.
    criterion_set = models.ForeignKey(CriterionSet, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("toegepaste criteria"))
    screening_outcome = models.CharField(_("uitkomst screening"), max_length=32, blank=True,
                                         db_index=True)
    screening_reasons = models.CharField(_("alle redenen"), max_length=300, blank=True)
    # The funnel state, maintained by the services from the recorded steps.
    state = models.CharField(_("status"), max_length=16, choices=CandidateState.choices,
                             default=CandidateState.OPEN, db_index=True)
    step = models.ForeignKey(RouteStep, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("huidige stap"))
    step_since = models.DateField(_("in deze stap sinds"))
    closed_on = models.DateField(_("afgerond op"), null=True, blank=True)
    sent_to_diz_on = models.DateField(_("advies naar DIZ op"), null=True, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("aangemeld door"))
    referrer_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("verwijzende organisatie"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        ordering = ["facility", "list_date", "ref"]
        verbose_name = _("kandidaat")
        verbose_name_plural = _("kandidaten")
        indexes = [
            models.Index(fields=["facility", "state"]),
            models.Index(fields=["facility", "list_date"]),
            models.Index(fields=["municipality"]),
        ]

    def __str__(self) -> str:
        return self.name or self.ref

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self._audit_snapshot = snapshot(self)

    @property
    def display_name(self) -> str:
        if self.participant_id and not self.name:
            return self.participant.display_name
        return self.name or self.ref

    @property
    def reasons(self) -> list[str]:
        return [r for r in self.screening_reasons.split(",") if r]


class Decision(models.TextChoices):
    POSITIVE = "positive", _("positief: door naar de volgende stap")
    NEGATIVE = "negative", _("negatief: afgewezen")


class CandidateStep(AuditedModel):
    """One recorded transition of a candidate: who decided, when, why. Never changed afterwards;
    `workflows.replay` over a candidate's steps rebuilds its state."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("handeling"), max_length=16)
    route_step = models.ForeignKey(RouteStep, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("stap"))
    decision = models.CharField(_("besluit"), max_length=16, choices=Decision.choices,
                                blank=True)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    to_step = models.ForeignKey(RouteStep, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    on = models.DateField(_("datum"))
    # The date the candidate entered the step decided here (for lead times per step).
    step_entered_on = models.DateField(null=True, blank=True)
    decider = models.CharField(_("besluit genomen door"), max_length=150, blank=True)
    reason = models.TextField(_("motivering"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("vastgelegd door"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("stap van een kandidaat")
        verbose_name_plural = _("stappen van kandidaten")
        indexes = [models.Index(fields=["candidate", "on", "id"]),
                   models.Index(fields=["route_step", "action"])]


class ScreeningException(AuditedModel):
    """A reasoned exception to a criterion that allows one (`Criterion.hard` is false)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE,
                                  related_name="exceptions")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("criterium"))
    reason = models.TextField(_("motivering"))
    granted_on = models.DateField(_("datum"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("vastgelegd door"))

    class Meta:
        ordering = ["granted_on", "id"]
        verbose_name = _("uitzondering op een criterium")
        verbose_name_plural = _("uitzonderingen op criteria")
        constraints = [models.UniqueConstraint(fields=["candidate", "criterion"],
                                               name="screening_exception_unique")]


class PrescanPartner(models.TextChoices):
    PROSECUTION = "prosecution", _("Openbaar Ministerie")
    POLICE = "police", _("politie")
    PROBATION = "probation", _("reclassering")
    SAFETY_HOUSE = "safety_house", _("Veiligheidshuis")


class PrescanAnswer(AuditedModel):
    """Minimal disclosure: a partner answers only objection or no objection, with a date. There
    is no field for content, by design — reasons stay with the partner."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE,
                                  related_name="prescan_answers")
    partner = models.CharField(_("ketenpartner"), max_length=16,
                               choices=PrescanPartner.choices)
    objection = models.BooleanField(_("bezwaar"))
    answered_on = models.DateField(_("datum van het antwoord"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["answered_on", "id"]
        verbose_name = _("antwoord in de voorscan")
        verbose_name_plural = _("antwoorden in de voorscan")
        constraints = [models.UniqueConstraint(fields=["candidate", "partner"],
                                               name="prescan_answer_unique")]


class FacilityStay(AuditedModel):
    """The facility's details of a stay at a facility (one per `participants.Stay`)."""

    stay = models.OneToOneField("participants.Stay", on_delete=models.CASCADE,
                                primary_key=True, related_name="facility_details",
                                verbose_name=_("verblijf"))
    candidate = models.ForeignKey(Candidate, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="stays", verbose_name=_("kandidaat"))
    trial_until = models.DateField(_("proefperiode tot en met"), null=True, blank=True)
    housing_destination = models.CharField(_("woonbestemming na vertrek"), max_length=200,
                                           blank=True)
    decided_by = models.CharField(_("vertrek of terugplaatsing besloten door"), max_length=150,
                                  blank=True)
    decided_on = models.DateField(_("besloten op"), null=True, blank=True)
    outflow_note = models.TextField(_("toelichting bij het vertrek"), blank=True)
    # Placeholder for the end evaluation; the research issue defines its content.
    end_evaluation = models.JSONField(_("eindevaluatie"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("verblijf in een voorziening")
        verbose_name_plural = _("verblijven in voorzieningen")


class TemporaryReturn(AuditedModel):
    """A temporary return to the prison during a facility stay; the place is kept."""

    stay = models.ForeignKey("participants.Stay", on_delete=models.CASCADE,
                             related_name="temporary_returns", verbose_name=_("verblijf"))
    left_on = models.DateField(_("teruggeplaatst op"))
    planned_return_on = models.DateField(_("geplande terugkeer"))
    returned_on = models.DateField(_("teruggekeerd op"), null=True, blank=True)
    reason = models.TextField(_("reden"))
    decided_by = models.CharField(_("besloten door"), max_length=150)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))

    class Meta:
        ordering = ["left_on", "id"]
        verbose_name = _("tijdelijke terugplaatsing")
        verbose_name_plural = _("tijdelijke terugplaatsingen")
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_return_on__gte=models.F("left_on")),
                                   name="temporary_return_planned_after_left"),
            # At most one temporary return without a return date per stay.
            models.UniqueConstraint(fields=["stay"], condition=models.Q(returned_on__isnull=True),
                                    name="one_open_temporary_return_per_stay"),
        ]
