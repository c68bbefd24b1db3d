"""The plan's service layer: versions and sign-off, goals and their workflow, actions,
strengths, reviews, deadlines (with a frozen clock)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from herstelpad.accounts.models import Role
from herstelpad.concurrency import ConflictError
from herstelpad.participants import services as participants
from herstelpad.participants.models import Episode
from herstelpad.plans import services
from herstelpad.plans.models import Goal, GoalStatusChange, PlanVersion, StrengthsEntry
from tests.dossier import days_ago, make_goal, make_participant, person  # noqa: F401

pytestmark = pytest.mark.django_db


# --- Plan versions ----------------------------------------------------------------------------

def test_first_version_meets_the_deadline_and_takes_the_open_goals(person):
    goal = make_goal(person)
    services.add_action(goal, actor=None, description="Inschrijven", responsible="deelnemer")
    version = services.establish_version(person, actor=None, summary="Wonen en werk.")
    goal.refresh_from_db()
    assert version.number == 1 and goal.plan == version.plan
    assert version.goal_snapshot[0]["ref"] == goal.ref
    assert version.goal_snapshot[0]["actions"][0]["description"] == "Inschrijven"
    episode = Episode.objects.get(pk=person.current_episode_id)
    assert episode.plan_established_on == participants.today()
    second = services.establish_version(person, actor=None, summary="Bijgesteld.")
    assert second.number == 2 and second.plan == version.plan


def test_goal_added_after_the_plan_joins_it(person):
    version = services.establish_version(person, actor=None, summary="Plan.")
    goal = make_goal(person, domain="debts")
    assert goal.plan == version.plan


def test_version_needs_summary_and_valid_date(person):
    with pytest.raises(ValidationError) as exc:
        services.establish_version(person, actor=None, summary=" ",
                                   established_on=days_ago(100))
    assert set(exc.value.message_dict) == {"summary", "established_on"}


def test_only_casemanagers_own_the_plan(person, make_user):
    with pytest.raises(PermissionDenied):
        services.establish_version(person, actor=make_user(Role.MENTOR), summary="x")
    services.establish_version(person, actor=make_user(Role.CASEMANAGER), summary="x")


def test_sign_off_once_and_declining_needs_a_note(person):
    version = services.establish_version(person, actor=None, summary="Plan.")
    with pytest.raises(ValidationError) as exc:
        services.record_sign_off(version, actor=None, expected_version=1, outcome="declined")
    assert "note" in exc.value.message_dict
    services.record_sign_off(version, actor=None, expected_version=1, outcome="signed")
    version.refresh_from_db()
    assert version.sign_off == "signed" and version.sign_off_on == participants.today()
    with pytest.raises(ValidationError):
        services.record_sign_off(version, actor=None, expected_version=2, outcome="declined",
                                 note="toch niet")


def test_sign_off_on_a_stale_version_is_a_conflict(person):
    version = services.establish_version(person, actor=None, summary="Plan.")
    stale = PlanVersion.objects.get(pk=version.pk)
    services.record_sign_off(version, actor=None, expected_version=1, outcome="signed")
    with pytest.raises(ConflictError):
        services.record_sign_off(stale, actor=None, expected_version=1, outcome="declined",
                                 note="x")


# --- Deadlines with a frozen clock ---------------------------------------------------------------

def test_plan_not_made_within_four_weeks_is_overdue_on_the_caseload(make_user):
    casemanager = make_user(Role.CASEMANAGER)
    with time_machine.travel(dt.date(2026, 10, 1), tick=False):
        late = make_participant(family_name="Laat", entered_days_ago=0)
        on_time = make_participant(family_name="Optijd", entered_days_ago=0)
        for person in (late, on_time):
            participants.assign(person, actor=None, user=casemanager, role="casemanager")
    with time_machine.travel(dt.date(2026, 10, 20), tick=False):
        services.establish_version(on_time, actor=None, summary="Op tijd.")
        query = participants.CaseloadQuery(attention="plan_overdue")
        assert list(participants.caseload(casemanager, query)) == []  # not yet four weeks
    with time_machine.travel(dt.date(2026, 10, 29), tick=False):  # 28 days: due today
        assert list(participants.caseload(casemanager, query)) == []
    with time_machine.travel(dt.date(2026, 10, 30), tick=False):
        overdue = list(participants.caseload(casemanager, query))
        assert overdue == [late]
        assert participants.deadlines(overdue[0]).plan_overdue
        rows = {p.family_name: participants.deadlines(p)
                for p in participants.caseload(casemanager)}
        assert rows["Laat"].plan_overdue and not rows["Optijd"].plan_overdue
        services.establish_version(late, actor=None, summary="Te laat, maar er.")
        assert list(participants.caseload(casemanager, query)) == []


def test_review_schedule_and_overdue(person):
    episode = person.current_episode
    assert episode.next_review_on == episode.started_on + dt.timedelta(weeks=6)
    review = services.record_review(person, actor=None, kind="trajectgesprek",
                                    held_on=days_ago(1), attendees="deelnemer, casemanager",
                                    decisions="Woning zoeken.")
    episode.refresh_from_db()
    assert review.next_review_on == days_ago(1) + dt.timedelta(weeks=6)
    assert episode.next_review_on == review.next_review_on
    with time_machine.travel(review.next_review_on + dt.timedelta(days=1), tick=False):
        person.refresh_from_db()
        person = type(person).objects.select_related("current_episode", "current_stay").get(
            pk=person.pk)
        assert participants.deadlines(person).review_overdue


def test_review_validation(person):
    with pytest.raises(ValidationError) as exc:
        services.record_review(person, actor=None, kind="koffie", held_on=days_ago(1),
                               attendees="", decisions="", next_review_on=days_ago(2))
    assert set(exc.value.message_dict) == {"kind", "attendees", "decisions", "next_review_on"}


# --- Goals ------------------------------------------------------------------------------------

def test_goal_gets_ref_and_opening_history(person):
    goal = make_goal(person)
    assert goal.ref.startswith("G-") and goal.status == "open"
    history = list(goal.status_changes.values_list("from_status", "status"))
    assert history == [("", "open")]


def test_goal_validation(person):
    with pytest.raises(ValidationError) as exc:
        services.add_goal(person, actor=None, domain="geluk", description="", set_by="buurman")
    assert set(exc.value.message_dict) == {"domain", "description", "set_by"}


def test_goal_workflow_and_replay(person):
    goal = make_goal(person, set_on=days_ago(9))
    services.change_goal_status(goal, actor=None, expected_version=1, status="achieved",
                                on=days_ago(5))
    assert (goal.status, goal.closed_on) == ("achieved", days_ago(5))
    with pytest.raises(ValidationError) as exc:
        services.change_goal_status(goal, actor=None, expected_version=2,
                                    status="not_achieved", on=days_ago(4), reason="x")
    assert "Heropen" in exc.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.change_goal_status(goal, actor=None, expected_version=2, status="open",
                                    on=days_ago(4))  # reopening needs a reason
    services.change_goal_status(goal, actor=None, expected_version=2, status="open",
                                on=days_ago(4), reason="Woning ging niet door")
    services.change_goal_status(goal, actor=None, expected_version=3, status="withdrawn",
                                on=days_ago(2), reason="Gaat bij familie wonen")
    goal = Goal.objects.get(pk=goal.pk)
    state = services.goal_state(goal)
    assert (state.status, state.closed_on) == (goal.status, goal.closed_on) == (
        "withdrawn", days_ago(2))
    assert GoalStatusChange.objects.filter(goal=goal).count() == 4


def test_goal_status_dates_are_checked(person):
    goal = make_goal(person, set_on=days_ago(5))
    for on in (days_ago(6), participants.today() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.change_goal_status(goal, actor=None, expected_version=1, status="achieved",
                                        on=on)


def test_goal_update_conflict_and_rating(person):
    goal = make_goal(person)
    other = Goal.objects.get(pk=goal.pk)
    services.update_goal(goal, actor=None, expected_version=1, description="Eigen woning.")
    with pytest.raises(ConflictError):
        services.update_goal(other, actor=None, expected_version=1, description="Kamer.")
    with pytest.raises(ValidationError):
        services.rate_goal(goal, actor=None, expected_version=2, rating=6)
    services.rate_goal(goal, actor=None, expected_version=2, rating=4)
    assert Goal.objects.get(pk=goal.pk).rating == 4


def test_mentors_and_herstelconsulenten_work_on_goals(person, make_user):
    for role in (Role.MENTOR, Role.HERSTELCONSULENT, Role.CASEMANAGER):
        services.add_goal(person, actor=make_user(role), domain="care", description="Hulp.")
    with pytest.raises(PermissionDenied):
        services.add_goal(person, actor=make_user(Role.UNIT_HEAD), domain="care",
                          description="Hulp.")


# --- Actions ----------------------------------------------------------------------------------

def test_actions(person):
    goal = make_goal(person, set_on=days_ago(3))
    with pytest.raises(ValidationError) as exc:
        services.add_action(goal, actor=None, description="", responsible="",
                            due_on=days_ago(10))
    assert set(exc.value.message_dict) == {"description", "responsible", "due_on"}
    action = services.add_action(goal, actor=None, description="Bellen met gemeente",
                                 responsible="mentor", due_on=days_ago(1))
    services.update_action(action, actor=None, expected_version=1, done_on=days_ago(0))
    assert action.done_on == days_ago(0) and action.version == 2
    services.change_goal_status(goal, actor=None, expected_version=1, status="achieved")
    with pytest.raises(ValidationError):
        services.add_action(goal, actor=None, description="Nog iets", responsible="x")


# --- Strengths --------------------------------------------------------------------------------

def test_strengths_one_entry_per_domain_with_versions(person):
    entry = services.save_strengths(person, "work_daytime", actor=None,
                                    current_situation="Werkt in de keuken.",
                                    wishes="Koksopleiding.", resources="Oom heeft restaurant.")
    assert entry.version == 1
    with pytest.raises(ConflictError):  # someone else filled it in meanwhile
        services.save_strengths(person, "work_daytime", actor=None, expected_version=None,
                                wishes="Anders")
    services.save_strengths(person, "work_daytime", actor=None, expected_version=1,
                            current_situation="Werkt in de keuken.", wishes="Koksopleiding.",
                            resources="Oom en vriendin.")
    assert StrengthsEntry.objects.get(participant=person).version == 2
    with pytest.raises(ValidationError):
        services.save_strengths(person, "nergens", actor=None, wishes="x")
    with pytest.raises(ValidationError):
        services.save_strengths(person, "housing", actor=None)


def test_database_refuses_a_closed_goal_without_closing_date(person):
    """A safety net for writes that bypass the services (set-based imports)."""
    from django.db import IntegrityError, transaction

    goal = make_goal(person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(status="achieved")
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(closed_on=participants.today())
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(rating=6)
