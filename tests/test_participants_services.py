"""The participant dossier's service layer: participants, stays and episodes, transfers and
release, the regime, the team and shift notes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.concurrency import ConflictError
from herstelpad.participants import services
from herstelpad.participants.models import Assignment, Episode, Participant, ShiftNote, Stay
from tests.dossier import days_ago, institution, make_participant, person  # noqa: F401

pytestmark = pytest.mark.django_db


# --- Participants -------------------------------------------------------------------------------

def test_create_participant_generates_a_stable_unguessable_ref():
    a = services.create_participant(actor=None, given_name="Ahmed", family_name="Bouali")
    b = services.create_participant(actor=None)
    assert a.ref.startswith("P-") and len(a.ref) == 18 and a.ref != b.ref
    assert Participant.objects.get(pk=a.pk).ref == a.ref
    assert b.display_name == b.ref  # no name known: the ref stands in


def test_create_participant_is_audited_without_values():
    person = services.create_participant(actor=None, given_name="Ahmed", family_name="Bouali")
    entry = AuditEntry.objects.filter(object_type="participants.participant",
                                      object_id=str(person.pk), action="create").get()
    assert "Bouali" not in str(entry.details)


def test_create_participant_validates_every_field():
    with pytest.raises(ValidationError) as exc:
        services.create_participant(actor=None, sex="man", birth_year=1850,
                                    dutch_proficiency="fluent", kind_check="maybe")
    assert set(exc.value.message_dict) == {"sex", "birth_year", "dutch_proficiency",
                                           "kind_check"}


def test_birth_date_sets_birth_year_and_must_agree():
    person = services.create_participant(actor=None, birth_date=dt.date(1990, 5, 1))
    assert person.birth_year == 1990
    with pytest.raises(ValidationError) as exc:
        services.create_participant(actor=None, birth_date=dt.date(1990, 5, 1), birth_year=1991)
    assert "birth_year" in exc.value.message_dict


def test_kind_check_answer_gets_a_date():
    person = services.create_participant(actor=None, kind_check="yes")
    assert person.kind_check_on == services.today()
    unknown = services.create_participant(actor=None)
    assert unknown.kind_check == "unknown" and unknown.kind_check_on is None


def test_duplicate_or_malformed_ref_is_refused():
    services.create_participant(actor=None, ref="2021-0001")
    for ref in ("2021-0001", "met spatie", "a/b", "x" * 65):
        with pytest.raises(ValidationError) as exc:
            services.create_participant(actor=None, ref=ref)
        assert "ref" in exc.value.message_dict


def test_update_participant_with_current_version(person):
    services.update_participant(person, actor=None, expected_version=1, language="Arabisch",
                                lvb_indication=True)
    person.refresh_from_db()
    assert (person.language, person.lvb_indication, person.version) == ("Arabisch", True, 2)
    entry = AuditEntry.objects.filter(object_type="participants.participant",
                                      object_id=str(person.pk), action="update").latest("id")
    assert set(entry.details["fields"]) == {"language", "lvb_indication", "version"}


def test_update_participant_with_stale_version_is_a_conflict(person):
    first = Participant.objects.get(pk=person.pk)
    second = Participant.objects.get(pk=person.pk)
    services.update_participant(first, actor=None, expected_version=1, language="Pools")
    with pytest.raises(ConflictError) as exc:
        services.update_participant(second, actor=None, expected_version=1, language="Turks")
    assert exc.value.current == 2 and exc.value.expected == 1
    assert "intussen gewijzigd" in exc.value.message
    assert Participant.objects.get(pk=person.pk).language == "Pools"


def test_services_check_the_actors_role(make_user, person):
    mentor = make_user(Role.MENTOR)
    with pytest.raises(PermissionDenied):
        services.update_participant(person, actor=mentor, expected_version=1, language="Pools")
    casemanager = make_user(Role.CASEMANAGER)
    services.update_participant(person, actor=casemanager, expected_version=1, language="Pools")


# --- Stays and episodes -------------------------------------------------------------------------

def test_admission_starts_an_episode_with_deadlines_and_basic_regime(person):
    stay = person.current_stay
    episode = person.current_episode
    assert stay.ref.startswith("S-") and stay.episode == episode
    assert episode.number == 1 and episode.started_on == stay.entered_on
    assert episode.plan_due_on == stay.entered_on + dt.timedelta(weeks=4)
    assert episode.next_review_on == stay.entered_on + dt.timedelta(weeks=6)
    assert services.regime_state(episode.pk).regime == "basic"


def test_admission_validates_codes_dates_and_overlap(person):
    with pytest.raises(ValidationError) as exc:
        services.admit(person, actor=None, institution=institution("PI-ALMELO"),
                       entered_on=days_ago(1), legal_status="jail",
                       sentence_end_on=days_ago(5))
    errors = exc.value.message_dict
    assert "legal_status" in errors and "sentence_end_on" in errors
    assert "verblijft nog in PI Arnhem" in errors["entered_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.admit(person, actor=None, institution=institution("PI-ALMELO"),
                       entered_on=services.today() + dt.timedelta(days=1))
    assert "toekomst" in exc.value.message_dict["entered_on"][0]


def test_aftercare_municipality_resolves_by_code_or_name(db):
    by_name = make_participant(aftercare="Enschede")
    by_code = make_participant(aftercare="hof_van_twente")
    elsewhere = make_participant(aftercare="Utrecht")
    assert by_name.current_stay.municipality.code == "enschede"
    assert by_code.current_stay.municipality.name == "Hof van Twente"
    assert elsewhere.current_stay.municipality is None
    assert elsewhere.current_stay.aftercare_municipality == "Utrecht"


def test_transfer_continues_the_episode_and_the_regime(person):
    stay = person.current_stay
    services.change_regime(stay, actor=None, kind="promotion", on=days_ago(3),
                           reason="Goed gedrag")
    new = services.transfer(stay, actor=None, expected_version=stay.version,
                            to_institution=institution("FAC-HVH"), on=days_ago(1))
    person.refresh_from_db()
    stay.refresh_from_db()
    assert stay.left_on == days_ago(1) and stay.outflow_type == "transferred"
    assert new.transferred_from == stay and new.episode == stay.episode
    assert person.current_stay == new and person.current_episode == stay.episode
    assert new.legal_status == stay.legal_status and new.sentence_end_on == stay.sentence_end_on
    assert Episode.objects.filter(participant=person).count() == 1
    assert services.regime_state(new.episode_id).regime == "plus"


def test_transfer_refuses_a_stale_version_and_writes_nothing(person):
    stay = person.current_stay
    services.update_stay(stay, actor=None, expected_version=1, unit="B-vleugel")
    stale = Stay.objects.get(pk=stay.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        services.transfer(stale, actor=None, expected_version=1,
                          to_institution=institution("FAC-HVH"), on=days_ago(1))
    assert Stay.objects.filter(participant=person).count() == 1
    assert Stay.objects.get(pk=stay.pk).left_on is None


def test_release_ends_episode_and_team_and_readmission_starts_a_new_episode(person, make_user):
    casemanager = make_user(Role.CASEMANAGER)
    services.assign(person, actor=None, user=casemanager, role="casemanager",
                    starts_on=days_ago(5))
    stay = person.current_stay
    services.release(stay, actor=None, expected_version=stay.version, on=days_ago(2),
                     outflow_type="positive_end")
    person.refresh_from_db()
    assert person.current_stay is None
    assert person.current_episode.ended_on == days_ago(2)
    assert Assignment.objects.get(participant=person).ends_on == days_ago(2)
    again = services.admit(person, actor=None, institution=institution("PI-ALMELO"),
                           entered_on=days_ago(1))
    person.refresh_from_db()
    assert again.episode.number == 2 and person.current_episode == again.episode
    assert again.episode.plan_due_on == days_ago(1) + dt.timedelta(weeks=4)


def test_release_from_a_prison_asks_the_outflow_type_too(person):
    """Without it, a re-admission the next day would silently continue the ended episode (an
    empty outflow type continues an episode for imported prison registrations)."""
    stay = person.current_stay
    with pytest.raises(ValidationError) as exc:
        services.release(stay, actor=None, expected_version=stay.version, on=days_ago(2))
    assert "outflow_type" in exc.value.message_dict
    services.release(stay, actor=None, expected_version=stay.version, on=days_ago(2),
                     outflow_type="other")
    again = services.admit(person, actor=None, institution=institution("PI-ARNHEM"),
                           entered_on=days_ago(1))
    assert again.episode.number == 2


def test_release_from_a_facility_needs_an_outflow_type(db):
    person = make_participant(at="FAC-HVH")
    stay = person.current_stay
    with pytest.raises(ValidationError) as exc:
        services.release(stay, actor=None, expected_version=1, on=days_ago(1))
    assert "outflow_type" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.release(stay, actor=None, expected_version=1, on=days_ago(1),
                         outflow_type="returned")
    assert "return_reason" in exc.value.message_dict
    services.release(stay, actor=None, expected_version=1, on=days_ago(1),
                     outflow_type="returned", return_reason="aggression")


def test_return_to_the_prison_is_a_transfer_in_the_same_episode(db):
    person = make_participant(at="FAC-HVH", entered_days_ago=60)
    stay = person.current_stay
    back = services.transfer(stay, actor=None, expected_version=1,
                             to_institution=institution("PI-ALMELO"), on=days_ago(3),
                             outflow_type="returned", return_reason="substance_use")
    assert back.episode == stay.episode


def test_group_stays_follows_the_episode_rule():
    class S:
        def __init__(self, pk, entered, left=None, outflow="", transferred_from=None):
            self.pk, self.entered_on, self.left_on = pk, entered, left
            self.outflow_type, self.transferred_from_id = outflow, transferred_from

    d = dt.date(2024, 1, 1)
    day = dt.timedelta(days=1)
    stays = [
        S(1, d, d + 10 * day, "transferred"),
        S(2, d + 11 * day, d + 20 * day, ""),          # next day after a transfer: same
        S(3, d + 20 * day, d + 30 * day, "positive_end"),  # same day after unknown: same
        S(4, d + 31 * day, d + 40 * day, "transferred"),   # after a release: new
        S(5, d + 45 * day, None),                       # gap of five days: new
    ]
    groups = services.group_stays(stays)
    assert [[s.pk for s in g] for g in groups] == [[1, 2, 3], [4], [5]]
    explicit = [S(1, d, d + day, "other"), S(2, d + 5 * day, None, transferred_from=1)]
    assert len(services.group_stays(explicit)) == 1


def test_assign_episodes_is_idempotent_and_keeps_plans_attached(person):
    from herstelpad.plans import services as plans

    plans.establish_version(person, actor=None, summary="Werken aan wonen en werk.")
    episode = person.current_episode
    before = AuditEntry.objects.count()
    services.assign_episodes([person.pk])
    assert AuditEntry.objects.count() == before  # nothing changed, nothing written
    # An imported earlier stay (a previous detention) renumbers the episodes but keeps the plan
    # with its own period.
    Stay.objects.create(ref="IMPORT-1", participant=person, institution=institution("PI-ZWOLLE"),
                        entered_on=days_ago(400), left_on=days_ago(300),
                        outflow_type="positive_end")
    services.assign_episodes([person.pk])
    episode.refresh_from_db()
    person.refresh_from_db()
    assert episode.number == 2 and person.current_episode == episode
    assert episode.plan.versions.count() == 1
    assert Stay.objects.get(ref="IMPORT-1").episode.number == 1


# --- Regime -------------------------------------------------------------------------------------

def test_demotion_blocks_promotion_for_six_weeks(db):
    person = make_participant(entered_days_ago=100)
    stay = person.current_stay
    services.change_regime(stay, actor=None, kind="promotion", on=days_ago(90), reason="Inzet")
    services.change_regime(stay, actor=None, kind="demotion", on=days_ago(60),
                           reason="Ontoelaatbaar gedrag")
    with pytest.raises(ValidationError) as exc:
        services.change_regime(stay, actor=None, kind="promotion", on=days_ago(30),
                               reason="Weer goed")
    assert "zes weken" in exc.value.message_dict["kind"][0]
    services.change_regime(stay, actor=None, kind="promotion", on=days_ago(18), reason="Weer goed")
    assert services.regime_state(stay.episode_id).regime == "plus"


def test_regime_steps_need_reason_and_valid_dates(person):
    stay = person.current_stay
    with pytest.raises(ValidationError) as exc:
        services.change_regime(stay, actor=None, kind="promotion", on=days_ago(1))
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.change_regime(stay, actor=None, kind="promotion", on=days_ago(30), reason="x")
    assert "on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.change_regime(stay, actor=None, kind="demotion", on=days_ago(1), reason="x")
    assert "plusprogramma" in exc.value.message_dict["kind"][0]


# --- Team -------------------------------------------------------------------------------------

def test_two_mentors_and_one_casemanager(person, make_user):
    mentors = [make_user(Role.MENTOR), make_user(Role.MENTOR)]
    first, second = make_user(Role.CASEMANAGER), make_user(Role.CASEMANAGER)
    for mentor in mentors:
        services.assign(person, actor=None, user=mentor, role="mentor", starts_on=days_ago(9))
    services.assign(person, actor=None, user=first, role="casemanager", starts_on=days_ago(9))
    services.assign(person, actor=None, user=second, role="casemanager", starts_on=days_ago(2))
    active = Assignment.objects.filter(participant=person, ends_on__isnull=True)
    assert sorted(a.user_id for a in active) == sorted([mentors[0].pk, mentors[1].pk, second.pk])
    assert Assignment.objects.get(user=first).ends_on == days_ago(3)


def test_assignment_must_fit_role_and_institution(person, make_user):
    with pytest.raises(ValidationError) as exc:
        services.assign(person, actor=None, user=make_user(Role.MENTOR), role="casemanager")
    assert "rol" in exc.value.message_dict["user"][0]
    with pytest.raises(ValidationError) as exc:
        services.assign(person, actor=None, user=make_user(Role.MENTOR,
                                                          institutions=["PI-ALMELO"]),
                        role="mentor")
    assert "werkt niet bij PI Arnhem" in exc.value.message_dict["user"][0]


def test_transfer_ends_assignments_of_staff_not_at_the_new_place(person, make_user):
    arnhem = make_user(Role.MENTOR)
    both = make_user(Role.MENTOR, institutions=["PI-ARNHEM", "PI-ALMELO"])
    for mentor in (arnhem, both):
        services.assign(person, actor=None, user=mentor, role="mentor", starts_on=days_ago(5))
    stay = person.current_stay
    services.transfer(stay, actor=None, expected_version=1,
                      to_institution=institution("FAC-HVH"), on=days_ago(1))
    assert Assignment.objects.get(user=arnhem).ends_on == days_ago(1)
    assert Assignment.objects.get(user=both).ends_on is None  # HvH falls under PI Almelo


# --- Shift notes --------------------------------------------------------------------------------

def test_note_is_written_at_the_current_institution(person, make_user):
    mentor = make_user(Role.MENTOR)
    note = services.add_note(person, actor=mentor, text="Afspraak met werkmeester besproken.",
                             confirmed=True)
    assert note.institution.code == "PI-ARNHEM" and note.stay == person.current_stay
    assert note.author == mentor


@pytest.mark.parametrize("text", [
    "Heeft met de imam gesproken over zijn vader.",
    "Gesprek met Geestelijk verzorger ging over schuld.",
    "De vrijwilliger van Gevangenenzorg vertelde dat hij somber is.",
    "Dominee zegt dat het beter gaat.",
])
def test_notes_about_chaplaincy_or_volunteer_conversations_are_refused(person, text):
    with pytest.raises(ValidationError) as exc:
        services.add_note(person, actor=None, text=text, confirmed=True)
    assert "vertrouwelijk" in exc.value.message_dict["text"][0]
    assert not ShiftNote.objects.exists()


def test_note_needs_confirmation_text_and_brevity(person):
    with pytest.raises(ValidationError) as exc:
        services.add_note(person, actor=None, text="", confirmed=False)
    assert set(exc.value.message_dict) == {"text", "confirmed"}
    with pytest.raises(ValidationError) as exc:
        services.add_note(person, actor=None, text="x" * 1001, confirmed=True)
    assert "1000" in exc.value.message_dict["text"][0]


def test_note_search_is_limited_to_the_team(person, make_user):
    services.add_note(person, actor=None, text="Sleutel van de werkplaats besproken.",
                      confirmed=True)
    other = make_participant(at="PI-ALMELO")
    services.add_note(other, actor=None, text="Werkplaats: andere deelnemer.", confirmed=True)
    arnhem = make_user(Role.MENTOR)
    found = list(services.search_notes(arnhem, q="werkplaats"))
    assert [n.participant for n in found] == [person]
    assert list(services.search_notes(arnhem, q="sleutel besproken")) == found
    assert list(services.search_notes(arnhem, q="vakantie")) == []


def test_remaining_sentence_in_days_and_months():
    on = dt.date(2026, 11, 25)
    assert services.remaining_sentence(dt.date(2027, 1, 30), on) == (66, 2, 5)
    assert services.remaining_sentence(dt.date(2026, 11, 20), on)[0] == -5
    assert services.remaining_sentence(None, on) is None
