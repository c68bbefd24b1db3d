"""The report `course-participation` (INTERCHANGE §3.9), computed from imported editions and
enrolments, against figures computed by hand (`helpers.REPORT_ROWS`), in CSV, JSON and XLSX,
through every door."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from herstelpad.accounts.models import Role
from herstelpad.reports import render, services
from tests.interventions.helpers import REPORT_ROWS, imported_data

pytestmark = pytest.mark.django_db
HEADER = "year,intervention,editions,participants,completed\n"


@pytest.fixture
def data(db):
    imported_data()


def cli(*args) -> str:
    out = io.StringIO()
    call_command("report", "course-participation", *args, stdout=out)
    return out.getvalue()


def csv_of(rows) -> str:
    return HEADER + "".join(",".join(str(v) for v in row) + "\n" for row in rows)


def test_csv_matches_the_hand_computed_figures(data):
    assert cli() == csv_of(REPORT_ROWS) == (
        "year,intervention,editions,participants,completed\n"
        "2024,aan-de-bak,1,2,1\n"
        "2024,puinruimen,2,3,2\n"
        "2025,aan-de-bak,1,0,0\n"
        "2025,puinruimen,1,1,1\n"
        "2025,sos-group,1,1,0\n")


def test_period_and_institution(data):
    assert cli("--from", "2025-01-01") == csv_of(REPORT_ROWS[2:])
    assert cli("--to", "2024-12-31", "--institution", "PI-ARNHEM") == csv_of(REPORT_ROWS[:2])
    assert cli("--institution", "PI-ALMELO") == csv_of([REPORT_ROWS[4]])
    assert cli("--from", "2024-03-01", "--to", "2024-12-31") == csv_of(
        [[2024, "aan-de-bak", 1, 2, 1], [2024, "puinruimen", 1, 2, 1]])  # ED-3, ED-2


def test_json(data):
    body = json.loads(cli("--format", "json"))
    assert body["report"] == "course-participation" and body["disclosure"] == "exact"
    assert body["columns"] == ["year", "intervention", "editions", "participants",
                               "completed"]
    assert body["rows"] == REPORT_ROWS
    assert body["parameters"]["institution"] == []


def test_xlsx_has_dutch_labels_and_the_same_figures(data, tmp_path):
    cli("--format", "xlsx", "--output", str(tmp_path / "r.xlsx"))
    sheet = load_workbook(tmp_path / "r.xlsx").active
    values = [[c.value for c in row][:5] for row in sheet.iter_rows()]
    assert values[0][0] == "Deelname aan interventies"
    header = values.index(["Jaar", "Interventie", "Edities", "Deelnemers", "Afgerond"])
    names = {"aan-de-bak": "Aan de Bak!", "puinruimen": "Puinruimen",
             "sos-group": "SOS — Spreken over Slachtoffers, Schuld en Samenleving "
                          "(groepscursus)"}
    assert values[header + 1: header + 6] == [[y, names[c], e, p, d]
                                              for y, c, e, p, d in REPORT_ROWS]


def test_public_disclosure_hides_small_counts_of_persons_not_of_editions(data):
    assert cli("--disclosure", "public") == (
        HEADER + "2024,aan-de-bak,1,<5,<5\n2024,puinruimen,2,<5,<5\n"
        "2025,aan-de-bak,1,0,0\n2025,puinruimen,1,<5,<5\n2025,sos-group,1,<5,0\n")


def test_researchers_get_public_figures_and_providers_their_own(data, make_user):
    researcher = make_user(Role.RESEARCHER, institutions=())
    result = services.run("course-participation", researcher, {})
    assert result.disclosure == "public"  # a national role: every institution, never exact
    assert result.rows[0] == [2024, "aan-de-bak", 1, "<5", "<5"] and len(result.rows) == 5
    provider = make_user(Role.COURSE_PROVIDER, institutions=())  # Gevangenenzorg: SOS
    result = services.run("course-participation", provider, {})
    assert result.rows == [REPORT_ROWS[4]]
    staff = make_user(Role.UNIT_HEAD)  # PI Arnhem
    assert services.run("course-participation", staff, {}).rows == [
        REPORT_ROWS[0], REPORT_ROWS[1], REPORT_ROWS[3]]


def test_every_door_gives_the_same_csv(data, client, make_user):
    user = make_user(Role.FUNCTIONAL_ADMIN, institutions=())
    token = Token.objects.create(user=user)
    api = client.get("/api/reports/course-participation/?format=csv",
                     HTTP_AUTHORIZATION=f"Token {token.key}")
    client.force_login(user)
    web = client.get("/rapporten/course-participation/download.csv")
    assert api.status_code == web.status_code == 200
    assert api.content.decode() == web.content.decode() == cli() == csv_of(REPORT_ROWS)
    page = client.get("/rapporten/course-participation/?from=2020-01-01")
    assert "Aan de Bak!" in page.content.decode()


def test_the_report_is_audited_and_renders_as_pdf(data):
    from herstelpad.audit.models import AuditEntry

    result = services.run("course-participation", None, {})
    assert render.to_pdf(result).startswith(b"%PDF-")
    entry = AuditEntry.objects.filter(action="report").latest("id")
    assert entry.object_id == "course-participation"
