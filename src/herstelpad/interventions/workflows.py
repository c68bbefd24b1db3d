"""The enrolment workflow as a pure state machine (no database), shared by the service layer,
the import (whose steps must replay too), the replay of a recorded history and the
property-based tests.

    referred ─┬─ intake ─┬─ approved ── started ─┬─ completed   (outcome `completed`)
              │          │                        └─ ended       (dropped_*, expelled)
              ├──────────┴─ rejected                  (by the MDO or the provider, reason)
              └─ (referred | intake | approved) ── ended (outcome `not_started`, reason)

- `refer` opens an enrolment (``""`` → referred), in an edition or on the waiting list for the
  next one (no edition); `register` opens it straight as `approved` or `started` — only for a
  provider's participant list (the import), which records participation, not the referral.
- `intake` (optional) and the decision: `approve` or `reject`, each by the MDO or the
  provider (`decided_by`) with a reason.
- `place` puts a waiting enrolment into an edition (the status does not change).
- `start` needs an edition; then `complete` (outcome `completed`) or `end` with an outcome of
  `enrolment_outcomes.csv` (`dropped_transfer`, `dropped_release`, `dropped_own_choice`,
  `expelled`) and a reason. Before the start, `end` means the participant never started:
  outcome `not_started`, with a reason.
- `rejected`, `completed` and `ended` are final. Steps are in date order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from herstelpad.participants.workflows import TransitionError

REFERRED, INTAKE, APPROVED, REJECTED = "referred", "intake", "approved", "rejected"
STARTED, COMPLETED, ENDED = "started", "completed", "ended"
STATUSES = (REFERRED, INTAKE, APPROVED, REJECTED, STARTED, COMPLETED, ENDED)
FINAL = (REJECTED, COMPLETED, ENDED)
BEFORE_START = (REFERRED, INTAKE, APPROVED)

ACTIONS = ("refer", "register", "intake", "approve", "reject", "place", "start", "complete",
           "end")
DECIDERS = ("mdo", "provider")
NOT_STARTED = "not_started"
COMPLETED_OUTCOME = "completed"
DROP_OUTCOMES = ("dropped_transfer", "dropped_release", "dropped_own_choice", "expelled")

__all__ = ["EnrolmentState", "TransitionError", "apply", "replay", "allowed_actions",
           "STATUSES", "ACTIONS", "FINAL"]


@dataclass(frozen=True)
class EnrolmentState:
    status: str = ""                 # "" before the first step
    edition: int | None = None       # the edition's id, None on the waiting list
    outcome: str = ""
    outcome_on: dt.date | None = None
    last_on: dt.date | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


def allowed_actions(state: EnrolmentState) -> tuple[str, ...]:
    """The steps that can follow (for the buttons on a page; `apply` has the final word)."""
    status = state.status
    if status == "":
        return ("refer", "register")
    if status == REFERRED:
        return ("intake", "approve", "reject", "place", "end")
    if status == INTAKE:
        return ("approve", "reject", "place", "end")
    if status == APPROVED:
        return ("place", "start", "end") if state.edition else ("place", "end")
    if status == STARTED:
        return ("complete", "end")
    return ()


def apply(state: EnrolmentState, action: str, on: dt.date, *, reason: str = "",
          outcome: str = "", decided_by: str = "", edition: int | None = None,
          status: str = "") -> EnrolmentState:
    """The state after one step, or TransitionError saying why not. `edition` is the edition
    the step names (refer, register, place); `status` the status `register` opens in."""
    if action not in ACTIONS:
        raise TransitionError(_("Onbekende stap: %(action)s.") % {"action": action})
    if on is None:
        raise TransitionError(_("Vul de datum van deze stap in."))
    if state.last_on is not None and on < state.last_on:
        raise TransitionError(_("De datum ligt voor de vorige stap van deze deelname "
                                "(%(date)s).") % {"date": date_format(state.last_on)})
    reason = (reason or "").strip()
    if state.status == "":
        if action == "refer":
            return EnrolmentState(REFERRED, edition, "", None, on)
        if action == "register":
            if status not in (APPROVED, STARTED):
                raise TransitionError(_("Een deelnemerslijst schrijft in als toegelaten of "
                                        "deelnemend."))
            if status == STARTED and edition is None:
                raise TransitionError(_("Deelnemen kan alleen in een editie."))
            return EnrolmentState(status, edition, "", None, on)
        raise TransitionError(_("Een deelname begint met een aanmelding."))
    if action in ("refer", "register"):
        raise TransitionError(_("Deze deelname is al aangemeld."))
    if state.is_final:
        raise TransitionError(_("Deze deelname is afgesloten (%(status)s); er volgt geen stap "
                                "meer. Meld de deelnemer zo nodig opnieuw aan.")
                              % {"status": _status_label(state.status)})
    if action == "intake":
        if state.status != REFERRED:
            raise TransitionError(_("Een intake volgt op de aanmelding."))
        return replace(state, status=INTAKE, last_on=on)
    if action in ("approve", "reject"):
        if state.status not in (REFERRED, INTAKE):
            raise TransitionError(_("Over toelating wordt besloten na de aanmelding of de "
                                    "intake; deze deelname is al %(status)s.")
                                  % {"status": _status_label(state.status)})
        if decided_by not in DECIDERS:
            raise TransitionError(_("Geef aan wie besloot: het MDO of de aanbieder."))
        if not reason:
            raise TransitionError(_("Geef de reden van het besluit."))
        return replace(state, status=APPROVED if action == "approve" else REJECTED, last_on=on)
    if action == "place":
        if state.status not in BEFORE_START:
            raise TransitionError(_("Alleen wie nog niet is begonnen, wordt in een editie "
                                    "geplaatst."))
        if edition is None:
            raise TransitionError(_("Kies de editie."))
        if edition == state.edition:
            raise TransitionError(_("De deelnemer staat al in deze editie."))
        return replace(state, edition=edition, last_on=on)
    if action == "start":
        if state.status != APPROVED:
            raise TransitionError(_("Starten kan na toelating."))
        if state.edition is None:
            raise TransitionError(_("Plaats de deelnemer eerst in een editie."))
        return replace(state, status=STARTED, last_on=on)
    if action == "complete":
        if state.status != STARTED:
            raise TransitionError(_("Afronden kan alleen na de start."))
        return replace(state, status=COMPLETED, outcome=COMPLETED_OUTCOME, outcome_on=on,
                       last_on=on)
    # action == "end"
    if not reason:
        raise TransitionError(_("Geef de reden waarom de deelname stopt."))
    if state.status == STARTED:
        if outcome not in DROP_OUTCOMES:
            raise TransitionError(_("Kies waarom de deelnemer stopte: overplaatsing, "
                                    "vrijlating, eigen keuze of uitgesloten."))
    elif outcome != NOT_STARTED:
        raise TransitionError(_("Deze deelnemer is nog niet begonnen: de uitkomst is 'niet "
                                "gestart'."))
    return replace(state, status=ENDED, outcome=outcome, outcome_on=on, last_on=on)


def replay(steps: Iterable[dict]) -> EnrolmentState:
    """Rebuild the state from recorded steps: dicts with action, on, reason, outcome,
    decided_by, edition (the edition after the step) and to_status."""
    state = EnrolmentState()
    for step in steps:
        named_edition = step.get("edition") if step["action"] in ("refer", "register",
                                                                  "place") else None
        state = apply(state, step["action"], step["on"], reason=step.get("reason", ""),
                      outcome=step.get("outcome", ""), decided_by=step.get("decided_by", ""),
                      edition=named_edition, status=step.get("to_status", ""))
        if state.status != step["to_status"] or state.edition != step.get("edition"):
            raise TransitionError(_("De vastgelegde geschiedenis van deze deelname is niet "
                                    "consistent."))
    return state


def _status_label(status: str) -> str:
    from herstelpad.interventions.models import EnrolmentStatus

    return str(EnrolmentStatus(status).label) if status in EnrolmentStatus.values else status
