"""Each role against each door (web pages, API endpoints, admin): allowed or denied.

The expectations below are written by hand from the access rules, not derived from the policy,
so a change in the policy that is not also made here fails the suite. A URL that is not in the
matrix fails `test_every_url_is_in_the_matrix`."""

from __future__ import annotations

import pytest
from django.urls import reverse

from herstelpad import policy
from herstelpad.accounts.models import Role
from tests.access import iter_patterns

ALL = frozenset(Role)
ADMIN = frozenset({Role.FUNCTIONAL_ADMIN})
AUDITOR = frozenset({Role.AUDITOR})
IMPORTERS = ALL - {Role.RESEARCHER, Role.AUDITOR}
REPORT_USERS = ALL - {Role.AUDITOR}


def _import_run(db):
    """An import run by someone else: only functional administrators see other people's runs."""
    import io

    from herstelpad.imports import services

    _result, run = services.import_file(
        "test-widgets", io.BytesIO(b"widget_ref,owner_ref,institution,category,made_on\n"
                                   b"W1,O1,PI-ARNHEM,housing,2024-01-01\n"), channel="cli")
    return f"/importeren/runs/{run.pk}/"

# url name -> (path, roles allowed, person-level?)
WEB = {
    "web:home": ("/", ALL, False),
    "two_factor:profile": ("/account/", ALL, True),
    "two_factor:setup": ("/account/two_factor/setup/", ALL, True),
    "audit:search": ("/audit/", AUDITOR, True),
    "audit:verify": ("/audit/verify/", AUDITOR, True),
    "admin:index": ("/beheer/", ADMIN, True),
    "admin:accounts_user_changelist": ("/beheer/accounts/user/", ADMIN, True),
    "admin:authtoken_tokenproxy_changelist": ("/beheer/authtoken/tokenproxy/", ADMIN, True),
    "admin:reference_codelist_changelist": ("/beheer/reference/codelist/", ADMIN, False),
    "admin:reference_code_changelist": ("/beheer/reference/code/", ADMIN, False),
    "admin:organisations_institution_changelist":
        ("/beheer/organisations/institution/", ADMIN, False),
    "admin:organisations_organisation_changelist":
        ("/beheer/organisations/organisation/", ADMIN, False),
    "admin:organisations_municipality_changelist":
        ("/beheer/organisations/municipality/", ADMIN, False),
    "admin:interventions_intervention_changelist":
        ("/beheer/interventions/intervention/", ADMIN, False),
    # Imports (the test KIND `test-widgets` needs reference.manage) and reports
    "imports:index": ("/importeren/", IMPORTERS, False),
    "imports:kind": ("/importeren/test-widgets/", ADMIN, False),
    "imports:run": (_import_run, ADMIN, True),
    "reports:index": ("/rapporten/", REPORT_USERS, False),
    "reports:detail": ("/rapporten/test-widgets/?from=2020-01-01", REPORT_USERS, False),
    "reports:download": ("/rapporten/test-widgets/download.csv", REPORT_USERS, False),
}
API = {
    "api:api-root": ("/api/", ALL),
    "api:schema": ("/api/schema/", ALL),
    "api:docs": ("/api/docs/", ALL),
    "api:institution-list": ("/api/institutions/", ALL),
    "api:institution-detail": ("/api/institutions/PI-ARNHEM/", ALL),
    "api:organisation-list": ("/api/organisations/", ALL),
    "api:organisation-detail": ("/api/organisations/PERSPECTIEF/", ALL),
    "api:import-runs": ("/api/imports/", IMPORTERS),
    "api:reports": ("/api/reports/", REPORT_USERS),
    "api:report": ("/api/reports/test-widgets/", REPORT_USERS),
}
# Endpoints that only accept POST: (path, body, content type, roles allowed)
API_POST = {
    "api:import": ("/api/imports/test-widgets/?dry_run=true",
                   b"widget_ref,owner_ref,institution,category,made_on\n"
                   b"W1,O1,PI-ARNHEM,housing,2024-01-01\n", "text/csv", ADMIN),
}
# Views anyone may open, and views that only make sense inside a flow (a POST, a wizard step)
# with the permission they declare.
PUBLIC = {"two_factor:login", "set_language", "web:health"}
FLOW = {
    "two_factor:logout": "account.manage_own",
    "two_factor:qr": "account.manage_own",
    "two_factor:setup_complete": "account.manage_own",
    "two_factor:disable": "account.manage_own",
    "two_factor:backup_tokens": "account.manage_own",  # only after two-factor verification
}


