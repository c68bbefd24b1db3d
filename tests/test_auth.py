"""Sign-in: Argon2 password hashing, throttling, TOTP two-factor authentication."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from herstelpad.accounts.models import Role
from tests.conftest import PASSWORD

REAL_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher",
                "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def post_login(client, username, password):
    return client.post("/account/login/", {"login_view-current_step": "auth",
                                           "auth-username": username,
                                           "auth-password": password})


def post_token(client, token):
    return client.post("/account/login/", {"login_view-current_step": "token",
                                           "token-otp_token": token})


def current_token(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(
        device.digits)


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user(Role.MENTOR)
    assert user.password.startswith("argon2")
    assert user.check_password(PASSWORD)


def test_login_with_password_reaches_home(client, make_user):
    user = make_user(Role.CASEMANAGER)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user(Role.CASEMANAGER)
    response = post_login(client, user.username, "niet-goed")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["wizard"]["form"].errors


def test_login_is_throttled_after_five_failures(client, make_user):
    user = make_user(Role.CASEMANAGER)
    for _ in range(5):
        post_login(client, user.username, "niet-goed")
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_other_users_are_not_locked_by_someone_elses_failures(client, make_user):
    victim = make_user(Role.CASEMANAGER)
    other = make_user(Role.MENTOR)
    for _ in range(5):
        post_login(client, victim.username, "niet-goed")
    response = post_login(client, other.username, PASSWORD)
    assert response.status_code == 302


def test_login_with_totp_device_asks_for_the_token(client, make_user):
    user = make_user(Role.CASEMANAGER)
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert response.context["wizard"]["steps"].current == "token"
    assert post_token(client, "000000").status_code == 200
    assert "_auth_user_id" not in client.session
    # django-otp throttles a device after a wrong token; let that back-off pass.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()
    response = post_token(client, current_token(device))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@override_settings(REQUIRE_2FA=True)
def test_required_2fa_sends_unenrolled_users_to_setup(client, make_user):
    user = make_user(Role.CASEMANAGER)
    post_login(client, user.username, PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/account/two_factor/setup/"
    # The own account page stays reachable, so enrolment can be completed.
    assert client.get("/account/two_factor/setup/").status_code == 200


@override_settings(REQUIRE_2FA=True)
def test_required_2fa_guards_the_api_session_and_admin(client, make_user):
    user = make_user(Role.FUNCTIONAL_ADMIN)
    post_login(client, user.username, PASSWORD)
    assert client.get("/beheer/").status_code == 403


def test_totp_enrolment_through_the_setup_wizard(client, make_user):
    user = make_user(Role.MENTOR)
    client.force_login(user)
    response = client.post("/account/two_factor/setup/", {"setup_view-current_step": "welcome"})
    assert response.status_code == 200
    step = response.context["wizard"]["steps"].current
    if step == "method":
        response = client.post("/account/two_factor/setup/",
                               {"setup_view-current_step": "method",
                                "method-method": "generator"})
    assert response.context["wizard"]["steps"].current == "generator"
    import base64

    secret = response.context["secret_key"]
    device = TOTPDevice(user=user, key=base64.b32decode(secret).hex())
    assert "Herstelpad" in response.context["otpauth_url"]
    response = client.post("/account/two_factor/setup/",
                           {"setup_view-current_step": "generator",
                            "generator-token": current_token(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    page = client.get("/account/")
    assert "Tweestapsverificatie staat aan" in page.content.decode()


def test_logout_requires_post_and_ends_the_session(client, make_user):
    user = make_user(Role.MENTOR)
    client.force_login(user)
    assert client.get("/account/logout/").status_code == 405
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_a_home_page(role_client, role):
    client = role_client(role)
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert str(Role(role).label) in body
