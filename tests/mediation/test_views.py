"""The mediation pages: happy paths, invalid input (400 with the reason), stale versions (409),
the duplicate warning and the court-mediation block on the referral page, query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from herstelpad.accounts.models import Role
from herstelpad.mediation import services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import CaseStep, MediationCase, Party
from tests.dossier import make_participant
from tests.mediation.helpers import make_case, run_to, step, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator_client(client, make_user):
    user = make_user(Role.MEDIATOR)
    client.force_login(user)
    client.user = user
    return client


def _text(response) -> str:
    return response.content.decode()


def test_refer_from_the_dossier(role_client):
    client = role_client(Role.HERSTELCONSULENT)
    person = make_participant()
    url = f"/deelnemers/{person.ref}/herstelbemiddeling/aanmelden/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"offence_category": "violence", "participant_agrees": "on",
                                 "request_note": "wil excuses aanbieden"})
    assert response.status_code == 302
    case = MediationCase.objects.get()
    assert case.referred_by == client.user and case.referrer_function == "herstelconsulent"
    tab = client.get(f"/deelnemers/{person.ref}/herstelbemiddeling/")
    assert "Uw aanmelding is ontvangen" in _text(tab)


def test_refer_warns_of_a_duplicate_and_saves_on_confirmation(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant()
    url = f"/deelnemers/{person.ref}/herstelbemiddeling/aanmelden/"
    data = {"offence_category": "violence", "participant_agrees": "on"}
    client.post(url, data)
    response = client.post(url, data)
    assert response.status_code == 400
    assert "dubbele aanmelding" in _text(response) and "Mogelijk dubbel met" in _text(response)
    assert client.post(url, {**data, "confirm_duplicate": "on"}).status_code == 302
    assert MediationCase.objects.count() == 2


def test_refer_is_blocked_by_a_running_court_mediation(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant()
    court_url = f"/deelnemers/{person.ref}/herstelbemiddeling/mediation-in-strafzaken/"
    assert client.post(court_url, {"started_on": today().isoformat(),
                                   "offence_category": "violence"}).status_code == 302
    response = client.post(f"/deelnemers/{person.ref}/herstelbemiddeling/aanmelden/",
                           {"offence_category": "violence", "participant_agrees": "on"})
    assert response.status_code == 400
    assert "mediation in strafzaken" in _text(response)
    assert not MediationCase.objects.exists()


def test_register_a_request_and_walk_the_case(mediator_client):
    client = mediator_client
    response = client.post("/bemiddeling/zaken/nieuw/", {
        "received_on": today().isoformat(), "channel": "reclassering",
        "initiating_party": "offender", "referrer_function": "probation",
        "referrer_name": "Reclasseringswerker Oost"})
    assert response.status_code == 302
    case = MediationCase.objects.get()
    base = f"/bemiddeling/zaken/{case.ref}/"
    assert client.get(base).status_code == 200
    response = client.post(base + "stap/assign/", {"on": today().isoformat(),
                                                   "version": case.version,
                                                   "mediators": [client.user.pk]})
    assert response.status_code == 302, _text(response)
    case.refresh_from_db()
    assert case.state == wf.ASSIGNED
    page = _text(client.get(base))
    assert "Afgeschermd deel" in page and "Partij toevoegen" in page
    response = client.post(base + "partijen/nieuw/", {"side": "victim", "kind": "victim",
                                                      "name": "Klaas Vaak"})
    assert response.status_code == 302
    party = Party.objects.get()
    response = client.post(base + f"partijen/{party.pk}/", {
        "side": "victim", "kind": "victim", "name": "Klaas Vaak", "phone": "06-1",
        "version": party.version})
    assert response.status_code == 302
    stale = client.post(base + f"partijen/{party.pk}/", {
        "side": "victim", "kind": "victim", "name": "Klaas Vaak", "phone": "06-2",
        "version": 1})
    assert stale.status_code == 409 and "Iemand anders" in _text(stale)
    party.refresh_from_db()
    assert party.phone == "06-1"
    for url, data in [
        ("gesprekken/nieuw/", {"side": "offender", "on": today().isoformat(),
                               "mode": "in_person", "notes": "intake"}),
        ("brieven/nieuw/", {"from_side": "offender", "form": "letter",
                            "on": today().isoformat(), "content": "brief"}),
        ("voorwaarden/nieuw/", {"side": "victim", "on": today().isoformat(),
                                "text": "niet in de woonplaats"}),
    ]:
        assert client.post(base + url, data).status_code == 302, url
    page = _text(client.get(base))
    for value in ("Klaas Vaak", "intake", "brief", "niet in de woonplaats"):
        assert value in page


def test_invalid_steps_answer_400_with_the_reason(mediator_client):
    client = mediator_client
    case = make_case()
    step(case, wf.ASSIGN, mediators=[client.user])
    case.refresh_from_db()
    base = f"/bemiddeling/zaken/{case.ref}/stap/"
    response = client.post(base + "close/", {"on": today().isoformat(),
                                             "version": case.version})
    assert response.status_code == 400 and "kan niet in de fase" in _text(response)
    response = client.post(base + "pause/", {"on": today().isoformat(),
                                             "version": case.version})
    assert response.status_code == 400
    response = client.post(base + "intake/", {"on": (today() + dt.timedelta(days=2))
                                               .isoformat(), "version": case.version})
    assert response.status_code == 400 and "toekomst" in _text(response)
    response = client.post(base + "intake/", {"on": today().isoformat(), "version": 1})
    assert response.status_code == 409
    assert client.get(base + "fly/").status_code == 404
    assert CaseStep.objects.filter(case=case).count() == 2


def test_answer_not_yet_appears_on_the_reminders(mediator_client):
    client = mediator_client
    case = make_case()
    run_to(case, wf.CONVERSATIONS, client.user)
    case.refresh_from_db()
    response = client.post(f"/bemiddeling/zaken/{case.ref}/stap/answer/", {
        "on": today().isoformat(), "version": case.version, "answer": "not_yet",
        "until": (today() + dt.timedelta(days=3)).isoformat()})
    assert response.status_code == 302
    page = _text(client.get("/bemiddeling/herinneringen/"))
    assert case.ref in page
    assert case.ref in _text(client.get("/bemiddeling/"))


def test_a_mediator_not_on_the_case_sees_no_compartment(mediator_client, make_user):
    other = make_user(Role.MEDIATOR)
    case = make_case()
    step(case, wf.ASSIGN, mediators=[other])
    services.add_party(case, actor=other, side="victim", kind="victim", name="Vink Zanger")
    response = mediator_client.get(f"/bemiddeling/zaken/{case.ref}/")
    assert response.status_code == 200
    assert "Vink Zanger" not in _text(response)
    assert "Neemt u de zaak over" in _text(response)
    assert mediator_client.get(f"/bemiddeling/zaken/{case.ref}/stap/intake/").status_code == 403


def test_reopen_page(mediator_client):
    client = mediator_client
    case = make_case(received_on=today() - dt.timedelta(days=100))
    run_to(case, wf.CLOSED, client.user)
    response = client.post(f"/bemiddeling/zaken/{case.ref}/heropenen/", {
        "on": today().isoformat(), "initiating_party": "offender", "channel": "reclassering",
        "same_mediators": "on", "reason": "na vrijlating"})
    assert response.status_code == 302
    new = MediationCase.objects.get(reopens=case)
    assert new.state == wf.ASSIGNED and response["Location"].endswith(f"{new.ref}/")
    assert case.ref in _text(client.get(f"/bemiddeling/zaken/{new.ref}/"))


def test_court_mediation_pages_for_mediators(mediator_client):
    person = make_participant()
    client = mediator_client
    response = client.post("/bemiddeling/mediation-in-strafzaken/nieuw/", {
        "participant_ref": "NOPE", "started_on": today().isoformat()})
    assert response.status_code == 400 and "Onbekend deelnemernummer" in _text(response)
    response = client.post("/bemiddeling/mediation-in-strafzaken/nieuw/", {
        "participant_ref": person.ref, "started_on": today().isoformat()})
    assert response.status_code == 302
    assert person.ref in _text(client.get("/bemiddeling/mediation-in-strafzaken/"))


def test_workbench_and_register_keep_their_query_count(mediator_client,
                                                       django_assert_max_num_queries):
    client = mediator_client
    for _ in range(2):
        run_to(make_case(participant=make_participant()), wf.INTAKE, client.user)
    make_case()
    for url in ("/bemiddeling/", "/bemiddeling/zaken/", "/"):
        client.get(url)
        with django_assert_max_num_queries(60) as before:
            client.get(url)
        for _ in range(5):
            run_to(make_case(participant=make_participant()), wf.APPROACHED, client.user)
            make_case(channel="reclassering")
        with django_assert_max_num_queries(len(before.captured_queries)):
            assert client.get(url).status_code == 200


def test_case_page_keeps_its_query_count(mediator_client, django_assert_max_num_queries):
    client = mediator_client
    case = make_case()
    run_to(case, wf.PREPARATION, client.user)
    url = f"/bemiddeling/zaken/{case.ref}/"
    client.get(url)
    with django_assert_max_num_queries(60) as before:
        client.get(url)
    for number in range(5):
        services.add_party(case, actor=client.user, side="victim", kind="victim",
                           name=f"Naam {number}")
        services.add_conversation(case, actor=client.user, side="victim", on=today(),
                                  mode="phone", notes="n")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_dashboard_shows_every_figure(role_client):
    client = role_client(Role.UNIT_HEAD)
    make_case()
    response = client.get("/bemiddeling/cijfers/")
    text = _text(response)
    assert response.status_code == 200
    for title in ("aanmeldingen per jaar", "afgesloten zaken en contact", "per inrichting",
                  "redenen van beëindiging", "vormen van contact", "doorlooptijd"):
        assert title in text
    assert "<td class=\"utrecht-table__cell\">nee</td>" in text  # no herstelconsulent here
    assert '<th scope="row" class="utrecht-table__header-cell">korter dan 1 maand</th>' in text
    assert client.get("/bemiddeling/cijfers/?from=2026-99-01").status_code == 400


def test_menu_items(role_client):
    assert "/bemiddeling/" in _text(role_client(Role.MEDIATOR).get("/"))
    text = _text(role_client(Role.RESEARCHER).get("/"))
    assert "/bemiddeling/cijfers/" in text and 'href="/bemiddeling/"' not in text


def test_sealed_edit_forms_and_court_mediations_record_their_reads(mediator_client):
    """The party form shows the victim's details and the case form the sealed facts: both are
    compartment reads in the audit trail; a court mediation opened to close it is a read too."""
    from herstelpad.audit.models import AuditEntry

    client = mediator_client
    case = make_case()
    step(case, wf.ASSIGN, actor=client.user, mediators=[client.user])
    party = services.add_party(case, actor=client.user, side="victim", kind="victim",
                               name="Klaas Vaak")
    base = f"/bemiddeling/zaken/{case.ref}/"
    assert client.get(base + f"partijen/{party.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="read", object_type="mediation.party",
                                     object_id=str(party.pk), purpose="compartment").exists()
    assert client.get(base + "gegevens/").status_code == 200
    assert AuditEntry.objects.filter(action="read", object_type="mediation.mediationcase",
                                     object_id=str(case.pk), purpose="compartment").exists()
    court = services.register_court_mediation(make_participant(), actor=client.user,
                                              started_on=today())
    assert client.get(f"/bemiddeling/mediation-in-strafzaken/{court.pk}/afgerond/"
                      ).status_code == 200
    assert AuditEntry.objects.filter(action="read", object_type="mediation.courtmediation",
                                     object_id=str(court.pk)).exists()
