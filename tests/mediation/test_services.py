"""Referral, registration, duplicates, court mediation, reopening, concurrency and the
compartment's access rule, through the service layer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from herstelpad.accounts.models import Role
from herstelpad.concurrency import ConflictError
from herstelpad.mediation import services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import CaseMediator, CaseStep, CourtMediation, MediationCase
from tests.dossier import make_participant
from tests.mediation.helpers import make_case, run_to, step, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator(make_user):
    return make_user(Role.MEDIATOR)


def test_referral_from_the_dossier(make_user):
    casemanager = make_user(Role.CASEMANAGER)
    person = make_participant()
    case = services.refer(person, actor=casemanager, participant_agrees=True,
                          offence_category="violence", request_note="wil excuses aanbieden")
    assert (case.channel, case.institution.code, case.initiating_party) == (
        "pi", "PI-ARNHEM", "offender")
    assert case.referred_by == casemanager and case.referrer_function == "casemanager"
    assert case.state == wf.REGISTERED and case.organisation.code == "PERSPECTIEF"
    first = CaseStep.objects.get(case=case)
    assert (first.action, first.to_state, first.actor) == ("register", "registered",
                                                           casemanager)


def test_referral_needs_the_participants_wish_and_a_stay(make_user):
    casemanager = make_user(Role.CASEMANAGER)
    person = make_participant()
    with pytest.raises(ValidationError) as exc:
        services.refer(person, actor=casemanager, participant_agrees=False)
    assert "participant_agrees" in exc.value.message_dict


def test_referral_from_a_juvenile_institution_uses_the_jji_channel(make_user):
    person = make_participant(at="JJI-HUNNERBERG")
    user = make_user(Role.MENTOR, institutions=("JJI-HUNNERBERG",))
    case = services.refer(person, actor=user, participant_agrees=True)
    assert case.channel == "jji" and case.referrer_function == "mentor"


@pytest.mark.parametrize("role", [Role.UNIT_HEAD, Role.MEDIATOR, Role.RESEARCHER])
def test_only_referring_staff_may_refer(make_user, role):
    with pytest.raises(PermissionDenied):
        services.refer(make_participant(), actor=make_user(role), participant_agrees=True)


def test_registration_from_any_channel_and_party(mediator):
    case = services.register_case(actor=mediator, received_on=today(),
                                  channel="victim_support", initiating_party="victim",
                                  referrer_function="victim_support",
                                  referrer_name="Slachtofferhulp")
    assert case.institution is None and case.participant is None
    assert case.initiating_party == "victim"


@pytest.mark.parametrize("fields,field", [
    ({"channel": "pi"}, "institution"),
    ({"channel": "self"}, "contact_person"),
    ({"channel": "self", "initiating_party": "victim"}, "initiating_party"),
    ({"channel": "carrier_pigeon"}, "channel"),
    ({"received_on": None}, "received_on"),
    ({"offence_category": "jaywalking"}, "offence_category"),
    ({"request_note": "x" * 2001}, "request_note"),
])
def test_registration_refuses_invalid_input(mediator, fields, field):
    data = {"received_on": today(), "channel": "reclassering", "initiating_party": "offender",
            **fields}
    with pytest.raises(ValidationError) as exc:
        services.register_case(actor=mediator, **data)
    assert field in exc.value.message_dict
    assert not MediationCase.objects.exists()


def test_a_self_referral_names_a_contact_person(mediator):
    case = services.register_case(
        actor=mediator, received_on=today(), channel="self", initiating_party="offender",
        institution=make_participant().current_stay.institution,
        contact_person="Casemanager B-vleugel")
    assert case.contact_person == "Casemanager B-vleugel"


def test_possible_duplicates_are_flagged_before_saving(mediator):
    person = make_participant()
    first = make_case(participant=person, offence_category="violence")
    with pytest.raises(services.PossibleDuplicates) as exc:
        services.register_case(actor=mediator, received_on=today(), channel="pi",
                               initiating_party="offender", participant=person,
                               institution=person.current_stay.institution,
                               offence_category="violence")
    assert exc.value.visible == [first]
    assert MediationCase.objects.count() == 1
    second = services.register_case(actor=mediator, received_on=today(), channel="pi",
                                    initiating_party="offender", participant=person,
                                    institution=person.current_stay.institution,
                                    offence_category="violence", confirm_duplicate=True)
    assert second.possible_duplicate_of == first
    other = services.register_case(actor=mediator, received_on=today(), channel="pi",
                                   initiating_party="offender", participant=person,
                                   institution=person.current_stay.institution,
                                   offence_category="property")
    assert other.possible_duplicate_of is None  # another offence is not a duplicate


def test_prison_staff_never_learn_of_a_case_they_may_not_see(make_user):
    """A victim asked for mediation; a casemanager refers the same participant. The warning
    would reveal the victim's request, so the referral is saved and flagged instead."""
    person = make_participant()
    hidden = make_case(participant=person, channel="victim_support", initiating_party="victim",
                       offence_category="violence")
    casemanager = make_user(Role.CASEMANAGER)
    case = services.refer(person, actor=casemanager, participant_agrees=True,
                          offence_category="violence")
    assert case.possible_duplicate_of == hidden


