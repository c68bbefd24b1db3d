"""The regime workflow as a pure state machine (no database), so that the service layer, the
replay of a recorded history and the property-based tests share one definition.

Rules (Rspog art. 1d; DBT "toetsingskader promoveren en degraderen"):
- an episode starts in a regime (on arrival: the basic programme) — `start`, once;
- `promotion`: basic → plus, not before the end of a block;
- `demotion`: plus → basic, and promotion is blocked for at least six weeks;
- `exclusion` (uitsluiting van promotie): in the basic programme, promotion is blocked for at
  least six weeks;
- steps are in date order; every step but the start needs a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

REGIMES = ("basic", "plus")
PROMOTION_BLOCK = dt.timedelta(weeks=6)


class TransitionError(ValueError):
    """An invalid workflow step; the message says why, in the user's language."""


@dataclass(frozen=True)
class RegimeState:
    regime: str | None = None           # None until the episode's start is recorded
    blocked_until: dt.date | None = None  # promotion possible from this date
    last_on: dt.date | None = None

    def can_promote_on(self, on: dt.date) -> bool:
        return self.regime == "basic" and (self.blocked_until is None
                                           or on >= self.blocked_until)


def apply_regime(state: RegimeState, kind: str, on: dt.date, regime: str = "") -> RegimeState:
    """The state after one step, or TransitionError."""
    if state.last_on is not None and on < state.last_on:
        raise TransitionError(_("De datum ligt voor de vorige stap in het regime (%(date)s).")
                              % {"date": date_format(state.last_on)})
    if kind == "start":
        if state.regime is not None:
            raise TransitionError(_("Het regime van deze detentieperiode is al vastgelegd; leg "
                                    "een promotie, degradatie of uitsluiting vast."))
        if regime not in REGIMES:
            raise TransitionError(_("Kies het basisprogramma of het plusprogramma."))
        return RegimeState(regime, None, on)
    if state.regime is None:
        raise TransitionError(_("Leg eerst het regime bij binnenkomst vast."))
    if kind == "promotion":
        if state.regime != "basic":
            raise TransitionError(_("Promoveren kan alleen vanuit het basisprogramma."))
        if state.blocked_until is not None and on < state.blocked_until:
            raise TransitionError(
                _("Promoveren kan pas vanaf %(date)s: na een degradatie of een uitsluiting van "
                  "promotie geldt minimaal zes weken.")
                % {"date": date_format(state.blocked_until)})
        return RegimeState("plus", state.blocked_until, on)
    if kind == "demotion":
        if state.regime != "plus":
            raise TransitionError(_("Degraderen kan alleen vanuit het plusprogramma; in het "
                                    "basisprogramma legt u een uitsluiting van promotie vast."))
        return RegimeState("basic", on + PROMOTION_BLOCK, on)
    if kind == "exclusion":
        if state.regime != "basic":
            raise TransitionError(_("Uitsluiting van promotie geldt in het basisprogramma; in "
                                    "het plusprogramma legt u een degradatie vast."))
        until = on + PROMOTION_BLOCK
        if state.blocked_until is not None and state.blocked_until > until:
            until = state.blocked_until
        return RegimeState("basic", until, on)
    raise TransitionError(_("Onbekende stap in het regime: %(kind)s.") % {"kind": kind})


def replay_regime(steps: Iterable[tuple[str, dt.date, str]]) -> RegimeState:
    """Rebuild the state from recorded steps (kind, date, regime after the step)."""
    state = RegimeState()
    for kind, on, regime in steps:
        state = apply_regime(state, kind, on, regime)
        if state.regime != regime:
            raise TransitionError(_("De vastgelegde geschiedenis is niet consistent."))
    return state
