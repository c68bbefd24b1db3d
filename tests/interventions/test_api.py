"""The API of the catalogue, editions and enrolments: the same services and the same levels
as the pages; 409 on a stale version; 403 outside the scope."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from herstelpad.accounts.models import Role
from herstelpad.interventions.models import Edition, Enrolment
from tests.dossier import days_ago, make_goal, make_participant
from tests.interventions.helpers import make_edition

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, make_user):
    def as_role(role, **kwargs):
        user = make_user(role, **kwargs)
        token = Token.objects.create(user=user)
        auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

        class Caller:
            def get(self, path):
                return client.get(path, **auth)

            def post(self, path, data):
                return client.post(path, data, content_type="application/json", **auth)

            def patch(self, path, data):
                return client.patch(path, data, content_type="application/json", **auth)

        caller = Caller()
        caller.user = user
        return caller
    return as_role


def test_the_catalogue(api):
    caller = api(Role.RESEARCHER, institutions=())
    everything = caller.get("/api/interventions/").json()
    assert len(everything) == 31
    arnhem = {i["code"] for i in caller.get("/api/interventions/?institution=PI-ARNHEM").json()}
    assert {"puinruimen", "aan-de-bak", "herstelbemiddeling"} <= arnhem
    assert "sos-group" not in arnhem
    sos = caller.get("/api/interventions/sos-group/").json()
    assert (sos["provider"], sos["min_remaining_weeks"], sos["reporting_level"]) == (
        "GEVANGENENZORG", 8, "process")
    assert caller.get("/api/interventions/?institution=NOWHERE").status_code == 400
    assert caller.get("/api/interventions/sos-group/fit/?participant=X").status_code == 403


def test_editions_through_the_api(api):
    provider = api(Role.COURSE_PROVIDER, institutions=())
    created = provider.post("/api/editions/", {"intervention": "sos-group",
                                               "institution": "PI-ALMELO",
                                               "starts_on": str(days_ago(-14)),
                                               "ref": "SOS-API"})
    assert created.status_code == 201, created.content
    assert created.json()["capacity"] == 12
    refused = provider.post("/api/editions/", {"intervention": "puinruimen",
                                               "institution": "PI-ARNHEM",
                                               "starts_on": str(days_ago(-14))})
    assert refused.status_code == 403
    changed = provider.patch("/api/editions/SOS-API/", {"version": 1, "capacity": 8})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = provider.patch("/api/editions/SOS-API/", {"version": 1, "capacity": 6})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and stale.json()["current_version"] == 2
    assert [e["ref"] for e in provider.get("/api/editions/").json()["results"]] == ["SOS-API"]
    assert Edition.objects.get(ref="SOS-API").capacity == 8


def test_enrolments_through_the_api(api):
    casemanager = api(Role.CASEMANAGER)
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=10)
    created = casemanager.post("/api/enrolments/", {"participant": person.ref,
                                                    "edition": edition.ref,
                                                    "on": str(days_ago(12))})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["access"], body["status"]) == ("participation", "enrolled")
    ref = body["ref"]
    approve = casemanager.post(f"/api/enrolments/{ref}/steps/", {
        "version": 1, "action": "approve", "on": str(days_ago(11)), "reason": "MDO: ja"})
    assert approve.status_code == 200, approve.content
    start = casemanager.post(f"/api/enrolments/{ref}/steps/", {
        "version": 2, "action": "start", "on": str(days_ago(10))})
    assert start.status_code == 403  # the herstelconsulent runs Puinruimen
    runner = api(Role.HERSTELCONSULENT)
    invalid = runner.post(f"/api/enrolments/{ref}/steps/", {
        "version": 2, "action": "complete", "on": str(days_ago(10))})
    assert invalid.status_code == 400
    assert invalid.json()["action"] == ["Afronden kan alleen na de start."]
    for version, action in ((2, "start"), (3, "complete")):
        assert runner.post(f"/api/enrolments/{ref}/steps/", {
            "version": version, "action": action, "on": str(days_ago(1))}).status_code == 200
    stale = runner.post(f"/api/enrolments/{ref}/certificate/", {"version": 3,
                                                                "on": str(days_ago(0))})
    assert stale.status_code == 409
    assert runner.post(f"/api/enrolments/{ref}/certificate/", {
        "version": 4, "on": str(days_ago(0))}).json()["certificate_on"] == str(days_ago(0))
    goal = make_goal(person, domain="restoration_victim")
    linked = casemanager.post(f"/api/enrolments/{ref}/goal/", {"version": 5,
                                                               "goal": goal.ref})
    assert linked.status_code == 200 and linked.json()["goal"] == goal.ref
    full = runner.get(f"/api/enrolments/{ref}/").json()
    assert [s["action"] for s in full["steps"]] == ["refer", "approve", "start", "complete"]
    assert full["steps"][1]["reason"] == "MDO: ja" and full["steps"][1]["decided_by"] == \
        "het MDO"
    mine = casemanager.get(f"/api/enrolments/?participant={person.ref}").json()["results"]
    assert mine == [casemanager.get(f"/api/enrolments/{ref}/").json()]
    assert mine[0]["status"] == "completed" and "steps" not in mine[0]


def test_an_objection_through_the_api(api):
    consultant = api(Role.HERSTELCONSULENT)
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=-5)
    created = consultant.post("/api/enrolments/", {"participant": person.ref,
                                                   "edition": edition.ref, "objection": True})
    assert created.status_code == 201
    assert created.json()["access"] == "full"  # she runs the course: her own record
    casemanager = api(Role.CASEMANAGER)
    enrolment = Enrolment.objects.get(participant=person)
    assert casemanager.get(f"/api/enrolments/{enrolment.ref}/").status_code == 403
    assert casemanager.get(f"/api/enrolments/?participant={person.ref}").json()["count"] == 0
    other = make_participant(entered_days_ago=60)
    hidden = casemanager.post("/api/enrolments/", {"participant": other.ref,
                                                   "edition": edition.ref, "objection": True})
    assert hidden.status_code == 201
    assert hidden.json()["access"] is None  # recorded, but no longer the prison's to see
