"""The leak test suite of the sealed victim compartment.

A case is worked through the web pages by the mediator on it, with distinctive values on the
victim's side (identity, contact details, answers and reasons, letters and messages, notes,
contact details of the meeting). Then every role that is not a mediator tries every door — the
dossier pages, the mediation pages, the API, CSV/JSON/XLSX/PDF exports, searches, the audit
viewer, the report pages, imports, the admin — and no response may contain any of the values
(XLSX is unzipped and PDF text extracted before searching). The values are not stored in plain
text in any table of the database, and appear in no log line and no error report.

The same search finds the values on the mediator's own case page: the test can fail."""

from __future__ import annotations

import datetime as dt
import io
import logging
import sys
import zipfile

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.signals import got_request_exception
from django.db import connection
from django.test import Client
from django.views.debug import ExceptionReporter
from pypdf import PdfReader

from herstelpad.accounts.models import Role
from herstelpad.mediation.models import CourtMediation, MediationCase, Party
from tests.dossier import make_participant
from tests.mediation.helpers import LEAK_VALUES, SEALED, VICTIM, share, today

pytestmark = pytest.mark.django_db

REQUEST_NOTE = "Verzoek over Boomkleverlaan"
MATTER = "05/748392-99"
COURT_NOTE = "Rechtbank Zwartkopgrasmus"
SECRETS = [*LEAK_VALUES, REQUEST_NOTE, MATTER, COURT_NOTE]
# The invented words of the values on their own too (a name split over lines, a number
# without its prefix, …); none of them occurs in the interface.
FRAGMENTS = ["Zwaluwstaart", "Kwartelkoning", "Heggemuspad", "Ooievaarsdam", "73917264",
             "Goudvinkvlucht", "Ijsvogelrivier", "Roerdompweide", "Kraanvogeltrek",
             "Tapuitheide", "Wulpenhoek", "Steltkluut", "Kievitsbloem", "Boomkleverlaan",
             "748392", "Zwartkopgrasmus"]
NON_MEDIATION_ROLES = [role for role in Role if role != Role.MEDIATOR]
REPORTS = ["mediation-intake", "mediation-outcomes", "mediation-stop-reasons",
           "mediation-contact-forms", "mediation-durations", "mediation-institutions"]


def texts_of(response) -> list[str]:
    """Everything a response could reveal: the raw bytes, and the text inside XLSX and PDF."""
    content = response.content if not getattr(response, "streaming", False) else \
        b"".join(response.streaming_content)
    found = [content.decode("utf-8", "replace")]
    kind = response.get("Content-Type", "")
    if content.startswith(b"PK") or "spreadsheet" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            found += [archive.read(name).decode("utf-8", "replace")
                      for name in archive.namelist()]
    if content.startswith(b"%PDF"):
        reader = PdfReader(io.BytesIO(content))
        found += [page.extract_text() or "" for page in reader.pages]
    return found


def leaks(response) -> list[str]:
    haystack = "\n".join(texts_of(response))
    return [value for value in [*SECRETS, *FRAGMENTS] if value in haystack]


