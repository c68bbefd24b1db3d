"""The intervention pages: forms through the services (happy path, invalid input, conflicts),
the dossier tab and referral, the institution overview, lists and the menu."""

from __future__ import annotations

import datetime as dt

import pytest

from herstelpad.accounts.models import Role
from herstelpad.interventions.models import Edition, Enrolment, Session
from herstelpad.participants import services as participants
from tests.dossier import days_ago, institution, make_goal, make_participant
from tests.interventions.helpers import enrol, make_edition, offer, step

pytestmark = pytest.mark.django_db


def iso(day: dt.date) -> str:
    return day.isoformat()


def test_a_herstelconsulent_creates_and_edits_an_edition(role_client):
    client = role_client(Role.HERSTELCONSULENT)
    form = client.get("/interventies/edities/nieuw/?interventie=puinruimen").content.decode()
    assert "Puinruimen" in form and "SOS" not in form  # only offers she runs
    data = {"intervention": offer("puinruimen").pk, "institution": institution("PI-ARNHEM").pk,
            "starts_on": iso(days_ago(-7)), "ends_on": iso(days_ago(0)), "capacity": "8",
            "leaders": "Ingrid Bakker"}
    bad = client.post("/interventies/edities/nieuw/", data)
    assert bad.status_code == 400
    assert "De einddatum ligt voor de begindatum." in bad.content.decode()
    assert not Edition.objects.exists()
    data["ends_on"] = iso(days_ago(-7) + dt.timedelta(weeks=10))
    response = client.post("/interventies/edities/nieuw/", data)
    edition = Edition.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{edition.ref}/")
    assert (edition.capacity, edition.leaders, edition.created_by) == (
        8, "Ingrid Bakker", client.user)
    stale = client.post(f"/interventies/edities/{edition.ref}/wijzigen/", {
        "version": 1, "starts_on": iso(edition.starts_on), "capacity": "9"})
    assert stale.status_code == 302
    again = client.post(f"/interventies/edities/{edition.ref}/wijzigen/", {
        "version": 1, "starts_on": iso(edition.starts_on), "capacity": "12"})
    assert again.status_code == 409 and "intussen gewijzigd" in again.content.decode()
    edition.refresh_from_db()
    assert edition.capacity == 9


def test_enrolling_with_an_objection_from_the_edition_page(role_client, make_user):
    client = role_client(Role.HERSTELCONSULENT)
    edition = make_edition(starts_days_ago=-7)
    person = make_participant(given_name="Bezwaar", entered_days_ago=40)
    page = client.get(f"/interventies/edities/{edition.ref}/aanmelden/").content.decode()
    assert person.ref in page
    response = client.post(f"/interventies/edities/{edition.ref}/aanmelden/", {
        "participant": person.ref, "on": iso(days_ago(0)), "objection": "on"})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(participant=person)
    assert enrolment.status == "referred" and enrolment.referred_by == client.user
    casemanager = make_user(Role.CASEMANAGER)
    client.force_login(casemanager)
    assert "Puinruimen" not in client.get(
        f"/deelnemers/{person.ref}/interventies/").content.decode()
    assert client.get(f"/interventies/deelnames/{enrolment.ref}/").status_code == 403


def test_referral_from_the_dossier(role_client):
    client = role_client(Role.CASEMANAGER)
    person = make_participant(entered_days_ago=40)
    edition = make_edition("aan-de-bak", starts_days_ago=-10, weeks=6)
    form = client.get(f"/deelnemers/{person.ref}/interventies/aanmelden/"
                      "?interventie=puinruimen").content.decode()
    assert f'value="edition:{edition.ref}"' in form
    assert 'value="intervention:puinruimen" selected' in form
    assert "Mijn Kind en Ik, wachtlijst" in form and "SOS" not in form
    missing = client.post(f"/deelnemers/{person.ref}/interventies/aanmelden/",
                          {"on": iso(days_ago(0))})
    assert missing.status_code == 400
    response = client.post(f"/deelnemers/{person.ref}/interventies/aanmelden/", {
        "target": "intervention:puinruimen", "on": iso(days_ago(0)),
        "reason": "Wil werken aan herstel."})
    assert response.status_code == 302
    waiting = Enrolment.objects.get(participant=person)
    assert (waiting.edition, waiting.intervention.code) == (None, "puinruimen")
    response = client.post(f"/deelnemers/{person.ref}/interventies/aanmelden/", {
        "target": f"edition:{edition.ref}", "on": iso(days_ago(0))})
    assert response.status_code == 302
    tab = client.get(f"/deelnemers/{person.ref}/interventies/").content.decode()
    assert "Puinruimen" in tab and "Aan de Bak!" in tab and "ingeschreven" in tab
    duplicate = client.post(f"/deelnemers/{person.ref}/interventies/aanmelden/", {
        "target": "intervention:puinruimen", "on": iso(days_ago(0))})
    assert duplicate.status_code == 400
    assert "al aangemeld voor Puinruimen" in duplicate.content.decode()


