"""The candidate funnel as a pure state machine (no database), shared by the service layer, the
import, the replay of a candidate's recorded steps and the property-based tests.

    "" ──register──▶ open at the route's first step
    open ──decide positive──▶ open at the next step … (last step) ──▶ approved
    open ──decide negative (written reason required)──▶ rejected
    open | approved ──withdraw──▶ withdrawn
    approved ──place──▶ placed
    rejected | withdrawn ──reopen (reason required)──▶ open at the step it closed in

A route is the tuple of the facility's step codes in order. The state names the current step
by code. Steps are dated and in date order (never before the previous step).
`placed`, and (until reopened) `rejected` and `withdrawn`, are final.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from herstelpad.participants.workflows import TransitionError

OPEN, APPROVED, PLACED, REJECTED, WITHDRAWN = "open", "approved", "placed", "rejected", "withdrawn"
STATES = (OPEN, APPROVED, PLACED, REJECTED, WITHDRAWN)
FINAL = (PLACED, REJECTED, WITHDRAWN)
ACTIONS = ("register", "decide", "withdraw", "place", "reopen")
POSITIVE, NEGATIVE = "positive", "negative"

__all__ = ["CandidateState", "TransitionError", "apply", "replay", "allowed_actions", "STATES",
           "ACTIONS", "FINAL"]


@dataclass(frozen=True)
class CandidateState:
    state: str = ""               # "" before registration
    step: str = ""                # code of the current (or last) route step
    step_since: dt.date | None = None
    last_on: dt.date | None = None
    entered_on: dt.date | None = None
    closed_on: dt.date | None = None

    @property
    def is_final(self) -> bool:
        return self.state in FINAL


def allowed_actions(state: CandidateState) -> tuple[str, ...]:
    if state.state == "":
        return ("register",)
    if state.state == OPEN:
        return ("decide", "withdraw")
    if state.state == APPROVED:
        return ("place", "withdraw")
    if state.state in (REJECTED, WITHDRAWN):
        return ("reopen",)
    return ()


def apply(state: CandidateState, action: str, on: dt.date, route: tuple[str, ...], *,
          decision: str = "", reason: str = "", step: str = "") -> CandidateState:
    """The state after one step, or TransitionError saying why not. `step` is the step a
    decision is about (default: the current step); `register` may name the step to start in
    (a candidate entering later in the route, e.g. after a pre-scan elsewhere)."""
    if action not in ACTIONS:
        raise TransitionError(_("Onbekende stap: %(action)s.") % {"action": action})
    if on is None:
        raise TransitionError(_("Vul de datum van deze stap in."))
    if not route:
        raise TransitionError(_("Voor deze voorziening is geen instroomroute ingesteld."))
    if state.last_on is not None and on < state.last_on:
        raise TransitionError(_("De datum ligt voor de vorige stap van deze kandidaat "
                                "(%(date)s).") % {"date": date_format(state.last_on)})
    reason = (reason or "").strip()
    if action == "register":
        if state.state:
            raise TransitionError(_("Deze kandidaat is al aangemeld."))
        start = step or route[0]
        if start not in route:
            raise TransitionError(_("Onbekende stap in de route: %(step)s.") % {"step": start})
        return CandidateState(OPEN, start, on, on, on, None)
    if state.state == "":
        raise TransitionError(_("Een kandidaat begint met een aanmelding."))
    if action == "decide":
        if state.state != OPEN:
            raise TransitionError(_("Alleen over een kandidaat in selectie wordt besloten; deze "
                                    "kandidaat is %(state)s.") % {"state": state_label(state.state)})
        if step and step != state.step:
            raise TransitionError(_("De kandidaat staat in een andere stap; ververs de pagina."))
        if decision not in (POSITIVE, NEGATIVE):
            raise TransitionError(_("Kies het besluit: positief of negatief."))
        if decision == NEGATIVE:
            if not reason:
                raise TransitionError(_("Een afwijzing heeft een schriftelijke motivering. "
                                        "Schrijf op waarom de kandidaat wordt afgewezen."))
            return replace(state, state=REJECTED, last_on=on, closed_on=on)
        position = route.index(state.step) if state.step in route else len(route) - 1
        if position + 1 < len(route):
            return replace(state, step=route[position + 1], step_since=on, last_on=on)
        return replace(state, state=APPROVED, step_since=on, last_on=on)
    if action == "withdraw":
        if state.state not in (OPEN, APPROVED):
            raise TransitionError(_("Alleen een kandidaat in selectie of in afwachting van "
                                    "plaatsing kan zich terugtrekken."))
        return replace(state, state=WITHDRAWN, last_on=on, closed_on=on)
    if action == "place":
        if state.state != APPROVED:
            raise TransitionError(_("Plaatsen kan pas na een positief besluit in de laatste stap "
                                    "van de route."))
        return replace(state, state=PLACED, last_on=on, closed_on=on)
    # reopen
    if state.state not in (REJECTED, WITHDRAWN):
        raise TransitionError(_("Alleen een afgewezen of teruggetrokken kandidaat kan weer in "
                                "selectie worden genomen."))
    if not reason:
        raise TransitionError(_("Geef de reden om de kandidaat weer in selectie te nemen."))
    return replace(state, state=OPEN, step_since=on, last_on=on, closed_on=None)


def replay(steps: Iterable[tuple], route: tuple[str, ...]) -> CandidateState:
    """Rebuild the state from recorded steps: (action, on, decision, reason, step)."""
    state = CandidateState()
    for action, on, decision, reason, step in steps:
        state = apply(state, action, on, route, decision=decision, reason=reason, step=step)
    return state


def state_label(state: str) -> str:
    from herstelpad.facilities.models import CandidateState as Choices

    return str(Choices(state).label) if state in Choices.values else state