def _cases(table):
    for name, spec in table.items():
        for role in Role:
            yield pytest.param(name, spec, role, id=f"{name}-{role.value}")


def _path(path, db=None):
    return path(db) if callable(path) else path


@pytest.mark.parametrize("name,spec,role", list(_cases(WEB)))
def test_web_matrix(role_client, db, name, spec, role):
    path, allowed, _person = spec
    path = _path(path, db)
    client = role_client(role)
    response = client.get(path)
    if role in allowed:
        assert response.status_code == 200, (name, role, response.status_code)
    else:
        assert response.status_code == 403, (name, role, response.status_code)


@pytest.mark.parametrize("name,spec,role", list(_cases(API)))
def test_api_matrix_with_token(client, make_user, name, spec, role):
    from rest_framework.authtoken.models import Token

    path, allowed = spec
    token = Token.objects.create(user=make_user(role))
    response = client.get(path, HTTP_AUTHORIZATION=f"Token {token.key}")
    expected = 200 if role in allowed else 403
    assert response.status_code == expected, (name, role, response.status_code)


@pytest.mark.parametrize("name,spec,role", list(_cases(API_POST)))
def test_api_post_matrix_with_token(client, make_user, name, spec, role):
    from rest_framework.authtoken.models import Token

    path, body, content_type, allowed = spec
    token = Token.objects.create(user=make_user(role))
    response = client.post(path, body, content_type=content_type,
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    expected = 200 if role in allowed else 403
    assert response.status_code == expected, (name, role, response.status_code)


@pytest.mark.parametrize("name", sorted(API_POST))
def test_anonymous_api_post_is_refused(client, db, name):
    path, body, content_type, _allowed = API_POST[name]
    assert client.post(path, body, content_type=content_type).status_code == 401


@pytest.mark.parametrize("name", sorted(WEB))
def test_anonymous_web_is_sent_to_login(client, db, name):
    response = client.get(_path(WEB[name][0], db))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


@pytest.mark.parametrize("name", sorted(API))
def test_anonymous_api_is_refused(client, db, name):
    response = client.get(API[name][0])
    assert response.status_code == 401


def test_every_url_is_in_the_matrix():
    missing = []
    for name, route, callback, namespace in iter_patterns():
        if namespace == "admin":
            continue  # the whole admin is guarded by HerstelpadAdminSite; sampled above
        if name is None or name.endswith("-detail") is False and "format" in route:
            continue  # DRF's format-suffix twins of named routes
        if name not in WEB and name not in API and name not in API_POST and name not in PUBLIC \
                and name not in FLOW:
            missing.append(name)
    assert not missing, f"URLs without an access expectation: {missing}"


def test_every_view_declares_a_permission():
    undeclared = []
    for name, route, callback, namespace in iter_patterns():
        if namespace == "admin":
            continue
        perm = policy.declared_permission(callback)
        if perm is None:
            undeclared.append(name or route)
        else:
            policy.roles_with(perm)  # raises for an unknown permission
    assert not undeclared, f"views without a declared permission: {undeclared}"


@pytest.mark.parametrize("name,perm", sorted(FLOW.items()))
def test_flow_views_declare_expected_permission(name, perm):
    callbacks = {n: cb for n, _route, cb, _ns in iter_patterns()}
    assert policy.declared_permission(callbacks[name]) == perm


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_views_are_public(client, db, name):
    callbacks = {n: cb for n, _route, cb, _ns in iter_patterns()}
    assert policy.declared_permission(callbacks[name]) == policy.PUBLIC


def test_undeclared_view_is_refused(rf, make_user):
    """The middleware refuses a view that declares nothing, even for a signed-in user."""
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from herstelpad.accounts.middleware import AccessPolicyMiddleware

    def undeclared(request):
        return HttpResponse("secret")

    request = rf.get("/")
    request.user = make_user(Role.FUNCTIONAL_ADMIN)
    request.resolver_match = None
    middleware = AccessPolicyMiddleware(lambda r: HttpResponse())
    with pytest.raises(PermissionDenied):
        middleware.process_view(request, undeclared, (), {})


def test_denied_page_is_audited(role_client):
    from herstelpad.audit.models import AuditEntry

    client = role_client(Role.MENTOR)
    assert client.get("/audit/").status_code == 403
    entry = AuditEntry.objects.filter(action="denied").latest("id")
    assert entry.actor_id == client.user.pk
    assert entry.details["permission"] == "audit.view"
