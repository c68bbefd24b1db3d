"""What each user sees of an enrolment: the reporting levels (none, participation, process,
content with consent), the participant's objection, the provider's own records, the timeline,
the API; and query counts that do not grow with the data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from herstelpad import policy
from herstelpad.accounts.models import Role
from herstelpad.consent import services as consent
from herstelpad.interventions import services
from herstelpad.interventions.models import Enrolment
from herstelpad.participants import timeline
from tests.dossier import days_ago, make_participant
from tests.interventions.helpers import enrol, make_edition, offer, step

pytestmark = pytest.mark.django_db


def view_of(user, enrolment):
    """The enrolment as `user` sees it, or None when it is outside the user's scope."""
    scoped = policy.scope(user, services.enrolments_queryset().filter(pk=enrolment.pk))
    views = services.views_for(user, scoped)
    return views[0] if views else None


def dropped_after_transfer(code, at, *, actor=None, weeks=10):
    """An enrolment that started, was attended once and ended: dropped after a transfer."""
    person = make_participant(at=at, entered_days_ago=60)
    edition = make_edition(code, at=at, starts_days_ago=30, weeks=weeks)
    enrolment = enrol(person, edition, to="started")
    services.record_session(edition, actor=None, number=1, held_on=days_ago(30),
                            attendance={enrolment.pk: "present"})
    enrolment = step(enrolment, "end", days_ago(20), outcome="dropped_transfer",
                     reason="Overgeplaatst; vond het ook zwaar.")
    services.record_content(enrolment, actor=None, expected_version=enrolment.version,
                            text="Werkte aan een brief aan het slachtoffer.")
    enrolment.refresh_from_db()
    return person, edition, enrolment


# --- The four levels ----------------------------------------------------------------------------

def test_level_none_shows_nothing_to_prison_staff(make_user):
    person, _edition, enrolment = dropped_after_transfer("lef-hebben", "PI-HEERHUGOWAARD")
    casemanager = make_user(Role.CASEMANAGER, institutions=["PI-HEERHUGOWAARD"])
    assert view_of(casemanager, enrolment) is None
    assert services.enrolments_of(casemanager, person) == []
    assert [e for e in timeline.events_for(person, casemanager) if e.kind == "interventions"] \
        == []
    # The herstelconsulent runs Lef Hebben (the institution's own course): the full record.
    runner = make_user(Role.HERSTELCONSULENT, institutions=["PI-HEERHUGOWAARD"])
    assert view_of(runner, enrolment).access == policy.ACCESS_FULL


def test_level_participation_shows_enrolled_completed_or_stopped_only(make_user):
    person, _edition, enrolment = dropped_after_transfer("puinruimen", "PI-ARNHEM")
    casemanager = make_user(Role.CASEMANAGER)
    view = view_of(casemanager, enrolment)
    assert (view.access, view.status, view.status_label) == ("participation", "stopped",
                                                             "gestopt")
    assert view.as_dict() == {
        "ref": enrolment.ref, "participant": person.ref,
        "participant_name": person.display_name, "intervention": "puinruimen",
        "institution": "PI-ARNHEM", "access": "participation", "status": "stopped",
        "enrolled_on": enrolment.enrolled_on, "goal": None}
    assert view.steps == [] and view.sessions is None and view.outcome_on is None
    events = [e for e in timeline.events_for(person, casemanager) if e.kind == "interventions"]
    assert [(e.on, e.title) for e in events] == [(enrolment.enrolled_on,
                                                 "Puinruimen: gestopt")]


def test_level_process_adds_dates_steps_and_attendance_but_no_content(make_user):
    person, _edition, enrolment = dropped_after_transfer("sos-group", "PI-ALMELO", weeks=8)
    casemanager = make_user(Role.CASEMANAGER, institutions=["PI-ALMELO"])
    view = view_of(casemanager, enrolment)
    data = view.as_dict()
    assert (data["access"], data["status"], data["outcome"]) == ("process", "ended",
                                                                 "dropped_transfer")
    assert data["outcome_on"] == days_ago(20)
    assert data["attendance"] == {"attended": 1, "sessions": 1}
    assert [s["action"] for s in data["steps"]] == ["refer", "approve", "start", "end"]
    assert all("reason" not in s for s in data["steps"])
    assert "content_report" not in data
    events = [e.title for e in timeline.events_for(person, casemanager)
              if e.kind == "interventions"]
    assert events[0].endswith(": gestopt") and len(events) == 4
    assert all("zwaar" not in e.detail for e in timeline.events_for(person, casemanager))


