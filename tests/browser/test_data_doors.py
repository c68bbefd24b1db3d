"""Imports and reports in a real browser: upload, errors, result, report with chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from tests.conftest import axe_violations, follow, login
from tests.imports.conftest import csv_bytes, widget_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_with_errors_then_a_good_file_then_the_report(page, make_user, tmp_path):
    user = make_user(Role.FUNCTIONAL_ADMIN)
    login(page, user.username)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Importeren").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Importeren"
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Test widgets"))
    assert axe_violations(page) == []

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([widget_row(1), widget_row(2, made_on="2022-02-30")]))
    page.get_by_label("CSV-bestand").set_input_files(str(bad))
    page.get_by_role("button", name="Bestand inlezen").click()
    alert = page.get_by_role("alert")
    assert "Er is 1 fout gevonden" in alert.inner_text()
    assert 'rij 2, kolom made_on, waarde "2022-02-30": deze datum bestaat niet' in \
        page.locator(".hp-errors").inner_text()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Terug naar Test widgets").click()
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([widget_row(i, made_on=f"202{i % 3}-05-01",
                                           category=["housing", "debts"][i % 2])
                                for i in range(40)]))
    page.get_by_label("CSV-bestand").set_input_files(str(good))
    page.get_by_role("button", name="Bestand inlezen").click()
    assert "Import gelukt: 40 rijen — 40 nieuw" in page.get_by_role("status").first.inner_text()

    page.get_by_role("link", name="Terug naar Test widgets").click()
    history = page.get_by_role("table").inner_text()
    assert "good.csv" in history and "bad.csv" in history

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link",
                                                                 name="Rapportages").click()
    page.get_by_role("link", name="Widgets per jaar").click()
    page.get_by_label("Vanaf").fill("2020-01-01")
    page.get_by_label("Weergave").select_option("public")
    page.get_by_role("button", name="Rapportage maken").click()
    chart = page.get_by_role("img", name="Widgets per jaar")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Widgets per jaar")
    assert "Huisvesting" in table.inner_text()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
