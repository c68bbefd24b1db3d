"""The mediation API: referral status for the prison (facts only, consent-filtered) and the
mediation organisation's case management (mediators; the compartment only on the case)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from herstelpad.accounts.models import Role
from herstelpad.mediation import services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import MediationCase
from tests.dossier import make_participant
from tests.mediation.helpers import make_case, run_to, share, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, make_user):
    def as_role(role, **kwargs):
        user = make_user(role, **kwargs)
        token = Token.objects.create(user=user)
        auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

        class Door:
            pass

        door = Door()
        door.user = user
        door.get = lambda path: client.get(path, **auth)
        door.post = lambda path, data: client.post(path, data, content_type="application/json",
                                                   **auth)
        door.patch = lambda path, data: client.patch(path, data,
                                                     content_type="application/json", **auth)
        return door

    return as_role


def test_refer_and_read_the_status_as_the_referrer(api):
    casemanager = api(Role.CASEMANAGER)
    person = make_participant()
    response = casemanager.post("/api/mediation/referrals/", {
        "participant": person.ref, "participant_agrees": True, "offence_category": "violence"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received" and body["shared"] is False
    listed = casemanager.get(f"/api/mediation/referrals/?participant={person.ref}").json()
    assert [r["case"] for r in listed["results"]] == [body["case"]]
    # A colleague without the participant's consent learns nothing, not even that it exists.
    mentor = api(Role.MENTOR)
    assert mentor.get("/api/mediation/referrals/").json() == {"count": 0, "results": []}
    assert mentor.get(f"/api/mediation/referrals/{body['case']}/").status_code == 403


def test_a_duplicate_referral_answers_400_with_the_duplicates(api):
    casemanager = api(Role.CASEMANAGER)
    person = make_participant()
    data = {"participant": person.ref, "participant_agrees": True}
    casemanager.post("/api/mediation/referrals/", data)
    response = casemanager.post("/api/mediation/referrals/", data)
    assert response.status_code == 400 and response.json()["code"] == "possible_duplicate"
    assert len(response.json()["duplicates"]) == 1
    assert casemanager.post("/api/mediation/referrals/", {**data, "confirm_duplicate": True}
                            ).status_code == 201


def test_with_consent_the_status_shows_phase_and_contact(api, make_user):
    person = make_participant()
    share(person)
    case = make_case(participant=person)
    run_to(case, wf.CLOSED, make_user(Role.MEDIATOR), contact_form="group")
    data = api(Role.UNIT_HEAD).get(f"/api/mediation/referrals/{case.ref}/").json()
    assert data["status"] == "closed" and data["contact_took_place"] is True


def test_case_management_through_the_api(api):
    mediator = api(Role.MEDIATOR)
    person = make_participant()
    response = mediator.post("/api/mediation/cases/", {
        "received_on": today().isoformat(), "channel": "pi", "initiating_party": "offender",
        "participant": person.ref, "institution": "PI-ARNHEM", "request_note": "notitie"})
    assert response.status_code == 201, response.content
    ref = response.json()["ref"]
    detail = mediator.get(f"/api/mediation/cases/{ref}/").json()
    assert detail["on_case"] is False and "request_note" not in detail
    assert detail["allowed_actions"] == ["assign", "not_assigned"]
    response = mediator.post(f"/api/mediation/cases/{ref}/steps/", {
        "version": detail["version"], "action": "assign", "on": today().isoformat(),
        "mediators": [mediator.user.username]})
    assert response.status_code == 201, response.content
    detail = response.json()
    assert detail["on_case"] and detail["request_note"] == "notitie"
    assert [s["action"] for s in detail["steps"]] == ["register", "assign"]
    stale = mediator.post(f"/api/mediation/cases/{ref}/steps/", {
        "version": 1, "action": "intake", "on": today().isoformat()})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    wrong = mediator.post(f"/api/mediation/cases/{ref}/steps/", {
        "version": detail["version"], "action": "close", "on": today().isoformat()})
    assert wrong.status_code == 400 and "kan niet" in wrong.json()["non_field_errors"][0]
    response = mediator.post(f"/api/mediation/cases/{ref}/parties/", {
        "side": "victim", "kind": "victim", "name": "Merel Zanglijster"})
    assert response.status_code == 201
    assert mediator.get(f"/api/mediation/cases/{ref}/parties/").json()[0]["name"] == \
        "Merel Zanglijster"
    response = mediator.patch(f"/api/mediation/cases/{ref}/", {
        "version": detail["version"], "offence_category": "property"})
    assert response.status_code == 200 and response.json()["offence_category"] == "property"
    mine = mediator.get("/api/mediation/cases/?mine=true").json()
    assert [c["ref"] for c in mine["results"]] == [ref]


def test_a_mediator_not_on_the_case_gets_no_compartment(api, make_user):
    other = make_user(Role.MEDIATOR)
    case = make_case()
    run_to(case, wf.INTAKE, other)
    services.add_party(case, actor=other, side="victim", kind="victim", name="Gaai Ekster")
    mediator = api(Role.MEDIATOR)
    detail = mediator.get(f"/api/mediation/cases/{case.ref}/")
    assert detail.status_code == 200 and "Gaai Ekster" not in detail.content.decode()
    assert "steps" not in detail.json()
    assert mediator.get(f"/api/mediation/cases/{case.ref}/parties/").status_code == 403
    response = mediator.post(f"/api/mediation/cases/{case.ref}/steps/", {
        "version": detail.json()["version"], "action": "approach", "on": today().isoformat()})
    assert response.status_code == 403


def test_court_mediations_through_the_api(api):
    mediator = api(Role.MEDIATOR)
    person = make_participant()
    response = mediator.post("/api/mediation/court-mediations/", {
        "participant": person.ref, "started_on": today().isoformat(),
        "offence_category": "violence"})
    assert response.status_code == 201
    court = response.json()
    blocked = mediator.post("/api/mediation/cases/", {
        "received_on": today().isoformat(), "channel": "pi", "initiating_party": "offender",
        "participant": person.ref, "institution": "PI-ARNHEM", "offence_category": "violence"})
    assert blocked.status_code == 400 and "strafzaken" in str(blocked.json())
    ended = mediator.post(f"/api/mediation/court-mediations/{court['id']}/end/",
                          {"version": court["version"], "on": today().isoformat()})
    assert ended.status_code == 200 and ended.json()["ended_on"] == today().isoformat()
    assert not MediationCase.objects.exists()
