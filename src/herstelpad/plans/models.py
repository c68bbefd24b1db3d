"""The D&R-plan and the participant's own action plan: plan versions with sign-off, goals per
life domain with status history and actions, the strengths inventory, and reviews.

Conventions as in `participants.models` (INTERCHANGE §2.2 for goals): `Goal.ref` is the
external key; `domain`, `status` are code strings validated by the service layer; editable
records carry `version`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.participants.models import REF_LENGTH, DossierModel, TimestampedModel


class Plan(DossierModel, TimestampedModel):
    """The D&R-plan of one episode (detention period). Made within four weeks of arrival; its
    content is in its versions."""

    audit_exclude_fields = frozenset({"updated_at"})

    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE,
                                    related_name="plans", verbose_name=_("deelnemer"))
    episode = models.OneToOneField("participants.Episode", on_delete=models.CASCADE,
                                   related_name="plan", verbose_name=_("detentieperiode"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["participant", "episode__number"]
        verbose_name = _("D&R-plan")
        verbose_name_plural = _("D&R-plannen")

    def __str__(self) -> str:
        return f"D&R-plan {self.participant.ref} #{self.episode.number}"


class SignOff(models.TextChoices):
    PENDING = "pending", _("nog niet ondertekend")
    SIGNED = "signed", _("ondertekend door de deelnemer")
    DECLINED = "declined", _("deelnemer wil niet ondertekenen")


class PlanVersion(DossierModel, TimestampedModel):
    """An established version of the plan: the casemanager's summary and agreements, with a
    snapshot of the goals at that moment, and the participant's sign-off."""

    audit_exclude_fields = frozenset({"updated_at"})

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions",
                             verbose_name=_("D&R-plan"))
    number = models.PositiveIntegerField(_("versie"))
    established_on = models.DateField(_("vastgesteld op"))
    established_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+",
                                       verbose_name=_("vastgesteld door"))
    summary = models.TextField(_("samenvatting en afspraken"))
    goal_snapshot = models.JSONField(_("doelen in deze versie"), default=list, blank=True,
                                     editable=False)
    sign_off = models.CharField(_("ondertekening"), max_length=16, choices=SignOff.choices,
                                default=SignOff.PENDING)
    sign_off_on = models.DateField(_("ondertekening vastgelegd voor"), null=True, blank=True)
    sign_off_note = models.CharField(_("toelichting bij de ondertekening"), max_length=500,
                                     blank=True)
    sign_off_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL,
                                             on_delete=models.SET_NULL, null=True, blank=True,
                                             related_name="+",
                                             verbose_name=_("ondertekening vastgelegd door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("versie van het D&R-plan")
        verbose_name_plural = _("versies van het D&R-plan")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_number_unique"),
        ]


class GoalStatus(models.TextChoices):
    OPEN = "open", _("loopt")
    ACHIEVED = "achieved", _("behaald")
    PARTIALLY_ACHIEVED = "partially_achieved", _("deels behaald")
    NOT_ACHIEVED = "not_achieved", _("niet behaald")
    WITHDRAWN = "withdrawn", _("vervallen")


class SetBy(models.TextChoices):
    PARTICIPANT = "participant", _("de deelnemer zelf")
    MENTOR = "mentor", _("de mentor")
    TOGETHER = "together", _("samen")


class Goal(DossierModel, TimestampedModel):
    audit_exclude_fields = frozenset({"updated_at"})

    ref = models.CharField(_("doelnummer"), max_length=REF_LENGTH, unique=True)
    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE,
                                    related_name="goals", verbose_name=_("deelnemer"))
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="goals", verbose_name=_("D&R-plan"))
    domain = models.CharField(_("leefgebied"), max_length=64)
    set_on = models.DateField(_("afgesproken op"))
    status = models.CharField(_("stand van zaken"), max_length=64, default=GoalStatus.OPEN)
    closed_on = models.DateField(_("afgesloten op"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("realisatie (1–5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Het oordeel van de professional bij uitstroom: 1 is niet gehaald, 5 is "
                    "volledig gehaald."))
    description = models.TextField(_("doel in de eigen woorden van de deelnemer"), blank=True)
    set_by = models.CharField(_("opgesteld door"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("vastgelegd door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["participant", "set_on", "id"]
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="goal_rating_1_to_5"),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("set_on")),
                name="goal_closed_after_set"),
            # An open goal has no closing date; a closed one has (INTERCHANGE §2.2).
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | (~models.Q(status="open") & models.Q(closed_on__isnull=False)),
                name="goal_closed_on_matches_status"),
        ]
        indexes = [models.Index(fields=["domain", "status"])]

    def __str__(self) -> str:
        return self.ref

    @property
    def status_label(self) -> str:
        return str(GoalStatus(self.status).label) if self.status in GoalStatus.values \
            else self.status

    @property
    def set_by_label(self) -> str:
        return str(SetBy(self.set_by).label) if self.set_by in SetBy.values else ""