def test_prison_staff_are_warned_of_a_duplicate_they_may_see(make_user):
    person = make_participant()
    casemanager = make_user(Role.CASEMANAGER)
    services.refer(person, actor=casemanager, participant_agrees=True, offence_category="sexual")
    with pytest.raises(services.PossibleDuplicates) as exc:
        services.refer(person, actor=casemanager, participant_agrees=True,
                       offence_category="sexual")
    assert len(exc.value.visible) == 1


def test_a_running_court_mediation_blocks_a_new_case_with_an_explanation(make_user, mediator):
    person = make_participant()
    casemanager = make_user(Role.CASEMANAGER)
    court = services.register_court_mediation(person, actor=casemanager,
                                              started_on=today() - dt.timedelta(days=10),
                                              offence_category="violence", matter="05/123456-26")
    with pytest.raises(services.CourtMediationRunning) as exc:
        services.refer(person, actor=casemanager, participant_agrees=True,
                       offence_category="violence")
    assert "mediation in strafzaken" in exc.value.messages[0]
    assert "gaat die voor" in exc.value.messages[0]
    # Another matter (a different case number) is not blocked.
    services.refer(person, actor=casemanager, participant_agrees=True,
                   offence_category="violence", matter="05/999999-25")
    # Once it has ended, the same matter can be referred.
    services.end_court_mediation(court, actor=mediator, expected_version=court.version,
                                 on=today())
    services.refer(person, actor=casemanager, participant_agrees=True,
                   offence_category="violence", matter="05/123456-26",
                   confirm_duplicate=True)
    assert MediationCase.objects.count() == 2


def test_the_court_mediation_that_blocks_is_the_one_running_now(make_user, mediator):
    """A request entered late (received 30 days ago) is judged by the court mediations running
    today, not on the day it came in."""
    casemanager = make_user(Role.CASEMANAGER)
    person = make_participant()
    earlier = services.register_court_mediation(
        person, actor=casemanager, started_on=today() - dt.timedelta(days=60),
        offence_category="violence", matter="05/111111-26")
    services.end_court_mediation(earlier, actor=mediator, expected_version=earlier.version,
                                 on=today())
    late = make_case(participant=person, received_on=today() - dt.timedelta(days=30),
                     offence_category="violence", matter="05/111111-26")
    assert late.pk is not None  # the court mediation has ended: no longer blocking
    other = make_participant()
    services.register_court_mediation(other, actor=casemanager,
                                      started_on=today() - dt.timedelta(days=10),
                                      offence_category="violence", matter="05/222222-26")
    with pytest.raises(services.CourtMediationRunning):
        make_case(participant=other, received_on=today() - dt.timedelta(days=30),
                  offence_category="violence", matter="05/222222-26")


def test_a_mediator_outside_a_mediation_organisation_registers_nothing(make_user):
    outsider = make_user(Role.MEDIATOR, organisation="EKC")
    with pytest.raises(PermissionDenied):
        make_case(actor=outsider)
    with pytest.raises(PermissionDenied):
        services.register_court_mediation(make_participant(), actor=outsider,
                                          started_on=today())
    assert not MediationCase.objects.exists() and not CourtMediation.objects.exists()


def test_messages_and_conditions_not_dated_before_the_registration(mediator):
    case = make_case(received_on=today() - dt.timedelta(days=20))
    run_to(case, wf.INTAKE, mediator)
    before = today() - dt.timedelta(days=25)
    with pytest.raises(ValidationError) as message:
        services.add_message(case, actor=mediator, from_side="victim", form="letter", on=before,
                             content="Een brief")
    assert "on" in message.value.message_dict
    with pytest.raises(ValidationError) as condition:
        services.add_condition(case, actor=mediator, side="victim", on=before, text="Voorwaarde")
    assert "on" in condition.value.message_dict


