"""Property-based tests of the two workflows: random sequences of steps never reach an invalid
state, and replaying the recorded history rebuilds the current state — for the pure state
machines and through the service layer and the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad.participants import services as participants
from herstelpad.participants.models import RegimeChange
from herstelpad.participants.workflows import (
    PROMOTION_BLOCK,
    RegimeState,
    TransitionError,
    apply_regime,
    replay_regime,
)
from herstelpad.plans import services as plans
from herstelpad.plans import workflows as goals
from herstelpad.plans.models import Goal
from tests.dossier import make_goal, make_participant

START = dt.date(2024, 1, 1)
REGIME_KINDS = ["start", "promotion", "demotion", "exclusion"]

regime_steps = st.lists(st.tuples(st.sampled_from(REGIME_KINDS), st.integers(-5, 40),
                                  st.sampled_from(["basic", "plus", "nonsense"])),
                        max_size=25)
goal_steps = st.lists(st.tuples(st.sampled_from([*goals.STATUSES, "unknown"]),
                                st.integers(-3, 30), st.sampled_from(["", "omdat"])),
                      max_size=25)


def _check_regime_history(accepted):
    """Invariants over an accepted history of (kind, date, regime after)."""
    blocked_until = None
    regime = None
    last = None
    for kind, on, after in accepted:
        assert after in ("basic", "plus")
        assert last is None or on >= last
        if kind == "start":
            assert regime is None
        if kind == "promotion":
            assert regime == "basic" and after == "plus"
            assert blocked_until is None or on >= blocked_until, "promoted within six weeks"
        if kind == "demotion":
            assert regime == "plus" and after == "basic"
            blocked_until = on + PROMOTION_BLOCK
        if kind == "exclusion":
            assert regime == "basic" and after == "basic"
            blocked_until = max(blocked_until or on, on + PROMOTION_BLOCK)
        regime, last = after, on


@given(regime_steps)
def test_regime_machine_never_reaches_an_invalid_state(steps):
    state, accepted, on = RegimeState(), [], START
    for kind, delta, regime in steps:
        on = on + dt.timedelta(days=delta)
        try:
            state = apply_regime(state, kind, on, regime)
        except TransitionError as exc:
            assert str(exc)  # refused with a message
            continue
        accepted.append((kind, on, state.regime))
    _check_regime_history(accepted)
    assert replay_regime(accepted) == state


@given(goal_steps)
def test_goal_machine_never_reaches_an_invalid_state(steps):
    set_on = START
    state, accepted, on = goals.start(set_on), [], set_on
    for status, delta, reason in steps:
        on = on + dt.timedelta(days=delta)
        try:
            new = goals.apply_status(state, status, on, reason)
        except TransitionError as exc:
            assert str(exc)
            continue
        # Invariants of every accepted step.
        assert new.status in goals.STATUSES
        assert (new.closed_on is None) == (new.status == goals.OPEN)
        assert new.closed_on is None or new.closed_on >= set_on
        assert not (state.is_closed and new.is_closed), "closed to closed without reopening"
        if status in goals.REASON_REQUIRED or (status == goals.OPEN):
            assert reason
        state = new
        accepted.append((status, on, reason))
    assert goals.replay_status(set_on, accepted) == state


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(regime_steps)
def test_regime_through_the_services_rebuilds_from_the_record(db, steps):
    with transaction.atomic():
        person = make_participant(entered_days_ago=400, sentence_days=800)
        stay = person.current_stay
        on = stay.entered_on
        for kind, delta, regime in steps:
            on = min(on + dt.timedelta(days=max(delta, 0)), participants.today())
            try:
                participants.change_regime(stay, actor=None, kind=kind, on=on,
                                           reason="reden", regime=regime)
            except ValidationError:
                continue
        recorded = [(c.kind, c.changed_on, c.regime) for c in RegimeChange.objects.filter(
            stay__episode=stay.episode_id).order_by("changed_on", "id")]
        _check_regime_history(recorded)
        assert participants.regime_state(stay.episode_id) == replay_regime(recorded)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(goal_steps)
def test_goal_status_through_the_services_rebuilds_from_the_record(db, steps):
    with transaction.atomic():
        person = make_participant(entered_days_ago=200)
        goal = make_goal(person, set_on=participants.today() - dt.timedelta(days=150))
        on = goal.set_on
        for status, delta, reason in steps:
            on = min(on + dt.timedelta(days=max(delta, 0)), participants.today())
            goal = Goal.objects.get(pk=goal.pk)
            try:
                plans.change_goal_status(goal, actor=None, expected_version=goal.version,
                                         status=status, on=on, reason=reason)
            except ValidationError:
                continue
        goal = Goal.objects.get(pk=goal.pk)
        state = plans.goal_state(goal)
        assert (state.status, state.closed_on) == (goal.status, goal.closed_on)
        changes = list(goal.status_changes.order_by("changed_on", "id"))
        assert changes[0].status == "open" and changes[0].from_status == ""
        for before, after in zip(changes, changes[1:]):
            assert after.from_status == before.status
        assert goal.version == len(changes)
        transaction.set_rollback(True)
