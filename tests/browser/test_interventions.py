"""Interventions in a real browser: the acceptance flow of issue 5 and the accessibility of
every intervention page (no serious or critical axe violations)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from herstelpad.interventions.models import Enrolment
from herstelpad.participants import services as participants
from tests.conftest import axe_violations, login
from tests.dossier import days_ago, institution, make_participant
from tests.interventions.helpers import enrol, make_edition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_load_state()


def _step(page, button: str, *, choose=(), write=()):
    page.get_by_role("link", name=button, exact=True).click()
    for label, value in choose:
        page.get_by_role("combobox", name=label).select_option(label=value)
    for label, value in write:
        page.get_by_role("textbox", name=label).fill(value)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Vastleggen").click()
    assert "Vastgelegd" in page.get_by_role("status").first.inner_text()


def test_herstelconsulent_runs_puinruimen_and_the_casemanager_sees_participation_only(
        page, make_user):
    consultant = make_user(Role.HERSTELCONSULENT, first_name="Ingrid", last_name="Bakker")
    casemanager = make_user(Role.CASEMANAGER, first_name="Sanne", last_name="de Vries")
    finisher = make_participant(given_name="Karel", family_name="Afmaker",
                                entered_days_ago=60, sentence_days=400)
    mover = make_participant(given_name="Omar", family_name="Verhuizer",
                             entered_days_ago=60, sentence_days=400)
    start = days_ago(14)

    login(page, consultant.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link",
                                                                  name="Interventies").click()
    expect(page.get_by_role("heading", name="Aanbod in PI Arnhem")).to_be_visible()
    catalogue = page.get_by_role("table", name="Interventies die aan de filters voldoen")
    for name in ("Puinruimen", "Aan de Bak!", "Herstelbemiddeling"):
        expect(catalogue.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert axe_violations(page) == []
    catalogue.get_by_role("link", name="Puinruimen", exact=True).click()
    page.get_by_role("link", name="Nieuwe editie").click()
    assert page.get_by_label("Interventie").input_value() != ""
    page.get_by_label("Begint op").fill(start.isoformat())
    page.get_by_label("Eindigt op").fill((start + dt.timedelta(weeks=10)).isoformat())
    page.get_by_label("Plaatsen").fill("10")
    page.get_by_label("Trainers of begeleiders").fill("Ingrid Bakker")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Editie aanmaken").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Puinruimen — PI Arnhem"

    for person in (finisher, mover):
        page.get_by_role("link", name="Deelnemer aanmelden").click()
        page.get_by_role("combobox", name="Deelnemer").select_option(
            label=f"{person.sort_name} ({person.ref})")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Aanmelden").click()
        assert "is aangemeld voor deze editie" in page.get_by_role("status").first.inner_text()
    pending = page.get_by_role("table", name="Aangemeld voor deze editie")
    assert "Afmaker, Karel" in pending.inner_text() and "Verhuizer, Omar" in pending.inner_text()
    assert axe_violations(page) == []

    for person in (finisher, mover):
        page.get_by_role("link", name=person.sort_name).click()
        _step(page, "Toelaten", choose=[("Besloten door", "de aanbieder")],
              write=[("Reden", "Gemotiveerd in de intake.")])
        _step(page, "Start vastleggen")
        assert page.locator("#enrolment-status").inner_text() == "neemt deel"
        page.get_by_role("link", name="Editie", exact=True).click()

    page.get_by_role("link", name="Bijeenkomst vastleggen").click()
    # Attendance has no default: each participant is marked explicitly.
    assert page.get_by_label("Afmaker, Karel").input_value() == ""
    page.get_by_label("Afmaker, Karel").select_option("present")
    page.get_by_label("Verhuizer, Omar").select_option("absent")
    page.get_by_role("button", name="Vastleggen").click()
    assert "Bijeenkomst 1 is vastgelegd." in page.get_by_role("status").first.inner_text()

    page.get_by_role("link", name="Afmaker, Karel").click()
    _step(page, "Afronding vastleggen")
    assert page.locator("#enrolment-status").inner_text() == "afgerond"

    # Omar is transferred to PI Zwolle; the edition page shows it; he stops.
    participants.transfer(mover.current_stay, actor=None, expected_version=1,
                          to_institution=institution("PI-ZWOLLE"), on=days_ago(0))
    page.get_by_role("link", name="Editie", exact=True).click()
    expect(page.get_by_text("verblijft niet meer in PI Arnhem")).to_be_visible()
    page.get_by_role("link", name="Verhuizer, Omar").click()
    _step(page, "Stoppen vastleggen", choose=[("Uitkomst", "Uitgevallen door overplaatsing")],
          write=[("Reden", "Overgeplaatst naar PI Zwolle; vond de groep ook te zwaar.")])
    assert page.locator("#enrolment-status").inner_text() == \
        "gestopt: uitgevallen door overplaatsing"
    assert axe_violations(page) == []
    _logout(page)

    # The casemanager: Puinruimen reports participation only.
    login(page, casemanager.username)
    page.goto(page.base_url + f"/deelnemers/{finisher.ref}/")
    tabs = page.get_by_role("navigation", name="Onderdelen van het dossier")
    tabs.get_by_role("link", name="Interventies").click()
    table = page.locator("#enrolments")
    assert "Puinruimen" in table.inner_text() and "afgerond" in table.inner_text()
    assert "verder niet gedeeld" in table.inner_text()
    assert axe_violations(page) == []
    page.goto(page.base_url + f"/deelnemers/{mover.ref}/interventies/")
    text = page.locator("#enrolments").inner_text()
    assert "gestopt" in text
    assert "overplaatsing" not in text.lower() and "zwaar" not in text
    page.get_by_role("link", name="Puinruimen").click()
    main = page.locator("main").inner_text()
    assert "gestopt" in main and "Verloop" not in main and "aanwezig" not in main.lower()
    assert "zwaar" not in main and "Zwolle" not in main
    assert axe_violations(page) == []
    page.goto(page.base_url + f"/deelnemers/{mover.ref}/tijdlijn/")
    timeline = page.locator(".hp-timeline").inner_text()
    assert "Puinruimen: gestopt" in timeline and "overplaatsing" not in timeline.lower()
    enrolment = Enrolment.objects.get(participant=mover)
    assert (enrolment.status, enrolment.outcome) == ("ended", "dropped_transfer")
    assert [s.action for s in enrolment.steps.order_by("id")] == [
        "refer", "approve", "start", "end"]


INTERVENTION_PAGES = [
    "/interventies/", "/interventies/?institution=alle&deelnemer={ref}",
    "/interventies/sos-group/?deelnemer={ref}", "/interventies/puinruimen/beheer/",
    "/interventies/puinruimen/beschikbaarheid/PI-ARNHEM/", "/interventies/inrichtingen/",
    "/interventies/inrichtingen/PI-ARNHEM/", "/interventies/edities/",
    "/interventies/edities/{edition}/", "/interventies/edities/{edition}/wijzigen/",
    "/interventies/edities/{edition}/bijeenkomsten/nieuw/",
    "/interventies/deelnames/{enrolment}/", "/interventies/deelnames/{enrolment}/stap/end/",
    "/interventies/deelnames/{enrolment}/doel/", "/deelnemers/{ref}/interventies/",
    "/deelnemers/{ref}/interventies/aanmelden/",
]


def test_intervention_pages_have_no_serious_accessibility_violations(page, make_user):
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=10)
    enrolment = enrol(person, edition, to="started")
    consultant = make_user(Role.HERSTELCONSULENT)
    login(page, consultant.username)
    ids = {"ref": person.ref, "edition": edition.ref, "enrolment": enrolment.ref}
    failures = {}
    for template in INTERVENTION_PAGES:
        path = template.format(**ids)
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    assert failures == {}
