"""What the prison sees: facts only, and only with the participant's consent; otherwise only the
referrer sees that the referral was received. Never in leave, regime or selection screens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad import policy
from herstelpad.accounts.models import Role
from herstelpad.consent.models import Consent
from herstelpad.mediation import prison, services, sharing
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import MediationCase
from herstelpad.participants import timeline
from herstelpad.participants.models import Participant
from tests.dossier import make_participant
from tests.mediation.helpers import make_case, run_to, share, step, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    return {"referrer": make_user(Role.CASEMANAGER), "colleague": make_user(Role.MENTOR),
            "mediator": make_user(Role.MEDIATOR),
            "elsewhere": make_user(Role.CASEMANAGER, institutions=("PI-VUGHT",))}


def _referred_case(people, person=None):
    person = person or make_participant()
    case = services.refer(person, actor=people["referrer"], participant_agrees=True,
                          offence_category="violence")
    return person, case


def test_without_consent_only_the_referrer_sees_that_it_was_received(people):
    person, case = _referred_case(people)
    run_to(case, wf.CONTACT, people["mediator"])
    [mine] = prison.referrals(people["referrer"], person)
    assert mine.as_dict() == {"case": case.ref, "participant": person.ref,
                              "status": "received", "shared": False,
                              "received_on": case.received_on.isoformat()}
    assert prison.referrals(people["colleague"], person) == []
    assert prison.referrals(people["elsewhere"], person) == []


def test_with_consent_staff_see_phase_and_contact(people):
    person, case = _referred_case(people)
    share(person)
    run_to(case, wf.CLOSED, people["mediator"], contact_form="shuttle")
    [seen] = prison.referrals(people["colleague"], person)
    data = seen.as_dict()
    assert data["shared"] and data["status"] == "closed" and data["contact_took_place"] is True
    assert [p["status"] for p in data["phases"]] == ["received", "intake", "exploring",
                                                      "preparation", "contact", "closed"]
    # Nothing of the workflow's own words, codes or reasons: only the coarse phases.
    assert set(data) == {"case", "participant", "status", "status_label", "received_on",
                         "shared", "contact_took_place", "closed_on", "phases"}


def test_not_yet_and_no_are_not_told_to_the_prison(people):
    person, case = _referred_case(people)
    share(person)
    run_to(case, wf.CONVERSATIONS, people["mediator"])
    step(case, wf.ANSWER, actor=people["mediator"], answer=wf.NOT_YET_ANSWER,
         until=today() + dt.timedelta(days=60), reason="nog te vroeg")
    [seen] = prison.referrals(people["colleague"], person)
    assert seen.phase == prison.EXPLORING
    step(case, wf.APPROACH, actor=people["mediator"])
    step(case, wf.ANSWER, actor=people["mediator"], answer=wf.NO, code="victim_declined",
         reason="wil niet")
    [seen] = prison.referrals(people["colleague"], person)
    assert seen.phase == prison.CLOSED and seen.contact_took_place is False
    assert "victim_declined" not in str(seen.as_dict())


def test_withdrawing_consent_hides_even_that(people):
    person, case = _referred_case(people)
    consent = share(person)
    run_to(case, wf.CLOSED, people["mediator"])
    assert prison.referrals(people["colleague"], person)[0].shared
    consent.withdrawn_on = today()
    consent.save()
    assert prison.referrals(people["colleague"], person) == []
    assert not prison.referrals(people["referrer"], person)[0].shared


def test_an_objection_wins_and_consent_can_name_one_case(people):
    person, first = _referred_case(people)
    second = make_case(participant=person, channel="victim_support", initiating_party="victim")
    share(person, subject=first.ref)
    assert [r.ref for r in prison.referrals(people["colleague"], person)] == [first.ref]
    share(person, kind="objection")
    assert prison.referrals(people["colleague"], person) == []
    assert second.ref not in str(prison.referrals(people["referrer"], person))


CONSENTS = st.lists(st.tuples(
    st.sampled_from(["consent", "objection"]), st.integers(-30, 5),
    st.one_of(st.none(), st.integers(-20, 10)), st.one_of(st.none(), st.integers(-5, 20)),
    st.sampled_from(["", "case", "other"]), st.sampled_from(["none", "perspectief", "ekc"])),
    max_size=4)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(CONSENTS)
def test_the_sql_rule_agrees_with_consent_in_force(make_user, records):
    """`sharing.shared_with_prison` (scopes, lists) answers what `consent.services.in_force`
    answers, for random consent and objection records."""
    from django.db import transaction

    from herstelpad.organisations.models import Organisation

    with transaction.atomic():
        person = make_participant()
        case = make_case(participant=person)
        partners = {"none": None, "perspectief": Organisation.objects.get(code="PERSPECTIEF"),
                    "ekc": Organisation.objects.get(code="EKC")}
        for kind, given, withdrawn, until, subject, partner in records:
            given_on = today() + dt.timedelta(days=given)
            Consent.objects.create(
                participant=person, purpose="mediation_sharing", kind=kind,
                given_on=given_on, evidence="x", partner=partners[partner],
                subject={"": "", "case": case.ref, "other": "HB-OTHER"}[subject],
                withdrawn_on=None if withdrawn is None else
                max(given_on, today() + dt.timedelta(days=withdrawn)),
                valid_until=None if until is None else given_on + dt.timedelta(days=until))
        in_sql = MediationCase.objects.filter(pk=case.pk).filter(
            sharing.shared_with_prison()).exists()
        assert in_sql == sharing.is_shared(case)
        colleague = make_user(Role.MENTOR)
        assert policy.scope(colleague, MediationCase.objects.filter(pk=case.pk)).exists() \
            == in_sql
        transaction.set_rollback(True)


def test_the_timeline_shows_phases_only_with_consent(people):
    person, case = _referred_case(people)
    run_to(case, wf.PREPARATION, people["mediator"])
    kinds = [e.title for e in timeline.events_for(person, people["colleague"],
                                                  kinds=["mediation"])]
    assert kinds == []
    [event] = timeline.events_for(person, people["referrer"], kinds=["mediation"])
    assert event.title == "Aanmelding voor herstelbemiddeling ontvangen"
    share(person)
    titles = [e.title for e in timeline.events_for(person, people["colleague"],
                                                   kinds=["mediation"])]
    assert titles[0] == "Herstelbemiddeling: Het contact wordt voorbereid"
    assert len(titles) == 4


def test_the_tab_keeps_its_query_count(people, client, django_assert_max_num_queries):
    person, case = _referred_case(people)
    share(person)
    client.force_login(people["colleague"])
    url = f"/deelnemers/{person.ref}/herstelbemiddeling/"
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        extra = make_case(participant=person, channel="reclassering")
        run_to(extra, wf.CONTACT, people["mediator"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.count(b"hp-card") == 7


def test_the_tab_looks_the_same_with_or_without_a_hidden_case(people, client):
    """A staff member who may not know of a case cannot tell it exists."""
    person = make_participant()
    client.force_login(people["colleague"])
    url = f"/deelnemers/{person.ref}/herstelbemiddeling/"
    before = client.get(url).content
    make_case(participant=person, channel="victim_support", initiating_party="victim")
    after = client.get(url).content
    strip = (lambda html: html.replace(client.cookies["csrftoken"].value.encode(), b""))
    assert b"Er is geen herstelbemiddeling die u mag zien." in after
    assert len(strip(before)) == len(strip(after))


def test_regime_pages_and_the_api_never_contain_mediation_facts(people, client):
    """Participation or refusal is never shown in leave, regime or selection screens."""
    person, case = _referred_case(people)
    share(person)
    run_to(case, wf.CLOSED, people["mediator"])
    client.force_login(people["referrer"])
    pages = [f"/deelnemers/{person.ref}/regime/", f"/deelnemers/{person.ref}/",
             f"/api/participants/{person.ref}/", f"/api/stays/{person.current_stay.ref}/",
             "/api/participants/", "/deelnemers/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        # The dossier's tab bar names the tab (a link, no fact); everything else is checked.
        text = re.sub(r'<nav class="hp-tabs".*?</nav>', "", response.content.decode(),
                      flags=re.S).lower()
        for word in ("herstelbemiddeling", "bemiddel", "mediation", case.ref.lower(),
                     "contact tussen de partijen"):
            assert word not in text, (url, word)
