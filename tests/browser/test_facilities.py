"""Facilities in a real browser: the acceptance flow of issue 7 (a facility casemanager moves a
candidate through the Huis van Herstel route; a rejection without a reason is refused with a
clear message; the pre-scan form has no field for content) and the accessibility of every
facility page (no serious or critical axe violations)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from herstelpad.facilities import services
from herstelpad.facilities.models import Candidate
from herstelpad.participants.models import Stay
from tests.conftest import axe_violations, follow, login
from tests.dossier import days_ago, institution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEAM_STEPS = ("Screening", "Motivatiebrief", "Dossieronderzoek", "Weegtafel", "Selectieadvies")


def _logout(page):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_load_state()


def _status(page) -> str:
    return page.get_by_role("status").first.inner_text()


def _decide(page, *, decision: str, decider: str, reason: str = ""):
    """Open the inline decision form (htmx) and submit it."""
    page.get_by_role("link", name="Besluit vastleggen").click()
    form = page.locator("#action-panel")
    form.get_by_role("heading", level=3).wait_for()
    form.get_by_role("radio", name=decision).check()
    form.locator("#id_decider").fill(decider)
    form.locator("#id_reason").fill(reason)
    form.get_by_role("button", name="Besluit vastleggen").click()


def test_facility_casemanager_moves_a_candidate_through_the_huis_van_herstel_route(
        page, make_user):
    team = make_user(Role.CASEMANAGER, institutions=("FAC-HVH",), first_name="Fenna",
                     last_name="Bos")
    diz = make_user(Role.SELECTION_OFFICER, institutions=(), first_name="Dirk",
                    last_name="Zijlstra")

    login(page, team.username)
    follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Voorzieningen"))
    assert axe_violations(page) == []
    page.get_by_role("link", name="Huis van Herstel (Almelo)", exact=True).click()
    expect(page.get_by_role("heading", name="Instroomroute")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Kandidaat aanmelden").first.click()
    page.locator("#id_source").select_option("casemanager")
    page.locator("#id_list_date").fill(days_ago(60).isoformat())
    page.locator("#id_name").fill("Kees Kandidaat")
    page.locator("#id_sex").select_option("male")
    page.locator("#id_sentence_end_on").fill(days_ago(-250).isoformat())
    page.locator("#id_municipality").fill("Hengelo")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Aanmelden").click()
    assert "is aangemeld en gescreend: voldoet aan de criteria" in _status(page)
    assert page.locator("#candidate-step").inner_text().startswith("1. Screening")
    assert axe_violations(page) == []

    for i, step in enumerate(TEAM_STEPS):
        if step == "Weegtafel":
            # A rejection without a written reason is refused, with the message next to the
            # field and an error summary that takes the focus.
            _decide(page, decision="negatief: afgewezen", decider="weegtafel")
            summary = page.locator("[data-error-summary]")
            summary.wait_for()
            assert "schriftelijke motivering" in summary.inner_text()
            assert page.locator("#id_reason_error").inner_text().startswith(
                "Een afwijzing heeft een schriftelijke motivering")
            # The summary takes the focus once it has been swapped in (wait for it).
            expect(summary).to_be_focused()
            assert page.locator("#id_reason").get_attribute("aria-invalid") == "true"
            assert axe_violations(page) == []
            form = page.locator("#action-panel")
            form.get_by_role("radio", name="positief: door naar de volgende stap").check()
            form.locator("#id_on").fill(days_ago(55 - i).isoformat())
            form.locator("#id_reason").fill("Problemen op drie leefgebieden; gemotiveerd.")
            form.get_by_role("button", name="Besluit vastleggen").click()
        else:
            page.get_by_role("link", name="Besluit vastleggen").click()
            form = page.locator("#action-panel")
            form.get_by_role("heading", level=3).wait_for()
            form.get_by_role("radio", name="positief: door naar de volgende stap").check()
            form.locator("#id_on").fill(days_ago(55 - i).isoformat())
            form.locator("#id_decider").fill("team Huis van Herstel")
            form.get_by_role("button", name="Besluit vastleggen").click()
        page.get_by_text(f"Het besluit in stap {step} is vastgelegd.").wait_for()
    assert page.locator("#candidate-step").inner_text().startswith("6. Besluit DIZ")
    # DIZ decides; the team has no button for that step.
    assert page.get_by_role("link", name="Besluit vastleggen").count() == 0
    history = page.locator("#candidate-history").inner_text()
    assert "Weegtafel: positief" in history and "Problemen op drie leefgebieden" in history

    # The pre-scan form: only the partner, the answer and a date.
    ref = Candidate.objects.get(name="Kees Kandidaat").ref
    page.goto(page.base_url + f"/voorzieningen/kandidaten/{ref}/voorscan/")
    form = page.locator("main form")
    assert form.locator("textarea").count() == 0
    assert form.locator("input[type=text], [contenteditable]").count() == 0
    names = form.locator("input:not([type=hidden]), select").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]")
    assert sorted(names) == ["answered_on", "objection", "partner"]
    assert axe_violations(page) == []
    page.locator("#id_partner").select_option("police")
    page.get_by_role("radio", name="geen bezwaar").check()
    page.get_by_role("button", name="Antwoord vastleggen").click()
    assert "voorscan is vastgelegd" in _status(page)
    assert "politie: geen bezwaar" in page.locator("#prescan-answers").inner_text()
    _logout(page)

    login(page, diz.username)
    page.goto(page.base_url + f"/voorzieningen/kandidaten/{ref}/")
    _decide(page, decision="positief: door naar de volgende stap",
            decider="selectiefunctionaris DIZ", reason="Akkoord met het selectieadvies.")
    page.get_by_text("Het besluit in stap Besluit DIZ is vastgelegd.").wait_for()
    assert page.locator("#candidate-state").inner_text() == "toegelaten, wacht op plaatsing"
    _logout(page)

    login(page, team.username)
    page.goto(page.base_url + "/voorzieningen/FAC-HVH/kandidaten/")
    assert axe_violations(page) == []
    waiting = page.locator("#step-approved")
    waiting.get_by_role("link", name="Kees Kandidaat").click()
    page.get_by_role("link", name="Plaatsen").click()
    page.locator("#id_on").fill(days_ago(0).isoformat())
    page.locator("#id_trial_until").fill(days_ago(-10).isoformat())
    assert axe_violations(page) == []
    page.get_by_role("button", name="Plaatsen").click()
    assert "is geplaatst in Huis van Herstel" in _status(page)
    assert page.locator("#stay-status").inner_text() == "in de proefperiode"
    assert axe_violations(page) == []
    stay = Stay.objects.get(institution__code="FAC-HVH", participant__candidacies__ref=ref)
    assert stay.left_on is None
    assert [s.action for s in Candidate.objects.get(ref=ref).steps.order_by("id")] == [
        "register", "decide", "decide", "decide", "decide", "decide", "decide", "place"]


def _placed_stay():
    candidate = services.register_candidate(
        actor=None, facility=institution("FAC-HVH"), source="casemanager",
        list_date=days_ago(80), sex="male", sentence_end_on=days_ago(-200),
        municipality="Almelo", name="Piet Geplaatst")
    for i in range(6):
        candidate = services.decide(candidate, actor=None, expected_version=candidate.version,
                                    decision="positive", on=days_ago(79 - i))
    stay = services.place(candidate, actor=None, expected_version=candidate.version,
                          on=days_ago(60))
    return candidate, stay


def test_facility_pages_have_no_serious_accessibility_violations(page, make_user):
    team = make_user(Role.CASEMANAGER, institutions=("FAC-HVH",))
    candidate, stay = _placed_stay()
    rejected = services.register_candidate(
        actor=None, facility=institution("FAC-HVH"), source="municipality",
        list_date=days_ago(10), sex="female", name="Vera")
    login(page, team.username)
    paths = [
        "/voorzieningen/", "/voorzieningen/FAC-HVH/", "/voorzieningen/FAC-HVH/kandidaten/",
        "/voorzieningen/FAC-HVH/kandidaten/?state=all", "/voorzieningen/FAC-HVH/kandidaten/nieuw/",
        f"/voorzieningen/kandidaten/{candidate.ref}/", f"/voorzieningen/kandidaten/{rejected.ref}/",
        f"/voorzieningen/kandidaten/{rejected.ref}/besluit/",
        f"/voorzieningen/kandidaten/{rejected.ref}/terugtrekken/",
        "/voorzieningen/FAC-HVH/verblijven/", f"/voorzieningen/verblijven/{stay.ref}/",
        f"/voorzieningen/verblijven/{stay.ref}/tijdelijk-terug/",
        f"/voorzieningen/verblijven/{stay.ref}/terugplaatsen/",
        f"/voorzieningen/verblijven/{stay.ref}/vertrek/", "/voorzieningen/FAC-HVH/cijfers/",
        "/voorzieningen/FAC-COMPAGNIE/",
    ]
    failures = {}
    for path in paths:
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        violations = axe_violations(page)
        if violations:
            failures[path] = violations
    # A refused form (error summary, invalid fields) too.
    page.goto(page.base_url + f"/voorzieningen/verblijven/{stay.ref}/vertrek/")
    page.get_by_role("button", name="Vertrek vastleggen").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    violations = axe_violations(page)
    if violations:
        failures["outflow refused"] = violations
    assert failures == {}
