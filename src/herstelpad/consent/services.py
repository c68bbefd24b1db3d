"""Recording, withdrawing and asking for consent. Every other part of Herstelpad asks here
(`in_force`, `participants_with`) rather than reading the table itself.

Semantics: a record applies to a question about (purpose, partner, subject) when its purpose is
the same, its partner is empty or the same, and its subject is empty or the same. For a day it
is in force from `given_on` up to but not including `withdrawn_on`, and up to and including
`valid_until`. An objection wins over a consent for the same question.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad import policy
from herstelpad.concurrency import check_version, save_versioned
from herstelpad.consent.models import Consent, Kind, Purpose


def _today() -> dt.date:
    return timezone.localdate()


def _require(actor, perm: str) -> None:
    if actor is not None and not policy.has_perm(actor, perm):
        raise PermissionDenied(perm)


def record(participant, *, actor, kind: str = Kind.CONSENT, purpose: str, given_on: dt.date,
           evidence: str, partner=None, subject: str = "", data_description: str = "",
           valid_until: dt.date | None = None) -> Consent:
    """Record a consent or an objection given by the participant."""
    _require(actor, "consent.manage")
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Kies toestemming of bezwaar.")]
    if purpose not in Purpose.values:
        errors["purpose"] = [_("Onbekend doel: %(value)s.") % {"value": purpose}]
    if given_on is None:
        errors["given_on"] = [_("Vul de datum in waarop de deelnemer dit gaf.")]
    elif given_on > _today():
        errors["given_on"] = [_("Deze datum ligt in de toekomst.")]
    if valid_until is not None and given_on is not None and valid_until < given_on:
        errors["valid_until"] = [_("Het einde van de geldigheid ligt voor de datum van "
                                   "geven.")]
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = [_("Leg vast hoe de deelnemer dit gaf (formulier, gesprek, …).")]
    subject = (subject or "").strip()
    if not errors and _matching(participant.pk, kind, purpose, partner, subject,
                                given_on).exists():
        errors["__all__"] = [_("Er staat al een %(kind)s vast met hetzelfde doel, dezelfde "
                               "partner en hetzelfde onderwerp.") % {
            "kind": Kind(kind).label}]
    if errors:
        raise ValidationError(errors)
    return Consent.objects.create(
        participant=participant, kind=kind, purpose=purpose, partner=partner, subject=subject,
        data_description=(data_description or "").strip(), given_on=given_on,
        valid_until=valid_until, evidence=evidence,
        recorded_by=actor if getattr(actor, "pk", None) else None)


def _matching(participant_id, kind, purpose, partner, subject, on):
    """Records in force on `on` for exactly this question (used to refuse duplicates)."""
    return _in_force_q(Consent.objects.filter(participant_id=participant_id, kind=kind,
                                              purpose=purpose, subject=subject,
                                              partner=partner), on)


def withdraw(consent: Consent, *, actor, expected_version, on: dt.date, reason: str = "",
             delete_collected: bool = False) -> Consent:
    """The participant withdraws a consent (or an objection). Nothing is deleted here; with
    `delete_collected` the wish to delete collected data is recorded for the data's owner."""
    _require(actor, "consent.manage")
    check_version(consent, expected_version)
    errors: dict[str, list[str]] = {}
    if consent.withdrawn_on is not None:
        errors["__all__"] = [_("Dit is al ingetrokken op %(date)s.") % {
            "date": consent.withdrawn_on.isoformat()}]
    elif on is None:
        errors["on"] = [_("Vul de datum van intrekking in.")]
    elif on < consent.given_on:
        errors["on"] = [_("De intrekking ligt voor de datum waarop het werd gegeven.")]
    elif on > _today():
        errors["on"] = [_("Deze datum ligt in de toekomst.")]
    if errors:
        raise ValidationError(errors)
    consent.withdrawn_on = on
    consent.withdrawal_reason = (reason or "").strip()
    consent.delete_collected = bool(delete_collected)
    consent.withdrawn_by = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        save_versioned(consent, expected_version,
                       ["withdrawn_on", "withdrawal_reason", "delete_collected", "withdrawn_by"])
    return consent


def _in_force_q(qs, on: dt.date):
    return qs.filter(given_on__lte=on).filter(
        models.Q(withdrawn_on__isnull=True) | models.Q(withdrawn_on__gt=on)).filter(
        models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on))


def applicable(purpose: str, *, partner=None, subject: str | None = None,
               on: dt.date | None = None):
    """The records in force on `on` (default today) that answer a question about `purpose`
    (for `partner` and `subject` when given)."""
    qs = Consent.objects.filter(purpose=purpose)
    partner_id = getattr(partner, "pk", partner)
    if partner_id is not None:
        qs = qs.filter(models.Q(partner__isnull=True) | models.Q(partner_id=partner_id))
    if subject is not None:
        qs = qs.filter(models.Q(subject="") | models.Q(subject=subject))
    return _in_force_q(qs, on or _today())


def in_force(participant, purpose: str, *, partner=None, subject: str | None = None,
             on: dt.date | None = None, kind: str = Kind.CONSENT) -> bool:
    """Is there a consent (or, with kind=objection, an objection) in force? A consent counts
    only when no objection for the same question is in force too."""
    participant_id = getattr(participant, "pk", participant)
    records = applicable(purpose, partner=partner, subject=subject, on=on).filter(
        participant_id=participant_id)
    kinds = set(records.values_list("kind", flat=True))
    if kind == Kind.OBJECTION:
        return Kind.OBJECTION in kinds
    return Kind.CONSENT in kinds and Kind.OBJECTION not in kinds


def participants_with(participant_ids, purpose: str, *, partner=None,
                      subject: str | None = None, on: dt.date | None = None,
                      kind: str = Kind.CONSENT) -> set[int]:
    """The ids among `participant_ids` (a list or a queryset of ids) for which `in_force`
    holds — one query, for lists."""
    rows = applicable(purpose, partner=partner, subject=subject, on=on).filter(
        participant_id__in=participant_ids).values_list("participant_id", "kind")
    consents, objections = set(), set()
    for participant_id, record_kind in rows:
        (objections if record_kind == Kind.OBJECTION else consents).add(participant_id)
    return objections if kind == Kind.OBJECTION else consents - objections


def for_participant(user, participant):
    """Every record of a participant the user may see, newest first."""
    return (policy.scope(user, Consent.objects.filter(participant=participant))
            .select_related("partner", "recorded_by", "withdrawn_by"))
