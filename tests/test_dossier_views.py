"""The dossier pages: flows, invalid input, conflicts, scoping, the aftercare view, and query
counts that do not grow with the number of participants, goals or notes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.participants import services as participants
from herstelpad.participants.models import Participant, ShiftNote
from herstelpad.plans import services as plans
from herstelpad.plans.models import Goal
from tests.dossier import days_ago, make_goal, make_participant

pytestmark = pytest.mark.django_db


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


def fill_dossier(person, n: int) -> None:
    """n more goals (with actions and a status change), notes, reviews and regime steps."""
    for i in range(n):
        goal = make_goal(person, domain=["housing", "debts", "care", "income"][i % 4],
                         set_on=days_ago(5))
        plans.add_action(goal, actor=None, description=f"Actie {i}", responsible="mentor",
                         due_on=days_ago(1))
        plans.change_goal_status(goal, actor=None, expected_version=1, status="achieved",
                                 on=days_ago(1))
        participants.add_note(person, actor=None, text=f"Notitie {i}.", confirmed=True)
        plans.record_review(person, actor=None, kind="mdo", held_on=days_ago(2),
                            attendees="team", decisions=f"Besluit {i}")
    for domain in ("housing", "debts", "care", "income", "family", "education")[:n]:
        if not person.strengths.filter(domain=domain).exists():
            plans.save_strengths(person, domain, actor=None, wishes="Verder komen.")
    plans.establish_version(person, actor=None, summary="Plan.")


# --- Query counts -------------------------------------------------------------------------------

DOSSIER_PAGES = ["/deelnemers/{ref}/", "/deelnemers/{ref}/tijdlijn/",
                 "/deelnemers/{ref}/plan/", "/deelnemers/{ref}/notities/",
                 "/deelnemers/{ref}/gesprekken/", "/deelnemers/{ref}/krachten/",
                 "/deelnemers/{ref}/actieplan/"]


@pytest.mark.parametrize("template", DOSSIER_PAGES)
def test_dossier_page_queries_do_not_grow_with_goals_and_notes(role_client, template,
                                                               django_assert_max_num_queries):
    client = role_client(Role.CASEMANAGER)
    person = make_participant()
    fill_dossier(person, 1)
    path = template.format(ref=person.ref)
    small = count_queries(client, path)
    fill_dossier(person, 12)
    assert Goal.objects.filter(participant=person).count() == 13
    assert ShiftNote.objects.filter(participant=person).count() == 13
    large = count_queries(client, path)
    assert large == small, f"{path}: {small} queries with 1 item, {large} with 13"
    # The budget of a dossier page; the timeline asks every registered source, one query each
    # (herstelpad.interventions and herstelpad.mediation added theirs).
    with django_assert_max_num_queries(27 if template.endswith("tijdlijn/") else 26):
        client.get(path)


def test_goal_page_shows_what_the_domain_belongs_to(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    housing = make_goal(person, domain="housing")
    family = make_goal(person, domain="family")
    html = client.get(f"/deelnemers/{person.ref}/doelen/{housing.ref}/").content.decode()
    assert "basisvoorwaarde Huisvesting" in html
    html = client.get(f"/deelnemers/{person.ref}/doelen/{family.ref}/").content.decode()
    assert "basisvoorwaarde Sociaal netwerk; herstellaag Herstel met het eigen netwerk" in html


def test_goal_page_queries_do_not_grow_with_actions(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    goal = make_goal(person)
    path = f"/deelnemers/{person.ref}/doelen/{goal.ref}/"
    small = count_queries(client, path)
    for i in range(10):
        plans.add_action(goal, actor=None, description=f"Stap {i}", responsible="x")
    assert count_queries(client, path) == small


def test_caseload_queries_do_not_grow_with_participants(role_client,
                                                        django_assert_max_num_queries):
    client = role_client(Role.CASEMANAGER)
    me = client.user

    def add(n):
        for _ in range(n):
            person = make_participant()
            participants.assign(person, actor=None, user=me, role="casemanager")
            fill_dossier(person, 1)

    add(1)
    paths = ["/deelnemers/", "/deelnemers/?scope=all&sort=remaining",
             "/deelnemers/?scope=all&attention=plan_overdue", "/"]
    small = [count_queries(client, p) for p in paths]
    add(8)
    large = [count_queries(client, p) for p in paths]
    assert small == large
    with django_assert_max_num_queries(20):
        client.get("/deelnemers/")


# --- Caseload -------------------------------------------------------------------------------

def test_caseload_shows_own_participants_with_remaining_and_deadlines(role_client):
    client = role_client(Role.CASEMANAGER)
    mine = make_participant(family_name="Bakker", sentence_days=100, entered_days_ago=40)
    make_participant(family_name="Visser")
    participants.assign(mine, actor=None, user=client.user, role="casemanager")
    html = client.get("/deelnemers/").content.decode()
    assert "Bakker" in html and "Visser" not in html
    assert "60 dagen (1 maand en 29 dagen)" in html or "60 dagen" in html
    assert "te laat" in html  # 40 days without a plan
    everyone = client.get("/deelnemers/?scope=all").content.decode()
    assert "Bakker" in everyone and "Visser" in everyone
    assert AuditEntry.objects.filter(action="list", purpose="caseload").exists()


def test_caseload_filters_and_sorting(role_client):
    client = role_client(Role.UNIT_HEAD)
    a = make_participant(family_name="Aalders", sentence_days=300)
    b = make_participant(family_name="Zwart", sentence_days=30)
    participants.update_stay(b.current_stay, actor=None, expected_version=1, unit="C-vleugel")
    html = client.get("/deelnemers/?sort=remaining").content.decode()
    assert html.index("Zwart") < html.index("Aalders")
    html = client.get("/deelnemers/?unit=c-vleugel").content.decode()
    assert "Zwart" in html and "Aalders" not in html
    html = client.get("/deelnemers/?q=aald").content.decode()
    assert "Aalders" in html and "Zwart" not in html
    assert a.ref in client.get("/deelnemers/?presence=all").content.decode()


def test_caseload_answers_htmx_with_the_results_only(role_client):
    client = role_client(Role.UNIT_HEAD)
    make_participant(family_name="Bakker")
    response = client.get("/deelnemers/?q=bakker", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Bakker" in html and "<html" not in html


def test_home_page_shows_overdue_plans_and_reviews(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant(family_name="Laatkomer", entered_days_ago=50)
    participants.assign(person, actor=None, user=client.user, role="casemanager")
    html = client.get("/").content.decode()
    assert "Aandacht nodig op uw caseload" in html
    assert "Laatkomer" in html and "D&R-plan te laat" in html
    assert "trajectgesprek te laat" in html


# --- Flows ------------------------------------------------------------------------------------

def test_register_a_participant(role_client):
    client = role_client(Role.CASEMANAGER)
    response = client.post("/deelnemers/nieuw/", {
        "given_name": "Kevin", "family_name": "Mulder", "sex": "male",
        "dutch_proficiency": "sufficient", "kind_check": "yes", "lvb_indication": "no",
        "institution": client.user.institutions.get().pk,
        "entered_on": days_ago(2).isoformat(), "legal_status": "convicted",
        "sentence_end_on": (days_ago(2) + dt.timedelta(days=300)).isoformat()})
    person = Participant.objects.get(family_name="Mulder")
    assert response.status_code == 302 and response["Location"].endswith(f"/{person.ref}/")
    assert person.lvb_indication is False and person.kind_check_on == participants.today()
    html = client.get(response["Location"]).content.decode()
    assert "Kevin Mulder" in html and "PI Arnhem" in html


def test_register_shows_errors_and_keeps_nothing(role_client):
    client = role_client(Role.CASEMANAGER)
    response = client.post("/deelnemers/nieuw/", {
        "sex": "male", "dutch_proficiency": "unknown", "kind_check": "unknown",
        "institution": client.user.institutions.get().pk,
        "entered_on": days_ago(2).isoformat(),
        "sentence_end_on": days_ago(10).isoformat()})
    assert response.status_code == 400
    assert "De einddatum van de detentie ligt voor de binnenkomst." in response.content.decode()
    assert not Participant.objects.exists()


def test_stale_edit_in_the_ui_is_a_conflict(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant()
    form = {"given_name": "Jan", "family_name": "Jansen", "sex": "male",
            "dutch_proficiency": "unknown", "kind_check": "unknown", "lvb_indication": ""}
    assert client.post(f"/deelnemers/{person.ref}/gegevens/",
                       {**form, "language": "Pools", "version": 1}).status_code == 302
    response = client.post(f"/deelnemers/{person.ref}/gegevens/",
                           {**form, "language": "Turks", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "intussen gewijzigd" in html and 'value="Turks"' in html  # the input is kept
    assert Participant.objects.get(pk=person.pk).language == "Pools"


def test_stale_goal_status_in_the_ui_is_a_conflict(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    goal = make_goal(person)
    path = f"/deelnemers/{person.ref}/doelen/{goal.ref}/stand/"
    data = {"status": "achieved", "on": participants.today().isoformat(), "version": 1}
    assert client.post(path, data).status_code == 302
    response = client.post(path, {**data, "status": "withdrawn", "reason": "x"})
    assert response.status_code == 409 and "intussen gewijzigd" in response.content.decode()
    assert Goal.objects.get(pk=goal.pk).status == "achieved"


def test_goal_with_action_then_achieved_and_on_the_timeline(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant()
    response = client.post(f"/deelnemers/{person.ref}/doelen/nieuw/", {
        "domain": "housing", "description": "Ik wil een kamer in Arnhem.", "set_by": "together",
        "set_on": participants.today().isoformat(), "action_description": "Inschrijven",
        "action_responsible": "deelnemer met mentor"})
    goal = Goal.objects.get(participant=person)
    assert response.status_code == 302 and goal.actions.get().description == "Inschrijven"
    client.post(f"/deelnemers/{person.ref}/doelen/{goal.ref}/stand/", {
        "status": "achieved", "on": participants.today().isoformat(), "version": 1})
    html = client.get(f"/deelnemers/{person.ref}/tijdlijn/").content.decode()
    assert "Nieuw doel (Huisvesting)" in html and "Doel (Huisvesting): behaald" in html
    assert "Actie bij doel (Huisvesting): Inschrijven" in html
    filtered = client.get(f"/deelnemers/{person.ref}/tijdlijn/?soort=stays").content.decode()
    assert "Binnengekomen in PI Arnhem" in filtered and "Nieuw doel" not in filtered


def test_goal_form_errors_for_the_first_action(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    response = client.post(f"/deelnemers/{person.ref}/doelen/nieuw/", {
        "domain": "housing", "description": "Kamer.", "set_on": participants.today().isoformat(),
        "action_description": "Bellen"})
    assert response.status_code == 400 and "Wie doet deze actie?" in response.content.decode()
    assert not Goal.objects.exists()


def test_action_done_with_one_click(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    goal = make_goal(person)
    action = plans.add_action(goal, actor=None, description="Bellen", responsible="mentor")
    response = client.post(f"/deelnemers/{person.ref}/doelen/{goal.ref}/acties/{action.pk}/", {
        "form": "done", "version": 1, "done_on": participants.today().isoformat()})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_on == participants.today()


def test_transfer_in_the_ui_keeps_the_dossier(role_client):
    client = role_client(Role.UNIT_HEAD)
    person = make_participant(entered_days_ago=20)
    stay = person.current_stay
    response = client.post(f"/deelnemers/{person.ref}/verblijven/{stay.ref}/overplaatsen/", {
        "to_institution": participants.Institution.objects.get(code="PI-ZWOLLE").pk,
        "on": days_ago(1).isoformat(), "outflow_type": "transferred", "version": 1})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.current_stay.institution.code == "PI-ZWOLLE"
    # The sending institution keeps sight during this episode (handover).
    assert client.get(f"/deelnemers/{person.ref}/").status_code == 200


def test_regime_rule_is_shown_in_the_ui(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant(entered_days_ago=30)
    participants.change_regime(person.current_stay, actor=None, kind="exclusion",
                               on=days_ago(10), reason="Ontoelaatbaar gedrag")
    response = client.post(f"/deelnemers/{person.ref}/regime/", {
        "kind": "promotion", "on": participants.today().isoformat(), "reason": "Goed gedrag"})
    assert response.status_code == 400
    assert "minimaal zes weken" in response.content.decode()


def test_note_about_chaplaincy_is_refused_in_the_ui(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    response = client.post(f"/deelnemers/{person.ref}/notities/", {
        "text": "Hij vertelde de imam over zijn broer.", "confirmed": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "vertrouwelijk" in html and "imam" in html
    assert not ShiftNote.objects.exists()
    ok = client.post(f"/deelnemers/{person.ref}/notities/", {
        "text": "Bezoekrooster met hem doorgenomen.", "confirmed": "on"})
    assert ok.status_code == 302 and ShiftNote.objects.count() == 1


def test_notes_of_another_team_are_not_shown(role_client, make_user):
    person = make_participant(at="PI-ARNHEM", entered_days_ago=20)
    participants.add_note(person, actor=None, text="Arnhemse notitie.", confirmed=True)
    participants.transfer(person.current_stay, actor=None, expected_version=1,
                          to_institution=participants.Institution.objects.get(code="PI-ZWOLLE"),
                          on=days_ago(1))
    zwolle = role_client(Role.MENTOR, institutions=["PI-ZWOLLE"])
    html = zwolle.get(f"/deelnemers/{person.ref}/notities/").content.decode()
    assert "Arnhemse notitie" not in html


def test_note_search(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant(family_name="Pietersen")
    participants.add_note(person, actor=None, text="Werkrooster besproken.", confirmed=True)
    html = client.get("/notities/?q=werkrooster").content.decode()
    assert "Werkrooster besproken." in html and "Pietersen" in html
    assert "Werkrooster" not in client.get("/notities/?q=verlof").content.decode()


def test_action_plan_pdf(role_client):
    client = role_client(Role.MENTOR)
    person = make_participant()
    goal = make_goal(person, description="Ik wil mijn schulden op een rij.", domain="debts")
    plans.add_action(goal, actor=None, description="Naar de schuldhulp", responsible="gemeente")
    page = client.get(f"/deelnemers/{person.ref}/actieplan/").content.decode()
    assert "Mijn doel:" in page and "Schulden en financiën" in page
    response = client.get(f"/deelnemers/{person.ref}/actieplan/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", object_id=str(person.pk)).exists()


# --- Scope ------------------------------------------------------------------------------------

def test_mentor_of_another_institution_gets_403_and_an_audit_entry(role_client):
    person = make_participant(at="PI-ARNHEM")
    client = role_client(Role.MENTOR, institutions=["PI-ALMELO"])
    for path in (f"/deelnemers/{person.ref}/", f"/deelnemers/{person.ref}/plan/",
                 f"/deelnemers/{person.ref}/actieplan/pdf/"):
        assert client.get(path).status_code == 403
    denied = AuditEntry.objects.filter(action="denied", actor_id=client.user.pk,
                                       object_type="participants.participant")
    assert denied.count() == 3 and denied.first().object_id == str(person.pk)
    assert client.get("/deelnemers/P-ONBEKEND/").status_code == 404


def test_assignment_gives_access_across_institutions(role_client):
    person = make_participant(at="PI-ARNHEM")
    client = role_client(Role.MENTOR, institutions=["PI-ALMELO"])
    assert client.get(f"/deelnemers/{person.ref}/").status_code == 403
    from herstelpad.participants.models import Assignment

    Assignment.objects.create(participant=person, user=client.user, role="mentor",
                              starts_on=days_ago(1))
    assert client.get(f"/deelnemers/{person.ref}/").status_code == 200


def test_readmission_elsewhere_moves_the_dossier(role_client):
    person = make_participant(at="PI-ARNHEM", entered_days_ago=100)
    participants.release(person.current_stay, actor=None, expected_version=1, on=days_ago(50),
                         outflow_type="positive_end")
    arnhem = role_client(Role.MENTOR)
    assert arnhem.get(f"/deelnemers/{person.ref}/").status_code == 200  # last stay was here
    participants.admit(person, actor=None,
                       institution=participants.Institution.objects.get(code="PI-ZWOLLE"),
                       entered_on=days_ago(5))
    assert arnhem.get(f"/deelnemers/{person.ref}/").status_code == 403


def test_mentor_cannot_change_personal_details(role_client):
    person = make_participant()
    client = role_client(Role.MENTOR)
    assert client.get(f"/deelnemers/{person.ref}/gegevens/").status_code == 403
    response = client.post(f"/deelnemers/{person.ref}/team/", {"user": client.user.pk,
                                                                "starts_on": "2026-01-01"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="denied",
                                     details__permission="participants.assign").exists()


# --- Aftercare coordinator ----------------------------------------------------------------------

def test_aftercare_coordinator_sees_only_own_residents_and_basic_conditions(role_client):
    resident = make_participant(family_name="Almeloër", aftercare="Almelo")
    make_participant(family_name="Hengeloër", aftercare="hengelo")
    make_goal(resident, domain="housing", description="Kamer in Almelo")
    make_goal(resident, domain="debts", description="Schulden regelen")
    make_goal(resident, domain="partner_children", description="Contact met mijn dochter")
    make_goal(resident, domain="restoration_victim", description="Brief aan slachtoffer")
    participants.add_note(resident, actor=None, text="Geheime notitie.", confirmed=True)
    client = role_client(Role.AFTERCARE_COORDINATOR)
    listing = client.get("/nazorg/").content.decode()
    assert "Almeloër" in listing and "Hengeloër" not in listing
    html = client.get(f"/nazorg/{resident.ref}/").content.decode()
    assert "Kamer in Almelo" in html and "Schulden regelen" in html
    assert "dochter" not in html and "Brief aan slachtoffer" not in html
    assert "Geheime notitie" not in html
    assert client.get(f"/deelnemers/{resident.ref}/").status_code == 403
    other = Participant.objects.get(family_name="Hengeloër")
    assert client.get(f"/nazorg/{other.ref}/").status_code == 403


def test_aftercare_coordinator_without_municipality_sees_nobody(role_client):
    make_participant(aftercare="Almelo")
    client = role_client(Role.AFTERCARE_COORDINATOR, organisation="HERSTELPAD")
    assert "0 inwoners" in client.get("/nazorg/").content.decode()


def test_frozen_clock_overdue_in_the_caseload_page(role_client):
    client = role_client(Role.CASEMANAGER)
    with time_machine.travel(dt.date(2026, 9, 1), tick=False):
        person = make_participant(family_name="Klok", entered_days_ago=0)
        participants.assign(person, actor=None, user=client.user, role="casemanager")
    with time_machine.travel(dt.date(2026, 9, 29), tick=False):
        html = client.get("/deelnemers/?attention=plan_overdue").content.decode()
        assert "Klok" not in html
    with time_machine.travel(dt.date(2026, 9, 30), tick=False):
        html = client.get("/deelnemers/?attention=plan_overdue").content.decode()
        assert "Klok" in html and "te laat" in html


def test_a_regime_history_that_no_longer_replays_does_not_close_the_dossier(role_client):
    """Data from before the services refused such histories: the page still opens."""
    from herstelpad.participants.models import RegimeChange

    person = make_participant()
    stay = person.current_stay
    RegimeChange.objects.create(participant=person, stay=stay, kind="start", regime="plus",
                                changed_on=stay.entered_on + dt.timedelta(days=1))
    client = role_client(Role.CASEMANAGER)
    response = client.get(f"/deelnemers/{person.ref}/")
    assert response.status_code == 200
    assert "Regime in deze detentieperiode" in response.content.decode()
