"""Victim–offender mediation (herstelbemiddeling): cases, their recorded workflow, the mediators on
a case, the sealed victim compartment, and court mediations (mediation in strafzaken) that take
precedence.

Three layers of visibility (rules in `herstelpad.policy`):
- **process facts** of a case (`MediationCase`: dates, channel, codes, the workflow state) —
  the mediation organisation's users; the prison sees a few of them in plain words, only with
  the participant's consent (`mediation_sharing`), otherwise only the referrer sees that the
  referral was received;
- **the sealed compartment** (`Party`, `Conversation`, `Message`, `Condition`,
  `ContactMoment`, the reasons of `CaseStep`, the case's own sealed notes) — only the
  mediators assigned to that case;
- **court mediations** (`CourtMediation`) — prison staff who see the participant and mediators.

Every free-text field is a `SealedTextField` (encrypted at rest, see `crypto.py`); codes and
dates stay plain because the workbench and the figures are computed in SQL (INTERCHANGE §2.3
names them process data).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.registry import AuditedModel, snapshot
from herstelpad.mediation.crypto import SealedTextField

REF_LENGTH = 64


class InitiatingParty(models.TextChoices):
    OFFENDER = "offender", _("dader")
    VICTIM = "victim", _("slachtoffer of nabestaande")
    THIRD_PARTY = "third_party", _("derde")


class ReferrerFunction(models.TextChoices):
    """Who referred: the channel says through which organisation, this says which professional
    (a chaplain or re-integration trainer is not a role in Herstelpad, but refers)."""

    CASEMANAGER = "casemanager", _("casemanager")
    HERSTELCONSULENT = "herstelconsulent", _("herstelconsulent of aandachtsfunctionaris herstel")
    CHAPLAIN = "chaplain", _("geestelijk verzorger")
    MENTOR = "mentor", _("mentor (PIW'er)")
    REINTEGRATION_TRAINER = "reintegration_trainer", _("re-integratietrainer")
    PROBATION = "probation", _("reclasseringswerker")
    BEHANDELAAR = "treatment", _("behandelaar of behandelcoördinator")
    VICTIM_SUPPORT = "victim_support", _("medewerker Slachtofferhulp")
    POLICE = "police", _("politie")
    SELF = "self", _("geen: de aanvrager meldde zich zelf")
    OTHER = "other", _("anders")


class NotAssignedReason(models.TextChoices):
    DUPLICATE = "duplicate", _("dubbele aanmelding")
    NO_VICTIM_DATA = "no_victim_data", _("geen gegevens van het slachtoffer te krijgen")
    WITHDRAWN = "withdrawn", _("aanvraag ingetrokken")
    OTHER = "other", _("andere reden")


class Source(models.TextChoices):
    APP = "app", _("in Herstelpad geregistreerd")
    IMPORT = "import", _("geïmporteerd uit het zaakregister")


class Side(models.TextChoices):
    OFFENDER = "offender", _("daderkant")
    VICTIM = "victim", _("slachtofferkant")
    THIRD_PARTY = "third_party", _("derde")


class MediationCase(AuditedModel):
    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("zaaknummer"), max_length=REF_LENGTH, unique=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("bemiddelingsorganisatie"))
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, null=True, blank=True,
        related_name="mediation_cases", verbose_name=_("deelnemer"))
    institution = models.ForeignKey(
        "organisations.Institution", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("inrichting"))
    received_on = models.DateField(_("aangemeld op"))
    channel = models.CharField(_("aanmeldroute"), max_length=64)  # mediation_channels
    initiating_party = models.CharField(_("aanvrager"), max_length=16,
                                        choices=InitiatingParty.choices)
    referrer_function = models.CharField(_("functie van de verwijzer"), max_length=32,
                                         choices=ReferrerFunction.choices, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("aangemeld door"))
    referrer_name = SealedTextField(_("verwijzer"), max_length=200)
    referrer_contact = SealedTextField(_("contactgegevens verwijzer"), max_length=300)
    contact_person = SealedTextField(
        _("contactpersoon in de inrichting"), max_length=300,
        help_text=_("Bij zelfaanmelding noemt de gedetineerde een contactpersoon in de "
                    "inrichting."))
    offence_category = models.CharField(_("soort delict"), max_length=64, blank=True)
    matter = SealedTextField(_("strafzaak (parketnummer)"), max_length=64)
    request_note = SealedTextField(_("toelichting bij de aanmelding"), max_length=2000)
    # The workflow's current state, maintained by the services from the recorded steps.
    state = models.CharField(_("fase"), max_length=32, db_index=True)
    state_since = models.DateField(_("in deze fase sinds"))
    paused_from = models.CharField(max_length=32, blank=True, editable=False)
    assigned_on = models.DateField(_("toegewezen op"), null=True, blank=True)
    closed_on = models.DateField(_("afgesloten op"), null=True, blank=True)
    not_assigned_reason = models.CharField(_("reden niet toegewezen"), max_length=32,
                                           choices=NotAssignedReason.choices, blank=True)
    contact_form = models.CharField(_("vorm van contact"), max_length=64, blank=True)
    stop_reason = models.CharField(_("reden van beëindiging zonder contact"), max_length=64,
                                   blank=True)
    approach_again_on = models.DateField(_("opnieuw benaderen op"), null=True, blank=True)
    reopens = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="reopened_by", verbose_name=_("heropent zaak"))
    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("mogelijk dubbel met"))
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.APP,
                              editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("bemiddelingszaak")
        verbose_name_plural = _("bemiddelingszaken")
        indexes = [
            models.Index(fields=["participant", "state"]),
            models.Index(fields=["received_on"]),
            models.Index(fields=["closed_on"]),
            models.Index(fields=["organisation", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(~models.Q(contact_form="") & ~models.Q(stop_reason="")),
                name="mediation_contact_or_stop_reason"),
        ]

    def __str__(self) -> str:
        return self.ref

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self._audit_snapshot = snapshot(self)

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def had_contact(self) -> bool:
        return bool(self.contact_form)


class CaseMediator(AuditedModel):
    """A mediator on a case. Being on a case (no `ended_on`) opens its sealed compartment."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="mediators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="mediation_assignments", verbose_name=_("bemiddelaar"))
    assigned_on = models.DateField(_("toegewezen op"))
    ended_on = models.DateField(_("tot"), null=True, blank=True)

    class Meta:
        ordering = ["assigned_on", "id"]
        verbose_name = _("bemiddelaar op een zaak")
        verbose_name_plural = _("bemiddelaars op zaken")
        indexes = [models.Index(fields=["user", "ended_on"])]


