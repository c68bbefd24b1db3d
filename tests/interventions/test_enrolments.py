"""Editions and enrolments through the service layer: the workflow with its recorded steps,
invalid steps refused with a reason, capacity and the waiting list, who may record what,
attendance, certificates, links to plan goals, and the participant's objection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import date_format

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.concurrency import ConflictError
from herstelpad.consent import services as consent
from herstelpad.interventions import services
from herstelpad.interventions.models import Attendance, Enrolment, EnrolmentStep
from herstelpad.participants import services as participants
from tests.dossier import days_ago, institution, make_goal, make_participant
from tests.interventions.helpers import APPROVE, enrol, make_edition, offer, step

pytestmark = pytest.mark.django_db


def refused(call, field="action") -> str:
    with pytest.raises(ValidationError) as exc:
        call()
    messages = exc.value.message_dict
    assert field in messages, messages
    return messages[field][0]


def test_the_whole_workflow_is_recorded_with_actor_date_and_reason(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)
    edition = make_edition(actor=consultant, starts_days_ago=20, capacity=10)
    assert (edition.capacity, edition.sessions) == (10, 10)  # sessions from the catalogue
    one = make_participant(given_name="Een", entered_days_ago=60)
    two = make_participant(given_name="Twee", entered_days_ago=60)
    first = services.refer(one, actor=consultant, edition=edition, on=days_ago(30),
                           reason="Wil werken aan herstel.")
    second = services.refer(two, actor=consultant, edition=edition, on=days_ago(30))
    for enrolment in (first, second):
        step(enrolment, "intake", days_ago(28), consultant)
        step(enrolment, "approve", days_ago(27), consultant, **APPROVE)
        step(enrolment, "start", days_ago(20), consultant)
    first = step(first, "complete", days_ago(1), consultant)
    assert (first.status, first.outcome, first.outcome_on) == ("completed", "completed",
                                                               days_ago(1))
    # The second participant is transferred and drops out.
    participants.transfer(two.current_stay, actor=None, expected_version=1,
                          to_institution=institution("PI-ZWOLLE"), on=days_ago(10))
    second = step(second, "end", days_ago(10), consultant, outcome="dropped_transfer",
                  reason="Overgeplaatst naar PI Zwolle.")
    assert (second.status, second.outcome) == ("ended", "dropped_transfer")
    steps = list(EnrolmentStep.objects.filter(enrolment=second).order_by("id"))
    assert [(s.action, s.from_status, s.to_status) for s in steps] == [
        ("refer", "", "referred"), ("intake", "referred", "intake"),
        ("approve", "intake", "approved"), ("start", "approved", "started"),
        ("end", "started", "ended")]
    assert all(s.recorded_by == consultant for s in steps)
    assert steps[2].decided_by == "provider" and steps[2].reason == "Gemotiveerd."
    assert steps[-1].outcome == "dropped_transfer"
    assert AuditEntry.objects.filter(action="transition", object_id=str(second.pk)).count() == 5
    for enrolment in (first, second):
        state = services.replayed_state(enrolment)
        assert (state.status, state.outcome) == (enrolment.status, enrolment.outcome)


def test_invalid_steps_are_refused_with_a_reason():
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=20)
    enrolment = services.refer(person, actor=None, edition=edition, on=days_ago(30))
    assert refused(lambda: step(enrolment, "start", days_ago(20))) == \
        "Starten kan na toelating."
    assert refused(lambda: step(enrolment, "complete", days_ago(20))) == \
        "Afronden kan alleen na de start."
    assert refused(lambda: step(enrolment, "approve", days_ago(25), decided_by="mdo")) == \
        "Geef de reden van het besluit."
    assert refused(lambda: step(enrolment, "approve", days_ago(25), reason="ja")) == \
        "Geef aan wie besloot: het MDO of de aanbieder."
    assert refused(lambda: step(enrolment, "end", days_ago(25), outcome="dropped_release",
                                reason="weg")) == \
        "Deze deelnemer is nog niet begonnen: de uitkomst is 'niet gestart'."
    assert refused(lambda: step(enrolment, "end", days_ago(25), outcome="overleden",
                                reason="x"), "outcome").startswith("'overleden' is geen geldige")
    assert refused(lambda: step(enrolment, "approve", days_ago(0) + dt.timedelta(days=2),
                                **APPROVE), "on") == "Deze datum ligt in de toekomst."
    assert refused(lambda: step(enrolment, "approve", days_ago(40), **APPROVE), "on") \
        .startswith("De datum ligt voor de aanmelding")
    enrolment = step(enrolment, "approve", days_ago(25), **APPROVE)
    assert refused(lambda: step(enrolment, "end", days_ago(26), outcome="not_started",
                                reason="x")).startswith("De datum ligt voor de vorige stap")
    assert refused(lambda: step(enrolment, "start", days_ago(22)), "on") \
        .startswith("De editie begint op")
    enrolment = step(enrolment, "start", days_ago(20))
    assert refused(lambda: step(enrolment, "end", days_ago(19), outcome="not_started",
                                reason="x")).startswith("Kies waarom de deelnemer stopte")
    enrolment = step(enrolment, "end", days_ago(19), outcome="expelled",
                     reason="Brak de geheimhouding.")
    assert refused(lambda: step(enrolment, "complete", days_ago(18))).startswith(
        "Deze deelname is afgesloten (gestopt)")
    assert EnrolmentStep.objects.filter(enrolment=enrolment).count() == 4


def test_a_stale_version_is_a_conflict():
    enrolment = services.refer(make_participant(), actor=None, edition=make_edition(),
                               on=days_ago(10))
    services.transition(enrolment, actor=None, expected_version=1, action="intake",
                        on=days_ago(9))
    with pytest.raises(ConflictError):
        services.transition(enrolment, actor=None, expected_version=1, action="reject",
                            on=days_ago(9), decided_by="mdo", reason="nee")


def test_capacity_and_the_waiting_list():
    edition = make_edition(capacity=1, starts_days_ago=5)
    one, two = make_participant(entered_days_ago=40), make_participant(entered_days_ago=40)
    enrol(one, edition, to="approved", on=days_ago(20))
    two_enrolment = services.refer(two, actor=None, edition=edition, on=days_ago(20))
    assert refused(lambda: step(two_enrolment, "approve", days_ago(19), **APPROVE),
                   "__all__").startswith("Deze editie is vol (1 plaatsen)")
    # The waiting list of the offer: referred without an edition, placed in the next one.
    three = make_participant(entered_days_ago=40)
    waiting = services.refer(three, actor=None, intervention=offer("puinruimen"),
                             on=days_ago(20))
    assert waiting.edition is None and waiting.institution.code == "PI-ARNHEM"
    waiting = step(waiting, "approve", days_ago(19), **APPROVE)
    assert refused(lambda: step(waiting, "start", days_ago(5))) == \
        "Plaats de deelnemer eerst in een editie."
    assert refused(lambda: step(waiting, "place", days_ago(6), edition=edition),
                   "edition").startswith("Deze editie is vol")
    later = make_edition(starts_days_ago=0, capacity=8)
    waiting = step(waiting, "place", days_ago(0), edition=later)
    assert waiting.edition == later and waiting.status == "approved"
    elsewhere = make_edition(at="PI-ZWOLLE", starts_days_ago=0)
    other = services.refer(make_participant(entered_days_ago=40), actor=None,
                           intervention=offer("puinruimen"), on=days_ago(5))
    assert refused(lambda: step(other, "place", days_ago(1), edition=elsewhere),
                   "edition") == "Deze editie is van een andere interventie of inrichting."


def test_referral_rules():
    person = make_participant(entered_days_ago=40)
    assert refused(lambda: services.refer(person, actor=None, intervention=offer("sos-group")),
                   "intervention") == "SOS — Spreken over Slachtoffers, Schuld en Samenleving " \
                                      "(groepscursus) wordt niet aangeboden in PI Arnhem."
    zwolle = make_edition(at="PI-ZWOLLE")
    assert refused(lambda: services.refer(person, actor=None, edition=zwolle),
                   "edition") == "Deze editie is in PI Zwolle; de deelnemer verblijft in " \
                                 "PI Arnhem."
    services.refer(person, actor=None, intervention=offer("puinruimen"), on=days_ago(3))
    assert refused(lambda: services.refer(person, actor=None, edition=make_edition()),
                   "__all__") == "De deelnemer is al aangemeld voor Puinruimen."
    gone = make_participant()
    participants.release(gone.current_stay, actor=None, expected_version=1, on=days_ago(0),
                         outflow_type="positive_end")
    gone.refresh_from_db()
    assert refused(lambda: services.refer(gone, actor=None, intervention=offer("puinruimen")),
                   "__all__").startswith("De deelnemer verblijft nu niet in een inrichting")


def test_an_objection_is_recorded_with_the_referral(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)
    person = make_participant()
    services.refer(person, actor=consultant, edition=make_edition(), on=days_ago(2),
                   objection=True)
    assert consent.in_force(person, "intervention_registration", subject="puinruimen",
                            kind="objection")
    mentor = make_user(Role.MENTOR)
    other = make_participant()
    assert refused(lambda: services.refer(other, actor=mentor, intervention=offer(
        "puinruimen"), objection=True), "objection").startswith("U kunt geen bezwaar")


def test_who_records_which_step(make_user):
    casemanager = make_user(Role.CASEMANAGER)
    mentor = make_user(Role.MENTOR)
    provider = make_user(Role.COURSE_PROVIDER, institutions=())  # Gevangenenzorg
    consultant = make_user(Role.HERSTELCONSULENT)
    person = make_participant(entered_days_ago=40)
    puin = services.refer(person, actor=casemanager, edition=make_edition(), on=days_ago(20))
    # The casemanager records the MDO's decision (never the provider's) but runs nothing.
    puin = step(puin, "approve", days_ago(19), casemanager, decided_by="provider",
                reason="Besproken in het MDO.")
    assert puin.steps.latest("id").decided_by == "mdo"
    with pytest.raises(PermissionDenied):
        step(puin, "start", days_ago(10), casemanager)
    with pytest.raises(PermissionDenied):
        step(puin, "start", days_ago(10), mentor)
    with pytest.raises(PermissionDenied):  # not Gevangenenzorg's course
        step(puin, "start", days_ago(10), provider)
    step(puin, "start", days_ago(10), consultant)
    # Gevangenenzorg runs SOS wherever it is given, the herstelconsulent does not.
    almelo = make_participant(at="PI-ALMELO", entered_days_ago=40)
    sos_edition = make_edition("sos-group", at="PI-ALMELO", actor=provider, weeks=8)
    sos = services.refer(almelo, actor=None, edition=sos_edition, on=days_ago(15))
    with pytest.raises(PermissionDenied):
        step(sos, "intake", days_ago(14), consultant)
    step(sos, "intake", days_ago(14), provider)
    with pytest.raises(PermissionDenied):
        make_edition("sos-group", actor=consultant)
    with pytest.raises(PermissionDenied):
        make_edition("puinruimen", at="PI-ZWOLLE", actor=consultant)


def test_editions_are_validated_and_versioned(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)
    with pytest.raises(ValidationError) as exc:
        make_edition(actor=consultant, ends_on=days_ago(30))
    assert exc.value.message_dict["ends_on"] == ["De einddatum ligt voor de begindatum."]
    edition = make_edition(actor=consultant, capacity=3)
    enrol(make_participant(entered_days_ago=40), edition, to="started")
    enrol(make_participant(entered_days_ago=40), edition, to="approved")
    with pytest.raises(ValidationError) as exc:
        services.update_edition(edition, actor=consultant, expected_version=1, capacity=1)
    assert exc.value.message_dict["capacity"] == [
        "Er nemen al 2 deelnemers deel of zijn toegelaten."]
    services.update_edition(edition, actor=consultant, expected_version=1, capacity=2,
                            leaders="Ingrid")
    assert (edition.version, edition.leaders) == (2, "Ingrid")
    with pytest.raises(ConflictError):
        services.update_edition(edition, actor=consultant, expected_version=1, notes="x")


def test_attendance_per_session(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)
    edition = make_edition(starts_days_ago=14)
    present = enrol(make_participant(entered_days_ago=40), edition, to="started")
    absent = enrol(make_participant(entered_days_ago=40), edition, to="started")
    waiting = enrol(make_participant(entered_days_ago=40), edition, to="referred")
    session = services.record_session(edition, actor=consultant, number=1,
                                      held_on=days_ago(14), attendance={
                                          present.pk: "present", absent.pk: "absent"})
    assert Attendance.objects.filter(session=session).count() == 2
    with pytest.raises(ValidationError) as exc:
        services.record_session(edition, actor=consultant, number=2, held_on=days_ago(7),
                                attendance={waiting.pk: "present"})
    assert "die zijn begonnen" in exc.value.message_dict["__all__"][0]
    with pytest.raises(ValidationError):
        services.record_session(edition, actor=consultant, number=2, held_on=days_ago(30),
                                attendance={})
    services.record_session(edition, actor=consultant, number=1, held_on=days_ago(13),
                            attendance={absent.pk: "excused"}, expected_version=1)
    assert Attendance.objects.get(session=session, enrolment=absent).status == "excused"
    with pytest.raises(ConflictError):
        services.record_session(edition, actor=consultant, number=1, held_on=days_ago(13),
                                attendance={}, expected_version=1)
    other = make_user(Role.HERSTELCONSULENT, institutions=["PI-ZWOLLE"])
    with pytest.raises(PermissionDenied):
        services.record_session(edition, actor=other, number=3, held_on=days_ago(1),
                                attendance={})




def test_a_duplicate_referral_does_not_reveal_an_enrolment_the_referrer_may_not_see(make_user):
    casemanager = make_user(Role.CASEMANAGER, institutions=["PI-HEERHUGOWAARD"])
    person = make_participant(at="PI-HEERHUGOWAARD", entered_days_ago=40)
    lef = make_edition("lef-hebben", at="PI-HEERHUGOWAARD")  # reporting level `none`
    services.refer(person, actor=None, edition=lef, on=days_ago(3))
    assert refused(lambda: services.refer(person, actor=casemanager, edition=lef),
                   "__all__") == ("Deze aanmelding kan niet worden vastgelegd; neem contact "
                                  "op met de aanbieder.")
    # One the referrer sees (Dapper: at `process`) is named as before.
    dapper = make_edition("dapper", at="PI-HEERHUGOWAARD")
    services.refer(person, actor=None, edition=dapper, on=days_ago(3))
    assert refused(lambda: services.refer(person, actor=casemanager, edition=dapper),
                   "__all__") == "De deelnemer is al aangemeld voor DAPPER."

def _attendance_cases():
    """An edition that started 30 days ago with: one participant still running, one who
    stopped 20 days ago, one who started only 10 days ago and one who never started."""
    edition = make_edition(starts_days_ago=30)
    running = enrol(make_participant(entered_days_ago=60, given_name="Rob"), edition)
    left = step(enrol(make_participant(entered_days_ago=60, given_name="Lars"), edition),
                "end", days_ago(20), outcome="dropped_own_choice", reason="Wilde stoppen.")
    late = enrol(make_participant(entered_days_ago=60, given_name="Leo"), edition,
                 on=days_ago(10))
    never = step(enrol(make_participant(entered_days_ago=60, given_name="Nico"), edition,
                       to="approved"), "end", days_ago(25), outcome="not_started",
                 reason="Overgeplaatst voor de start.")
    return edition, running, left, late, never


def test_attendance_only_for_who_took_part_on_the_sessions_date(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)
    edition, running, left, late, never = _attendance_cases()
    on = days_ago(15)
    assert set(services.session_participants(edition, on)) == {running}
    assert set(services.session_participants(edition, days_ago(20))) == {running, left}
    assert set(services.session_participants(edition, days_ago(10))) == {running, late}

    def record(attendance, number=1, held_on=on, **kw):
        return services.record_session(edition, actor=consultant, number=number,
                                       held_on=held_on, attendance=attendance, **kw)

    for gone in (left, late):
        message = refused(lambda gone=gone: record({running.pk: "present",
                                                    gone.pk: "present"}), "held_on")
        assert message == (f"{gone.participant.display_name} nam op "
                           f"{date_format(on)} geen deel aan deze editie (nog niet "
                           "begonnen of al gestopt).")
    assert refused(lambda: record({never.pk: "present"}), "__all__") == (
        "Aanwezigheid geldt alleen voor deelnemers van deze editie die zijn begonnen.")
    assert not Attendance.objects.exists()
    record({running.pk: "present"})
    # A correction that moves the date may not leave attendance of who was gone by then.
    record({left.pk: "absent"}, number=2, held_on=days_ago(25))
    refused(lambda: record({}, number=2, held_on=days_ago(15), expected_version=1),
            "held_on")
    assert Attendance.objects.filter(enrolment=left).get().session.held_on == days_ago(25)

def test_certificate_and_goal_link(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)
    casemanager = make_user(Role.CASEMANAGER)
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=30)
    running = enrol(person, edition, to="started")
    with pytest.raises(ValidationError):
        services.record_certificate(running, actor=consultant,
                                    expected_version=running.version, on=days_ago(0))
    with pytest.raises(ValidationError):
        services.link_goal(running, actor=casemanager, expected_version=running.version,
                           goal=make_goal(person))
    done = step(running, "complete", days_ago(2), consultant)
    with pytest.raises(ValidationError) as exc:
        services.record_certificate(done, actor=consultant, expected_version=done.version,
                                    on=days_ago(3))
    assert "voor de afronding" in exc.value.message_dict["on"][0]
    services.record_certificate(done, actor=consultant, expected_version=done.version,
                                on=days_ago(1))
    with pytest.raises(PermissionDenied):
        services.record_certificate(done, actor=casemanager, expected_version=done.version,
                                    on=days_ago(1))
    goal = make_goal(person, domain="restoration_victim", description="Excuses maken.")
    services.link_goal(done, actor=casemanager, expected_version=done.version, goal=goal)
    done.refresh_from_db()
    assert done.goal == goal and done.certificate_on == days_ago(1)
    stranger_goal = make_goal(make_participant())
    with pytest.raises(ValidationError) as exc:
        services.link_goal(done, actor=casemanager, expected_version=done.version,
                           goal=stranger_goal)
    assert exc.value.message_dict["goal"] == ["Dit doel is van een andere deelnemer."]


def _racing_approval(monkeypatch, rival):
    """`occupied` as seen by a step whose pre-check runs just before another approval (of
    `rival`) commits: the first count is the old one; the place is taken right after it."""
    real, counts = services.occupied, []

    def racing(edition):
        n = real(edition)
        if not counts:
            counts.append(n)
            Enrolment.objects.filter(pk=rival.pk).update(status="approved")
        return n

    monkeypatch.setattr(services, "occupied", racing)
    return counts


def test_the_last_place_is_counted_again_under_the_editions_lock(monkeypatch):
    edition = make_edition(starts_days_ago=3, capacity=1)
    first = enrol(make_participant(entered_days_ago=40), edition, to="referred")
    rival = enrol(make_participant(entered_days_ago=40), edition, to="referred")
    counts = _racing_approval(monkeypatch, rival)
    assert refused(lambda: step(first, "approve", **APPROVE), "__all__") == (
        "Deze editie is vol (1 plaatsen). Plaats de deelnemer in een andere editie, of wijs af "
        "met een reden.")
    assert counts == [0]  # the pre-check saw a free place
    first.refresh_from_db()
    assert (first.status, services.occupied(edition)) == ("referred", 1)


def test_lowering_the_capacity_counts_the_places_again_under_the_lock(make_user, monkeypatch):
    consultant = make_user(Role.HERSTELCONSULENT)
    edition = make_edition(starts_days_ago=3, capacity=3)
    enrol(make_participant(entered_days_ago=40), edition, to="approved")
    rival = enrol(make_participant(entered_days_ago=40), edition, to="referred")
    counts = _racing_approval(monkeypatch, rival)
    assert refused(lambda: services.update_edition(edition, actor=consultant,
                                                   expected_version=1, capacity=1),
                   "capacity") == "Er nemen al 2 deelnemers deel of zijn toegelaten."
    assert counts == [1]
    edition.refresh_from_db()
    assert (edition.capacity, edition.version) == (3, 1)
