"""The herstelbemiddeling workflow: random step sequences never reach an invalid state, and
replaying the recorded steps rebuilds the state — for the pure state machine and through the
services and the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad.mediation import services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import CaseMediator, CaseStep
from herstelpad.participants.workflows import TransitionError
from tests.mediation.helpers import make_case, step

START = dt.date(2024, 3, 1)
FORMS = ("letter", "meeting", "shuttle", "group")
STOPS = ("victim_declined", "mediator_stopped", "offender_withdrew", "no_victim_data", "other")
CODES = st.sampled_from(["", "letter", "meeting", "victim_declined", "other", "duplicate",
                         "withdrawn", "nonsense"])
steps_strategy = st.lists(st.tuples(
    st.sampled_from([a for a in wf.ACTIONS] + ["fly"]),
    st.integers(-2, 20),
    CODES,
    st.sampled_from(["", *wf.ANSWERS, "maybe"]),
    st.one_of(st.none(), st.integers(-3, 60)),
    st.sampled_from(["", "omdat"]),
), max_size=30)


def check_history(received_on, accepted):
    """Invariants over an accepted history of (step, state after)."""
    previous = wf.start(received_on)
    for s, after in accepted:
        assert after.state in wf.STATES
        assert s.on >= previous.last_on and s.on >= received_on
        assert previous.state != wf.CLOSED, "a step after closure"
        if s.action in wf.REASON_REQUIRED:
            assert s.reason
        if s.action == wf.ASSIGN:
            assert previous.state == wf.REGISTERED and after.assigned_on == s.on
        if s.action == wf.NOT_ASSIGNED:
            assert previous.assigned_on is None and after.not_assigned_reason
        if s.action == wf.RESUME:
            assert previous.state == wf.PAUSED and after.state == previous.paused_from
            assert after.state in wf.ACTIVE
        if s.action == wf.PAUSE:
            assert previous.state in wf.ACTIVE and after.paused_from == previous.state
        if s.action == wf.RECORD_CONTACT:
            assert previous.state in (wf.PREPARATION, wf.CONTACT)
        if s.action == wf.CLOSE:
            assert previous.state == wf.FOLLOW_UP
        if s.action == wf.ANSWER:
            assert previous.state in (wf.APPROACHED, wf.CONVERSATIONS)
        # What holds in every state
        assert (after.closed_on is not None) == (after.state == wf.CLOSED)
        assert not (after.contact_forms and after.stop_reason), "contact and a stop reason"
        if after.state == wf.CLOSED:
            if after.assigned_on is None:
                assert after.not_assigned_reason and not after.stop_reason
            else:
                assert after.contact_forms or after.stop_reason
        if after.contact_forms:
            assert after.assigned_on is not None
        if after.approach_again_on is not None:
            assert after.state in (wf.NOT_YET, wf.PAUSED)
        assert (after.state == wf.PAUSED) == bool(after.paused_from)
        previous = after


def _dated(received_on, raw_steps):
    on = received_on
    for action, delta, code, answer, until, reason in raw_steps:
        on = on + dt.timedelta(days=delta)
        yield wf.Step(action, on, code, None if until is None else on + dt.timedelta(days=until),
                      reason, answer)


@given(steps_strategy)
def test_machine_never_reaches_an_invalid_state(raw_steps):
    state, accepted = wf.start(START), []
    for s in _dated(START, raw_steps):
        try:
            new = wf.apply(state, s, contact_forms=FORMS, stop_reasons=STOPS)
        except TransitionError as exc:
            assert str(exc)  # refused with a message
            continue
        accepted.append((s, new))
        state = new
    check_history(START, accepted)
    assert wf.replay(START, [s for s, _after in accepted]) == state


def test_the_main_path_and_its_states():
    on = START
    state = wf.start(START)
    path = [(wf.ASSIGN, {}), (wf.CONTACT_REFERRER, {}), (wf.DO_INTAKE, {}), (wf.APPROACH, {}),
            (wf.CONVERSE, {}), (wf.ANSWER, {"answer": wf.NOT_YET_ANSWER,
                                           "until": START + dt.timedelta(days=90)}),
            (wf.APPROACH, {}), (wf.ANSWER, {"answer": wf.YES}),
            (wf.RECORD_CONTACT, {"code": "letter"}), (wf.RECORD_CONTACT, {"code": "meeting"}),
            (wf.DO_FOLLOW_UP, {}), (wf.CLOSE, {})]
    seen = []
    for action, extra in path:
        on += dt.timedelta(days=7)
        state = wf.apply(state, wf.Step(action, on, **extra), contact_forms=FORMS,
                         stop_reasons=STOPS)
        seen.append(state.state)
        if action == wf.ANSWER and extra["answer"] == wf.NOT_YET_ANSWER:
            assert state.approach_again_on == START + dt.timedelta(days=90)
    assert seen == ["assigned", "referrer_contacted", "intake", "approached", "conversations",
                    "not_yet", "approached", "preparation", "contact", "contact", "follow_up",
                    "closed"]
    assert state.contact_forms == ("letter", "meeting") and state.contact_form == "letter"
    assert state.approach_again_on is None and state.closed_on == on


@pytest.mark.parametrize("state_name,step_args,message", [
    (wf.REGISTERED, (wf.DO_INTAKE,), "kan niet in de fase"),
    (wf.REGISTERED, (wf.NOT_ASSIGNED,), "niet wordt toegewezen"),
    (wf.APPROACHED, (wf.ANSWER,), "Kies het antwoord"),
    (wf.APPROACHED, (wf.ANSWER, "", "no"), "zonder contact eindigt"),
    (wf.APPROACHED, (wf.ANSWER, "victim_declined", "yes"), "alleen bij het antwoord nee"),
    (wf.INTAKE, (wf.PAUSE,), "Geef een reden"),
    (wf.PREPARATION, (wf.RECORD_CONTACT, "carrier_pigeon"), "vorm van het contact"),
    (wf.CLOSED, (wf.DO_INTAKE,), "is afgesloten"),
])
def test_invalid_steps_are_refused_with_a_clear_message(state_name, step_args, message):
    action, code, answer = (*step_args, "", "")[:3]
    state = wf.CaseState(state_name, START, START, START, assigned_on=START,
                         closed_on=START if state_name == wf.CLOSED else None,
                         stop_reason="other" if state_name == wf.CLOSED else "")
    with pytest.raises(TransitionError) as exc:
        wf.apply(state, wf.Step(action, START + dt.timedelta(days=1), code, answer=answer),
                 contact_forms=FORMS, stop_reasons=STOPS)
    assert message in str(exc.value)


def test_steps_before_the_previous_one_are_refused():
    state = wf.apply(wf.start(START), wf.Step(wf.ASSIGN, START + dt.timedelta(days=10)))
    with pytest.raises(TransitionError, match="vorige stap"):
        wf.apply(state, wf.Step(wf.DO_INTAKE, START + dt.timedelta(days=9)))
    with pytest.raises(TransitionError, match="voor de aanmelding"):
        wf.apply(wf.start(START), wf.Step(wf.ASSIGN, START - dt.timedelta(days=1)))


def test_early_end_after_contact_has_no_stop_reason():
    state = wf.CaseState(wf.CONTACT, START, START, START, assigned_on=START,
                         contact_forms=("letter",))
    on = START + dt.timedelta(days=2)
    with pytest.raises(TransitionError, match="al contact"):
        wf.apply(state, wf.Step(wf.END_EARLY, on, "victim_declined", reason="r"))
    closed = wf.apply(state, wf.Step(wf.END_EARLY, on, reason="r"))
    assert closed.state == wf.CLOSED and closed.contact_form == "letter" and not closed.stop_reason


@pytest.mark.django_db
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps_strategy)
def test_through_the_services_the_record_rebuilds_the_state(db, make_user, raw_steps):
    with transaction.atomic():
        mediator = make_user("mediator")
        case = make_case(received_on=services.today() - dt.timedelta(days=400))
        on = case.received_on
        for action, delta, code, answer, until, reason in raw_steps:
            on = min(on + dt.timedelta(days=max(delta, 0)), services.today())
            case.refresh_from_db()
            if action not in wf.ACTIONS:
                continue
            try:
                services.take_step(
                    case, actor=None,
                    expected_version=case.version, action=action, on=on, code=code,
                    answer=answer, reason=reason, mediators=[mediator],
                    until=None if until is None else on + dt.timedelta(days=until),
                    contact={"location": "zaal", "message_kind": "oral"})
            except ValidationError as exc:
                assert exc.messages
                continue
        case.refresh_from_db()
        recorded = list(CaseStep.objects.filter(case=case).order_by("on", "id"))
        assert recorded[0].action == wf.REGISTER
        for before, after in zip(recorded, recorded[1:]):
            assert after.from_state == before.to_state
            assert after.on >= before.on
        state = services.case_state(case)
        assert (state.state, state.state_since, state.assigned_on, state.closed_on,
                state.contact_form, state.stop_reason, state.not_assigned_reason,
                state.approach_again_on, state.paused_from) == (
            case.state, case.state_since, case.assigned_on, case.closed_on, case.contact_form,
            case.stop_reason, case.not_assigned_reason, case.approach_again_on, case.paused_from)
        check_history(case.received_on, list(zip(
            [wf.Step(s.action, s.on, s.code, s.until, s.reason, s.answer) for s in recorded[1:]],
            _states(case.received_on, recorded[1:]))))
        assert case.version == len(recorded)
        transaction.set_rollback(True)


def _states(received_on, recorded):
    state = wf.start(received_on)
    for s in recorded:
        state = wf.apply(state, wf.Step(s.action, s.on, s.code, s.until, s.reason, s.answer))
        yield state


@pytest.mark.django_db
def test_every_step_records_actor_time_and_reason(make_user):
    mediator = make_user("mediator")
    case = make_case()
    step(case, wf.ASSIGN, actor=mediator, mediators=[mediator], reason="neemt het op zich")
    step(case, wf.PAUSE, actor=mediator, reason="deelnemer wil even niet")
    recorded = CaseStep.objects.filter(case=case).order_by("id")
    last = recorded.last()
    assert (last.action, last.from_state, last.to_state) == ("pause", "assigned", "paused")
    assert last.actor == mediator and last.recorded_at is not None
    assert last.reason == "deelnemer wil even niet"
    assert CaseMediator.objects.get(case=case).user == mediator


@given(st.data())
def test_random_walks_along_the_allowed_steps_stay_valid(data):
    """Walks that follow the offered steps reach every state, including deep ones."""
    state, accepted, on = wf.start(START), [], START
    for _ in range(data.draw(st.integers(1, 40))):
        offered = wf.allowed_actions(state)
        if not offered:
            break
        action = data.draw(st.sampled_from(offered))
        on = on + dt.timedelta(days=data.draw(st.integers(0, 30)))
        code, answer, until = "", "", None
        if action == wf.NOT_ASSIGNED:
            code = data.draw(st.sampled_from(wf.NOT_ASSIGNED_REASONS))
        if action == wf.ANSWER:
            answer = data.draw(st.sampled_from(wf.ANSWERS))
            code = data.draw(st.sampled_from(STOPS)) if answer == wf.NO else ""
            if answer == wf.NOT_YET_ANSWER:
                until = data.draw(st.one_of(st.none(), st.just(on + dt.timedelta(days=60))))
        if action == wf.RECORD_CONTACT:
            code = data.draw(st.sampled_from(FORMS))
        if action == wf.END_EARLY and not state.had_contact:
            code = data.draw(st.sampled_from(STOPS))
        s = wf.Step(action, on, code, until, "reden", answer)
        new = wf.apply(state, s, contact_forms=FORMS, stop_reasons=STOPS)  # offered: accepted
        accepted.append((s, new))
        state = new
    check_history(START, accepted)
    assert wf.replay(START, [s for s, _after in accepted]) == state
