"""Consent and objection: a record with scope, date, evidence and withdrawal.

A participant's consent (or objection) is always about a **purpose** (what the information is
used for), optionally narrowed to one **partner** organisation (empty: every partner involved)
and to one **subject** (e.g. an intervention code or a mediation case; empty: everything under
the purpose), with a description of the data it covers. It is in force from `given_on` until it
is withdrawn (`withdrawn_on`) or expires (`valid_until`). Records are never deleted: withdrawal
is recorded with date, reason and who recorded it, so every partner can see what held when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from herstelpad.audit.registry import AuditedModel


class Kind(models.TextChoices):
    CONSENT = "consent", _("toestemming")
    OBJECTION = "objection", _("bezwaar")


class Purpose(models.TextChoices):
    INFORMATION_EXCHANGE = "information_exchange", _(
        "Informatie-uitwisseling tussen de netwerkpartners")
    INTERVENTION_REGISTRATION = "intervention_registration", _(
        "Registratie van deelname aan een interventie in het D&R-plan")
    INTERVENTION_CONTENT = "intervention_content", _(
        "Inhoudelijke terugkoppeling van een interventie aan de inrichting")
    MEDIATION_SHARING = "mediation_sharing", _(
        "Delen van de stand van herstelbemiddeling met de inrichting")
    FAMILY_INFORMATION = "family_information", _(
        "Informatie over kinderen en gezin delen met de gemeente")
    RESEARCH_DOSSIER = "research_dossier", _("Dossiergegevens gebruiken voor onderzoek")
    RESEARCH_INTERVIEWS = "research_interviews", _("Interviewgegevens gebruiken voor onderzoek")


class Consent(AuditedModel):
    participant = models.ForeignKey("participants.Participant", on_delete=models.CASCADE,
                                    related_name="consents", verbose_name=_("deelnemer"))
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices,
                            default=Kind.CONSENT)
    purpose = models.CharField(_("doel"), max_length=64, choices=Purpose.choices)
    partner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("partner"),
        help_text=_("Leeg: geldt voor alle betrokken partners."))
    subject = models.CharField(
        _("waarover"), max_length=64, blank=True,
        help_text=_("Bijvoorbeeld de code van een interventie; leeg: alles binnen het doel."))
    data_description = models.CharField(_("welke gegevens"), max_length=300, blank=True)
    given_on = models.DateField(_("gegeven op"))
    valid_until = models.DateField(_("geldig tot en met"), null=True, blank=True)
    evidence = models.CharField(
        _("vastgelegd als"), max_length=300,
        help_text=_("Bijvoorbeeld: ondertekend formulier in het dossier, mondeling in het "
                    "trajectgesprek van 3 maart."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("vastgelegd door"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    withdrawn_on = models.DateField(_("ingetrokken op"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reden van intrekking"), max_length=300, blank=True)
    delete_collected = models.BooleanField(
        _("verzamelde gegevens verwijderen"), default=False,
        help_text=_("Bij intrekking: de deelnemer wil dat wat al is verzameld wordt "
                    "verwijderd."))
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("intrekking vastgelegd door"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("toestemming of bezwaar")
        verbose_name_plural = _("toestemmingen en bezwaren")
        indexes = [models.Index(fields=["participant", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.purpose} ({self.participant_id})"

    def in_force_on(self, day) -> bool:
        return (self.given_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)
                and (self.valid_until is None or day <= self.valid_until))
