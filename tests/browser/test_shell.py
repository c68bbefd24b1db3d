"""The application shell in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from tests.conftest import axe_violations, login

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible(page):
    page.goto(page.base_url + "/account/login/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.title() == "Inloggen — Herstelpad"
    assert axe_violations(page) == []


def test_skip_link_moves_focus_to_the_content(page):
    page.goto(page.base_url + "/bestaat-niet/")  # a page without an autofocus field
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Direct naar de inhoud")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_casemanager_logs_in_and_out(page, make_user):
    user = make_user(Role.CASEMANAGER, first_name="Sanne", last_name="de Vries")
    login(page, user.username)
    assert page.get_by_role("heading", level=1).inner_text() == "Welkom, Sanne de Vries"
    assert "PI Arnhem" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    assert menu.get_by_role("link", name="Start").get_attribute("aria-current") == "page"
    # Parts the role may not use are not in the menu at all.
    assert menu.get_by_role("link", name="Audittrail").count() == 0
    page.get_by_role("button", name="Uitloggen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggen bij Herstelpad"


def test_wrong_password_shows_a_clear_error(page, make_user):
    user = make_user(Role.MENTOR)
    login(page, user.username, "niet-het-goede-wachtwoord")
    alert = page.get_by_role("alert")
    assert "gebruikersnaam en wachtwoord" in alert.inner_text().lower()
    assert axe_violations(page) == []


def test_language_switch_to_english_and_back(page, make_user):
    user = make_user(Role.CASEMANAGER, first_name="Sanne", last_name="de Vries")
    login(page, user.username)
    page.get_by_role("button", name="EN (English)").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Sanne de Vries"
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("button", name="NL (Nederlands)").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text() == "Welkom, Sanne de Vries"


def test_auditor_searches_the_trail(page, make_user):
    user = make_user(Role.AUDITOR)
    login(page, user.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Audittrail").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Audittrail"
    assert axe_violations(page) == []
    page.get_by_label("Actie").select_option("login")
    page.get_by_role("button", name="Zoeken").click()
    table = page.get_by_role("table")
    assert user.username in table.inner_text()
    assert "ingelogd" in table.inner_text()


def test_forbidden_and_missing_pages_are_dutch(page, make_user):
    user = make_user(Role.MENTOR)
    login(page, user.username)
    response = page.goto(page.base_url + "/audit/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    assert axe_violations(page) == []
    response = page.goto(page.base_url + "/bestaat-niet/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Pagina niet gevonden"


@pytest.mark.parametrize("role", [Role.FUNCTIONAL_ADMIN, Role.RESEARCHER, Role.MEDIATOR])
def test_home_pages_are_accessible(page, make_user, role):
    user = make_user(role)
    login(page, user.username)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert axe_violations(page) == []


def test_account_page_offers_two_factor_enrolment(page, make_user):
    user = make_user(Role.PROBATION_OFFICER)
    login(page, user.username)
    page.get_by_role("link", name=user.display_name).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mijn account"
    page.get_by_role("link", name="Tweestapsverificatie instellen").click()
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("img", name="QR-code om uw authenticator-app te koppelen")
           ).to_be_visible()
    assert axe_violations(page) == []
