"""Consent and objection: recording, withdrawal, what is in force, every door."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from herstelpad.concurrency import ConflictError
from herstelpad.consent import services
from herstelpad.consent.models import Consent, Kind, Purpose
from herstelpad.organisations.models import Organisation
from tests.dossier import days_ago, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return make_participant(ref="P-CONSENT")


def record(person, **kwargs):
    values = {"purpose": Purpose.MEDIATION_SHARING, "given_on": days_ago(20),
              "evidence": "mondeling in het trajectgesprek", **kwargs}
    return services.record(person, actor=None, **values)


# --- Services -----------------------------------------------------------------------------------

def test_record_and_ask(person):
    consent = record(person)
    assert consent.kind == Kind.CONSENT and consent.version == 1
    assert services.in_force(person, Purpose.MEDIATION_SHARING)
    assert not services.in_force(person, Purpose.RESEARCH_DOSSIER)
    assert not services.in_force(person, Purpose.MEDIATION_SHARING, on=days_ago(21))


def test_partner_and_subject_narrow_a_record(person):
    perspectief = Organisation.objects.get(code="PERSPECTIEF")
    exodus = Organisation.objects.get(code="EXODUS")
    record(person, purpose=Purpose.INTERVENTION_CONTENT, partner=perspectief, subject="sos-group")
    ask = services.in_force
    assert ask(person, Purpose.INTERVENTION_CONTENT, partner=perspectief, subject="sos-group")
    assert not ask(person, Purpose.INTERVENTION_CONTENT, partner=exodus, subject="sos-group")
    assert not ask(person, Purpose.INTERVENTION_CONTENT, partner=perspectief,
                   subject="puinruimen")
    # A record without partner or subject covers every partner and subject.
    record(person, purpose=Purpose.INFORMATION_EXCHANGE)
    assert ask(person, Purpose.INFORMATION_EXCHANGE, partner=exodus, subject="anything")


def test_an_objection_wins_over_a_consent(person):
    record(person, purpose=Purpose.INTERVENTION_REGISTRATION)
    record(person, purpose=Purpose.INTERVENTION_REGISTRATION, kind=Kind.OBJECTION,
           subject="puinruimen")
    assert not services.in_force(person, Purpose.INTERVENTION_REGISTRATION,
                                 subject="puinruimen")
    assert services.in_force(person, Purpose.INTERVENTION_REGISTRATION, subject="puinruimen",
                             kind=Kind.OBJECTION)
    assert services.in_force(person, Purpose.INTERVENTION_REGISTRATION, subject="lef-hebben")


def test_withdrawal_ends_it_from_that_day(person):
    consent = record(person)
    services.withdraw(consent, actor=None, expected_version=1, on=days_ago(5),
                      reason="wil het zelf vertellen", delete_collected=True)
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.version, consent.delete_collected) == \
        (days_ago(5), 2, True)
    assert services.in_force(person, Purpose.MEDIATION_SHARING, on=days_ago(6))
    assert not services.in_force(person, Purpose.MEDIATION_SHARING, on=days_ago(5))
    assert not services.in_force(person, Purpose.MEDIATION_SHARING)


def test_valid_until(person):
    record(person, purpose=Purpose.RESEARCH_DOSSIER, valid_until=days_ago(2))
    assert services.in_force(person, Purpose.RESEARCH_DOSSIER, on=days_ago(2))
    assert not services.in_force(person, Purpose.RESEARCH_DOSSIER)


@pytest.mark.parametrize("kwargs,field", [
    ({"given_on": dt.date.today() + dt.timedelta(days=3)}, "given_on"),
    ({"evidence": "  "}, "evidence"),
    ({"purpose": "whatever"}, "purpose"),
    ({"kind": "maybe"}, "kind"),
    ({"valid_until": days_ago(30)}, "valid_until"),
])
def test_invalid_records_are_refused(person, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        record(person, **kwargs)
    assert field in exc.value.message_dict
    assert not Consent.objects.exists()


def test_a_duplicate_in_force_is_refused(person):
    record(person)
    with pytest.raises(ValidationError) as exc:
        record(person, given_on=days_ago(3))
    assert "__all__" in exc.value.message_dict


@pytest.mark.parametrize("on,message", [
    (days_ago(30), "voor de datum"), (dt.date.today() + dt.timedelta(days=1), "toekomst")])
def test_invalid_withdrawals(person, on, message):
    consent = record(person)
    with pytest.raises(ValidationError) as exc:
        services.withdraw(consent, actor=None, expected_version=1, on=on)
    assert message in str(exc.value)


def test_withdrawing_twice_and_stale_versions(person):
    consent = record(person)
    stale = Consent.objects.get(pk=consent.pk)
    services.withdraw(consent, actor=None, expected_version=1, on=days_ago(1))
    with pytest.raises(ConflictError):
        services.withdraw(stale, actor=None, expected_version=1, on=days_ago(1))
    with pytest.raises(ValidationError):
        services.withdraw(consent, actor=None, expected_version=2, on=days_ago(1))


def test_roles_that_may_not_record(person, make_user):
    for role in ("mentor", "mediator", "researcher", "aftercare_coordinator"):
        with pytest.raises(PermissionDenied):
            services.record(person, actor=make_user(role), purpose=Purpose.RESEARCH_DOSSIER,
                            given_on=days_ago(1), evidence="x")


def test_participants_with_is_one_query(person, django_assert_num_queries):
    other = make_participant(ref="P-OTHER", given_name="Piet")
    third = make_participant(ref="P-THIRD", given_name="Kees")
    record(person)
    record(other)
    record(other, kind=Kind.OBJECTION)
    with django_assert_num_queries(1):
        ids = services.participants_with([person.pk, other.pk, third.pk],
                                         Purpose.MEDIATION_SHARING)
    assert ids == {person.pk}


# --- Property: what is in force follows the recorded history ------------------------------------

events = st.lists(st.tuples(
    st.sampled_from(["consent", "objection", "withdraw"]),
    st.sampled_from(["", "puinruimen", "sos-group"]),
    st.integers(0, 60)), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=events, probe_subject=st.sampled_from(["puinruimen", "sos-group"]),
       probe_day=st.integers(0, 80))
def test_in_force_matches_a_model_of_the_history(person, history, probe_subject, probe_day):
    from django.db import transaction

    start = days_ago(80)
    with transaction.atomic():
        kept = []  # (kind, subject, given, withdrawn)
        for action, subject, offset in history:
            day = start + dt.timedelta(days=offset)
            if action == "withdraw":
                open_records = [r for r in Consent.objects.filter(withdrawn_on__isnull=True,
                                                                  participant=person)
                                if r.given_on <= day]
                if open_records:
                    target = open_records[0]
                    services.withdraw(target, actor=None, expected_version=target.version,
                                      on=day)
                continue
            try:
                record(person, purpose=Purpose.INTERVENTION_REGISTRATION, kind=action,
                       subject=subject, given_on=day)
            except ValidationError:
                continue  # an identical record in force on that day
        kept = [(r.kind, r.subject, r.given_on, r.withdrawn_on)
                for r in Consent.objects.filter(participant=person)]
        day = start + dt.timedelta(days=probe_day)
        applying = {kind for kind, subject, given, withdrawn in kept
                    if subject in ("", probe_subject) and given <= day
                    and (withdrawn is None or day < withdrawn)}
        expected = "consent" in applying and "objection" not in applying
        assert services.in_force(person, Purpose.INTERVENTION_REGISTRATION,
                                 subject=probe_subject, on=day) == expected
        assert services.in_force(person, Purpose.INTERVENTION_REGISTRATION,
                                 subject=probe_subject, on=day,
                                 kind=Kind.OBJECTION) == ("objection" in applying)
        transaction.set_rollback(True)


# --- Pages --------------------------------------------------------------------------------------

def test_casemanager_records_and_withdraws_in_the_dossier(role_client, person):
    client = role_client("casemanager")
    page = client.get("/deelnemers/P-CONSENT/toestemming/")
    assert page.status_code == 200 and "nog geen toestemming" in page.content.decode()
    response = client.post("/deelnemers/P-CONSENT/toestemming/nieuw/", {
        "kind": "consent", "purpose": "mediation_sharing", "given_on": days_ago(2).isoformat(),
        "evidence": "mondeling"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.recorded_by == client.user
    text = client.get("/deelnemers/P-CONSENT/toestemming/").content.decode()
    assert "Delen van de stand van herstelbemiddeling" in text and "intrekken" in text.lower()
    url = f"/deelnemers/P-CONSENT/toestemming/{consent.pk}/intrekken/"
    assert client.post(url, {"version": 1, "on": days_ago(1).isoformat()}).status_code == 302
    stale = client.post(url, {"version": 1, "on": days_ago(1).isoformat()})
    assert stale.status_code == 409 and "intussen gewijzigd" in stale.content.decode()
    timeline = client.get("/deelnemers/P-CONSENT/tijdlijn/").content.decode()
    assert "Toestemming gegeven" in timeline and "Toestemming ingetrokken" in timeline


def test_invalid_form_shows_the_errors(role_client, person):
    client = role_client("herstelconsulent")
    response = client.post("/deelnemers/P-CONSENT/toestemming/nieuw/", {
        "kind": "consent", "purpose": "research_dossier", "given_on": days_ago(2).isoformat(),
        "valid_until": days_ago(10).isoformat(), "evidence": "formulier"})
    assert response.status_code == 400
    assert "ligt voor de datum van geven" in response.content.decode()


def test_list_page_queries_do_not_grow(role_client, person, django_assert_max_num_queries):
    client = role_client("casemanager")
    record(person)
    client.get("/deelnemers/P-CONSENT/toestemming/")
    with django_assert_max_num_queries(40) as first:
        client.get("/deelnemers/P-CONSENT/toestemming/")
    for purpose in (Purpose.RESEARCH_DOSSIER, Purpose.RESEARCH_INTERVIEWS,
                    Purpose.INFORMATION_EXCHANGE, Purpose.FAMILY_INFORMATION):
        record(person, purpose=purpose)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/deelnemers/P-CONSENT/toestemming/")


def test_staff_of_another_institution_cannot_see_it(role_client, person):
    client = role_client("casemanager", institutions=["PI-ALMELO"])
    assert client.get("/deelnemers/P-CONSENT/toestemming/").status_code == 403


# --- API ----------------------------------------------------------------------------------------

@pytest.fixture
def api(client, make_user):
    def as_role(role, **kwargs):
        token = Token.objects.create(user=make_user(role, **kwargs))
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        return client
    return as_role


def test_api_create_list_withdraw_and_conflict(api, person):
    client = api("casemanager")
    created = client.post("/api/consents/", {
        "participant": "P-CONSENT", "purpose": "intervention_content", "partner": "GEVANGENENZORG",
        "subject": "sos-group", "given_on": days_ago(3).isoformat(), "evidence": "formulier"},
        content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["partner"], body["subject"], body["version"]) == ("GEVANGENENZORG",
                                                                 "sos-group", 1)
    listing = client.get("/api/consents/?participant=P-CONSENT").json()
    assert listing["count"] == 1
    url = f"/api/consents/{body['id']}/withdraw/"
    done = client.post(url, {"version": 1, "on": days_ago(1).isoformat()},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["withdrawn_on"] == days_ago(1).isoformat()
    again = client.post(url, {"version": 1, "on": days_ago(1).isoformat()},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["current_version"] == 2


def test_api_invalid_and_out_of_scope(api, person):
    client = api("casemanager", institutions=["PI-ALMELO"])
    response = client.post("/api/consents/", {
        "participant": "P-CONSENT", "purpose": "research_dossier",
        "given_on": days_ago(3).isoformat(), "evidence": "x"}, content_type="application/json")
    assert response.status_code == 403
    client = api("unit_head")
    bad = client.post("/api/consents/", {
        "participant": "P-CONSENT", "purpose": "research_dossier",
        "given_on": "2099-01-01", "evidence": "x"}, content_type="application/json")
    assert bad.status_code == 400 and "given_on" in bad.json()


def test_aftercare_coordinator_sees_consent_of_own_residents(api):
    make_participant(ref="P-ALMELO", aftercare="Almelo")
    from herstelpad.participants.models import Participant

    record(Participant.objects.get(ref="P-ALMELO"), purpose=Purpose.FAMILY_INFORMATION)
    client = api("aftercare_coordinator")
    assert client.get("/api/consents/").json()["count"] == 1