def test_a_step_without_a_code_refuses_one(mediator):
    case = make_case()
    run_to(case, wf.INTAKE, mediator)
    with pytest.raises(ValidationError) as refused:
        step(case, wf.PAUSE, actor=mediator, reason="ziek", code="whatever")
    assert "geen code" in refused.value.messages[0]
    assert not CaseStep.objects.filter(case=case, code="whatever").exists()


def test_court_mediation_ending_is_versioned(mediator):
    court = services.register_court_mediation(make_participant(), actor=mediator,
                                              started_on=today())
    with pytest.raises(ConflictError):
        services.end_court_mediation(court, actor=mediator, expected_version=7, on=today())
    with pytest.raises(ValidationError):
        services.end_court_mediation(court, actor=mediator, expected_version=1,
                                     on=today() - dt.timedelta(days=1))
    assert CourtMediation.objects.get().ended_on is None


def test_a_stale_step_is_refused_and_nothing_is_written(mediator):
    case = make_case()
    stale = case.version
    step(case, wf.ASSIGN, actor=mediator, mediators=[mediator])
    with pytest.raises(ConflictError) as exc:
        services.take_step(case.__class__.objects.get(pk=case.pk), actor=mediator,
                           expected_version=stale, action=wf.CONTACT_REFERRER, on=today())
    assert "Iemand anders" in exc.value.message
    assert CaseStep.objects.filter(case=case).count() == 2


def test_the_compartment_opens_only_for_mediators_on_the_case(make_user, mediator):
    colleague = make_user(Role.MEDIATOR)
    case = make_case()
    step(case, wf.ASSIGN, actor=colleague, mediators=[mediator])  # anyone may assign
    assert services.is_on_case(mediator, case) and not services.is_on_case(colleague, case)
    with pytest.raises(PermissionDenied):
        services.add_party(case, actor=colleague, side="victim", kind="victim", name="X")
    with pytest.raises(PermissionDenied):
        step(case, wf.CONTACT_REFERRER, actor=colleague)
    assert services.compartment(colleague, case) is None
    services.add_party(case, actor=mediator, side="victim", kind="victim", name="X")
    assert len(services.compartment(mediator, case)["parties"]) == 1
    # Taking over is a recorded step with a reason; the former mediator loses access.
    step(case, wf.REASSIGN, actor=colleague, mediators=[colleague], reason="ziekte")
    assert services.is_on_case(colleague, case) and not services.is_on_case(mediator, case)
    assert CaseMediator.objects.get(case=case, user=mediator).ended_on == today()


def test_a_mediator_of_another_organisation_sees_nothing(make_user, mediator):
    from herstelpad import policy

    outsider = make_user(Role.MEDIATOR, organisation="EKC")  # not a mediation organisation
    case = make_case()
    step(case, wf.ASSIGN, actor=mediator, mediators=[mediator])
    assert not policy.scope(outsider, MediationCase.objects.all()).exists()
    assert not services.is_on_case(outsider, case)


def test_reopening_starts_a_linked_case_with_the_same_mediator(mediator):
    case = make_case(received_on=today() - dt.timedelta(days=300))
    run_to(case, wf.CLOSED, mediator)
    case.refresh_from_db()
    assert case.state == wf.CLOSED and case.contact_form == "letter"
    new = services.reopen(case, actor=mediator, on=today(), reason="het slachtoffer vraagt nu",
                          initiating_party="victim")
    assert new.reopens == case and new.state == wf.ASSIGNED
    assert services.current_mediators(new) == [mediator]
    assert new.initiating_party == "victim" and new.participant_id == case.participant_id
    case.refresh_from_db()
    assert case.state == wf.CLOSED  # the old case stays closed


def test_reopening_offers_only_the_mediators_on_the_case_when_it_closed(make_user, mediator):
    earlier = make_user(Role.MEDIATOR, first_name="Eerdere")
    case = make_case(received_on=today() - dt.timedelta(days=300))
    step(case, wf.ASSIGN, today() - dt.timedelta(days=290), actor=earlier, mediators=[earlier])
    step(case, wf.REASSIGN, today() - dt.timedelta(days=280), actor=earlier,
         mediators=[mediator], reason="overgenomen")
    on = today() - dt.timedelta(days=270)
    for action, kwargs in ((wf.CONTACT_REFERRER, {}), (wf.DO_INTAKE, {}), (wf.APPROACH, {}),
                           (wf.CONVERSE, {}), (wf.ANSWER, {"answer": wf.YES}),
                           (wf.RECORD_CONTACT, {"code": "letter"}), (wf.DO_FOLLOW_UP, {}),
                           (wf.CLOSE, {})):
        on += dt.timedelta(days=5)
        step(case, action, on, actor=mediator, **kwargs)
    case.refresh_from_db()
    assert case.state == wf.CLOSED
    assert services.previous_mediators(case) == [mediator]
    new = services.reopen(case, actor=mediator, on=today(), reason="opnieuw")
    assert services.current_mediators(new) == [mediator]
    assert not services.is_on_case(earlier, new)