@pytest.fixture
def world(client, make_user, caplog):
    """The case, worked through the pages by the mediator on it."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # SQL with parameters in the log, to be searched too
    person = make_participant(ref="P-LEAK", given_name="Lek", family_name="Proef")
    share(person)
    casemanager = make_user(Role.CASEMANAGER, username="leak-casemanager")
    mediator = make_user(Role.MEDIATOR, username="leak-mediator")
    staff = Client()
    staff.force_login(casemanager)
    assert staff.post(f"/deelnemers/{person.ref}/herstelbemiddeling/aanmelden/", {
        "offence_category": "violence", "participant_agrees": "on", "matter": MATTER,
        "request_note": REQUEST_NOTE}).status_code == 302
    assert staff.post(f"/deelnemers/{person.ref}/herstelbemiddeling/mediation-in-strafzaken/",
                      {"started_on": today().isoformat(), "offence_category": "property",
                       "note": COURT_NOTE}).status_code == 302
    case = MediationCase.objects.get()
    client.force_login(mediator)
    base = f"/bemiddeling/zaken/{case.ref}/"
    on = today()

    def take(action, **data):
        case.refresh_from_db()
        response = client.post(base + f"stap/{action}/", {
            "on": on.isoformat(), "version": case.version, **data})
        assert response.status_code == 302, (action, response.content.decode()[:3000])

    take("assign", mediators=[mediator.pk])
    assert client.post(base + "partijen/nieuw/", {"side": "victim", "kind": "victim",
                                                  **VICTIM}).status_code == 302
    take("contact_referrer")
    take("intake")
    take("approach")
    take("answer", answer="not_yet", until=(on + dt.timedelta(days=30)).isoformat(),
         reason=SEALED["reason"])
    take("pause", reason=SEALED["reason"])
    take("resume")
    take("approach")
    take("converse")
    assert client.post(base + "gesprekken/nieuw/", {
        "side": "victim", "on": on.isoformat(), "mode": "phone",
        "notes": SEALED["conversation"]}).status_code == 302
    take("answer", answer="yes", reason=SEALED["reason"])
    assert client.post(base + "voorwaarden/nieuw/", {
        "side": "victim", "on": on.isoformat(), "text": SEALED["condition"]}).status_code == 302
    assert client.post(base + "brieven/nieuw/", {
        "from_side": "victim", "form": "letter", "on": on.isoformat(),
        "content": SEALED["letter"]}).status_code == 302
    take("contact", contact_form="meeting", location=SEALED["location"],
         attendees=SEALED["attendees"], support_persons=SEALED["support"], interpreter="on",
         interpreter_language="Pools")
    take("follow_up")
    take("close")
    case.refresh_from_db()
    assert case.state == "closed" and case.contact_form == "meeting"
    yield {"person": person, "case": case, "mediator": mediator, "client": client,
           "casemanager": casemanager,
           "court": CourtMediation.objects.get(), "party": Party.objects.get()}
    connection.force_debug_cursor = False


def doors(world) -> list[str]:
    """Every page and endpoint, for every role (a role's own status code does not matter).
    Searches use a value cut short by one letter: the page may echo what was typed, but a
    hit would show the whole value."""
    ref, case = world["person"].ref, world["case"].ref
    stay = world["person"].current_stay.ref
    d = f"/deelnemers/{ref}"
    c = f"/bemiddeling/zaken/{case}"
    urls = [
        "/", "/account/", "/deelnemers/", "/deelnemers/?q=Kwartelkonin",
        "/deelnemers/?q=Zwaluwstaar&scope=all&presence=all", "/notities/?q=Kwartelkonin",
        "/nazorg/", f"/nazorg/{ref}/",
        f"{d}/", f"{d}/regime/", f"{d}/team/", f"{d}/notities/", f"{d}/tijdlijn/",
        f"{d}/tijdlijn/?soort=mediation", f"{d}/plan/", f"{d}/gesprekken/", f"{d}/krachten/",
        f"{d}/actieplan/", f"{d}/actieplan/pdf/", f"{d}/toestemming/", f"{d}/herstelbemiddeling/",
        f"{d}/herstelbemiddeling/aanmelden/",
        f"{d}/herstelbemiddeling/mediation-in-strafzaken/{world['court'].pk}/afgerond/",
        "/bemiddeling/", "/bemiddeling/herinneringen/", "/bemiddeling/zaken/",
        "/bemiddeling/zaken/?q=Kwartelkonin", f"{c}/", f"{c}/gegevens/",
        f"{c}/partijen/{world['party'].pk}/", f"{c}/stap/reassign/", f"{c}/heropenen/",
        "/bemiddeling/mediation-in-strafzaken/", "/bemiddeling/cijfers/",
        "/bemiddeling/cijfers/?disclosure=public",
        "/rapporten/", "/importeren/", "/importeren/mediation-cases/",
        "/api/", "/api/schema/", "/api/participants/", f"/api/participants/{ref}/",
        "/api/participants/?q=Kwartelkonin", f"/api/stays/{stay}/", "/api/consents/",
        "/api/plans/", "/api/goals/", "/api/mediation/referrals/",
        f"/api/mediation/referrals/?participant={ref}", f"/api/mediation/referrals/{case}/",
        "/api/mediation/cases/", f"/api/mediation/cases/{case}/",
        f"/api/mediation/cases/{case}/parties/", "/api/mediation/court-mediations/",
        f"/api/mediation/court-mediations/{world['court'].pk}/", "/api/imports/",
        "/api/reports/", "/audit/", "/audit/verify/", "/beheer/", "/beheer/accounts/user/",
    ]
    for name in REPORTS:
        urls.append(f"/rapporten/{name}/?from=2020-01-01")
        urls.append(f"/api/reports/{name}/?from=2020-01-01")
        for fmt in ("csv", "json", "xlsx"):
            urls.append(f"/rapporten/{name}/download.{fmt}?from=2020-01-01")
    for name in ("mediation-intake", "mediation-stop-reasons"):
        urls.append(f"/rapporten/{name}/download.pdf?from=2020-01-01")
        urls.append(f"/api/reports/{name}/?from=2020-01-01&format=pdf")
    return urls


def test_the_mediator_on_the_case_sees_the_values(world):
    """The search below is real: the values are on the mediator's own page."""
    response = world["client"].get(f"/bemiddeling/zaken/{world['case'].ref}/")
    found = leaks(response)
    assert set(SECRETS) - {COURT_NOTE} <= set(found)


@pytest.mark.parametrize("role", NON_MEDIATION_ROLES, ids=[r.value for r in
                                                            NON_MEDIATION_ROLES])
def test_no_door_shows_victim_values_to_a_non_mediation_role(world, make_user, role, caplog):
    client = Client()
    user = make_user(role, institutions=("PI-ARNHEM",))
    client.force_login(user)
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=user)
    checked = 0
    for url in doors(world):
        for response in (client.get(url),
                         client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
                         if url.startswith("/api/") else None):
            if response is None:
                continue
            assert response.status_code in (200, 302, 400, 403, 404), (url, response.status_code)
            assert leaks(response) == [], (role, url)
            checked += 1
    if role == Role.AUDITOR:  # the whole audit trail, page by page, and per object type
        for query in ["", "?object_type=mediation.party", "?object_type=mediation.casestep",
                      "?object_type=mediation.mediationcase", "?action=transition",
                      "?action=update"]:
            page = 1
            while True:
                sep = "&" if query else "?"
                response = client.get(f"/audit/{query}{sep}page={page}")
                assert response.status_code == 200 and leaks(response) == [], (query, page)
                checked += 1
                if 'rel="next"' not in response.content.decode():
                    break
                page += 1
    assert checked > 80
    assert [v for v in SECRETS if v in caplog.text] == []