def test_workflow_steps_on_the_enrolment_page(role_client, make_user):
    client = role_client(Role.CASEMANAGER)
    edition = make_edition(starts_days_ago=5)
    enrolment = enrol(make_participant(entered_days_ago=40), edition, to="referred")
    page = client.get(f"/interventies/deelnames/{enrolment.ref}/").content.decode()
    assert f"/interventies/deelnames/{enrolment.ref}/stap/approve/" in page
    assert f"/stap/start/" not in page  # the casemanager does not run the course
    form = client.get(f"/interventies/deelnames/{enrolment.ref}/stap/approve/").content.decode()
    assert 'name="decided_by"' not in form  # prison staff record the MDO's decision
    no_reason = client.post(f"/interventies/deelnames/{enrolment.ref}/stap/approve/", {
        "version": 1, "on": iso(days_ago(1))})
    assert no_reason.status_code == 400
    response = client.post(f"/interventies/deelnames/{enrolment.ref}/stap/approve/", {
        "version": 1, "on": iso(days_ago(1)), "reason": "Besproken in het MDO."})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "approved"
    assert enrolment.steps.latest("id").decided_by == "mdo"
    stale = client.post(f"/interventies/deelnames/{enrolment.ref}/stap/reject/", {
        "version": 1, "on": iso(days_ago(1)), "reason": "Toch niet."})
    assert stale.status_code == 409
    assert client.get(f"/interventies/deelnames/{enrolment.ref}/stap/start/").status_code \
        == 403
    assert client.get(f"/interventies/deelnames/{enrolment.ref}/stap/fly/").status_code == 403
    consultant = make_user(Role.HERSTELCONSULENT)
    client.force_login(consultant)
    response = client.post(f"/interventies/deelnames/{enrolment.ref}/stap/start/", {
        "version": 2, "on": iso(days_ago(0))})
    assert response.status_code == 302
    end_form = client.get(f"/interventies/deelnames/{enrolment.ref}/stap/end/").content.decode()
    assert 'value="dropped_transfer"' in end_form and 'value="not_started"' not in end_form
    invalid = client.post(f"/interventies/deelnames/{enrolment.ref}/stap/end/", {
        "version": 3, "on": iso(days_ago(0)), "outcome": "completed", "reason": "x"})
    assert invalid.status_code == 400



def test_the_session_form_lists_who_takes_part_that_day_and_defaults_to_nothing(role_client):
    client = role_client(Role.HERSTELCONSULENT)
    edition = make_edition(starts_days_ago=20)
    running = enrol(make_participant(entered_days_ago=60, given_name="Rob"), edition)
    left = step(enrol(make_participant(entered_days_ago=60, given_name="Lars"), edition),
                "end", days_ago(5), outcome="dropped_own_choice", reason="Wilde stoppen.")
    url = f"/interventies/edities/{edition.ref}/bijeenkomsten/nieuw/"
    page = client.get(url)
    text = page.content.decode()
    assert running.participant.sort_name in text and left.participant.sort_name not in text
    assert 'value="present" selected' not in text
    assert page.context["form"].fields[f"attendance_{running.pk}"].initial is None
    # Posted without a choice: asked for one, nothing recorded. A date when the one who
    # stopped still took part lists him too.
    missing = client.post(url, {"number": 1, "held_on": iso(days_ago(10))})
    assert missing.status_code == 400 and not Session.objects.exists()
    assert set(missing.context["form"].errors) == {f"attendance_{running.pk}",
                                                   f"attendance_{left.pk}"}
    done = client.post(url, {"number": 1, "held_on": iso(days_ago(10)),
                             f"attendance_{running.pk}": "present",
                             f"attendance_{left.pk}": "absent"})
    assert done.status_code == 302
    assert dict(Session.objects.get().attendance.values_list("enrolment_id", "status")) == {
        running.pk: "present", left.pk: "absent"}


def test_the_enrolment_page_checks_the_fit_only_for_a_participant_in_scope(role_client):
    client = role_client(Role.HERSTELCONSULENT)  # runs Puinruimen in PI Arnhem
    person = make_participant(entered_days_ago=60)
    enrolment = enrol(person, make_edition(starts_days_ago=20))
    url = f"/interventies/deelnames/{enrolment.ref}/"
    assert client.get(url).context["fit"] is not None
    # Released, and weeks later detained again in Zwolle: a new episode, not her dossier.
    participants.release(person.current_stay, actor=None, expected_version=1,
                         on=days_ago(10), outflow_type="positive_end")
    participants.admit(person, actor=None, institution=institution("PI-ZWOLLE"),
                       entered_on=days_ago(2), legal_status="convicted",
                       sentence_end_on=days_ago(-30))
    page = client.get(url)  # still her record
    assert page.status_code == 200 and page.context["manager"]
    assert page.context["fit"] is None
    assert "Te kort voor de hele interventie" not in page.content.decode()

