"""The API scaffold: token authentication, OpenAPI schema, reference endpoints."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from herstelpad.accounts.models import Role


@pytest.fixture
def api(client, make_user):
    def as_role(role):
        token = Token.objects.create(user=make_user(role))
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        return client

    return as_role


def test_institutions_list_and_detail(api):
    client = api(Role.CASEMANAGER)
    response = client.get("/api/institutions/?limit=100")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 35
    hvh = next(i for i in body["results"] if i["code"] == "FAC-HVH")
    assert hvh == {"code": "FAC-HVH", "type": "facility", "name": "Huis van Herstel (Almelo)",
                   "parent": "PI-ALMELO", "places": 29,
                   "notes": "BBA; men; last 18 months; Twente", "active": True}
    assert client.get("/api/institutions/PI-ARNHEM/").json()["name"] == "PI Arnhem"
    assert client.get("/api/institutions/NOPE/").status_code == 404


def test_organisations_list(api):
    body = api(Role.RESEARCHER).get("/api/organisations/?limit=200").json()
    codes = {o["code"] for o in body["results"]}
    assert {"PERSPECTIEF", "DJI", "GEM-ENSCHEDE"} <= codes
    almelo = next(o for o in body["results"] if o["code"] == "GEM-ALMELO")
    assert almelo["municipality"] == "almelo"


def test_reference_endpoints_are_read_only(api):
    client = api(Role.FUNCTIONAL_ADMIN)
    assert client.post("/api/institutions/", {"code": "X"}).status_code == 405
    assert client.delete("/api/institutions/PI-ARNHEM/").status_code == 405


def test_invalid_token_is_refused(client, db):
    response = client.get("/api/institutions/", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 401


def test_openapi_schema_lists_the_endpoints(api):
    response = api(Role.FUNCTIONAL_ADMIN).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Herstelpad API"
    assert "/api/institutions/" in schema["paths"]
    assert "/api/organisations/{code}/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_page_needs_no_inline_script(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_list_query_count_is_constant(api, django_assert_max_num_queries):
    client = api(Role.CASEMANAGER)
    with django_assert_max_num_queries(6):
        assert client.get("/api/institutions/?limit=100").status_code == 200