def test_values_are_not_stored_in_plain_text_anywhere(world):
    """Every text column of every table (audit trail, sessions, tasks, import runs included)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row if v is not None)
                found += [(table, value) for value in SECRETS if value in text]
    assert found == []
    for session in Session.objects.all():  # session data is encoded: decode it first
        decoded = str(SessionStore().decode(session.session_data))
        assert [v for v in SECRETS if v in decoded] == []
    raw = Party.objects.values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM mediation_party WHERE id = %s", [raw])
        name, phone = cursor.fetchone()
    assert name != VICTIM["name"] and phone.startswith("gAAAAA")


def test_no_log_line_holds_a_value(world, caplog):
    """The fixture ran at DEBUG with SQL logging on: parameters are tokens, never the text."""
    logged = "\n".join(record.getMessage() + repr(getattr(record, "params", ""))
                       for record in caplog.get_records("setup"))
    assert "mediation_party" in logged  # the SQL was logged, with its parameters
    assert [v for v in SECRETS if v in logged] == []


def test_error_reports_hide_the_values(world, monkeypatch, settings):
    """A crash while saving victim data: Django's error report (the e-mail to the admins, the
    logged 500) shows neither the posted values nor the local variables of the code that
    handled them."""
    settings.DEBUG = False
    captured = {}

    def capture(sender, request, **kwargs):
        captured["request"], captured["info"] = request, sys.exc_info()

    def crash(self, *args, **kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(Party, "save", crash)
    got_request_exception.connect(capture)
    client = world["client"]
    client.raise_request_exception = False
    try:
        response = client.post(f"/bemiddeling/zaken/{world['case'].ref}/partijen/nieuw/",
                               {"side": "victim", "kind": "victim", **VICTIM})
        api = client.post(f"/api/mediation/cases/{world['case'].ref}/parties/",
                          {"side": "victim", "kind": "victim", **VICTIM},
                          content_type="application/json")
    finally:
        got_request_exception.disconnect(capture)
    assert response.status_code == 500 and api.status_code == 500
    assert leaks(response) == [] and leaks(api) == []
    reporter = ExceptionReporter(captured["request"], *captured["info"])
    report = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "RuntimeError" in report and "database unavailable" in report
    assert [v for v in VICTIM.values() if v in report] == []


def test_the_participant_withdrawing_consent_hides_even_the_phase(world):
    staff = Client()
    staff.force_login(world["casemanager"])
    url = f"/deelnemers/{world['person'].ref}/herstelbemiddeling/"
    assert "Er heeft contact plaatsgevonden" in staff.get(url).content.decode()
    consent = world["person"].consents.get(purpose="mediation_sharing")
    consent.withdrawn_on = today()
    consent.save()
    page = staff.get(url).content.decode()
    assert "contact plaatsgevonden" not in page and "Afgesloten" not in page
    assert "Uw aanmelding is ontvangen" in page  # the referrer still sees that it arrived


def test_the_search_reads_inside_pdf_and_xlsx():
    """`leaks` finds a value inside a PDF and an XLSX file (both compress their text)."""
    from django.http import HttpResponse
    from openpyxl import Workbook
    from weasyprint import HTML

    pdf = HttpResponse(HTML(string=f"<p>{VICTIM['name']}</p>").write_pdf(),
                       content_type="application/pdf")
    assert VICTIM["name"].encode() not in pdf.content  # not findable in the raw bytes
    assert VICTIM["name"] in leaks(pdf)
    book = Workbook()
    book.active["A1"] = VICTIM["address"]
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-"
                        "officedocument.spreadsheetml.sheet")
    assert VICTIM["address"] in leaks(xlsx)
