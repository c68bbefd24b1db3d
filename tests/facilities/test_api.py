"""The facilities API per role: a facility team sees its own candidates, a municipality the
candidates from its area, DIZ the advices sent to it; decisions through the API follow the same
rules as the services (a rejection needs a reason; DIZ decides its own step); the pre-scan
carries no content; the candidates import works through the API door."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token

from herstelpad.facilities import services
from herstelpad.facilities.models import Candidate, PrescanAnswer
from tests.dossier import days_ago, institution, make_participant

pytestmark = pytest.mark.django_db
BASE = "/api/facilities/candidates/"


@pytest.fixture
def api(client, make_user):
    def as_role(role, **kwargs):
        user = make_user(role, **kwargs)
        auth = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}

        class Door:
            pass

        door = Door()
        door.user = user
        door.get = lambda path: client.get(path, **auth)
        door.post = lambda path, data, **kw: client.post(
            path, data, content_type=kw.get("content_type", "application/json"), **auth)
        return door

    return as_role


def _candidate(ref, facility="FAC-HVH", municipality="Enschede", steps=0, **facts):
    facts = {"sex": "male", "sentence_end_on": days_ago(-200), **facts}
    candidate = services.register_candidate(
        actor=None, facility=institution(facility), source="municipality",
        list_date=days_ago(40), ref=ref, municipality=municipality, **facts)
    for i in range(steps):
        candidate = services.decide(candidate, actor=None, expected_version=candidate.version,
                                    decision="positive", on=days_ago(35 - i))
    return candidate


@pytest.fixture
def candidates(db):
    return {
        "hvh-enschede": _candidate("K-1"),
        "hvh-almelo-at-diz": _candidate("K-2", municipality="Almelo", steps=5),
        "middelburg": services.register_candidate(
            actor=None, facility=institution("FAC-MIDDELBURG"), source="application",
            list_date=days_ago(10), ref="K-3", sex="male", municipality="Goes",
            weekly_work_hours=30),
    }


def _refs(response):
    assert response.status_code == 200, response.content
    return sorted(row["ref"] for row in response.json()["results"])


@pytest.mark.parametrize("role, kwargs, expected", [
    ("casemanager", {"institutions": ("FAC-HVH",)}, ["K-1", "K-2"]),
    ("unit_head", {"institutions": ("PI-ALMELO",)}, ["K-1", "K-2"]),  # the prison's facility
    ("casemanager", {"institutions": ("FAC-MIDDELBURG",)}, ["K-3"]),
    ("mentor", {"institutions": ("PI-ARNHEM",)}, []),
    ("aftercare_coordinator", {"organisation": "GEM-ALMELO"}, ["K-2"]),
    ("aftercare_coordinator", {"organisation": "GEM-ENSCHEDE"}, ["K-1"]),
    ("selection_officer", {}, ["K-2"]),
    ("probation_officer", {}, []),
])
def test_candidates_are_scoped_per_role(api, candidates, role, kwargs, expected):
    door = api(role, **kwargs)
    assert _refs(door.get(BASE)) == expected
    for ref in ("K-1", "K-2", "K-3"):
        assert door.get(f"{BASE}{ref}/").status_code == (200 if ref in expected else 403)


@pytest.mark.parametrize("role", ["researcher", "auditor", "course_provider", "mediator",
                                  "functional_admin", "volunteer_coordinator"])
def test_roles_without_candidate_access_are_refused(api, candidates, role):
    assert api(role).get(BASE).status_code == 403


def test_the_team_decides_and_a_rejection_needs_a_reason(api, candidates):
    team = api("casemanager", institutions=("FAC-HVH",))
    k1 = candidates["hvh-enschede"]
    response = team.post(f"{BASE}K-1/decide/", {"decision": "negative", "on": str(days_ago(5)),
                                                "reason": "", "expected_version": k1.version})
    assert response.status_code == 400
    assert "schriftelijke motivering" in response.json()["reason"][0]
    response = team.post(f"{BASE}K-1/decide/", {"decision": "positive", "on": str(days_ago(5)),
                                                "expected_version": k1.version})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["step"] == "motivation_letter"
    assert [s["action"] for s in body["steps"]] == ["register", "decide"]
    stale = team.post(f"{BASE}K-1/decide/", {"decision": "positive", "on": str(days_ago(4)),
                                             "expected_version": k1.version})
    assert stale.status_code == 409
    # The team cannot take DIZ's decision on K-2; DIZ can.
    k2 = candidates["hvh-almelo-at-diz"]
    data = {"decision": "positive", "on": str(days_ago(3)), "reason": "Akkoord.",
            "expected_version": k2.version}
    assert team.post(f"{BASE}K-2/decide/", data).status_code == 403
    diz = api("selection_officer")
    response = diz.post(f"{BASE}K-2/decide/", data)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"


def test_municipality_sees_but_does_not_decide(api, candidates):
    gemeente = api("aftercare_coordinator", organisation="GEM-ALMELO")
    k2 = candidates["hvh-almelo-at-diz"]
    response = gemeente.post(f"{BASE}K-2/decide/", {
        "decision": "positive", "on": str(days_ago(3)), "expected_version": k2.version})
    assert response.status_code == 403
    assert Candidate.objects.get(ref="K-2").state == "open"


def test_prescan_answer_through_the_api_has_no_content(api, candidates):
    team = api("casemanager", institutions=("FAC-MIDDELBURG",))
    response = team.post(f"{BASE}K-3/prescan/", {"partner": "police", "objection": True,
                                                 "answered_on": str(days_ago(2)),
                                                 "reason": "Lopend onderzoek"})
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"partner", "objection", "answered_on"}
    answer = PrescanAnswer.objects.get(candidate__ref="K-3")
    assert answer.objection is True
    assert "Lopend onderzoek" not in str(answer.__dict__)
    probation = api("probation_officer")
    assert probation.post(f"{BASE}K-3/prescan/", {"partner": "probation", "objection": False,
                                                  "answered_on": str(days_ago(2))}
                          ).status_code == 403  # not their candidate


def test_facility_stays_follow_the_dossier(api):
    person = make_participant(at="PI-ALMELO", entered_days_ago=100, ref="P-FAC")
    stay = person.current_stay
    services.participants.transfer(stay, actor=None, expected_version=stay.version,
                                   to_institution=institution("FAC-HVH"), on=days_ago(50))
    team = api("casemanager", institutions=("FAC-HVH",))
    rows = team.get("/api/facilities/stays/").json()["results"]
    assert [(r["participant"], r["institution"]) for r in rows] == [("P-FAC", "FAC-HVH")]
    assert api("casemanager", institutions=("PI-ARNHEM",)).get(
        "/api/facilities/stays/").json()["results"] == []


def test_candidates_import_through_the_api_door_is_limited_to_own_facilities(api):
    team = api("casemanager", institutions=("FAC-HVH",))
    header = ("candidate_ref,facility,list_date,sex,sentence_end_on,life_sentence,isd,tbs,"
              "clinic,immediate_release,pp,municipality,status\n")
    ok = header + f"L1,FAC-HVH,{days_ago(3)},male,{days_ago(-100)},,,,,,,Almelo,\n"
    response = team.post("/api/imports/candidates/", ok.encode(), content_type="text/csv")
    assert response.status_code == 200, response.content
    assert Candidate.objects.get(ref="L1").screening_outcome == "eligible"
    other = header + f"L2,FAC-MIDDELBURG,{days_ago(3)},male,,,,,,,,Goes,\n"
    response = team.post("/api/imports/candidates/", other.encode(), content_type="text/csv")
    assert response.status_code in (400, 422), response.content
    assert not Candidate.objects.filter(ref="L2").exists()


def test_openapi_schema_lists_the_facility_endpoints(api):
    response = api("casemanager").get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/facilities/candidates/{ref}/decide/" in text
    assert "/api/facilities/stays/" in text


def test_list_query_count_does_not_grow(api, django_assert_max_num_queries):
    team = api("casemanager", institutions=("FAC-HVH",))
    for n in range(12):
        _candidate(f"Q-{n}")
    with django_assert_max_num_queries(12):
        assert len(_refs(team.get(BASE))) == 12


def test_candidate_days_in_step(candidates):
    row = services.board(None, institution("FAC-HVH"), on=days_ago(0)).get(ref="K-2")
    assert row.days_in_step == 31 and row.lead_time_days == 40
    assert isinstance(days_ago(0), dt.date)