def test_attendance_certificate_content_and_goal_pages(role_client, make_user):
    client = role_client(Role.HERSTELCONSULENT)
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=20)
    enrolment = enrol(person, edition, to="started")
    page = client.get(f"/interventies/edities/{edition.ref}/bijeenkomsten/nieuw/")
    assert person.sort_name in page.content.decode()
    response = client.post(f"/interventies/edities/{edition.ref}/bijeenkomsten/nieuw/", {
        "number": 1, "held_on": iso(days_ago(20)), f"attendance_{enrolment.pk}": "present"})
    assert response.status_code == 302
    session = Session.objects.get(edition=edition)
    assert session.attendance.get().status == "present"
    assert client.get(f"/interventies/edities/{edition.ref}/bijeenkomsten/1/").status_code \
        == 200
    assert client.get(f"/interventies/edities/{edition.ref}/bijeenkomsten/7/").status_code \
        == 302  # not recorded yet: the form for a new session
    enrolment = step(enrolment, "complete", days_ago(1))
    response = client.post(f"/interventies/deelnames/{enrolment.ref}/certificaat/", {
        "version": enrolment.version, "on": iso(days_ago(0))})
    assert response.status_code == 302
    response = client.post(f"/interventies/deelnames/{enrolment.ref}/inhoud/", {
        "version": enrolment.version + 1, "text": "Goede inzet."})
    assert response.status_code == 302
    goal = make_goal(person, domain="restoration_victim", description="Excuses maken.")
    response = client.post(f"/interventies/deelnames/{enrolment.ref}/doel/", {
        "version": enrolment.version + 2, "goal": goal.ref})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.certificate_on, enrolment.content_report, enrolment.goal) == (
        days_ago(0), "Goede inzet.", goal)
    detail = client.get(f"/interventies/deelnames/{enrolment.ref}/").content.decode()
    assert "Aanwezig bij 1 van 1 vastgelegde bijeenkomsten." in detail
    assert "Goede inzet." in detail


def test_the_edition_page_warns_when_a_participant_moved(role_client):
    client = role_client(Role.HERSTELCONSULENT)
    person = make_participant(entered_days_ago=60)
    edition = make_edition(starts_days_ago=20)
    enrol(person, edition, to="started")
    participants.transfer(person.current_stay, actor=None, expected_version=1,
                          to_institution=institution("PI-ZWOLLE"), on=days_ago(2))
    page = client.get(f"/interventies/edities/{edition.ref}/").content.decode()
    assert "verblijft niet meer in PI Arnhem" in page


def test_institution_overview(role_client, make_user):
    consultant = make_user(Role.HERSTELCONSULENT, first_name="Ingrid", last_name="Bakker")
    planned = make_edition("aan-de-bak", starts_days_ago=-30, weeks=6)
    this_year = make_edition(starts_days_ago=max(1, (days_ago(0) - days_ago(0).replace(
        month=1, day=1)).days // 2))
    enrol(make_participant(entered_days_ago=400), this_year, to="completed")
    client = role_client(Role.CASEMANAGER)
    page = client.get("/interventies/inrichtingen/PI-ARNHEM/").content.decode()
    assert consultant.display_name in page
    assert "Zelfherstel" in page and "Herstel met het slachtoffer" in page
    assert f"/interventies/edities/{planned.ref}/" in page
    assert f"Deelname in {days_ago(0).year}" in page
    assert "Puinruimen</th>" in page  # participation this year, from the report
    stopped = client.get("/interventies/inrichtingen/PI-LEEUWARDEN/").content.decode()
    assert "Gestopt aanbod" in stopped and "Puinruimen" in stopped
    assert "zichtbaar voor medewerkers van deze inrichting" in stopped  # not her institution
    listing = client.get("/interventies/inrichtingen/").content.decode()
    assert "PI Arnhem" in listing and "mijn inrichting" in listing


def test_edition_list_filters_and_menu(role_client):
    current = make_edition(starts_days_ago=5)
    past = make_edition("aan-de-bak", starts_days_ago=200, weeks=6)
    client = role_client(Role.MENTOR)
    running = client.get("/interventies/edities/?fase=loopt").content.decode()
    assert current.ref in running and past.ref not in running
    finished = client.get("/interventies/edities/?fase=afgelopen").content.decode()
    assert past.ref in finished and current.ref not in finished
    home = client.get("/").content.decode()
    assert 'href="/interventies/"' in home


def test_the_catalogue_answers_htmx_with_the_results_only(role_client):
    client = role_client(Role.CASEMANAGER)
    response = client.get("/interventies/?institution=PI-ARNHEM&layer=victim",
                          HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text and "Herstelbemiddeling" in text and "Aan de Bak!" not in text