class CaseStep(AuditedModel):
    """One recorded step of the workflow: who, when, why. Never changed afterwards; replaying a
    case's steps (`workflows.replay`) rebuilds its state."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("stap"), max_length=32)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32)
    on = models.DateField(_("datum"))
    code = models.CharField(max_length=64, blank=True)  # reason code or contact form
    answer = models.CharField(max_length=16, blank=True)  # the other party: yes, not_yet, no
    until = models.DateField(null=True, blank=True)  # "not yet": approach again on
    reason = SealedTextField(_("toelichting"), max_length=2000)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("door"))
    actor_label = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("stap in een bemiddelingszaak")
        verbose_name_plural = _("stappen in bemiddelingszaken")
        indexes = [models.Index(fields=["case", "on", "id"])]


class PartyKind(models.TextChoices):
    VICTIM = "victim", _("slachtoffer")
    SURVIVING_RELATIVE = "surviving_relative", _("nabestaande")
    REPRESENTATIVE = "representative", _("vertegenwoordiger of ouder")
    OFFENDER = "offender", _("dader")
    THIRD_PARTY = "third_party", _("derde")
    SUPPORT = "support", _("steunfiguur")


class Party(AuditedModel):
    """A person on one side of the case. Victim and surviving-relative identities and contact
    details live only here, sealed."""

    audit_exclude_fields = frozenset({"updated_at"})

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("kant"), max_length=16, choices=Side.choices)
    kind = models.CharField(_("soort"), max_length=32, choices=PartyKind.choices)
    name = SealedTextField(_("naam"), max_length=200)
    address = SealedTextField(_("adres"), max_length=300)
    phone = SealedTextField(_("telefoon"), max_length=64)
    email = SealedTextField(_("e-mail"), max_length=200)
    notes = SealedTextField(_("aantekeningen"), max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["side", "id"]
        verbose_name = _("partij")
        verbose_name_plural = _("partijen")

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self._audit_snapshot = snapshot(self)


class ConversationMode(models.TextChoices):
    IN_PERSON = "in_person", _("gesprek op locatie")
    PHONE = "phone", _("telefonisch")
    VIDEO = "video", _("beeldbellen")
    LETTER = "letter", _("brief of e-mail")


class Conversation(AuditedModel):
    """The mediator's conversation log, per side (intake, preparation, follow-up call, …)."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE,
                             related_name="conversations")
    side = models.CharField(_("met"), max_length=16, choices=Side.choices)
    on = models.DateField(_("datum"))
    mode = models.CharField(_("hoe"), max_length=16, choices=ConversationMode.choices)
    notes = SealedTextField(_("aantekeningen"), max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("gesprek")
        verbose_name_plural = _("gesprekken")


class MessageForm(models.TextChoices):
    LETTER = "letter", _("brief")
    ORAL = "oral", _("mondelinge boodschap")
    VIDEO = "video", _("videoboodschap")


class Message(AuditedModel):
    """A letter or message passed between the parties through the mediator (never through
    regular prison staff)."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="messages")
    from_side = models.CharField(_("van"), max_length=16, choices=Side.choices)
    form = models.CharField(_("vorm"), max_length=16, choices=MessageForm.choices)
    on = models.DateField(_("datum"))
    content = SealedTextField(_("inhoud"), max_length=20000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("brief of boodschap")
        verbose_name_plural = _("brieven en boodschappen")


class Condition(AuditedModel):
    """A condition one side sets for the contact (in preparation)."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="conditions")
    side = models.CharField(_("gesteld door"), max_length=16, choices=Side.choices)
    on = models.DateField(_("datum"))
    text = SealedTextField(_("voorwaarde"), max_length=1000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("voorwaarde")
        verbose_name_plural = _("voorwaarden")


class ContactMoment(AuditedModel):
    """One form of contact between the parties (a case can have several)."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE,
                             related_name="contact_moments")
    step = models.OneToOneField(CaseStep, on_delete=models.PROTECT, related_name="contact")
    form = models.CharField(_("vorm"), max_length=64)  # mediation_contact_forms
    on = models.DateField(_("datum"))
    location = SealedTextField(_("locatie"), max_length=300)
    attendees = SealedTextField(_("aanwezig"), max_length=1000)
    support_persons = SealedTextField(_("steunfiguren"), max_length=1000)
    interpreter = models.BooleanField(_("tolk"), default=False)
    interpreter_language = SealedTextField(_("taal van de tolk"), max_length=64)
    message_kind = models.CharField(_("boodschappen"), max_length=16, blank=True,
                                    choices=[("oral", _("mondeling")), ("video", _("video"))])
    notes = SealedTextField(_("aantekeningen"), max_length=4000)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("contactmoment")
        verbose_name_plural = _("contactmomenten")


class CourtMediation(AuditedModel):
    """Mediation in strafzaken: while it runs for a matter, it takes precedence over a new
    herstelbemiddeling for the same matter."""

    participant = models.ForeignKey("participants.Participant", on_delete=models.PROTECT,
                                    related_name="court_mediations",
                                    verbose_name=_("deelnemer"))
    offence_category = models.CharField(_("soort delict"), max_length=64, blank=True)
    matter = SealedTextField(_("strafzaak (parketnummer)"), max_length=64)
    started_on = models.DateField(_("loopt sinds"))
    ended_on = models.DateField(_("afgerond op"), null=True, blank=True)
    note = SealedTextField(_("toelichting"), max_length=1000)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                      null=True, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("mediation in strafzaken")
        verbose_name_plural = _("mediations in strafzaken")

    @property
    def running(self) -> bool:
        return self.ended_on is None
