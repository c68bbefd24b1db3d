"""The report engine through its three doors, with the test report `test-widgets`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from herstelpad.audit.models import AuditEntry
from herstelpad.organisations.models import Institution
from herstelpad.reports import registry, services
from tests.testapp.models import Owner, Widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def widgets(db):
    """2021: 3 housing at Arnhem (2 active). 2022: 12 debts at Arnhem (9 active, amounts up to
    40), 1 housing at Almelo (inactive)."""
    owner = Owner.objects.create(ref="O1")
    arnhem = Institution.objects.get(code="PI-ARNHEM")
    almelo = Institution.objects.get(code="PI-ALMELO")
    n = 0

    def make(count, **fields):
        nonlocal n
        for i in range(count):
            n += 1
            Widget.objects.create(ref=f"W{n}", owner=owner, **fields(i) if callable(fields) else
                                  fields)

    for i in range(3):
        n += 1
        Widget.objects.create(ref=f"W{n}", owner=owner, institution=arnhem, category="housing",
                              made_on=date(2021, 3, 1), active=i < 2, amount=i)
    for i in range(12):
        n += 1
        Widget.objects.create(ref=f"W{n}", owner=owner, institution=arnhem, category="debts",
                              made_on=date(2022, 1 + i % 12, 1), active=i < 9, amount=40 - i)
    Widget.objects.create(ref="W99", owner=owner, institution=almelo, category="housing",
                          made_on=date(2022, 6, 1), active=False, amount=7)


EXACT_CSV = (
    "year,category,widgets,active,pct_active,max_amount\n"
    "2021,*,3,2,66.7,2\n"
    "2021,housing,3,2,66.7,2\n"
    "2022,*,13,9,69.2,40\n"
    "2022,debts,12,9,75.0,40\n"
    "2022,housing,1,0,0.0,7\n"
)


def cli(*args) -> str:
    out = io.StringIO()
    call_command("report", "test-widgets", *args, stdout=out)
    return out.getvalue()


def test_cli_csv_exact(widgets):
    assert cli() == EXACT_CSV


def test_cli_period_and_institution(widgets):
    assert cli("--from", "2022-01-01", "--institution", "PI-ALMELO") == (
        "year,category,widgets,active,pct_active,max_amount\n"
        "2022,*,1,0,0.0,7\n"
        "2022,housing,1,0,0.0,7\n")


def test_cli_public_disclosure(widgets):
    assert cli("--disclosure", "public") == (
        "year,category,widgets,active,pct_active,max_amount\n"
        "2021,*,<5,<5,,\n"
        "2021,housing,<5,<5,,\n"
        "2022,*,13,9,69.2,40\n"
        "2022,debts,,9,,\n"
        "2022,housing,<5,0,,\n")


def test_cli_json_matches_the_specification(widgets):
    body = json.loads(cli("--format", "json", "--to", "2022-12-31"))
    assert set(body) == {"report", "parameters", "columns", "rows", "disclosure",
                         "generated_at"}
    assert body["report"] == "test-widgets" and body["disclosure"] == "exact"
    assert body["parameters"] == {"from": None, "to": "2022-12-31", "institution": [],
                                  "size": ""}
    assert body["columns"] == ["year", "category", "widgets", "active", "pct_active",
                               "max_amount"]
    assert body["rows"][3] == [2022, "debts", 12, 9, 75.0, 40]


def test_cli_invalid_arguments_exit_2(widgets):
    for args in (["--from", "2022-13-01"], ["--institution", "PI-NOWHERE"],
                 ["--from", "2023-01-01", "--to", "2022-01-01"]):
        with pytest.raises(CommandError) as exc:
            cli(*args)
        assert exc.value.returncode == 2


def test_cli_xlsx_and_pdf_to_files(widgets, tmp_path):
    cli("--format", "xlsx", "--output", str(tmp_path / "r.xlsx"), "--disclosure", "public")
    sheet = load_workbook(tmp_path / "r.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Widgets per jaar"
    labels = {row[0]: row[1] for row in values if row and row[0]}
    assert labels["Weergave"].startswith("openbaar")
    assert labels["Tot en met"] == date.today().isoformat()
    assert "Gemaakt op" in labels
    header = values.index(["Jaar", "Leefgebied", "Widgets", "Actief", "% actief",
                           "Grootste aantal"] + [None] * (len(values[-1]) - 6))
    assert values[header + 1][:6] == [2021, "Totaal", "<5", "<5", None, None]
    assert values[header + 4][:6] == [2022, "Schulden en financiën", None, 9, None, None]
    cli("--format", "pdf", "--output", str(tmp_path / "r.pdf"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")


def test_xlsx_never_turns_text_into_a_formula(widgets, tmp_path):
    from herstelpad.reports import render

    Widget.objects.filter(ref="W99").update(category="=cmd|' /C calc'!A0")
    result = services.run("test-widgets", None, {})
    sheet = load_workbook(io.BytesIO(render.to_xlsx(result))).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)
             and "cmd" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    assert "'=cmd" in render.to_csv(result)


def test_every_run_is_audited(widgets):
    cli("--disclosure", "public", "--from", "2021-01-01")
    entry = AuditEntry.objects.filter(action="report").latest("id")
    assert entry.object_id == "test-widgets" and entry.channel == "cli"
    assert entry.details["disclosure"] == "public"
    assert entry.details["parameters"]["from"] == "2021-01-01"
    assert entry.details["format"] == "csv"


# --- Scope and disclosure by role ---------------------------------------------------------------

def test_staff_see_their_own_institutions_by_default(widgets, make_user):
    user = make_user("casemanager", institutions=["PI-ALMELO"])
    result = services.run("test-widgets", user, {})
    assert [r[:3] for r in result.rows] == [[2022, "*", 1], [2022, "housing", 1]]
    with pytest.raises(services.ReportInputError) as exc:
        services.run("test-widgets", user, {"institution": ["PI-ARNHEM"]})
    assert "institution" in exc.value.errors


def test_researchers_only_get_public(widgets, make_user):
    researcher = make_user("researcher")
    result = services.run("test-widgets", researcher, {})
    assert result.disclosure == "public"
    with pytest.raises(services.ReportInputError) as exc:
        services.run("test-widgets", researcher, {"disclosure": "exact"})
    assert "exacte cijfers" in " ".join(exc.value.errors["disclosure"])


def test_auditors_may_not_run_reports(widgets, make_user):
    with pytest.raises(services.ReportNotAllowed):
        services.run("test-widgets", make_user("auditor"), {})


def test_report_registry_refuses_bad_declarations():
    from herstelpad.reports.definitions import PCT, Col, Report

    class Broken(Report):
        name = "broken"
        columns = [Col("a", "a"), Col("p", "p", PCT, numerator="a", denominator="nope")]

    with pytest.raises(ValueError):
        registry.register(Broken)


# --- The three doors give the same result --------------------------------------------------------

def test_same_result_through_every_door(widgets, client, make_user):
    user = make_user("functional_admin")
    token = Token.objects.create(user=user)
    query = "from=2021-01-01&to=2022-12-31&disclosure=public"
    api = client.get(f"/api/reports/test-widgets/?{query}&format=csv",
                     HTTP_AUTHORIZATION=f"Token {token.key}")
    client.force_login(user)
    web = client.get(f"/rapporten/test-widgets/download.csv?{query}")
    command = cli("--from", "2021-01-01", "--to", "2022-12-31", "--disclosure", "public")
    assert api.status_code == web.status_code == 200
    assert api.content.decode() == web.content.decode() == command
    assert web["Content-Disposition"].startswith('attachment; filename="herstelpad-test-widgets-')


def test_api_json_and_errors(widgets, client, make_user):
    token = Token.objects.create(user=make_user("unit_head"))
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    body = client.get("/api/reports/test-widgets/", **auth).json()
    assert body["report"] == "test-widgets" and body["disclosure"] == "exact"
    assert [r[:3] for r in body["rows"]] == [[2021, "*", 3], [2021, "housing", 3],
                                             [2022, "*", 12], [2022, "debts", 12]]
    bad = client.get("/api/reports/test-widgets/?from=yesterday", **auth)
    assert bad.status_code == 400 and "from" in bad.json()
    assert client.get("/api/reports/nope/", **auth).status_code == 404
    assert client.get("/api/reports/test-widgets/?format=doc", **auth).status_code == 400
    xlsx = client.get("/api/reports/test-widgets/?format=xlsx", **auth)
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    listing = client.get("/api/reports/", **auth).json()["reports"]
    # Every report the unit head may run (other apps add their own), the test report among them.
    from herstelpad.reports import registry

    names = [r["name"] for r in listing]
    assert "test-widgets" in names
    assert names == [r.name for r in registry.reports_for(token.user)]
    auditor = Token.objects.create(user=make_user("auditor"))
    assert client.get("/api/reports/",
                      HTTP_AUTHORIZATION=f"Token {auditor.key}").status_code == 403


def test_web_page_shows_form_table_and_accessible_chart(widgets, role_client):
    client = role_client("herstelconsulent")
    empty = client.get("/rapporten/test-widgets/")
    assert empty.status_code == 200 and "<table" not in empty.content.decode()
    page = client.get("/rapporten/test-widgets/?from=2021-01-01&disclosure=exact")
    text = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="hp-chart"' in text and 'role="img"' in text
    assert "Staafdiagram van" in text
    assert "<caption" in text and "Schulden en financiën" in text
    assert "download.xlsx?from=2021-01-01" in text


def test_web_page_invalid_parameters(widgets, role_client):
    response = role_client("casemanager").get("/rapporten/test-widgets/?from=2021-02-30")
    assert response.status_code == 400
    assert "Voer een geldige datum in" in response.content.decode()


def test_csv_rows_parse_as_the_specification_says(widgets):
    rows = list(csv.reader(io.StringIO(cli())))
    assert rows[0][0] == "year" and all(len(r) == 6 for r in rows)
