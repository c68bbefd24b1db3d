"""What the prison may know of a mediation case: the participant's consent to share
(`mediation_sharing`).

A case is shared with the prison when `consent.services.in_force(participant,
"mediation_sharing", partner=case.organisation, subject=case.ref)` holds: a consent for that
purpose is in force today, for every partner or the case's mediation organisation, about every
case or this one, and no objection for the same question is in force. For lists and scope rules
the same question is asked in SQL (`shared_with_prison`), built on `consent.services.applicable`
so that the dates of validity and withdrawal are decided in one place; a test checks that both
agree (`tests/mediation/test_sharing.py`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from herstelpad.consent import services as consent
from herstelpad.consent.models import Kind

PURPOSE = "mediation_sharing"


def shared_with_prison(on: dt.date | None = None, *, case_path: str = "") -> Q:
    """A filter on `MediationCase` (or, with `case_path`, on a model that points at a case):
    the participant agreed to share this case with the prison."""
    prefix = f"{case_path}__" if case_path else ""
    records = consent.applicable(PURPOSE, on=on).filter(
        participant_id=OuterRef(f"{prefix}participant_id")).filter(
        Q(subject="") | Q(subject=OuterRef(f"{prefix}ref"))).filter(
        Q(partner__isnull=True) | Q(partner_id=OuterRef(f"{prefix}organisation_id")))
    return Q(Exists(records.filter(kind=Kind.CONSENT))) & ~Q(
        Exists(records.filter(kind=Kind.OBJECTION)))


def is_shared(case, on: dt.date | None = None) -> bool:
    """The same question for one case, through `consent.services.in_force`."""
    if case.participant_id is None:
        return False
    return consent.in_force(case.participant_id, PURPOSE, partner=case.organisation_id,
                            subject=case.ref, on=on)
