"""The participant dossier in a real browser: the acceptance flow of issue 4 and the
accessibility of every dossier page (no serious or critical axe violations)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.participants import services as participants
from herstelpad.plans import services as plans
from tests.conftest import axe_violations, follow, login
from tests.dossier import days_ago, make_goal, make_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_casemanager_adds_a_housing_goal_marks_it_achieved_and_sees_it_on_the_timeline(
        page, make_user):
    casemanager = make_user(Role.CASEMANAGER, first_name="Sanne", last_name="de Vries")
    person = make_participant(given_name="Kees", family_name="Veldkamp", entered_days_ago=12)
    participants.assign(person, actor=None, user=casemanager, role="casemanager")
    make_participant(given_name="Niet", family_name="Mijnzaak")  # someone else's

    login(page, casemanager.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link",
                                                                  name="Deelnemers").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Deelnemers"
    caseload = page.get_by_role("table", name="Mijn caseload")
    assert "Mijnzaak" not in caseload.inner_text()
    assert axe_violations(page) == []
    caseload.get_by_role("link", name="Veldkamp, Kees").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Kees Veldkamp"
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Onderdelen van het dossier").get_by_role(
        "link", name="D&R-plan en doelen").click()
    page.get_by_role("link", name="Nieuw doel").click()
    page.get_by_label("Leefgebied").select_option(label="Huisvesting")
    page.get_by_label("Doel in de eigen woorden van de deelnemer").fill(
        "Ik wil na mijn vrijlating een eigen kamer in Arnhem.")
    page.get_by_label("Wie heeft dit doel opgesteld?").select_option(label="samen")
    page.get_by_label("Eerste actie (mag leeg blijven)").fill("Inschrijven bij de woningcorporatie")
    page.get_by_label("Wie doet de actie?").fill("deelnemer met mentor")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Doel toevoegen").click()

    expect(page.get_by_role("heading", name="Doel: Huisvesting")).to_be_visible()
    assert "Het doel is toegevoegd." in page.get_by_role("status").first.inner_text()
    actions = page.get_by_role("table", name="Acties bij dit doel")
    assert "Inschrijven bij de woningcorporatie" in actions.inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Nieuwe stand van zaken").select_option(label="behaald")
    page.get_by_role("button", name="Stand vastleggen").click()
    assert page.locator("#goal-status").inner_text().startswith("behaald")

    page.get_by_role("navigation", name="Onderdelen van het dossier").get_by_role(
        "link", name="Tijdlijn").click()
    timeline = page.locator(".hp-timeline")
    assert "Doel (Huisvesting): behaald" in timeline.inner_text()
    assert "Nieuw doel (Huisvesting)" in timeline.inner_text()
    assert "Actie bij doel (Huisvesting): Inschrijven bij de woningcorporatie" in \
        timeline.inner_text()
    assert axe_violations(page) == []


def test_mentor_of_another_institution_cannot_open_the_dossier(page, make_user):
    person = make_participant(at="PI-ARNHEM")
    mentor = make_user(Role.MENTOR, institutions=["PI-ALMELO"])
    login(page, mentor.username)
    response = page.goto(page.base_url + f"/deelnemers/{person.ref}/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    assert person.family_name not in page.locator("main").inner_text()
    entry = AuditEntry.objects.filter(action="denied", actor_id=mentor.pk).latest("id")
    assert (entry.object_type, entry.object_id) == ("participants.participant", str(person.pk))


def test_stale_edit_shows_a_conflict_and_keeps_the_input(page, make_user):
    casemanager = make_user(Role.CASEMANAGER)
    person = make_participant()
    login(page, casemanager.username)
    page.goto(page.base_url + f"/deelnemers/{person.ref}/gegevens/")
    page.get_by_role("textbox", name="Taal").fill("Pools")
    # Meanwhile a colleague saves the same record.
    participants.update_participant(person, actor=None, expected_version=1, language="Turks")
    page.get_by_role("button", name="Opslaan").click()
    alert = page.get_by_role("alert")
    assert "intussen gewijzigd" in alert.inner_text()
    assert page.get_by_role("textbox", name="Taal").input_value() == "Pools"
    assert axe_violations(page) == []


DOSSIER_PAGES = [
    "/deelnemers/{ref}/", "/deelnemers/{ref}/plan/", "/deelnemers/{ref}/plan/versies/{version}/",
    "/deelnemers/{ref}/doelen/{goal}/", "/deelnemers/{ref}/gesprekken/",
    "/deelnemers/{ref}/krachten/", "/deelnemers/{ref}/notities/",
    "/deelnemers/{ref}/tijdlijn/", "/deelnemers/{ref}/actieplan/", "/deelnemers/{ref}/team/",
    "/deelnemers/{ref}/regime/", "/deelnemers/{ref}/verblijven/{stay}/overplaatsen/",
    "/deelnemers/{ref}/gesprekken/nieuw/", "/deelnemers/nieuw/", "/notities/?q=besproken",
    "/deelnemers/?scope=all",
]


def test_dossier_pages_have_no_serious_accessibility_violations(page, make_user):
    person = make_participant(entered_days_ago=60)
    goal = make_goal(person, set_on=days_ago(20))
    plans.add_action(goal, actor=None, description="Bellen", responsible="mentor",
                     due_on=days_ago(1))
    version = plans.establish_version(person, actor=None, summary="Plan.")
    plans.record_review(person, actor=None, kind="mdo", held_on=days_ago(3),
                        attendees="team", decisions="Besloten.")
    plans.save_strengths(person, "housing", actor=None, wishes="Een kamer.")
    participants.add_note(person, actor=None, text="Al besproken.", confirmed=True)
    casemanager = make_user(Role.CASEMANAGER)
    login(page, casemanager.username)
    ids = {"ref": person.ref, "version": version.pk, "goal": goal.ref,
           "stay": person.current_stay.ref}
    failures = {}
    for template in DOSSIER_PAGES:
        path = template.format(**ids)
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    assert failures == {}


def test_aftercare_pages_are_accessible(page, make_user):
    person = make_participant(aftercare="Almelo")
    make_goal(person, domain="debts")
    coordinator = make_user(Role.AFTERCARE_COORDINATOR)
    login(page, coordinator.username)
    follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Nazorg"))
    assert axe_violations(page) == []
    page.get_by_role("link", name=person.sort_name).click()
    assert page.get_by_role("heading", level=1).inner_text() == person.display_name
    assert axe_violations(page) == []
