"""`herstelpad demo`: demo users for every role; idempotent; never over real data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from herstelpad import demo
from herstelpad.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_demo_creates_a_user_for_every_role(capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    roles = set(User.objects.filter(is_demo=True).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    for user in User.objects.filter(is_demo=True):
        assert user.username in out
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.organisation is not None


def test_demo_twice_gives_one_demo_data_set(capsys):
    call_command("demo")
    first = sorted(User.objects.values_list("username", "role", "organisation__code"))
    call_command("demo")
    assert sorted(User.objects.values_list("username", "role", "organisation__code")) == first


def test_demo_refuses_a_database_with_real_users(make_user):
    make_user(Role.CASEMANAGER, username="echte.collega")
    with pytest.raises(CommandError) as exc:
        call_command("demo")
    assert exc.value.returncode == 2
    assert not User.objects.filter(is_demo=True).exists()


@override_settings(PRODUCTION=True)
def test_demo_refuses_production():
    with pytest.raises(CommandError) as exc:
        call_command("demo")
    assert "production" in str(exc.value)


def test_demo_logins_work(client):
    call_command("demo")
    response = client.post("/account/login/", {"login_view-current_step": "auth",
                                               "auth-username": "casemanager",
                                               "auth-password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_fills_dossiers_in_several_institutions(client):
    from django.db.models import Count

    from herstelpad.participants.models import Participant, Stay
    from herstelpad.plans.models import Goal, PlanVersion, Review

    call_command("demo")
    present = dict(Stay.objects.filter(left_on__isnull=True).values_list(
        "institution__code").annotate(n=Count("pk")))
    for code in ("PI-ARNHEM", "PI-ALMELO", "FAC-HVH", "PI-KRIMPEN", "FAC-COMPAGNIE",
                 "FAC-MIDDELBURG"):
        assert present.get(code), code
    years = set(Stay.objects.values_list("entered_on__year", flat=True))
    assert min(years) <= 2021 and len(years) >= 5
    assert Participant.objects.count() >= 40
    assert Stay.objects.filter(transferred_from__isnull=False).exists()
    assert Participant.objects.filter(episodes__number=2).exists()  # re-admission
    statuses = set(Goal.objects.values_list("status", flat=True))
    assert statuses == {"open", "achieved", "partially_achieved", "not_achieved", "withdrawn"}
    assert Goal.objects.values("domain").distinct().count() >= 10
    assert PlanVersion.objects.exists() and Review.objects.exists()
    # The demo casemanager has a caseload with something to act on.
    from herstelpad.participants import services

    casemanager = User.objects.get(username="casemanager")
    assert services.caseload(casemanager).count() >= 10
    overdue = services.caseload(casemanager, services.CaseloadQuery(attention="plan_overdue"))
    assert overdue.exists()
    # And their pages work.
    client.force_login(casemanager)
    person = services.caseload(casemanager).first()
    for path in ("/", "/deelnemers/", f"/deelnemers/{person.ref}/",
                 f"/deelnemers/{person.ref}/plan/", f"/deelnemers/{person.ref}/tijdlijn/"):
        assert client.get(path).status_code == 200, path


def test_demo_dossiers_are_loaded_once_and_deterministically():
    from herstelpad.participants.models import Participant
    from herstelpad.plans.models import Goal

    call_command("demo")
    first = sorted(Participant.objects.values_list("ref", "given_name", "family_name"))
    goals = Goal.objects.count()
    call_command("demo")
    assert sorted(Participant.objects.values_list("ref", "given_name", "family_name")) == first
    assert Goal.objects.count() == goals
    assert ("DEMO-P-001", "Youssef", "Bos") in first


def test_demo_candidate_lists_were_worked_through():
    """The imported lists look like a team's real work: whoever fails the criteria was turned
    down in the screening step with the reason; only the newest list's eligible candidates
    still wait there."""
    from herstelpad.facilities.models import Candidate, CandidateStep

    call_command("demo")
    listed = Candidate.objects.filter(ref__startswith="LIJST-")
    assert listed.count() == 120
    newest = listed.order_by("-list_date").values_list("list_date", flat=True).first()
    open_ = listed.filter(state="open")
    assert open_.exists()
    assert set(open_.values_list("screening_outcome", flat=True)) == {"eligible"}
    assert set(open_.values_list("list_date", flat=True)) == {newest}
    for candidate in listed.exclude(screening_outcome="eligible"):
        assert candidate.state == "rejected", candidate.ref
        step = CandidateStep.objects.filter(candidate=candidate, decision="negative").get()
        assert step.reason.startswith("Voldoet niet aan de criteria")
