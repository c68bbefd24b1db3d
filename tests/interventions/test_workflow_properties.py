"""Property-based tests of the enrolment workflow: random sequences of steps never reach an
invalid state, and replaying the recorded steps rebuilds the current state — for the pure state
machine and through the service layer and the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad.interventions import services, workflows
from herstelpad.interventions.models import Enrolment, EnrolmentStep
from herstelpad.interventions.workflows import EnrolmentState, TransitionError
from tests.dossier import days_ago, make_participant
from tests.interventions.helpers import make_edition

START = dt.date(2024, 1, 1)
OUTCOMES = ["completed", *workflows.DROP_OUTCOMES, workflows.NOT_STARTED, "nonsense", ""]

step_lists = st.lists(st.tuples(
    st.sampled_from([*workflows.ACTIONS, "unknown"]),   # action
    st.integers(-3, 20),                                 # days after the previous attempt
    st.sampled_from(OUTCOMES),                           # outcome
    st.sampled_from(["mdo", "provider", ""]),            # decided by
    st.sampled_from(["", "omdat"]),                      # reason
    st.sampled_from([None, 1, 2]),                       # edition named by the step
    st.sampled_from(["approved", "started", "referred"]),  # status `register` opens in
), max_size=20)


def _check_invariants(state: EnrolmentState) -> None:
    assert state.status in workflows.STATUSES
    final_outcome = state.status in (workflows.COMPLETED, workflows.ENDED)
    assert bool(state.outcome) == final_outcome
    assert (state.outcome_on is not None) == final_outcome
    if state.status == workflows.COMPLETED:
        assert state.outcome == "completed"
    if state.status == workflows.ENDED:
        assert state.outcome in (*workflows.DROP_OUTCOMES, workflows.NOT_STARTED)
    if state.status == workflows.STARTED or state.outcome in workflows.DROP_OUTCOMES \
            or state.status == workflows.COMPLETED:
        assert state.edition is not None, "took part without an edition"


@given(step_lists)
def test_the_machine_never_reaches_an_invalid_state(steps):
    state, recorded, on = EnrolmentState(), [], START
    for action, delta, outcome, decided_by, reason, edition, opens in steps:
        on = on + dt.timedelta(days=delta)
        try:
            new = workflows.apply(state, action, on, reason=reason, outcome=outcome,
                                  decided_by=decided_by, edition=edition, status=opens)
        except TransitionError as exc:
            assert str(exc)  # refused with a message, and nothing changed
            continue
        _check_invariants(new)
        assert state.last_on is None or on >= state.last_on
        assert not state.is_final, "a step after a final status"
        if action in ("approve", "reject"):
            assert decided_by and reason
        if action == "end":
            assert reason
            assert (outcome == workflows.NOT_STARTED) == (state.status != workflows.STARTED)
        if state.status and action != "place":
            assert new.edition == state.edition, "only placing moves an enrolment"
        recorded.append({"action": action, "on": on, "reason": reason, "outcome": outcome,
                         "decided_by": decided_by, "edition": new.edition,
                         "to_status": new.status})
        state = new
    assert workflows.replay(recorded) == state


def test_a_tampered_history_does_not_replay():
    on = START
    history = [{"action": "refer", "on": on, "edition": 1, "to_status": "referred"},
               {"action": "start", "on": on, "edition": 1, "to_status": "started"}]
    with pytest.raises(TransitionError):
        workflows.replay(history)
    history = [{"action": "refer", "on": on, "edition": 1, "to_status": "approved"}]
    with pytest.raises(TransitionError):
        workflows.replay(history)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(step_lists)
def test_through_the_services_the_record_rebuilds_the_state(db, steps):
    with transaction.atomic():
        person = make_participant(entered_days_ago=300, sentence_days=900)
        first = make_edition("puinruimen", starts_days_ago=200, weeks=10, capacity=2)
        second = make_edition("puinruimen", starts_days_ago=100, weeks=10)
        editions = {None: None, 1: first, 2: second}
        enrolment = services.refer(person, actor=None, on=days_ago(250),
                                   intervention=first.intervention)
        on = enrolment.enrolled_on
        for action, delta, outcome, decided_by, reason, edition, _opens in steps:
            on = min(on + dt.timedelta(days=max(delta, 0)), days_ago(0))
            enrolment = Enrolment.objects.get(pk=enrolment.pk)
            try:
                services.transition(enrolment, actor=None, expected_version=enrolment.version,
                                    action=action, on=on, reason=reason, outcome=outcome,
                                    decided_by=decided_by, edition=editions[edition])
            except ValidationError as exc:
                assert exc.messages
                continue
        enrolment = Enrolment.objects.get(pk=enrolment.pk)
        state = services.replayed_state(enrolment)
        assert (state.status, state.edition, state.outcome, state.outcome_on) == (
            enrolment.status, enrolment.edition_id, enrolment.outcome, enrolment.outcome_on)
        _check_invariants(state)
        steps_recorded = list(EnrolmentStep.objects.filter(enrolment=enrolment).order_by("id"))
        assert steps_recorded[0].from_status == ""
        for before, after in zip(steps_recorded, steps_recorded[1:]):
            assert after.from_status == before.to_status
            assert after.on >= before.on
        assert enrolment.version == len(steps_recorded)
        transaction.set_rollback(True)