def test_a_case_is_reopened_once_while_the_new_case_runs(mediator):
    case = make_case(received_on=today() - dt.timedelta(days=300))
    run_to(case, wf.CLOSED, mediator)
    case.refresh_from_db()
    services.reopen(case, actor=mediator, on=today(), reason="opnieuw")
    with pytest.raises(ValidationError) as twice:
        services.reopen(case, actor=mediator, on=today(), reason="nog eens")
    assert "al heropend" in twice.value.messages[0]
    assert MediationCase.objects.filter(reopens=case).count() == 1


def test_only_a_closed_case_can_be_reopened(mediator):
    with pytest.raises(ValidationError):
        services.reopen(make_case(), actor=mediator, on=today())


def test_pause_and_resume_and_early_end(mediator):
    case = make_case()
    run_to(case, wf.INTAKE, mediator)
    step(case, wf.PAUSE, actor=mediator, reason="ziekenhuisopname")
    case.refresh_from_db()
    assert (case.state, case.paused_from) == (wf.PAUSED, wf.INTAKE)
    step(case, wf.RESUME, actor=mediator)
    case.refresh_from_db()
    assert (case.state, case.paused_from) == (wf.INTAKE, "")
    with pytest.raises(ValidationError):
        step(case, wf.END_EARLY, actor=mediator, reason="trekt zich terug")  # no stop reason
    step(case, wf.END_EARLY, actor=mediator, reason="trekt zich terug", code="offender_withdrew")
    case.refresh_from_db()
    assert (case.state, case.stop_reason, case.closed_on) == (wf.CLOSED, "offender_withdrew",
                                                              today())


def test_not_yet_sets_a_reminder(mediator):
    case = make_case()
    run_to(case, wf.CONVERSATIONS, mediator)
    step(case, wf.ANSWER, actor=mediator, answer=wf.NOT_YET_ANSWER, until=today())
    rows = services.due_reminders(mediator)
    assert [r.case for r in rows] == [case] and rows[0].reminder_due
    step(case, wf.APPROACH, actor=mediator)
    assert services.due_reminders(mediator) == []


def test_contact_steps_record_the_contact_moment(mediator):
    case = make_case()
    run_to(case, wf.PREPARATION, mediator)
    with pytest.raises(ValidationError) as exc:
        step(case, wf.RECORD_CONTACT, actor=mediator, code="meeting", contact={})
    assert "location" in exc.value.message_dict
    step(case, wf.RECORD_CONTACT, actor=mediator, code="meeting", contact={
        "location": "Bezoekzaal", "attendees": "beide partijen", "support_persons": "zus",
        "interpreter": True, "interpreter_language": "Pools"})
    step(case, wf.RECORD_CONTACT, actor=mediator, code="shuttle",
         contact={"message_kind": "video"})
    case.refresh_from_db()
    moments = list(case.contact_moments.order_by("id"))
    assert [m.form for m in moments] == ["meeting", "shuttle"]
    assert moments[0].interpreter and moments[0].interpreter_language == "Pools"
    assert moments[1].message_kind == "video"
    assert case.contact_form == "meeting"  # the first form counts in the figures


def test_the_workbench_rows(mediator):
    case = make_case(received_on=today() - dt.timedelta(days=30))
    step(case, wf.ASSIGN, today() - dt.timedelta(days=20), actor=mediator, mediators=[mediator])
    [row] = services.my_cases(mediator)
    assert (row.days_in_phase, row.waiting_days, row.next_action) == (20, 30,
                                                                      wf.CONTACT_REFERRER)
    waiting = make_case()
    assert [r.case for r in services.unassigned_cases(mediator)] == [waiting]


def test_imported_cases_take_no_steps(mediator):
    case = make_case()
    MediationCase.objects.filter(pk=case.pk).update(source="import")
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="zaakregister"):
        step(case, wf.ASSIGN, actor=mediator, mediators=[mediator])


def test_error_messages_never_quote_sealed_values(mediator):
    case = make_case()
    step(case, wf.ASSIGN, actor=mediator, mediators=[mediator])
    secret = "Geheime Naam Pimpelmees " * 20
    with pytest.raises(ValidationError) as exc:
        services.add_party(case, actor=mediator, side="victim", kind="victim", name=secret)
    assert "Pimpelmees" not in str(exc.value.message_dict)
