"""The catalogue: search and filters, overlapping offers, "fits this participant" (every rule,
every reason in words), and maintenance by providers and herstelconsulenten."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import date_format

from herstelpad.accounts.models import Role
from herstelpad.audit.models import AuditEntry
from herstelpad.audit.services import acting_as
from herstelpad.concurrency import ConflictError
from herstelpad.interventions import services
from herstelpad.interventions.models import Availability
from herstelpad.interventions.services import CatalogueQuery, Fit
from herstelpad.participants import services as participants
from tests.dossier import days_ago, institution, make_participant
from tests.interventions.helpers import make_edition, offer

pytestmark = pytest.mark.django_db


def names(rows):
    return {row.intervention.name for row in rows}


# --- Search -------------------------------------------------------------------------------------

def test_searching_pi_arnhem_lists_puinruimen_aan_de_bak_and_herstelbemiddeling():
    rows = services.search(None, CatalogueQuery(institution=institution("PI-ARNHEM")))
    assert {"Puinruimen", "Aan de Bak!", "Herstelbemiddeling"} <= names(rows)
    # Not offered at PI Arnhem:
    assert "SOS — Spreken over Slachtoffers, Schuld en Samenleving (groepscursus)" \
        not in names(rows)
    assert all(row.availability.institution.code == "PI-ARNHEM" for row in rows)


def test_the_catalogue_page_opens_on_the_users_own_institution(role_client):
    client = role_client(Role.CASEMANAGER)  # works at PI Arnhem
    response = client.get("/interventies/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Aanbod in PI Arnhem" in text
    for name in ("Puinruimen", "Aan de Bak!", "Herstelbemiddeling"):
        assert f">{name}</a>" in text
    assert "Netwerkgesprekken" not in text  # runs only in Krimpen


def test_filters_narrow_the_catalogue():
    def search(**kwargs):
        return names(services.search(None, CatalogueQuery(**kwargs)))

    victim = search(layer="victim")
    assert "Herstelbemiddeling" in victim and "Aan de Bak!" not in victim
    assert search(theme="housing") == {"Aan de Bak!"}
    women = search(sex="women")
    assert "IKJIJWIJ" in women and "Mijn Kind en Ik" not in women
    juveniles = search(age="juveniles")
    assert {"DAPPER", "Leren van delict", "Forsa!", "Herstelbemiddeling"} <= juveniles
    assert "Puinruimen" not in juveniles
    assert search(provider="EXODUS") == {"Mijn Kind en Ik", "Herfstkamp", "Ouder-Kinddagen"}
    assert search(format="ward") == {"Gezinsbenadering / vadervleugel", "Huis van Herstel",
                                     "De Compagnie"}
    assert search(q="barista") == {"Zuivere Koffie (barista-opleiding)"}
    stopped = search(institution=institution("PI-LEEUWARDEN"), statuses=("stopped",))
    assert stopped == {"Puinruimen"}


def test_overlapping_offers_are_grouped_by_layer_and_target_group():
    rows = services.search(None, CatalogueQuery(institution=institution("PI-ARNHEM")))
    groups = {(g["layer"], g["age_label"], g["sex_label"]):
              [i.code for i in g["interventions"]] for g in services.overlaps(rows)}
    assert groups[("self", "Volwassenen", "Iedereen")] == ["aan-de-bak", "puinruimen"]
    assert groups[("victim", "Volwassenen", "Iedereen")] == ["mediation-strafzaken",
                                                             "puinruimen"]
    assert all(len(codes) >= 2 for codes in groups.values())


def test_overlaps_are_shown_side_by_side_on_the_page(role_client):
    client = role_client(Role.MENTOR)
    text = client.get("/interventies/?institution=PI-ARNHEM").content.decode()
    assert "Overlappend aanbod" in text
    assert "Zelfherstel — volwassenen, iedereen" in text


def test_search_with_a_participant_only_fitting(db):
    person = make_participant(sentence_days=20, entered_days_ago=10)  # 10 days left
    rows = services.search(None, CatalogueQuery(institution=institution("PI-ARNHEM"),
                                                participant=person, only_fitting=True))
    assert "Puinruimen" not in names(rows)  # ten weekly sessions
    assert "Herstelbemiddeling" in names(rows)
    assert all(row.fit.verdict != Fit.NO for row in rows)


# --- Fits this participant ----------------------------------------------------------------------

def test_a_participant_with_five_weeks_left_is_told_why_sos_does_not_fit():
    person = make_participant(entered_days_ago=100, sentence_days=135)  # 35 days left
    fit = services.fit(offer("sos-group"), person)
    assert fit.verdict == Fit.NO
    end = date_format(days_ago(0) + dt.timedelta(days=35))
    assert fit.no == [f"De deelnemer zit nog 5 weken (35 dagen, tot {end}) vast; deze "
                      "interventie vraagt minstens 8 weken resterende detentie."]


def test_the_fit_check_is_on_the_intervention_page_for_any_participant(role_client):
    client = role_client(Role.CASEMANAGER)  # PI Arnhem; SOS does not run there
    person = make_participant(entered_days_ago=100, sentence_days=135)
    response = client.get(f"/interventies/sos-group/?deelnemer={person.ref}")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Past niet" in text
    assert "vraagt minstens 8 weken resterende detentie" in text


def test_the_fit_check_through_the_api(client, make_user):
    from rest_framework.authtoken.models import Token

    person = make_participant(entered_days_ago=100, sentence_days=135)
    token = Token.objects.create(user=make_user(Role.CASEMANAGER))
    response = client.get(f"/api/interventions/sos-group/fit/?participant={person.ref}",
                          HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "no"
    assert any("minstens 8 weken" in r["text"] and r["verdict"] == "no"
               for r in body["reasons"])


def test_a_course_longer_than_the_remaining_sentence_does_not_fit():
    person = make_participant(entered_days_ago=10, sentence_days=52)  # 42 days: 6 weeks
    fit = services.fit(offer("puinruimen"), person)
    assert fit.no == [fit.no[0]]
    assert fit.no[0].startswith("Te kort voor de hele interventie: de cursus heeft 10 "
                                "wekelijkse bijeenkomsten, ongeveer 10 weken")
    assert "nog 6 weken" in fit.no[0]
    assert services.fit(offer("aan-de-bak"), person).no == []  # 6 sessions


def test_an_edition_that_ends_after_the_detention_does_not_fit():
    person = make_participant(entered_days_ago=10, sentence_days=100)  # 90 days left
    edition = make_edition("aan-de-bak", starts_days_ago=0, weeks=20)
    fit = services.fit(offer("aan-de-bak"), person, edition=edition)
    assert any(text.startswith("Deze editie loopt tot") for text in fit.no)


def test_unknown_or_past_sentence_end_is_a_point_to_check():
    person = make_participant(sentence_days=200)
    participants.update_stay(person.current_stay, actor=None, expected_version=1,
                             sentence_end_on=None)
    person.refresh_from_db()
    fit = services.fit(offer("sos-group"), person)
    assert "De einddatum van de detentie is niet bekend; ga na of de deelnemer nog minstens " \
           "8 weken blijft." in fit.check
    assert fit.no == []


def test_not_in_detention_does_not_fit():
    person = make_participant()
    participants.release(person.current_stay, actor=None, expected_version=1, on=days_ago(0),
                         outflow_type="positive_end")
    person.refresh_from_db()
    fit = services.fit(offer("herstelbemiddeling"), person)
    assert fit.no == ["De deelnemer verblijft nu niet in een inrichting."]


@pytest.mark.parametrize("sex,verdict", [("male", Fit.YES), ("female", Fit.NO),
                                         ("unknown", Fit.CHECK), ("other", Fit.CHECK)])
def test_sex(sex, verdict):
    person = make_participant(sex=sex, offence_category="property",
                              birth_date=dt.date(1990, 1, 1))
    fit = services.fit(offer("mijn-kind-en-ik"), person)  # men; no requirements
    assert fit.verdict == verdict
    if verdict == Fit.NO:
        assert fit.no == ["Deze interventie is voor mannen; de deelnemer is een vrouw."]


def test_women_only():
    fit = services.fit(offer("ikjijwij"), make_participant(sex="male",
                                                           birth_date=dt.date(1990, 1, 1)))
    assert fit.no == ["Deze interventie is voor vrouwen; de deelnemer is een man."]


def _born(years: int, days: int = 0) -> dt.date:
    today = days_ago(0)
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


@pytest.mark.parametrize("code,birth,verdict", [
    ("forsa", {"birth_date": _born(40)}, Fit.NO),        # 17-27
    ("forsa", {"birth_date": _born(25)}, Fit.YES),
    ("forsa", {"birth_year": days_ago(0).year - 27}, Fit.YES),    # 26 or 27
    ("forsa", {"birth_year": days_ago(0).year - 28}, Fit.CHECK),  # 27 or 28
    ("forsa", {"birth_year": days_ago(0).year - 29}, Fit.NO),     # 28 or 29
    ("forsa", {}, Fit.CHECK),                            # age unknown
    ("puinruimen", {"birth_date": _born(16)}, Fit.NO),   # adults
    ("dapper", {"birth_date": _born(30)}, Fit.NO),       # juveniles (JJI, up to 23)
    ("dapper", {"birth_date": _born(17)}, Fit.YES),
    ("herstelbemiddeling", {}, Fit.YES),                 # both
])
def test_age(code, birth, verdict):
    person = make_participant(sex="male", dutch_proficiency="sufficient",
                              offence_category="property", **birth)
    fit = services.fit(offer(code), person)
    age_reasons = [r for r in fit.reasons if "jaar" in r.text or "leeftijd" in r.text]
    expected = {Fit.YES: [], Fit.NO: [Fit.NO], Fit.CHECK: [Fit.CHECK]}[verdict]
    assert [r.verdict for r in age_reasons] == expected, fit.reasons


@pytest.mark.parametrize("proficiency,verdict", [("none", Fit.NO), ("limited", Fit.CHECK),
                                                 ("unknown", Fit.CHECK),
                                                 ("sufficient", Fit.YES)])
def test_dutch(proficiency, verdict):
    person = make_participant(dutch_proficiency=proficiency, language="Pools",
                              offence_category="property", birth_date=dt.date(1990, 1, 1))
    fit = services.fit(offer("sos-group"), person)  # requires dutch, excludes sexual
    assert fit.verdict == verdict
    if verdict == Fit.NO:
        assert fit.no == ["Deze interventie vraagt voldoende Nederlands; de deelnemer spreekt "
                          "geen Nederlands (taal: Pools)."]


def test_plus_regime():
    person = make_participant(offence_category="property")
    intervention = offer("gezinsbenadering")  # requires plus_regime, working
    fit = services.fit(intervention, person)
    assert "Deze interventie is alleen voor deelnemers in het plusprogramma; de deelnemer zit " \
           "in het basisprogramma." in fit.no
    participants.change_regime(person.current_stay, actor=None, kind="promotion",
                               on=days_ago(0), reason="Goede inzet.")
    fit = services.fit(intervention, person)
    assert fit.no == []
    assert "Voorwaarde: de deelnemer werkt (neemt deel aan de arbeid)." in fit.check
    assert "Uitgesloten bij drugsgebruik: ga na of dit speelt." in fit.check


@pytest.mark.parametrize("offence,verdict", [("sexual", Fit.NO), ("", Fit.CHECK),
                                             ("property", Fit.CHECK)])
def test_offence_exclusions(offence, verdict):
    person = make_participant(offence_category=offence)
    fit = services.fit(offer("puinruimen"), person)  # excludes sexual; confidentiality pledge
    offence_reasons = [r for r in fit.reasons if "Uitgesloten" in r.text]
    if offence == "sexual":
        assert fit.no == ["Uitgesloten bij zedendelict: het delict van de deelnemer valt "
                          "daaronder."]
    elif offence == "":
        assert [r.text for r in offence_reasons] == [
            "Uitgesloten bij zedendelict; het delict van de deelnemer is niet vastgelegd."]
    else:
        assert offence_reasons == []
    assert fit.verdict == verdict  # the pledge is always a condition to check


def test_exclusions_that_may_concern_the_offence_are_points_to_check():
    intervention = offer("mijn-kind-en-ik")
    assert [r.text for r in services.fit(intervention, make_participant(
        sex="male", offence_category="sexual", birth_date=dt.date(1990, 1, 1))).reasons] == [
        "Uitgesloten bij zedendelicten tegen minderjarigen; het delict van de deelnemer "
        "(zedendelict) kan daaronder vallen: ga dit na.",
        "Uitgesloten bij kindermishandeling; het delict van de deelnemer (zedendelict) kan "
        "daaronder vallen: ga dit na."]
    assert services.fit(intervention, make_participant(
        sex="male", offence_category="property", birth_date=dt.date(1990, 1, 1))).reasons == ()


def test_an_invalid_offence_category_is_refused():
    with pytest.raises(ValidationError) as exc:
        make_participant(offence_category="moord")
    assert "offence_category" in exc.value.message_dict


# --- Maintenance --------------------------------------------------------------------------------

def test_a_provider_maintains_its_own_offer(make_user):
    provider = make_user(Role.COURSE_PROVIDER, institutions=())  # Gevangenenzorg
    sos = offer("sos-group")
    with acting_as(provider, channel="web"):
        services.update_intervention(sos, actor=provider, expected_version=1,
                                     description="Acht bijeenkomsten.",
                                     evaluation_status="In onderzoek",
                                     requires=["dutch", "confidentiality_pledge"])
    sos.refresh_from_db()
    assert (sos.description, sos.version) == ("Acht bijeenkomsten.", 2)
    assert sos.requires == ["dutch", "confidentiality_pledge"]
    entry = AuditEntry.objects.filter(object_type="interventions.intervention",
                                      object_id=str(sos.pk), action="update").latest("id")
    assert entry.actor_id == provider.pk
    with pytest.raises(ConflictError):
        services.update_intervention(sos, actor=provider, expected_version=1, description="x",
                                     evaluation_status="", requires=[])
    with pytest.raises(PermissionDenied):
        services.update_intervention(offer("puinruimen"), actor=provider, expected_version=1,
                                     description="x", evaluation_status="", requires=[])
    with pytest.raises(ValidationError) as exc:
        services.update_intervention(sos, actor=provider, expected_version=2, description="",
                                     evaluation_status="", requires=["vliegbrevet"])
    assert "requires" in exc.value.message_dict


def test_a_provider_sets_availability_anywhere(make_user):
    provider = make_user(Role.COURSE_PROVIDER, institutions=())
    sos = offer("sos-group")
    row = services.set_availability(sos, institution("PI-ARNHEM"), actor=provider,
                                    status="starting", starts_on=days_ago(-30),
                                    contact_person="Gevangenenzorg Oost")
    assert (row.status, row.version) == ("starting", 1)
    with pytest.raises(ConflictError):
        services.set_availability(sos, institution("PI-ARNHEM"), actor=provider,
                                  expected_version=None, status="active")
    with pytest.raises(ValidationError) as exc:
        services.set_availability(sos, institution("PI-ARNHEM"), actor=provider,
                                  expected_version=1, status="stopped")
    assert exc.value.message_dict == {"ends_on": ["Vul in wanneer het aanbod stopte."]}
    with pytest.raises(ValidationError) as exc:
        services.set_availability(sos, institution("PI-ARNHEM"), actor=provider,
                                  expected_version=1, status="active", starts_on=days_ago(1),
                                  ends_on=days_ago(5))
    assert "ends_on" in exc.value.message_dict


def test_a_herstelconsulent_maintains_the_institutions_own_offers_at_home(make_user):
    consultant = make_user(Role.HERSTELCONSULENT)  # PI Arnhem
    puin = offer("puinruimen")
    services.set_availability(puin, institution("PI-ARNHEM"), actor=consultant,
                              expected_version=1, status="active",
                              contact_person="Ingrid Bakker")
    assert Availability.objects.get(intervention=puin, institution__code="PI-ARNHEM"
                                    ).contact_person == "Ingrid Bakker"
    with pytest.raises(ValidationError) as exc:
        services.set_availability(puin, institution("PI-ZWOLLE"), actor=consultant,
                                  expected_version=1, status="stopped", ends_on=days_ago(1))
    assert exc.value.message_dict["institution"] == [
        "U beheert het aanbod alleen op uw eigen inrichtingen."]
    with pytest.raises(PermissionDenied):  # Gevangenenzorg's course
        services.update_intervention(offer("sos-group"), actor=consultant, expected_version=1,
                                     description="", evaluation_status="", requires=[])
    elsewhere = make_user(Role.HERSTELCONSULENT, institutions=["PI-ZAANSTAD"])
    with pytest.raises(PermissionDenied):  # Puinruimen does not run in Zaanstad
        services.update_intervention(puin, actor=elsewhere, expected_version=1,
                                     description="", evaluation_status="", requires=[])


def test_the_maintenance_pages(role_client):
    client = role_client(Role.HERSTELCONSULENT)
    page = client.get("/interventies/puinruimen/beheer/").content.decode()
    assert "Aanbod per inrichting" in page
    assert "/interventies/puinruimen/beschikbaarheid/PI-ARNHEM/" in page
    assert "/interventies/puinruimen/beschikbaarheid/PI-ZWOLLE/" not in page  # not hers
    response = client.post("/interventies/puinruimen/beheer/", {
        "description": "Tien bijeenkomsten.", "evaluation_status": "", "version": 1,
        "requires": ["confidentiality_pledge"]})
    assert response.status_code == 302
    stale = client.post("/interventies/puinruimen/beheer/", {
        "description": "Iets anders.", "evaluation_status": "", "version": 1})
    assert stale.status_code == 409
    assert "intussen gewijzigd" in stale.content.decode()
    assert offer("puinruimen").description == "Tien bijeenkomsten."
    response = client.post("/interventies/puinruimen/beschikbaarheid/PI-ARNHEM/", {
        "status": "stopped", "version": 1})
    assert response.status_code == 400
    assert "Vul in wanneer het aanbod stopte." in response.content.decode()
    assert client.get("/interventies/puinruimen/beschikbaarheid/PI-ZWOLLE/").status_code == 200
    refused = client.post("/interventies/puinruimen/beschikbaarheid/PI-ZWOLLE/", {
        "status": "active", "version": 1})
    assert refused.status_code == 400
    assert "alleen op uw eigen inrichtingen" in refused.content.decode()


def test_the_fit_for_an_edition_counts_from_its_start():
    person = make_participant(entered_days_ago=100, sentence_days=170)  # 70 days left
    end = date_format(days_ago(0) + dt.timedelta(days=70))
    assert services.fit(offer("sos-group"), person).no == []  # 10 weeks >= 8
    later = make_edition("sos-group", at="PI-ALMELO", starts_days_ago=-35, ends_on=None)
    start, expected_end = later.starts_on, later.starts_on + dt.timedelta(weeks=8)
    fit = services.fit(offer("sos-group"), person, edition=later)
    assert fit.no == [
        f"De deelnemer zit vanaf de start van de editie ({date_format(start)}) nog 5 weken (35 "
        f"dagen, tot {end}) vast; deze interventie vraagt minstens 8 weken resterende "
        "detentie.",
        f"Deze editie begint op {date_format(start)} en loopt naar verwachting tot "
        f"{date_format(expected_end)} (de cursus heeft 8 wekelijkse bijeenkomsten); de "
        f"detentie eindigt naar verwachting op {end}."]
    too_late = make_edition("sos-group", at="PI-ALMELO", starts_days_ago=-84, ends_on=None)
    assert services.fit(offer("sos-group"), person, edition=too_late).no == [
        f"De detentie eindigt naar verwachting op {end}, voor de start van deze editie op "
        f"{date_format(too_late.starts_on)}."]
    running = make_edition("sos-group", at="PI-ALMELO", starts_days_ago=7, ends_on=None)
    assert services.fit(offer("sos-group"), person, edition=running).no == []