class GoalStatusChange(DossierModel):
    """The status history of a goal: the first entry is `open` on the day the goal was set;
    replaying the entries gives the goal's current status and closing date."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="status_changes",
                             verbose_name=_("doel"))
    from_status = models.CharField(_("van"), max_length=64, blank=True)
    status = models.CharField(_("naar"), max_length=64)
    changed_on = models.DateField(_("datum"))
    reason = models.TextField(_("reden"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        ordering = ["goal", "changed_on", "id"]
        verbose_name = _("statuswijziging van een doel")
        verbose_name_plural = _("statuswijzigingen van doelen")

    @property
    def status_label(self) -> str:
        return str(GoalStatus(self.status).label) if self.status in GoalStatus.values \
            else self.status


class GoalAction(DossierModel, TimestampedModel):
    """A concrete step towards a goal, with who is responsible (a person or partner) and when."""

    audit_exclude_fields = frozenset({"updated_at"})

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions",
                             verbose_name=_("doel"))
    description = models.CharField(_("actie"), max_length=500)
    responsible = models.CharField(_("wie doet het"), max_length=200,
                                   help_text=_("Een persoon of partner, bijvoorbeeld: de "
                                               "deelnemer, de mentor, gemeente Enschede."))
    due_on = models.DateField(_("uiterlijk op"), null=True, blank=True)
    done_on = models.DateField(_("gedaan op"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("vastgelegd door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["goal", "due_on", "id"]
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        indexes = [models.Index(fields=["due_on", "done_on"])]


class StrengthsEntry(DossierModel, TimestampedModel):
    """The strengths inventory (krachteninventarisatie, Krachtwerk) for one life domain: how it
    is going now, what the participant wants, and what helps (own strengths, people, means)."""

    audit_exclude_fields = frozenset({"updated_at"})

    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE,
                                    related_name="strengths", verbose_name=_("deelnemer"))
    domain = models.CharField(_("leefgebied"), max_length=64)
    current_situation = models.TextField(_("hoe gaat het nu?"), blank=True)
    wishes = models.TextField(_("wat wil ik?"), blank=True)
    resources = models.TextField(_("wat helpt mij? (mijn krachten, mensen, middelen)"),
                                 blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("bijgewerkt door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["participant", "domain"]
        verbose_name = _("krachteninventarisatie")
        verbose_name_plural = _("krachteninventarisaties")
        constraints = [
            models.UniqueConstraint(fields=["participant", "domain"],
                                    name="strengths_one_per_domain"),
        ]


class ReviewKind(models.TextChoices):
    TRAJECTGESPREK = "trajectgesprek", _("trajectgesprek")
    MDO = "mdo", _("multidisciplinair overleg (MDO)")


class Review(DossierModel, TimestampedModel):
    """A review of the plan (trajectgesprek or MDO), about every six weeks; it schedules the
    next one."""

    audit_exclude_fields = frozenset({"updated_at"})

    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE,
                                    related_name="reviews", verbose_name=_("deelnemer"))
    episode = models.ForeignKey("participants.Episode", on_delete=models.CASCADE,
                                related_name="reviews", verbose_name=_("detentieperiode"))
    kind = models.CharField(_("soort"), max_length=16, choices=ReviewKind.choices)
    held_on = models.DateField(_("gehouden op"))
    attendees = models.CharField(_("aanwezig"), max_length=500)
    decisions = models.TextField(_("besluiten en afspraken"))
    next_review_on = models.DateField(_("volgend gesprek gepland op"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["participant", "held_on", "id"]
        verbose_name = _("trajectgesprek of MDO")
        verbose_name_plural = _("trajectgesprekken en MDO's")
        constraints = [
            models.CheckConstraint(condition=models.Q(next_review_on__gt=models.F("held_on")),
                                   name="review_next_after_held"),
        ]