def test_level_content_with_consent_needs_the_participants_consent(make_user):
    person, _edition, enrolment = dropped_after_transfer("herstelconferentie", "PI-ARNHEM",
                                                         weeks=2)
    casemanager = make_user(Role.CASEMANAGER)
    assert view_of(casemanager, enrolment).access == "process"
    ekc = offer("herstelconferentie").provider
    # A consent for another partner or another intervention does not count.
    consent.record(person, actor=None, purpose="intervention_content", partner=ekc,
                   subject="familieconferentie", given_on=days_ago(5), evidence="formulier")
    from herstelpad.organisations.models import Organisation

    consent.record(person, actor=None, purpose="intervention_content",
                   partner=Organisation.objects.get(code="EXODUS"), given_on=days_ago(5),
                   evidence="formulier")
    assert view_of(casemanager, enrolment).access == "process"
    record = consent.record(person, actor=None, purpose="intervention_content", partner=ekc,
                            subject="herstelconferentie", given_on=days_ago(5),
                            evidence="formulier")
    view = view_of(casemanager, enrolment)
    assert view.access == "content"
    assert view.as_dict()["content_report"] == "Werkte aan een brief aan het slachtoffer."
    assert view.as_dict()["steps"][-1]["reason"] == "Overgeplaatst; vond het ook zwaar."
    consent.withdraw(record, actor=None, expected_version=1, on=days_ago(0))
    assert view_of(casemanager, enrolment).access == "process"


def test_the_objection_to_registration_hides_the_enrolment_from_prison_staff(make_user):
    person, _edition, enrolment = dropped_after_transfer("puinruimen", "PI-ARNHEM")
    casemanager = make_user(Role.CASEMANAGER)
    runner = make_user(Role.HERSTELCONSULENT)
    other = consent.record(person, actor=None, kind="objection",
                           purpose="intervention_registration", subject="aan-de-bak",
                           given_on=days_ago(3), evidence="mondeling")
    assert view_of(casemanager, enrolment) is not None  # about another intervention
    objection = consent.record(person, actor=None, kind="objection",
                               purpose="intervention_registration", subject="puinruimen",
                               given_on=days_ago(3), evidence="mondeling")
    assert view_of(casemanager, enrolment) is None
    assert view_of(runner, enrolment).access == "full"  # the provider's own record
    client_response = _client_for(casemanager).get(
        reverse("interventions:enrolment", args=[enrolment.ref]))
    assert client_response.status_code == 403
    consent.withdraw(objection, actor=None, expected_version=1, on=days_ago(0))
    assert view_of(casemanager, enrolment).access == "participation"
    assert other.pk


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_provider_sees_its_own_records_and_only_name_and_number(make_user):
    person, edition, enrolment = dropped_after_transfer("sos-group", "PI-ALMELO", weeks=8)
    _p, _e, puin = dropped_after_transfer("puinruimen", "PI-ARNHEM")
    provider = make_user(Role.COURSE_PROVIDER, institutions=())  # Gevangenenzorg
    assert view_of(provider, enrolment).access == "full"
    assert view_of(provider, puin) is None
    client = _client_for(provider)
    page = client.get(reverse("interventions:edition", args=[edition.ref])).content.decode()
    assert person.sort_name in page and person.ref in page
    assert client.get(reverse("participants:detail", args=[person.ref])).status_code == 403
    data = client.get(f"/api/enrolments/{enrolment.ref}/").json()
    assert data["content_report"] == "Werkte aan een brief aan het slachtoffer."
    assert "birth_date" not in str(data) and "sentence_end_on" not in str(data)


# --- The pages show exactly what the level allows -----------------------------------------------

def test_dossier_tab_at_participation_level(make_user):
    person, _edition, enrolment = dropped_after_transfer("puinruimen", "PI-ARNHEM")
    client = _client_for(make_user(Role.CASEMANAGER))
    text = client.get(f"/deelnemers/{person.ref}/interventies/").content.decode()
    assert "Puinruimen" in text and "gestopt" in text
    assert "overplaatsing" not in text.lower()  # the outcome code is process information
    assert "vond het ook zwaar" not in text and "1 van 1" not in text
    detail = client.get(f"/interventies/deelnames/{enrolment.ref}/").content.decode()
    assert "Verloop" not in detail and "vond het ook zwaar" not in detail
    assert "de inrichting hoort alleen" in detail


def test_enrolment_page_at_process_level(make_user):
    _person, _edition, enrolment = dropped_after_transfer("sos-group", "PI-ALMELO", weeks=8)
    client = _client_for(make_user(Role.CASEMANAGER, institutions=["PI-ALMELO"]))
    detail = client.get(f"/interventies/deelnames/{enrolment.ref}/").content.decode()
    assert "Verloop" in detail and "uitgevallen door overplaatsing" in detail
    assert "Aanwezig bij 1 van 1 vastgelegde bijeenkomsten." in detail
    assert "vond het ook zwaar" not in detail and "brief aan het slachtoffer" not in detail


