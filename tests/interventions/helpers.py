"""Helpers for the intervention tests: editions and enrolments made through the services (as
the system, so without a role check unless an actor is given)."""

from __future__ import annotations

import datetime as dt

from herstelpad.interventions import services
from herstelpad.interventions.models import Enrolment, Intervention
from tests.dossier import days_ago, institution, make_participant  # noqa: F401


def offer(code: str) -> Intervention:
    return Intervention.objects.get(code=code)


def make_edition(code="puinruimen", at="PI-ARNHEM", starts_days_ago=10, weeks=10, actor=None,
                 **fields):
    starts_on = days_ago(starts_days_ago)
    fields.setdefault("ends_on", starts_on + dt.timedelta(weeks=weeks))
    return services.create_edition(actor=actor, intervention=offer(code),
                                   institution=institution(at), starts_on=starts_on, **fields)


def step(enrolment: Enrolment, action: str, on=None, actor=None, **extra) -> Enrolment:
    enrolment.refresh_from_db()
    services.transition(enrolment, actor=actor, expected_version=enrolment.version,
                        action=action, on=on or enrolment.enrolled_on, **extra)
    enrolment.refresh_from_db()
    return enrolment


APPROVE = {"decided_by": "provider", "reason": "Gemotiveerd."}


def enrol(person, edition, *, to="started", on=None, actor=None, **refer) -> Enrolment:
    """Refer `person` to `edition` and walk the workflow up to status `to`."""
    on = on or max(edition.starts_on - dt.timedelta(days=5), person.current_stay.entered_on)
    enrolment = services.refer(person, actor=actor, edition=edition, on=on, **refer)
    if to == "referred":
        return enrolment
    if to == "rejected":
        return step(enrolment, "reject", on, actor, decided_by="mdo", reason="Past nu niet.")
    enrolment = step(enrolment, "approve", on, actor, **APPROVE)
    if to == "approved":
        return enrolment
    start = max(on, edition.starts_on)
    enrolment = step(enrolment, "start", start, actor)
    if to == "completed":
        return step(enrolment, "complete", start, actor)
    if to == "ended":
        return step(enrolment, "end", start, actor, outcome="dropped_own_choice",
                    reason="Wilde stoppen.")
    return enrolment


# --- Imported data with hand-computed expectations (tests of the KINDs and the report) ----------

EDITIONS_CSV = """edition_ref,intervention,institution,starts_on,ends_on
ED-1,puinruimen,PI-ARNHEM,2024-02-05,2024-04-08
ED-2,puinruimen,PI-ARNHEM,2024-09-02,
ED-3,aan-de-bak,PI-ARNHEM,2024-03-04,2024-04-15
ED-4,puinruimen,PI-ARNHEM,2025-01-13,2025-03-17
ED-5,sos-group,PI-ALMELO,2025-02-03,2025-03-31
ED-6,aan-de-bak,PI-ZWOLLE,2025-06-02,2025-07-14
"""
# P1 takes Puinruimen twice in 2024 (counted once); P3 never starts the first one; EN-4 is
# still running; ED-6's only enrolment never started.
ENROLMENTS_CSV = """enrolment_ref,edition_ref,participant_ref,enrolled_on,outcome,outcome_on
EN-1,ED-1,P1,2024-01-20,completed,2024-04-08
EN-2,ED-1,P2,2024-01-20,dropped_transfer,2024-03-01
EN-3,ED-1,P3,2024-01-22,not_started,2024-02-05
EN-4,ED-2,P1,2024-08-20,,
EN-5,ED-2,P4,2024-08-21,completed,2024-11-04
EN-6,ED-3,P2,2024-02-20,completed,2024-04-15
EN-7,ED-3,P3,2024-02-20,expelled,2024-03-20
EN-8,ED-4,P5,2025-01-02,completed,2025-03-17
EN-9,ED-5,P4,2025-01-20,dropped_release,2025-02-20
EN-10,ED-6,P5,2025-05-20,not_started,2025-06-02
"""
# By hand, from the two files above (year of starts_on, intervention code):
REPORT_ROWS = [
    [2024, "aan-de-bak", 1, 2, 1],   # ED-3: P2 completed, P3 expelled
    [2024, "puinruimen", 2, 3, 2],   # ED-1, ED-2: P1, P2, P4 took part (P3 did not start)
    [2025, "aan-de-bak", 1, 0, 0],   # ED-6: P5 did not start
    [2025, "puinruimen", 1, 1, 1],   # ED-4: P5 completed
    [2025, "sos-group", 1, 1, 0],    # ED-5: P4 dropped out at release
]


def csv_file(text: str):
    import io

    return io.BytesIO(text.encode("utf-8"))


def import_csv(kind: str, text: str, *, user=None, dry_run=False):
    from herstelpad.imports import services as imports

    result, _run = imports.import_file(kind, csv_file(text), user=user, channel="cli",
                                       filename=f"{kind}.csv", dry_run=dry_run)
    return result


def imported_data():
    """The participants P1–P5 (at PI Arnhem since 2023) and the two files imported."""
    for n in range(1, 6):
        make_participant(ref=f"P{n}", entered_days_ago=(days_ago(0) - dt.date(2023, 6, 1)).days,
                         sentence_days=2000)
    for kind, text in (("editions", EDITIONS_CSV), ("enrolments", ENROLMENTS_CSV)):
        result = import_csv(kind, text)
        assert result.ok, [str(e) for e in result.errors]
