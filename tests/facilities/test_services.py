"""The candidate funnel, placement and the stay: services, permissions and the recorded
workflow (property-based: replaying the recorded steps rebuilds the state)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad.facilities import screening, services, workflows
from herstelpad.facilities.models import Candidate, CandidateStep, FacilityStay, PrescanAnswer
from herstelpad.participants.models import Stay
from tests.dossier import days_ago, institution, make_participant

pytestmark = pytest.mark.django_db
HVH_ROUTE = ("screening", "motivation_letter", "file_review", "weegtafel", "selection_advice",
             "diz_decision")


@pytest.fixture
def hvh_team(make_user):
    return make_user("casemanager", institutions=("FAC-HVH",))


@pytest.fixture
def diz(make_user):
    return make_user("selection_officer", institutions=())


def _refer(actor, **kwargs):
    defaults = {"facility": institution("FAC-HVH"), "source": "casemanager",
                "list_date": days_ago(60), "sex": "male", "sentence_end_on": days_ago(-200),
                "municipality": "Enschede"}
    defaults.update(kwargs)
    return services.register_candidate(actor=actor, **defaults)


def _through_team_steps(candidate, actor, start=59):
    for i in range(5):
        candidate = services.decide(candidate, actor=actor, expected_version=candidate.version,
                                    decision="positive", on=days_ago(start - 5 * i),
                                    reason="Voldoet.")
    return candidate


def test_a_candidate_moves_through_the_hvh_route_and_is_placed(hvh_team, diz):
    candidate = _refer(hvh_team, name="Kees")
    assert candidate.screening_outcome == "eligible"
    assert candidate.step.code == "screening" and candidate.state == "open"
    candidate = _through_team_steps(candidate, hvh_team)
    assert candidate.step.code == "diz_decision"
    assert candidate.sent_to_diz_on == days_ago(39)
    # The team cannot take DIZ's decision; DIZ sees the advice and decides.
    with pytest.raises(PermissionDenied):
        services.decide(candidate, actor=hvh_team, expected_version=candidate.version,
                        decision="positive", on=days_ago(30))
    assert Candidate.objects.filter(pk=candidate.pk).filter(
        pk__in=services.policy.scope(diz, Candidate.objects.all())).exists()
    candidate = services.decide(candidate, actor=diz, expected_version=candidate.version,
                                decision="positive", on=days_ago(30), reason="Akkoord.")
    assert candidate.state == "approved"
    person = make_participant(at="PI-ALMELO", entered_days_ago=100)
    candidate.participant = person
    candidate.save()
    stay = services.place(candidate, actor=hvh_team, expected_version=candidate.version,
                          on=days_ago(20), trial_until=days_ago(-10))
    candidate.refresh_from_db()
    assert candidate.state == "placed"
    assert stay.institution.code == "FAC-HVH" and stay.participant == person
    assert Stay.objects.get(participant=person, institution__code="PI-ALMELO").outflow_type \
        == "transferred"
    assert FacilityStay.objects.get(stay=stay).trial_until == days_ago(-10)
    # The recorded steps rebuild the state.
    state = services.replayed_state(candidate)
    assert (state.state, state.step) == ("placed", "diz_decision")
    # Lead times computed in the database.
    row = services.board(hvh_team, institution("FAC-HVH"), on=days_ago(0)).get(pk=candidate.pk)
    assert row.lead_time_days == 40  # list date 60 days ago, placed 20 days ago


def test_a_rejection_needs_a_written_reason(hvh_team):
    candidate = _refer(hvh_team)
    with pytest.raises(ValidationError) as excinfo:
        services.decide(candidate, actor=hvh_team, expected_version=candidate.version,
                        decision="negative", on=days_ago(50), reason="  ")
    assert "schriftelijke motivering" in excinfo.value.message_dict["reason"][0]
    candidate.refresh_from_db()
    assert candidate.state == "open"
    candidate = services.decide(candidate, actor=hvh_team, expected_version=candidate.version,
                                decision="negative", on=days_ago(50),
                                reason="Geen problemen op twee leefgebieden.")
    assert candidate.state == "rejected"
    step = CandidateStep.objects.filter(candidate=candidate).last()
    assert (step.decision, step.route_step.code, step.reason) == (
        "negative", "screening", "Geen problemen op twee leefgebieden.")
    assert hvh_team.display_name in step.decider


def test_withdrawal_and_steps_out_of_order(hvh_team):
    candidate = _refer(hvh_team)
    with pytest.raises(ValidationError):
        services.decide(candidate, actor=hvh_team, expected_version=candidate.version,
                        decision="positive", on=days_ago(61))  # before the list date
    candidate = services.withdraw(candidate, actor=hvh_team, expected_version=candidate.version,
                                  on=days_ago(40), reason="Wil niet meer.")
    assert candidate.state == "withdrawn" and candidate.closed_on == days_ago(40)
    with pytest.raises(ValidationError):
        services.decide(candidate, actor=hvh_team, expected_version=candidate.version,
                        decision="positive", on=days_ago(30))


def test_other_facilities_team_cannot_act(make_user, hvh_team):
    other = make_user("casemanager", institutions=("FAC-MIDDELBURG",))
    candidate = _refer(hvh_team)
    with pytest.raises(PermissionDenied):
        services.decide(candidate, actor=other, expected_version=candidate.version,
                        decision="positive", on=days_ago(50))
    assert not services.policy.scope(other, Candidate.objects.all()).exists()


def test_prescan_answer_has_no_content(hvh_team):
    fields = {f.name for f in PrescanAnswer._meta.get_fields()}
    assert not fields & {"reason", "content", "note", "text", "remarks", "comment"}
    middelburg = make_team_for("FAC-MIDDELBURG")
    candidate = services.register_candidate(
        actor=None, facility=institution("FAC-MIDDELBURG"), source="application",
        list_date=days_ago(30), sex="female", sentence_end_on=days_ago(-60),
        municipality="Vlissingen", weekly_work_hours=32)
    assert candidate.step.code == "prescan" and candidate.screening_outcome == "eligible"
    answer = services.record_prescan(candidate, actor=middelburg, partner="police",
                                     objection=False, answered_on=days_ago(25))
    assert answer.objection is False
    with pytest.raises(PermissionDenied):
        services.record_prescan(candidate, actor=hvh_team, partner="police", objection=True,
                                answered_on=days_ago(25))


def make_team_for(code):
    from herstelpad.accounts.models import User
    from herstelpad.organisations.models import Organisation

    user = User.objects.create_user(username=f"team-{code}", password="x-Long-password-1",
                                    role="casemanager",
                                    organisation=Organisation.objects.get(code="DJI"))
    user.institutions.set([institution(code)])
    return user


def _middelburg_applicant(**facts):
    """An application to KV Middelburg from outside its region."""
    return services.register_candidate(
        actor=None, facility=institution("FAC-MIDDELBURG"), source="application",
        list_date=days_ago(30), sex="male", sentence_end_on=days_ago(-60),
        municipality="Utrecht", **facts)


def test_hard_criterion_allows_no_exception_but_a_soft_one_does(hvh_team):
    middelburg = make_team_for("FAC-MIDDELBURG")
    candidate = _middelburg_applicant(weekly_work_hours=10)
    assert candidate.reasons == ["region", "other"]
    criteria = {c.kind: c for c in candidate.criterion_set.criteria.all()}
    with pytest.raises(ValidationError):
        services.grant_exception(candidate, actor=middelburg, criterion=criteria["work_hours"],
                                 reason="Werkgever werkt mee.")
    services.grant_exception(candidate, actor=middelburg, criterion=criteria["region"],
                             reason="Werkt in Vlissingen.", on=days_ago(20))
    candidate.refresh_from_db()
    assert candidate.screening_outcome == "other" and candidate.reasons == ["other"]


def test_an_exception_only_for_an_open_candidate_and_once_per_criterion(hvh_team):
    middelburg = make_team_for("FAC-MIDDELBURG")
    candidate = _middelburg_applicant(weekly_work_hours=30)
    region = candidate.criterion_set.criteria.get(kind="region")
    services.grant_exception(candidate, actor=middelburg, criterion=region,
                             reason="Werkt in Vlissingen.")
    with pytest.raises(ValidationError) as twice:
        services.grant_exception(candidate, actor=middelburg, criterion=region,
                                 reason="Nog een keer.")
    assert "al een uitzondering" in twice.value.message_dict["criterion"][0]
    candidate.refresh_from_db()
    services.withdraw(candidate, actor=middelburg, expected_version=candidate.version,
                      on=days_ago(1), reason="Trekt zich terug.")
    candidate.refresh_from_db()
    with pytest.raises(ValidationError) as closed:
        services.grant_exception(candidate, actor=middelburg, criterion=region,
                                 reason="Te laat.")
    assert "instroomroute" in closed.value.message_dict["__all__"][0]
    assert candidate.exceptions.count() == 1


def _at_the_facility(days: int = 200):
    person = make_participant(at="PI-ALMELO", entered_days_ago=days + 100)
    stay = person.current_stay
    return services.participants.transfer(
        stay, actor=None, expected_version=stay.version, to_institution=institution("FAC-HVH"),
        on=days_ago(days))


def test_temporary_returns_do_not_overlap_and_end_with_the_stay(hvh_team):
    stay = _at_the_facility()
    first = services.temporary_return(stay, actor=hvh_team, left_on=days_ago(150),
                                      planned_return_on=days_ago(140), reason="Time-out.",
                                      decided_by="Directeur")
    services.end_temporary_return(first, actor=hvh_team, returned_on=days_ago(130))
    with pytest.raises(ValidationError) as overlapping:
        services.temporary_return(stay, actor=hvh_team, left_on=days_ago(135),
                                  planned_return_on=days_ago(120), reason="Weer.",
                                  decided_by="Directeur")
    assert "left_on" in overlapping.value.message_dict
    second = services.temporary_return(stay, actor=hvh_team, left_on=days_ago(20),
                                       planned_return_on=days_ago(10), reason="Incident.",
                                       decided_by="Directeur")
    # The stay cannot end before the open temporary return began ...
    with pytest.raises(ValidationError) as too_early:
        services.definitive_return(stay, actor=hvh_team, expected_version=stay.version,
                                   on=days_ago(25), return_reason="substance_use",
                                   decided_by="Directeur")
    assert "on" in too_early.value.message_dict
    # ... and when it ends, the return ends with it: no return can be recorded afterwards,
    # and the home panel no longer counts it as overdue.
    services.definitive_return(stay, actor=hvh_team, expected_version=stay.version,
                               on=days_ago(5), return_reason="substance_use",
                               decided_by="Directeur")
    second.refresh_from_db()
    with pytest.raises(ValidationError) as after_the_end:
        services.end_temporary_return(second, actor=hvh_team, returned_on=days_ago(1))
    assert "beëindigd" in after_the_end.value.message_dict["__all__"][0]
    from types import SimpleNamespace

    from herstelpad.facilities.home import facility_panel

    rows = facility_panel(SimpleNamespace(user=hvh_team))["rows"]
    assert [row["overdue"] for row in rows if row["facility"].code == "FAC-HVH"] == [0]


def test_one_open_temporary_return_per_stay_also_in_the_database(hvh_team):
    from django.db import IntegrityError, transaction

    from herstelpad.facilities.models import TemporaryReturn

    stay = _at_the_facility()
    services.temporary_return(stay, actor=hvh_team, left_on=days_ago(20),
                              planned_return_on=days_ago(10), reason="Incident.",
                              decided_by="Directeur")
    with pytest.raises(IntegrityError), transaction.atomic():
        TemporaryReturn.objects.create(stay=stay, left_on=days_ago(19),
                                       planned_return_on=days_ago(9), reason="Tegelijk.",
                                       decided_by="Directeur")


def test_the_trial_period_is_versioned_and_only_for_a_running_stay(hvh_team):
    from herstelpad.concurrency import ConflictError

    stay = _at_the_facility()
    version = services.facility_details(stay).version
    details = services.set_trial_period(stay, actor=hvh_team, expected_version=version,
                                        trial_until=days_ago(-30))
    assert details.trial_until == days_ago(-30) and details.version == version + 1
    with pytest.raises(ConflictError):  # someone else's form, loaded before that change
        services.set_trial_period(stay, actor=hvh_team, expected_version=version,
                                  trial_until=None)
    services.outflow(stay, actor=hvh_team, expected_version=stay.version, on=days_ago(1),
                     outflow_type="positive_pp")
    stay.refresh_from_db()
    with pytest.raises(ValidationError):
        services.set_trial_period(stay, actor=hvh_team,
                                  expected_version=services.facility_details(stay).version,
                                  trial_until=None)


def test_definitive_return_and_a_second_stay(hvh_team):
    person = make_participant(at="PI-ALMELO", entered_days_ago=300)
    stay = person.current_stay
    facility_stay = services.participants.transfer(
        stay, actor=None, expected_version=stay.version, to_institution=institution("FAC-HVH"),
        on=days_ago(200))
    temporary = services.temporary_return(facility_stay, actor=hvh_team, left_on=days_ago(150),
                                          planned_return_on=days_ago(140),
                                          reason="Time-out.", decided_by="Vestigingsdirecteur")
    services.end_temporary_return(temporary, actor=hvh_team, returned_on=days_ago(141))
    with pytest.raises(ValidationError):
        services.definitive_return(facility_stay, actor=hvh_team,
                                   expected_version=facility_stay.version, on=days_ago(100),
                                   return_reason="not_a_reason", decided_by="Directeur")
    back = services.definitive_return(facility_stay, actor=hvh_team,
                                      expected_version=facility_stay.version, on=days_ago(100),
                                      return_reason="substance_use", decided_by="Directeur")
    facility_stay.refresh_from_db()
    assert (facility_stay.outflow_type, facility_stay.return_reason) == ("returned",
                                                                         "substance_use")
    assert back.institution.code == "PI-ALMELO"
    assert FacilityStay.objects.get(stay=facility_stay).decided_by == "Directeur"
    second = services.participants.transfer(back, actor=None, expected_version=back.version,
                                            to_institution=institution("FAC-HVH"),
                                            on=days_ago(50))
    left = services.outflow(second, actor=hvh_team, expected_version=second.version,
                            on=days_ago(5), outflow_type="positive_pp",
                            housing_destination="Eigen woning, Hengelo")
    assert left.outflow_type == "positive_pp"
    assert Stay.objects.filter(participant=person, institution__code="FAC-HVH").count() == 2
    assert FacilityStay.objects.get(stay=second).housing_destination == "Eigen woning, Hengelo"
    stats = services.length_of_stay([institution("FAC-HVH").pk])
    assert (stats["stays"], stats["min_days"], stats["max_days"]) == (2, 45, 100)
    assert stats["median_days"] == 72.5
    by_type = {r["outflow_type"]: r["stays"] for r in services.outflow_by_type(
        [institution("FAC-HVH").pk])}
    assert by_type["returned"] == 1 and by_type["positive_pp"] == 1 and by_type["other"] == 0


def test_funnel_conversion_and_median_lead_time(hvh_team):
    a = _refer(hvh_team)
    b = _refer(hvh_team)
    services.decide(a, actor=hvh_team, expected_version=a.version, decision="positive",
                    on=days_ago(50))
    services.decide(b, actor=hvh_team, expected_version=b.version, decision="negative",
                    on=days_ago(54), reason="Te kort.")
    rows = {r["step"].code: r for r in services.funnel(institution("FAC-HVH").pk)}
    assert (rows["screening"]["entered"], rows["screening"]["positive"],
            rows["screening"]["negative"]) == (2, 1, 1)
    assert rows["screening"]["conversion_pct"] == 50
    assert rows["screening"]["median_days"] == 8  # 10 and 6 days
    assert rows["motivation_letter"]["entered"] == 1 and rows["motivation_letter"]["open_now"] == 1


def test_occupancy_service_matches_the_report():
    rows = services.occupancy([institution("FAC-HVH").pk], dt.date(2021, 1, 1),
                              dt.date(2021, 2, 28))
    assert [(r["period"], r["capacity"], r["available_place_days"]) for r in rows] == [
        ("2021-01", 29, 899), ("2021-02", 20, 560)]


# --- Properties ------------------------------------------------------------------------------

ACTIONS = st.sampled_from(["decide+", "decide-", "decide-noreason", "withdraw", "place",
                           "reopen", "register"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(ACTIONS, st.integers(0, 3)), max_size=14))
def test_replay_of_accepted_steps_rebuilds_the_state(steps):
    """Whatever is attempted, the accepted steps replayed give the same state, rejections
    always carry a reason, and a candidate is placed only after the last step."""
    state = workflows.apply(workflows.CandidateState(), "register", dt.date(2024, 1, 1),
                            HVH_ROUTE)
    accepted = [("register", dt.date(2024, 1, 1), "", "", "")]
    on = dt.date(2024, 1, 1)
    for name, gap in steps:
        on = on + dt.timedelta(days=gap)
        action, decision, reason = {
            "decide+": ("decide", "positive", ""), "decide-": ("decide", "negative", "Nee."),
            "decide-noreason": ("decide", "negative", ""), "withdraw": ("withdraw", "", ""),
            "place": ("place", "", ""), "reopen": ("reopen", "", "Opnieuw."),
            "register": ("register", "", "")}[name]
        try:
            new = workflows.apply(state, action, on, HVH_ROUTE, decision=decision,
                                  reason=reason)
        except workflows.TransitionError:
            assert action not in workflows.allowed_actions(state) or (
                decision == "negative" and not reason)
            continue
        if new.state == "rejected" and state.state != "rejected":
            assert reason
        if new.state == "placed":
            assert state.state == "approved"
        accepted.append((action, on, decision, reason, state.step if action == "decide"
                         else ""))
        state = new
    assert workflows.replay(accepted, HVH_ROUTE) == state


@settings(max_examples=80, deadline=None)
@given(list_offset=st.integers(-400, 400), change_offset=st.integers(-200, 200),
       remaining=st.integers(-30, 900), sex=st.sampled_from(["male", "female", "unknown"]),
       isd=st.booleans())
def test_a_later_version_changes_outcomes_only_on_or_after_its_date(list_offset, change_offset,
                                                                    remaining, sex, isd):
    """Screening with the version in force: a version effective on `change` changes the outcome
    only for lists dated on or after it."""
    base = dt.date(2022, 1, 1)
    change = base + dt.timedelta(days=200 + change_offset)
    list_date = base + dt.timedelta(days=200 + list_offset)
    v1 = [screening.Rule(1, "sex", {"allowed": ["male"]}),
          screening.Rule(2, "orders", {"excluded": list(screening.ORDER_FLAGS)}),
          screening.Rule(3, "remaining_sentence", {"min_days": 60, "max_days": 548})]
    v2 = [screening.Rule(4, "sex", {"allowed": ["male", "female"]}),
          screening.Rule(5, "remaining_sentence", {"min_days": 90, "max_days": 730})]
    versions = [(base, v1), (change, v2)]

    def in_force(on):
        rules = None
        for effective, version in versions:
            if effective <= on:
                rules = version
        return rules or []

    facts = screening.Facts(sex=sex, isd=isd,
                            sentence_end_on=list_date + dt.timedelta(days=remaining))
    with_change = screening.evaluate(in_force(list_date), facts, list_date,
                                     order=screening.REASON_ORDER_FALLBACK)
    without = screening.evaluate(v1 if list_date >= base else [], facts, list_date,
                                 order=screening.REASON_ORDER_FALLBACK)
    if list_date < change:
        assert with_change.outcome == without.outcome


def test_a_referral_form_left_on_unknown_takes_the_facts_from_the_dossier(make_user):
    """The referral form sends every field, "unknown" or empty where nothing was chosen; those
    are facts left out, so the dossier's facts count, and a fact that was chosen wins."""
    from herstelpad.facilities.forms import CandidateForm

    casemanager = make_user("casemanager", institutions=("PI-ALMELO",))
    person = make_participant(at="PI-ALMELO", entered_days_ago=100, sex="male",
                              dutch_proficiency="sufficient", offence_category="robbery_violence")
    as_the_form_sends = {name: None for name in CandidateForm.FACTS}
    as_the_form_sends.update(sex="unknown", dutch_proficiency="unknown", regime="",
                             offence_category="", municipality="")
    candidate = services.register_candidate(
        actor=casemanager, facility=institution("FAC-HVH"), source="casemanager",
        list_date=days_ago(5), participant=person, **as_the_form_sends)
    assert (candidate.sex, candidate.dutch_proficiency, candidate.offence_category,
            candidate.regime) == ("male", "sufficient", "robbery_violence", "basic")
    assert candidate.screening_outcome != "female"

    chosen = {**as_the_form_sends, "sex": "female", "dutch_proficiency": "limited"}
    other = services.register_candidate(
        actor=casemanager, facility=institution("FAC-HVH"), source="casemanager",
        list_date=days_ago(5), participant=person, **chosen)
    assert (other.sex, other.dutch_proficiency) == ("female", "limited")
    assert other.screening_outcome == "female"


def test_a_referral_from_the_dossier_takes_the_known_facts(make_user):
    casemanager = make_user("casemanager", institutions=("PI-ALMELO",))
    person = make_participant(at="PI-ALMELO", entered_days_ago=100)
    stay = person.current_stay
    services.participants.update_stay(stay, actor=None, expected_version=stay.version,
                                      sentence_end_on=days_ago(-300),
                                      aftercare_municipality="Hengelo")
    person.refresh_from_db()
    candidate = services.register_candidate(
        actor=casemanager, facility=institution("FAC-HVH"), source="casemanager",
        list_date=days_ago(5), participant=person)
    assert candidate.sex == person.sex
    assert candidate.sentence_end_on == days_ago(-300)
    assert candidate.municipality.code == "hengelo"
    assert candidate.regime == "basic"
    # A casemanager elsewhere cannot refer this person.
    stranger = make_user("casemanager", institutions=("PI-ARNHEM",))
    with pytest.raises(ValidationError):
        services.register_candidate(actor=stranger, facility=institution("FAC-HVH"),
                                    source="casemanager", list_date=days_ago(5),
                                    participant=person)
