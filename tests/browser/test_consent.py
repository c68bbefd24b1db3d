"""Consent in the dossier, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from tests.conftest import axe_violations, login
from tests.dossier import days_ago, make_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_casemanager_records_an_objection_and_a_withdrawal(page, make_user):
    user = make_user(Role.CASEMANAGER)
    make_participant(ref="P-BROWSER", given_name="Ahmed", family_name="Bakker")
    login(page, user.username)
    page.goto(page.base_url + "/deelnemers/P-BROWSER/")
    page.get_by_role("navigation", name="Onderdelen van het dossier").get_by_role(
        "link", name="Toestemming").click()
    expect(page.get_by_role("heading", name="Toestemming en bezwaar")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Toestemming of bezwaar vastleggen").click()
    page.get_by_label("Soort").select_option("objection")
    page.get_by_label("Doel").select_option("intervention_registration")
    page.get_by_label("Waarover").fill("puinruimen")
    page.get_by_label("Gegeven op").fill(days_ago(3).isoformat())
    page.get_by_label("Vastgelegd als").fill("mondeling bij de aanmelding")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Vastleggen").click()
    table = page.get_by_role("table", name="Toestemmingen en bezwaren, nieuwste eerst")
    assert "bezwaar" in table.inner_text() and "puinruimen" in table.inner_text()
    table.get_by_role("link", name="Intrekken").click()
    page.get_by_label("Ingetrokken op").fill(days_ago(1).isoformat())
    page.get_by_role("button", name="Intrekking vastleggen").click()
    assert "ingetrokken op" in page.get_by_role("table").inner_text()
    assert axe_violations(page) == []
