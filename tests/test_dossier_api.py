"""The dossier API: participants, stays, plans and goals — scoped, audited, with optimistic
concurrency (HTTP 409 on a stale version)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.participants.models import Participant
from herstelpad.plans.models import Goal
from tests.dossier import days_ago, make_goal, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, make_user):
    def as_role(role, **kwargs):
        user = make_user(role, **kwargs)
        token = Token.objects.create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        client.user = user
        return client

    return as_role


def test_participant_list_is_scoped_and_audited(api):
    here = make_participant(family_name="Arnhem")
    make_participant(at="PI-ALMELO", family_name="Almelo")
    client = api(Role.MENTOR)
    body = client.get("/api/participants/").json()
    assert [p["ref"] for p in body["results"]] == [here.ref]
    assert body["results"][0]["current_stay"]["institution"] == "PI-ARNHEM"
    entry = AuditEntry.objects.filter(action="list").latest("id")
    assert entry.object_type == "participants.participant" and entry.details["count"] == 1
    assert entry.channel == "api"


def test_participant_detail_outside_scope_is_403_and_audited(api):
    elsewhere = make_participant(at="PI-ALMELO")
    client = api(Role.CASEMANAGER)
    assert client.get(f"/api/participants/{elsewhere.ref}/").status_code == 403
    entry = AuditEntry.objects.filter(action="denied").latest("id")
    assert entry.object_id == str(elsewhere.pk) and entry.actor_id == client.user.pk
    assert client.get("/api/participants/P-BESTAATNIET/").status_code == 404


def test_participant_detail_is_an_audited_read(api):
    person = make_participant()
    client = api(Role.HERSTELCONSULENT)
    body = client.get(f"/api/participants/{person.ref}/").json()
    assert body["version"] == 1 and body["current_episode"]["number"] == 1
    assert AuditEntry.objects.filter(action="read", object_type="participants.participant",
                                     object_id=str(person.pk)).exists()


def test_register_participant_with_first_stay(api):
    client = api(Role.CASEMANAGER)
    response = client.post("/api/participants/", {
        "given_name": "Dirk", "family_name": "de Wit", "sex": "male",
        "institution": "PI-ARNHEM", "entered_on": days_ago(3).isoformat(),
        "legal_status": "remand"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"].startswith("P-") and body["current_stay"]["legal_status"] == "remand"


def test_register_refuses_bad_codes_and_other_institutions(api):
    client = api(Role.CASEMANAGER)
    response = client.post("/api/participants/", {
        "institution": "PI-ALMELO", "entered_on": days_ago(3).isoformat(),
        "legal_status": "lang"}, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()
    assert "legal_status" in errors and "institution" in errors
    assert not Participant.objects.exists()


def test_mentor_may_not_register(api):
    client = api(Role.MENTOR)
    response = client.post("/api/participants/", {
        "institution": "PI-ARNHEM", "entered_on": days_ago(3).isoformat()},
        content_type="application/json")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="denied",
                                     details__permission="participants.manage").exists()


def test_update_with_stale_version_is_409(api):
    person = make_participant()
    client = api(Role.CASEMANAGER)
    first = client.patch(f"/api/participants/{person.ref}/", {"version": 1, "language": "Pools"},
                         content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(f"/api/participants/{person.ref}/", {"version": 1, "language": "Turks"},
                         content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current_version"] == 2
    assert "intussen gewijzigd" in stale.json()["detail"]
    person.refresh_from_db()
    assert person.language == "Pools"


def test_update_without_version_is_refused(api):
    person = make_participant()
    response = api(Role.CASEMANAGER).patch(f"/api/participants/{person.ref}/",
                                           {"language": "Pools"}, content_type="application/json")
    assert response.status_code == 400 and "version" in response.json()


def test_stays_transfer_and_release(api):
    person = make_participant(entered_days_ago=30)
    client = api(Role.CASEMANAGER, institutions=["PI-ARNHEM", "PI-ALMELO"])
    stay = client.get(f"/api/stays/?participant={person.ref}").json()["results"][0]
    moved = client.post(f"/api/stays/{stay['ref']}/transfer/", {
        "version": stay["version"], "to_institution": "PI-ALMELO", "on": days_ago(5).isoformat()},
        content_type="application/json")
    assert moved.status_code == 201, moved.json()
    new = moved.json()
    assert new["transferred_from"] == stay["ref"] and new["episode"] == 1
    again = client.post(f"/api/stays/{stay['ref']}/transfer/", {
        "version": stay["version"], "to_institution": "PI-ZWOLLE", "on": days_ago(4).isoformat()},
        content_type="application/json")
    assert again.status_code == 409  # based on the version before the transfer
    released = client.post(f"/api/stays/{new['ref']}/release/", {
        "version": new["version"], "on": days_ago(1).isoformat(), "outflow_type": "positive_end"},
        content_type="application/json")
    assert released.status_code == 200 and released.json()["left_on"] == days_ago(1).isoformat()


def test_goals_create_status_and_actions(api):
    person = make_participant()
    client = api(Role.MENTOR)
    created = client.post("/api/goals/", {
        "participant": person.ref, "domain": "housing", "description": "Een eigen kamer.",
        "set_by": "participant"}, content_type="application/json")
    assert created.status_code == 201, created.json()
    goal = created.json()
    assert goal["status"] == "open" and goal["status_history"][0]["status"] == "open"
    with_action = client.post(f"/api/goals/{goal['ref']}/actions/", {
        "description": "Inschrijven woningnet", "responsible": "deelnemer"},
        content_type="application/json")
    assert with_action.status_code == 201
    action = with_action.json()["actions"][0]
    done = client.patch(f"/api/goals/{goal['ref']}/actions/{action['id']}/", {
        "version": action["version"], "done_on": days_ago(0).isoformat()},
        content_type="application/json")
    assert done.status_code == 200 and done.json()["actions"][0]["done_on"]
    achieved = client.post(f"/api/goals/{goal['ref']}/status/", {
        "version": goal["version"], "status": "achieved"}, content_type="application/json")
    assert achieved.status_code == 200 and achieved.json()["status"] == "achieved"
    assert achieved.json()["closed_on"] == days_ago(0).isoformat()
    invalid = client.post(f"/api/goals/{goal['ref']}/status/", {
        "version": achieved.json()["version"], "status": "not_achieved", "reason": "x"},
        content_type="application/json")
    assert invalid.status_code == 400 and "Heropen" in invalid.json()["status"][0]
    stale = client.patch(f"/api/goals/{goal['ref']}/", {"version": goal["version"], "rating": 4},
                         content_type="application/json")
    assert stale.status_code == 409
    rated = client.patch(f"/api/goals/{goal['ref']}/", {
        "version": achieved.json()["version"], "rating": 4}, content_type="application/json")
    assert rated.status_code == 200 and rated.json()["rating"] == 4
    bad = client.patch(f"/api/goals/{goal['ref']}/", {
        "version": rated.json()["version"], "rating": 7}, content_type="application/json")
    assert bad.status_code == 400 and "rating" in bad.json()


def test_goal_with_unknown_domain_is_refused(api):
    person = make_participant()
    response = api(Role.MENTOR).post("/api/goals/", {
        "participant": person.ref, "domain": "geluk", "description": "x"},
        content_type="application/json")
    assert response.status_code == 400 and "geluk" in response.json()["domain"][0]


def test_plans_version_and_sign_off(api):
    person = make_participant()
    make_goal(person)
    client = api(Role.CASEMANAGER)
    created = client.post("/api/plans/", {"participant": person.ref, "summary": "Afspraken."},
                          content_type="application/json")
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert plan["versions"][0]["number"] == 1 and len(plan["goals"]) == 1
    assert plan["plan_established_on"] == days_ago(0).isoformat()
    signed = client.post(f"/api/plans/{plan['id']}/sign-off/", {
        "number": 1, "version": 1, "outcome": "signed"}, content_type="application/json")
    assert signed.status_code == 200 and signed.json()["versions"][0]["sign_off"] == "signed"
    twice = client.post(f"/api/plans/{plan['id']}/sign-off/", {
        "number": 1, "version": 2, "outcome": "declined", "note": "toch niet"},
        content_type="application/json")
    assert twice.status_code == 400


def test_mentor_may_not_establish_a_plan(api):
    person = make_participant()
    response = api(Role.MENTOR).post("/api/plans/", {"participant": person.ref, "summary": "x"},
                                     content_type="application/json")
    assert response.status_code == 403


def test_aftercare_coordinator_has_no_dossier_api(api):
    make_participant(aftercare="almelo")
    client = api(Role.AFTERCARE_COORDINATOR)
    for path in ("/api/participants/", "/api/stays/", "/api/plans/", "/api/goals/"):
        assert client.get(path).status_code == 403


def test_list_query_counts_do_not_grow(api, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(Role.CASEMANAGER)
    first = make_participant()
    make_goal(first)
    counts = []
    for _round in range(2):
        with CaptureQueriesContext(connection) as ctx:
            for path in ("/api/participants/", "/api/stays/", "/api/goals/", "/api/plans/"):
                assert client.get(path).status_code == 200
        counts.append(len(ctx.captured_queries))
        for _ in range(5):
            person = make_participant()
            for domain in ("housing", "debts", "income"):
                make_goal(person, domain=domain)
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        client.get("/api/goals/")


def test_openapi_schema_documents_the_dossier(api):
    schema = api(Role.CASEMANAGER).get("/api/schema/?format=json").json()
    for path in ("/api/participants/", "/api/participants/{ref}/", "/api/stays/{ref}/transfer/",
                 "/api/plans/{id}/sign-off/", "/api/goals/{ref}/status/"):
        assert path in schema["paths"], path
    patch = schema["paths"]["/api/participants/{ref}/"]["patch"]
    assert "409" in patch["responses"]


def test_goal_ref_from_goal_model(api):
    person = make_participant()
    goal = make_goal(person)
    body = api(Role.UNIT_HEAD).get(f"/api/goals/{goal.ref}/").json()
    assert body["ref"] == goal.ref == Goal.objects.get().ref


@pytest.mark.parametrize("path,method", [("/api/plans/abc/", "get"),
                                         ("/api/goals/abc/", "get"),
                                         ("/api/consents/abc/withdraw/", "post")])
def test_an_id_that_is_not_a_number_is_not_found(client, make_user, path, method):
    """Not a server error: the object simply does not exist."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user("casemanager"))
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404, response.content[:300]
