"""The admin site: functional administrators maintain reference data and accounts there."""

from __future__ import annotations

from herstelpad.accounts.models import Role, User
from herstelpad.audit.models import AuditEntry
from herstelpad.organisations.models import Institution


def test_functional_admin_edits_an_institution_but_not_its_code(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    institution = Institution.objects.get(code="FAC-HVH")
    url = f"/beheer/organisations/institution/{institution.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="code"' not in page.content.decode()  # a stable key: read-only
    response = client.post(url, {"type": "facility", "name": "Huis van Herstel", "parent":
                                 institution.parent_id, "places": 20, "notes": "", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    institution.refresh_from_db()
    assert (institution.code, institution.name, institution.places) == \
        ("FAC-HVH", "Huis van Herstel", 20)


def test_functional_admin_cannot_delete_reference_data(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    institution = Institution.objects.get(code="PI-ARNHEM")
    response = client.get(f"/beheer/organisations/institution/{institution.pk}/delete/")
    assert response.status_code == 403
    assert Institution.objects.filter(pk=institution.pk).exists()


def test_functional_admin_creates_a_user_and_it_is_audited(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    from herstelpad.organisations.models import Organisation

    response = client.post("/beheer/accounts/user/add/", {
        "username": "nieuwe.mentor", "password1": "Een-lang-wachtwoord-9",
        "password2": "Een-lang-wachtwoord-9", "role": "mentor",
        "organisation": Organisation.objects.get(code="DJI").pk,
        "institutions": [Institution.objects.get(code="PI-ZWOLLE").pk],
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="nieuwe.mentor")
    assert user.role == "mentor" and not user.is_superuser
    assert list(user.institutions.values_list("code", flat=True)) == ["PI-ZWOLLE"]
    entry = AuditEntry.objects.get(action="create", object_type="accounts.user",
                                   object_id=str(user.pk))
    assert entry.actor_id == client.user.pk


def test_the_admin_offers_no_superuser_or_permission_fields(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    page = client.get(f"/beheer/accounts/user/{client.user.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page


def test_the_audit_trail_is_not_in_the_admin(role_client):
    client = role_client(Role.FUNCTIONAL_ADMIN)
    assert client.get("/beheer/audit/auditentry/").status_code == 404
