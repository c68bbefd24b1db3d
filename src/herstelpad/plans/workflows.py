"""The goal status workflow as a pure state machine (no database), shared by the service layer,
the replay of a goal's recorded history and the property-based tests.

- A goal starts `open` on the day it was set.
- From `open` it closes as `achieved`, `partially_achieved`, `not_achieved` or `withdrawn`, on a
  date (its `closed_on`); `not_achieved` and `withdrawn` need a reason.
- A closed goal can be reopened (back to `open`, with a reason); it then has no closing date.
  A closed goal is not switched straight to another closed status: reopen it first, so that the
  history says what happened.
- Steps are in date order, never before the goal was set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from herstelpad.participants.workflows import TransitionError

OPEN = "open"
CLOSED_STATUSES = ("achieved", "partially_achieved", "not_achieved", "withdrawn")
STATUSES = (OPEN, *CLOSED_STATUSES)
REASON_REQUIRED = ("not_achieved", "withdrawn")

__all__ = ["GoalState", "TransitionError", "apply_status", "replay_status", "start"]


@dataclass(frozen=True)
class GoalState:
    status: str
    closed_on: dt.date | None
    set_on: dt.date
    last_on: dt.date

    @property
    def is_closed(self) -> bool:
        return self.status != OPEN


def start(set_on: dt.date) -> GoalState:
    return GoalState(OPEN, None, set_on, set_on)


def apply_status(state: GoalState, status: str, on: dt.date, reason: str = "") -> GoalState:
    if status not in STATUSES:
        raise TransitionError(_("Onbekende stand van zaken: %(status)s.") % {"status": status})
    if on < state.set_on:
        raise TransitionError(_("De datum ligt voor de dag waarop het doel is afgesproken "
                                "(%(date)s).") % {"date": date_format(state.set_on)})
    if on < state.last_on:
        raise TransitionError(_("De datum ligt voor de vorige wijziging van dit doel "
                                "(%(date)s).") % {"date": date_format(state.last_on)})
    if status == state.status:
        raise TransitionError(_("Het doel heeft deze stand van zaken al."))
    if status == OPEN:
        if not reason.strip():
            raise TransitionError(_("Geef een reden om het doel te heropenen."))
        return GoalState(OPEN, None, state.set_on, on)
    if state.is_closed:
        raise TransitionError(_("Het doel is al afgesloten. Heropen het eerst als de stand van "
                                "zaken anders is."))
    if status in REASON_REQUIRED and not reason.strip():
        raise TransitionError(_("Geef een reden als een doel niet behaald is of vervalt."))
    return GoalState(status, on, state.set_on, on)


def replay_status(set_on: dt.date, steps: Iterable[tuple[str, dt.date, str]]) -> GoalState:
    """Rebuild the goal's state from its recorded history: (status, date, reason) after the
    initial `open` entry."""
    state = start(set_on)
    for status, on, reason in steps:
        state = apply_status(state, status, on, reason)
    return state
