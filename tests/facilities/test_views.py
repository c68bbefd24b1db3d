"""The facility pages: the configuration, the candidate board and a candidate's page, the forms
of the funnel (happy path, invalid input with the reason next to the field, permissions), the
minimal-disclosure pre-scan, the stay's forms, the dashboard, htmx inline forms and query
counts that stay constant as data grows."""

from __future__ import annotations

import re

import pytest

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.facilities import services
from herstelpad.facilities.models import Candidate, CandidateStep, PrescanAnswer, TemporaryReturn
from herstelpad.participants.models import Stay
from tests.dossier import days_ago, institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client, make_user):
    """A casemanager of Huis van Herstel, signed in."""
    user = make_user(Role.CASEMANAGER, institutions=("FAC-HVH",), first_name="Fenna",
                     last_name="Team")
    client.force_login(user)
    client.user = user
    return client


def _text(response) -> str:
    return response.content.decode()


def _refer(actor=None, **kwargs):
    defaults = {"facility": institution("FAC-HVH"), "source": "casemanager",
                "list_date": days_ago(60), "sex": "male", "sentence_end_on": days_ago(-200),
                "municipality": "Enschede"}
    defaults.update(kwargs)
    return services.register_candidate(actor=actor, **defaults)


def _advance(candidate, steps, start=59):
    for i in range(steps):
        candidate = services.decide(candidate, actor=None, expected_version=candidate.version,
                                    decision="positive", on=days_ago(start - 5 * i),
                                    reason="Voldoet.")
    return candidate


def _field_error(response, field: str) -> str:
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', _text(response), re.S)
    return match.group(1) if match else ""


# --- Facilities and configuration -------------------------------------------------------------