def test_participation_level_does_not_show_the_edition_waiting_list_or_status(make_user):
    """At `participation` the prison learns enrolled / completed / stopped, not which edition,
    not the waiting list and not whether a referral was decided: not on the edition page, the
    editions list, the intervention page or through the API's edition filter."""
    edition = make_edition("puinruimen", starts_days_ago=5)  # participation level
    started = enrol(make_participant(entered_days_ago=60), edition, to="started")
    pending = enrol(make_participant(entered_days_ago=60), edition, to="referred")
    waiting = services.refer(make_participant(entered_days_ago=60), actor=None,
                             intervention=offer("puinruimen"), on=days_ago(3))
    process_edition = make_edition("sociaal-netwerk", starts_days_ago=5)  # process level
    seen = enrol(make_participant(entered_days_ago=60), process_edition, to="started")
    casemanager = _client_for(make_user(Role.CASEMANAGER))
    refs = [e.participant.ref for e in (started, pending, waiting)]

    page = casemanager.get(reverse("interventions:edition", args=[edition.ref]))
    assert page.status_code == 200
    assert [ref for ref in refs if ref in page.content.decode()] == []
    other = casemanager.get(reverse("interventions:edition", args=[process_edition.ref]))
    assert seen.participant.ref in other.content.decode()
    listed = {e.ref: (e.enrolled, e.waiting) for e in
              casemanager.get(reverse("interventions:editions")).context["rows"]}
    assert listed == {edition.ref: (0, 0), process_edition.ref: (1, 0)}
    detail = casemanager.get(reverse("interventions:detail", args=["puinruimen"]))
    assert [e.enrolled for e in detail.context["editions"]] == [0]
    api = casemanager.get(f"/api/enrolments/?edition={edition.ref}").json()["results"]
    assert api == []
    own = casemanager.get(f"/api/enrolments/?participant={started.participant.ref}").json()
    assert [(r["status"], "edition" in r) for r in own["results"]] == [("enrolled", False)]
    # Whoever runs the edition sees all three, each in its place.
    runner = _client_for(make_user(Role.HERSTELCONSULENT))
    text = runner.get(reverse("interventions:edition", args=[edition.ref])).content.decode()
    assert [ref for ref in refs if ref in text] == refs
    assert {r["ref"] for r in runner.get(
        f"/api/enrolments/?edition={edition.ref}").json()["results"]} == {started.ref,
                                                                           pending.ref}


# --- Query counts -------------------------------------------------------------------------------

def _enrolments_for(person, n):
    for index in range(n):
        edition = make_edition("aan-de-bak", starts_days_ago=300 - index * 20, weeks=6)
        enrol(person, edition, to="completed", on=edition.starts_on)


@pytest.mark.parametrize("path", ["/deelnemers/{ref}/interventies/",
                                  "/deelnemers/{ref}/tijdlijn/"])
def test_dossier_pages_do_not_grow_with_enrolments(make_user, django_assert_max_num_queries,
                                                   path):
    client = _client_for(make_user(Role.CASEMANAGER))
    few = make_participant(entered_days_ago=400, sentence_days=900)
    many = make_participant(entered_days_ago=400, sentence_days=900)
    # Both have a participation-level and a content-level enrolment; one has many more.
    _enrolments_for(few, 1)
    _enrolments_for(many, 6)
    for person, weeks_ago in ((few, 7), (many, 7), (many, 10), (many, 13)):
        conference = make_edition("herstelconferentie", starts_days_ago=weeks_ago * 7,
                                  weeks=2)
        enrol(person, conference, to="completed")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(path.format(ref=few.ref)).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(path.format(ref=many.ref)).status_code == 200


def test_edition_and_catalogue_pages_do_not_grow(make_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consultant = make_user(Role.HERSTELCONSULENT)
    client = _client_for(consultant)
    small, large = make_edition(starts_days_ago=20), make_edition(starts_days_ago=25)
    enrol(make_participant(entered_days_ago=60), small, to="started")
    for _n in range(7):
        enrol(make_participant(entered_days_ago=60), large, to="started")
    with CaptureQueriesContext(connection) as baseline:
        client.get(f"/interventies/edities/{small.ref}/")
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert client.get(f"/interventies/edities/{large.ref}/").status_code == 200
    person = make_participant()
    with django_assert_max_num_queries(25):
        response = client.get(f"/interventies/?institution=alle&status=all"
                              f"&deelnemer={person.ref}")
        assert response.status_code == 200
    assert Enrolment.objects.count() == 8
