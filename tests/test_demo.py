"""`herstelpad demo`: demo users for every role; idempotent; never over real data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from herstelpad import demo
from herstelpad.accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_demo_creates_a_user_for_every_role(capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    roles = set(User.objects.filter(is_demo=True).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    for user in User.objects.filter(is_demo=True):
        assert user.username in out
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.organisation is not None


def test_demo_twice_gives_one_demo_data_set(capsys):
    call_command("demo")
    first = sorted(User.objects.values_list("username", "role", "organisation__code"))
    call_command("demo")
    assert sorted(User.objects.values_list("username", "role", "organisation__code")) == first


def test_demo_refuses_a_database_with_real_users(make_user):
    make_user(Role.CASEMANAGER, username="echte.collega")
    with pytest.raises(CommandError) as exc:
        call_command("demo")
    assert exc.value.returncode == 2
    assert not User.objects.filter(is_demo=True).exists()


@override_settings(PRODUCTION=True)
def test_demo_refuses_production():
    with pytest.raises(CommandError) as exc:
        call_command("demo")
    assert "production" in str(exc.value)


def test_demo_logins_work(client):
    call_command("demo")
    response = client.post("/account/login/", {"login_view-current_step": "auth",
                                               "auth-username": "casemanager",
                                               "auth-password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