def test_list_and_configuration(team):
    _refer(name="Open Kandidaat")
    response = team.get("/voorzieningen/")
    text = _text(response)
    assert response.status_code == 200
    assert "Huis van Herstel" in text and "/voorzieningen/FAC-HVH/kandidaten/" in text
    assert "De Compagnie" not in text  # not this casemanager's facility
    page = _text(team.get("/voorzieningen/FAC-HVH/"))
    for expected in ("Weegtafel", "Besluit DIZ", "selectiefunctionaris DIZ", "Motivatiebrief",
                     "Coronamaatregelen", "Einde coronamaatregelen", "Mannen",
                     "Laatste 18 maanden", "Enschede"):
        assert expected in page, expected
    capacity = re.search(r'id="capacity">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"numeric-data\">(\d+)</td>", capacity) == ["29", "20", "29"]
    assert "Voorzieningen" in _text(team.get("/"))  # the menu item
    assert 'href="/importeren/candidates/"' in _text(team.get("/voorzieningen/FAC-HVH/kandidaten/"))


def test_national_partners_see_every_facility(role_client):
    text = _text(role_client(Role.SELECTION_OFFICER).get("/voorzieningen/"))
    assert "Huis van Herstel" in text and "De Compagnie" in text and "KV Middelburg" in text
    assert 'href="/voorzieningen/"' not in _text(role_client(Role.AUDITOR).get("/"))


# --- Referral and screening -------------------------------------------------------------------

def test_refer_a_candidate_and_every_failing_criterion_is_explained(team):
    response = team.post("/voorzieningen/FAC-HVH/kandidaten/nieuw/", {
        "source": "casemanager", "list_date": days_ago(0).isoformat(), "name": "Anna Voorbeeld",
        "sex": "female", "sentence_end_on": days_ago(-20).isoformat(), "isd": "on",
        "municipality": "Rotterdam", "dutch_proficiency": "unknown"})
    assert response.status_code == 302, _text(response)
    candidate = Candidate.objects.get(name="Anna Voorbeeld")
    assert response["Location"] == f"/voorzieningen/kandidaten/{candidate.ref}/"
    assert candidate.screening_outcome == "female"
    page = team.get(response["Location"])
    text = _text(page)
    screening = re.search(r'id="screening">(.*?)</table>', text, re.S).group(1)
    for reason in ("Vrouw", "ISD", "Einddatum te kort", "Buiten de regio"):
        assert reason in screening, reason
    assert screening.count("voldoet niet") == 4
    assert "Gerapporteerde reden: Vrouw" in text
    assert AuditEntry.objects.filter(action="read", object_id=str(candidate.pk)).exists()


def test_refer_with_invalid_input_keeps_the_form(team):
    response = team.post("/voorzieningen/FAC-HVH/kandidaten/nieuw/", {
        "source": "casemanager", "list_date": days_ago(-3).isoformat(), "sex": "male",
        "participant_ref": "P-BESTAAT-NIET", "weekly_work_hours": "200"})
    assert response.status_code == 400
    assert "Onbekend deelnemernummer" in _field_error(response, "participant_ref")
    assert _field_error(response, "weekly_work_hours")
    assert 'data-error-summary' in _text(response)
    assert not Candidate.objects.exists()
    response = team.post("/voorzieningen/FAC-HVH/kandidaten/nieuw/", {
        "source": "casemanager", "list_date": days_ago(-3).isoformat(), "sex": "male",
        "dutch_proficiency": "unknown"})
    assert response.status_code == 400
    assert "toekomst" in _field_error(response, "list_date")


def test_a_referrer_registers_only_their_own_kind(role_client):
    client = role_client(Role.AFTERCARE_COORDINATOR)
    page = _text(client.get("/voorzieningen/FAC-HVH/kandidaten/nieuw/"))
    assert 'value="municipality"' in page and 'value="application"' not in page
    assert role_client(Role.MENTOR).get(
        "/voorzieningen/FAC-HVH/kandidaten/nieuw/").status_code == 403


def test_a_unit_head_of_the_facility_registers_every_source(client, make_user):
    """The facility team registers every referral and application, also its unit head, who
    does not refer candidates to other facilities."""
    head = make_user(Role.UNIT_HEAD, institutions=("FAC-HVH",))
    client.force_login(head)
    page = _text(client.get("/voorzieningen/FAC-HVH/kandidaten/nieuw/"))
    assert 'value="municipality"' in page and 'value="application"' in page
    response = client.post("/voorzieningen/FAC-HVH/kandidaten/nieuw/", {
        "source": "municipality", "list_date": days_ago(0).isoformat(), "name": "Gemeentelijk",
        "sex": "male", "dutch_proficiency": "unknown"})
    assert response.status_code == 302, _text(response)
    assert Candidate.objects.get(name="Gemeentelijk").source == "municipality"
    # Elsewhere the unit head is not a referrer.
    assert client.get("/voorzieningen/FAC-COMPAGNIE/kandidaten/nieuw/").status_code == 403


def test_the_service_refuses_a_source_that_is_not_the_referrers_own(make_user):
    from django.core.exceptions import ValidationError

    coordinator = make_user(Role.AFTERCARE_COORDINATOR)
    with pytest.raises(ValidationError) as refused:
        services.register_candidate(actor=coordinator, facility=institution("FAC-HVH"),
                                    source="probation", list_date=days_ago(0), sex="male")
    assert "gemeente" in str(refused.value.message_dict["source"]).lower()
    assert not Candidate.objects.exists()


# --- Decisions --------------------------------------------------------------------------------

def test_the_team_moves_a_candidate_and_diz_decides(team, make_user, client):
    candidate = _refer(name="Kees")
    url = f"/voorzieningen/kandidaten/{candidate.ref}/"
    for i, step in enumerate(("Screening", "Motivatiebrief", "Dossieronderzoek", "Weegtafel",
                              "Selectieadvies")):
        candidate.refresh_from_db()
        assert team.get(f"{url}besluit/").status_code == 200
        response = team.post(f"{url}besluit/", {
            "decision": "positive", "on": days_ago(50 - i).isoformat(), "decider": "weegtafel",
            "reason": "", "version": candidate.version})
        assert response.status_code == 302, _text(response)
        assert f"stap {step} is vastgelegd" in _text(team.get(url))
    candidate.refresh_from_db()
    assert candidate.step.code == "diz_decision"
    # The team does not take DIZ's decision.
    assert team.get(f"{url}besluit/").status_code == 403
    diz = make_user(Role.SELECTION_OFFICER, institutions=())
    client.force_login(diz)
    response = client.post(f"{url}besluit/", {
        "decision": "positive", "on": days_ago(40).isoformat(),
        "decider": "selectiefunctionaris DIZ", "version": candidate.version})
    assert response.status_code == 302
    client.force_login(team.user)
    candidate.refresh_from_db()
    assert candidate.state == "approved"
    page = _text(client.get(url))
    assert "Plaatsen" in page and "toegelaten" in page
    response = client.post(f"{url}plaatsen/", {"on": days_ago(30).isoformat(),
                                              "trial_until": days_ago(0).isoformat(),
                                              "version": candidate.version})
    assert response.status_code == 302
    stay = Stay.objects.get(institution__code="FAC-HVH", participant__candidacies=candidate)
    assert response["Location"] == f"/voorzieningen/verblijven/{stay.ref}/"
    page = _text(client.get(response["Location"]))
    assert "in de proefperiode" in page
    assert [s.action for s in CandidateStep.objects.filter(candidate=candidate)] == \
        ["register"] + ["decide"] * 6 + ["place"]


def test_a_rejection_without_a_reason_is_refused_next_to_the_field(team):
    candidate = _refer()
    url = f"/voorzieningen/kandidaten/{candidate.ref}/besluit/"
    response = team.post(url, {"decision": "negative", "on": days_ago(1).isoformat(),
                               "decider": "weegtafel", "reason": "  ",
                               "version": candidate.version})
    assert response.status_code == 400
    assert "Een afwijzing heeft een schriftelijke motivering" in _field_error(response, "reason")
    assert 'href="#id_reason"' in _text(response)  # the error summary links to the field
    candidate.refresh_from_db()
    assert candidate.state == "open" and candidate.steps.count() == 1
    response = team.post(url, {"decision": "negative", "on": days_ago(1).isoformat(),
                               "decider": "weegtafel", "version": candidate.version,
                               "reason": "Geen problemen op twee leefgebieden."})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == "rejected"
    step = candidate.steps.latest("id")
    assert (step.decider, step.reason, step.actor) == (
        "weegtafel", "Geen problemen op twee leefgebieden.", team.user)


def test_stale_version_and_invalid_decision(team):
    candidate = _refer()
    url = f"/voorzieningen/kandidaten/{candidate.ref}/besluit/"
    old = candidate.version
    _advance(candidate, 1)
    response = team.post(url, {"decision": "positive", "on": days_ago(1).isoformat(),
                               "decider": "team", "version": old})
    assert response.status_code == 409
    response = team.post(url, {"decision": "", "on": "gisteren", "decider": "",
                               "version": candidate.version})
    assert response.status_code == 400
    assert _field_error(response, "on") and _field_error(response, "decider")
    assert re.search(r'id="id_decision_error"', _text(response))


def test_inline_decision_with_htmx(team):
    candidate = _refer()
    url = f"/voorzieningen/kandidaten/{candidate.ref}/besluit/"
    fragment = team.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert _text(fragment).startswith('<div id="action-panel"') and "<html" not in \
        _text(fragment)
    refused = team.post(url, {"decision": "negative", "on": days_ago(1).isoformat(),
                              "decider": "team", "version": candidate.version},
                        HTTP_HX_REQUEST="true")
    assert refused.status_code == 200  # htmx swaps only 2xx; the errors are in the fragment
    assert "schriftelijke motivering" in _field_error(refused, "reason")
    done = team.post(url, {"decision": "positive", "on": days_ago(1).isoformat(),
                           "decider": "team", "version": candidate.version},
                     HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == f"/voorzieningen/kandidaten/{candidate.ref}/"


def test_withdraw_and_reopen(team):
    candidate = _refer()
    base = f"/voorzieningen/kandidaten/{candidate.ref}/"
    assert team.post(f"{base}terugtrekken/", {"on": days_ago(1).isoformat(), "reason": "Wil niet",
                                              "version": candidate.version}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == "withdrawn"
    assert "Weer in selectie nemen" in _text(team.get(base))
    response = team.post(f"{base}heropenen/", {"on": days_ago(0).isoformat(), "reason": "",
                                               "version": candidate.version})
    assert response.status_code == 400 and _field_error(response, "reason")
    assert team.post(f"{base}heropenen/", {"on": days_ago(0).isoformat(), "reason": "Wil toch",
                                           "version": candidate.version}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == "open"


def test_exception_on_a_soft_criterion(make_user, client):
    user = make_user(Role.CASEMANAGER, institutions=("FAC-COMPAGNIE",))
    client.force_login(user)
    candidate = _refer(facility=institution("FAC-COMPAGNIE"), regime="basic",
                       dutch_proficiency="sufficient", sentence_end_on=days_ago(-300),
                       municipality="")
    assert candidate.screening_outcome == "other"
    url = f"/voorzieningen/kandidaten/{candidate.ref}/uitzondering/"
    page = _text(client.get(url))
    assert "Gepromoveerd naar het plusprogramma" in page and "Mannen" not in page
    response = client.post(url, {"criterion": "", "reason": ""})
    assert response.status_code == 400 and _field_error(response, "reason")
    criterion = candidate.criterion_set.criteria.get(kind="regime")
    assert client.post(url, {"criterion": criterion.pk,
                             "reason": "Gedrag in de PI rechtvaardigt het"}).status_code == 302
    candidate.refresh_from_db()
    assert candidate.screening_outcome == "eligible"
    page = _text(client.get(f"/voorzieningen/kandidaten/{candidate.ref}/"))
    assert "uitzondering" in page and "Gedrag in de PI rechtvaardigt het" in page


def test_every_team_form_opens_for_the_facility_team(team):
    """The complement of the access matrix (where no role works at Huis van Herstel): every
    form of the team opens (200) and refuses an empty submission (400)."""
    open_candidate = _refer()
    approved = _advance(_refer(), 6)
    withdrawn = _refer()
    services.withdraw(withdrawn, actor=None, expected_version=withdrawn.version,
                      on=days_ago(1))
    stay = _placed(team.user)
    temporary = services.temporary_return(stay, actor=None, left_on=days_ago(3),
                                          planned_return_on=days_ago(-3), reason="Time-out",
                                          decided_by="directeur")
    urls = [f"/voorzieningen/kandidaten/{open_candidate.ref}/{p}/"
            for p in ("besluit", "terugtrekken", "voorscan", "uitzondering")]
    urls += [f"/voorzieningen/kandidaten/{approved.ref}/plaatsen/",
             f"/voorzieningen/kandidaten/{withdrawn.ref}/heropenen/",
             "/voorzieningen/FAC-HVH/kandidaten/nieuw/"]
    urls += [f"/voorzieningen/verblijven/{stay.ref}/{p}/" for p in (
        "terugplaatsen", "vertrek", f"tijdelijk-terug/{temporary.pk}/terugkeer")]
    for url in urls:
        assert team.get(url).status_code == 200, url
        assert team.post(url, {}).status_code == 400, url
    # An empty trial period is valid: it ends the trial period. The form carries the version
    # of the stay's facility details; a stale one is a conflict.
    url = f"/voorzieningen/verblijven/{stay.ref}/proefperiode/"
    assert team.post(url, {}).status_code == 400
    version = services.facility_details(stay).version
    assert f'name="version" value="{version}"' in _text(team.get(url))
    assert team.post(url, {"version": version}).status_code == 302
    stale = team.post(url, {"version": version, "trial_until": days_ago(-10).isoformat()})
    assert stale.status_code == 409
    services.end_temporary_return(temporary, actor=None, returned_on=days_ago(1))
    url = f"/voorzieningen/verblijven/{stay.ref}/tijdelijk-terug/"
    assert team.get(url).status_code == 200 and team.post(url, {}).status_code == 400


# --- The pre-scan -------------------------------------------------------------------------------

def test_prescan_form_has_only_partner_answer_and_date(team):
    candidate = _refer(facility=institution("FAC-HVH"))
    url = f"/voorzieningen/kandidaten/{candidate.ref}/voorscan/"
    text = _text(team.get(url))
    form = re.search(r"<form method=\"post\" action=\"[^\"]*\" novalidate.*?</form>", text,
                     re.S).group(0)
    names = set(re.findall(r'name="([a-z_]+)"', form))
    assert names == {"csrfmiddlewaretoken", "partner", "objection", "answered_on"}
    assert "<textarea" not in form
    response = team.post(url, {"partner": "police", "objection": "yes",
                               "answered_on": days_ago(2).isoformat(),
                               "content": "mag niet worden opgeslagen"})
    assert response.status_code == 302
    answer = PrescanAnswer.objects.get(candidate=candidate)
    assert (answer.partner, answer.objection) == ("police", True)
    assert "mag niet" not in str(AuditEntry.objects.filter(
        object_id=str(answer.pk)).values_list("details", flat=True))
    page = _text(team.get(f"/voorzieningen/kandidaten/{candidate.ref}/"))
    assert "politie: <strong>bezwaar</strong>" in page
    response = team.post(url, {"partner": "police", "answered_on": ""})
    assert response.status_code == 400
    assert _field_error(response, "objection") and _field_error(response, "answered_on")


def test_probation_answers_only_for_probation(make_user, client):
    officer = make_user(Role.PROBATION_OFFICER)
    client.force_login(officer)
    candidate = _refer(officer, source="probation")
    text = _text(client.get(f"/voorzieningen/kandidaten/{candidate.ref}/voorscan/"))
    assert 'value="probation"' in text and 'value="police"' not in text


# --- Permissions --------------------------------------------------------------------------------

def test_other_prisons_staff_are_refused_and_the_denial_is_audited(role_client):
    candidate = _refer()
    client = role_client(Role.CASEMANAGER)  # PI Arnhem
    assert client.get(f"/voorzieningen/kandidaten/{candidate.ref}/").status_code == 403
    assert AuditEntry.objects.filter(action="denied", object_id=str(candidate.pk)).exists()
    assert client.get(f"/voorzieningen/kandidaten/{candidate.ref}/besluit/").status_code == 403
    board = _text(client.get("/voorzieningen/FAC-HVH/kandidaten/"))
    assert candidate.ref not in board
    assert "/importeren/candidates/" not in board  # not this casemanager's facility
    assert client.get("/voorzieningen/FAC-HVH/cijfers/").status_code == 403


def test_a_mentor_sees_but_does_not_decide(make_user, client):
    mentor = make_user(Role.MENTOR, institutions=("FAC-HVH",))
    client.force_login(mentor)
    candidate = _refer()
    page = _text(client.get(f"/voorzieningen/kandidaten/{candidate.ref}/"))
    assert "Besluit vastleggen" not in page
    assert client.get(f"/voorzieningen/kandidaten/{candidate.ref}/besluit/").status_code == 403
    assert client.post(f"/voorzieningen/kandidaten/{candidate.ref}/besluit/", {
        "decision": "positive", "on": days_ago(1).isoformat(), "decider": "x",
        "version": candidate.version}).status_code == 403
    candidate.refresh_from_db()
    assert candidate.steps.count() == 1


def test_researcher_gets_public_figures_only(role_client):
    client = role_client(Role.RESEARCHER)
    response = client.get("/voorzieningen/FAC-HVH/cijfers/")
    text = _text(response)
    assert response.status_code == 200
    assert "Openbare cijfers" in text and 'id="funnel"' not in text
    assert client.get("/voorzieningen/FAC-HVH/kandidaten/").status_code == 403


# --- Stays --------------------------------------------------------------------------------------

def _placed(team_user, **kwargs):
    candidate = _advance(_refer(**kwargs), 6)
    return services.place(candidate, actor=None, expected_version=candidate.version,
                          on=days_ago(20))


def test_temporary_and_definitive_return_and_outflow(team):
    stay = _placed(team.user, name="Piet")
    base = f"/voorzieningen/verblijven/{stay.ref}/"
    assert "verblijft in de voorziening" in _text(team.get(base))
    response = team.post(f"{base}tijdelijk-terug/", {
        "left_on": days_ago(10).isoformat(), "planned_return_on": days_ago(12).isoformat(),
        "decided_by": "", "reason": ""})
    assert response.status_code == 400
    for field in ("decided_by", "reason"):
        assert _field_error(response, field), field
    response = team.post(f"{base}tijdelijk-terug/", {
        "left_on": days_ago(10).isoformat(), "planned_return_on": days_ago(12).isoformat(),
        "decided_by": "directeur", "reason": "Time-out"})
    assert response.status_code == 400
    assert "na de terugplaatsing" in _field_error(response, "planned_return_on")
    assert team.post(f"{base}tijdelijk-terug/", {
        "left_on": days_ago(10).isoformat(), "planned_return_on": days_ago(5).isoformat(),
        "decided_by": "directeur", "reason": "Time-out na een incident"}).status_code == 302
    assert "tijdelijk in de PI" in _text(team.get(base))
    assert "tijdelijk in de PI" in _text(team.get("/voorzieningen/FAC-HVH/verblijven/"))
    temporary = TemporaryReturn.objects.get(stay=stay)
    assert team.post(f"{base}tijdelijk-terug/{temporary.pk}/terugkeer/",
                     {"returned_on": days_ago(6).isoformat()}).status_code == 302
    stay.refresh_from_db()
    response = team.post(f"{base}terugplaatsen/", {"on": days_ago(2).isoformat(),
                                                   "return_reason": "", "decided_by": "",
                                                   "version": stay.version})
    assert response.status_code == 400 and _field_error(response, "return_reason")
    response = team.post(f"{base}terugplaatsen/", {
        "on": days_ago(2).isoformat(), "return_reason": "substance_use",
        "decided_by": "directie PI Almelo", "note": "Positieve urinecontrole",
        "version": stay.version})
    assert response.status_code == 302, _text(response)
    stay.refresh_from_db()
    assert (stay.outflow_type, stay.return_reason) == ("returned", "substance_use")
    page = _text(team.get(base))
    assert "Teruggeplaatst naar de PI" in page and "directie PI Almelo" in page
    assert "Uitstroom vastleggen" not in page


def test_positive_outflow_with_housing_destination(team):
    stay = _placed(team.user)
    base = f"/voorzieningen/verblijven/{stay.ref}/"
    response = team.post(f"{base}vertrek/", {"on": days_ago(1).isoformat(), "outflow_type": "",
                                             "version": stay.version})
    assert response.status_code == 400 and _field_error(response, "outflow_type")
    assert 'value="returned"' not in _text(response)
    response = team.post(f"{base}vertrek/", {
        "on": days_ago(1).isoformat(), "outflow_type": "positive_end",
        "housing_destination": "Eigen woning in Hengelo", "decided_by": "team",
        "version": stay.version})
    assert response.status_code == 302, _text(response)
    page = _text(team.get(base))
    assert "Positieve uitstroom einde detentie" in page and "Eigen woning in Hengelo" in page


def test_stay_forms_are_for_the_facility_team(team, make_user, client):
    stay = _placed(team.user)
    mentor = make_user(Role.MENTOR, institutions=("FAC-HVH",))
    client.force_login(mentor)
    assert client.get(f"/voorzieningen/verblijven/{stay.ref}/").status_code == 200
    assert client.get(f"/voorzieningen/verblijven/{stay.ref}/vertrek/").status_code == 403
    other = make_user(Role.CASEMANAGER, institutions=("PI-KRIMPEN",))
    client.force_login(other)
    assert client.get(f"/voorzieningen/verblijven/{stay.ref}/vertrek/").status_code == 403


# --- Dashboard ----------------------------------------------------------------------------------

def test_dashboard(team):
    _placed(team.user)
    _refer()
    response = team.get("/voorzieningen/FAC-HVH/cijfers/")
    text = _text(response)
    assert response.status_code == 200
    assert '<svg class="hp-chart"' in text and 'role="img"' in text
    assert "Bezetting per maand tegen de capaciteit" in text
    funnel = re.search(r'id="funnel">(.*?)</table>', text, re.S).group(1)
    assert "Weegtafel" in funnel and "Besluit DIZ" in funnel
    assert 'id="outflows"' in text and 'id="length-of-stay"' in text
    for name in ("facility-occupancy", "facility-flow", "candidate-screening"):
        assert f"/rapporten/{name}/?" in text, name
    assert team.get("/voorzieningen/FAC-HVH/cijfers/?date_from=2026-13-01").status_code == 400
    response = team.get("/voorzieningen/FAC-HVH/cijfers/?date_from=2025-05-01&date_to=2025-01-01")
    assert response.status_code == 400
    # One date given and the other left to its default can cross too: a clear error, not a
    # server error.
    for query in ("date_to=2020-01-01", f"date_from={days_ago(-30).isoformat()}"):
        response = team.get(f"/voorzieningen/FAC-HVH/cijfers/?{query}")
        assert response.status_code == 400, query
        assert "De begindatum ligt na de einddatum" in _text(response), query
    far = team.get("/voorzieningen/FAC-HVH/cijfers/?date_to=2099-12-31")
    assert far.status_code == 200  # a period running into the future is fine


# --- Query counts -------------------------------------------------------------------------------

def _grow(n: int):
    for i in range(n):
        candidate = _refer(name=f"Kandidaat {i}", municipality="Almelo" if i % 2 else "Delft")
        _advance(candidate, i % 4)


@pytest.mark.parametrize("url", ["/voorzieningen/", "/voorzieningen/FAC-HVH/kandidaten/",
                                 "/voorzieningen/FAC-HVH/kandidaten/?state=all",
                                 "/voorzieningen/FAC-HVH/verblijven/?toon=all",
                                 "/voorzieningen/FAC-HVH/cijfers/", "/"])
def test_list_pages_keep_their_query_count(team, url, django_assert_max_num_queries):
    _grow(2)
    _placed(team.user)
    team.get(url)
    with django_assert_max_num_queries(80) as before:
        assert team.get(url).status_code == 200
    _grow(8)
    for _ in range(3):
        _placed(team.user)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert team.get(url).status_code == 200


def test_candidate_page_keeps_its_query_count(team, django_assert_max_num_queries):
    candidate = _refer()
    url = f"/voorzieningen/kandidaten/{candidate.ref}/"
    team.get(url)
    with django_assert_max_num_queries(80) as before:
        team.get(url)
    candidate = _advance(candidate, 4)
    services.record_prescan(candidate, actor=None, partner="police", objection=False,
                            answered_on=days_ago(1))
    services.record_prescan(candidate, actor=None, partner="probation", objection=True,
                            answered_on=days_ago(1))
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert team.get(url).status_code == 200




def test_pages_in_english(team):
    candidate = _refer()
    team.cookies["herstelpad_language"] = "en"
    text = _text(team.get(f"/voorzieningen/kandidaten/{candidate.ref}/"))
    assert "Inflow route" in text and "Record decision" in text and "Pre-scan with partners" in text
    text = _text(team.get("/voorzieningen/FAC-HVH/"))
    assert "Capacity over time" in text and "Eligibility criteria" in text
    response = team.post(f"/voorzieningen/kandidaten/{candidate.ref}/besluit/", {
        "decision": "negative", "on": days_ago(1).isoformat(), "decider": "weegtafel",
        "version": candidate.version})
    assert "A rejection needs written reasons" in _field_error(response, "reason")


def test_home_panels_for_the_team_and_diz(team, make_user, client):
    waiting = _refer(list_date=days_ago(40))
    _advance(_refer(), 6)  # approved, waiting for placement
    stay = _placed(team.user)
    services.temporary_return(stay, actor=None, left_on=days_ago(5),
                              planned_return_on=days_ago(1), reason="Time-out",
                              decided_by="directeur")
    text = _text(team.get("/"))
    panel = re.search(r'aria-labelledby="facility-panel-FAC-HVH">(.*?)</section>', text,
                      re.S).group(1)
    counts = re.findall(r'hp-counter__n">(\d+)</span> ([^<]+)</a>', panel)
    assert counts == [("1", "kandidaten in selectie"),
                      ("1", "langer dan 14 dagen in dezelfde stap"),
                      ("1", "wachten op plaatsing"), ("1", "geplande terugkeer verstreken")]
    assert waiting.ref  # the one in selection since 40 days
    _advance(_refer(), 5)  # at the DIZ decision
    client.force_login(make_user(Role.SELECTION_OFFICER, institutions=()))
    text = _text(client.get("/"))
    assert "Selectieadviezen voor DIZ" in text
    assert re.search(r'\?step=diz_decision"><span class="hp-counter__n">1</span> Huis van Herstel',
                     text)


def test_person_level_lists_and_reads_are_audited(team):
    _refer()
    stay = _placed(team.user)
    team.get("/voorzieningen/FAC-HVH/kandidaten/")
    board = AuditEntry.objects.filter(action="list", purpose="board").latest("id")
    assert board.actor_id == team.user.pk
    assert board.details == {"count": 1, "facility": "FAC-HVH"}  # the placed one is closed
    team.get("/voorzieningen/FAC-HVH/verblijven/")
    stays = AuditEntry.objects.filter(action="list", purpose="facility_stays").latest("id")
    assert stays.details["count"] == 1
    team.get(f"/voorzieningen/verblijven/{stay.ref}/")
    assert AuditEntry.objects.filter(action="read", object_id=str(stay.pk),
                                     actor_id=team.user.pk).exists()
