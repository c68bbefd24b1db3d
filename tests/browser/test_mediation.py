"""Herstelbemiddeling in a real browser: the acceptance flow of issue 6 and the accessibility of
the mediation pages (no serious or critical axe violations)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from herstelpad.accounts.models import Role
from herstelpad.mediation.models import MediationCase
from tests.conftest import axe_violations, follow, login
from tests.dossier import make_participant
from tests.mediation.helpers import today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VICTIM_NAME = "Rietzanger Karekiet"
VICTIM_PHONE = "06-55512345"


def _logout(page):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_load_state()


def _step(page, name, **fields):
    follow(page.get_by_role("link", name=name, exact=True))
    assert axe_violations(page) == [], name
    for label, value in fields.items():
        field = page.locator("form[method=post]").last.get_by_label(label)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Vastleggen").click()
    assert "Vastgelegd" in page.get_by_role("status").first.inner_text(), name


def test_referral_mediation_and_what_the_prison_sees(page, make_user):
    casemanager = make_user(Role.CASEMANAGER, first_name="Sanne", last_name="de Vries")
    mediator = make_user(Role.MEDIATOR, first_name="Lotte", last_name="Visser")
    make_participant(ref="P-BEMIDDEL", given_name="Bart", family_name="Smit")
    again_on = today() + dt.timedelta(days=20)

    # The casemanager records the participant's consent to share, then refers.
    login(page, casemanager.username)
    page.goto(page.base_url + "/deelnemers/P-BEMIDDEL/toestemming/nieuw/")
    page.get_by_label("Doel").select_option("mediation_sharing")
    page.get_by_label("Gegeven op").fill(today().isoformat())
    page.get_by_label("Vastgelegd als").fill("mondeling, in het trajectgesprek")
    page.get_by_role("button", name="Vastleggen").click()
    page.get_by_role("navigation", name="Onderdelen van het dossier").get_by_role(
        "link", name="Herstelbemiddeling").click()
    expect(page.get_by_role("heading", name="Herstelbemiddeling", level=2)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Aanmelden voor herstelbemiddeling").click()
    page.get_by_label("Soort delict").select_option("serious_violence")
    page.get_by_label("Wat wil de deelnemer?").fill("Wil laten weten dat hij spijt heeft.")
    page.get_by_label("De deelnemer wil aangemeld worden", exact=False).check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Aanmelden").click()
    assert "Aanmelding ontvangen door de bemiddelingsorganisatie" in page.locator(
        ".hp-card").inner_text()
    _logout(page)

    # The mediator takes the case through the workflow.
    login(page, mediator.username)
    follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Herstelbemiddeling"))
    assert axe_violations(page) == []
    case = MediationCase.objects.get()
    follow(page.get_by_role("table", name="Aanmeldingen die op toewijzing wachten, oudste eerst"
                            ).get_by_role("link", name=case.ref))
    assert axe_violations(page) == []
    _step(page, "Toewijzen aan bemiddelaar")
    _step(page, "Verwijzer benaderd")
    _step(page, "Intake gehouden")
    page.get_by_role("link", name="Partij toevoegen").click()
    page.get_by_label("Kant").select_option("victim")
    page.get_by_label("Soort").select_option("victim")
    page.get_by_label("Naam").fill(VICTIM_NAME)
    page.get_by_label("Telefoon").fill(VICTIM_PHONE)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Vastleggen").click()
    _step(page, "Andere partij benaderd (brief)")
    _step(page, "Antwoord van de andere partij", **{
        "Antwoord van de andere partij": "not_yet",
        "Opnieuw benaderen op": again_on.isoformat(),
        "Toelichting": "Het slachtoffer wil eerst de zitting afwachten."})
    follow(page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Herstelbemiddeling"))
    page.get_by_role("link", name="Herinneringen").click()
    assert case.ref in page.get_by_role("table").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("link", name=case.ref).click()
    _step(page, "Andere partij benaderd (brief)")
    _step(page, "Antwoord van de andere partij", **{"Antwoord van de andere partij": "yes"})
    _step(page, "Contact vastleggen", **{"Vorm van contact": "letter"})
    _step(page, "Nagesprek gevoerd")
    _step(page, "Zaak afsluiten")
    case.refresh_from_db()
    assert (case.state, case.contact_form) == ("closed", "letter")
    sealed = page.get_by_role("region", name="Afgeschermd deel")
    assert VICTIM_NAME in sealed.inner_text() and "opnieuw benaderen op" in sealed.inner_text()
    assert axe_violations(page) == []
    _logout(page)

    # The casemanager's dossier: the phases and "contact took place", nothing of the victim.
    login(page, casemanager.username)
    page.goto(page.base_url + "/deelnemers/P-BEMIDDEL/herstelbemiddeling/")
    card = page.locator(".hp-card").inner_text()
    assert "Er heeft contact plaatsgevonden" in card
    for phase in ("Aanmelding ontvangen door de bemiddelingsorganisatie",
                  "Een bemiddelaar is toegewezen: kennismaking en intake",
                  "De bemiddelaar verkent of contact mogelijk is",
                  "Het contact wordt voorbereid", "Er is contact tussen de partijen",
                  "Afgesloten"):
        assert phase in card, phase
    content = page.content()
    for secret in (VICTIM_NAME, VICTIM_PHONE, "zitting afwachten", "andere partij: nog niet",
                   "opnieuw benaderen", again_on.isoformat()):
        assert secret not in content, secret
    assert axe_violations(page) == []
    page.get_by_role("navigation", name="Onderdelen van het dossier").get_by_role(
        "link", name="Tijdlijn").click()
    assert "Herstelbemiddeling: Afgesloten" in page.locator(".hp-timeline").inner_text()

    # The participant withdraws the consent: even the phase and the contact are hidden.
    page.goto(page.base_url + "/deelnemers/P-BEMIDDEL/toestemming/")
    page.get_by_role("table").get_by_role("link", name="Intrekken").click()
    page.get_by_label("Ingetrokken op").fill(today().isoformat())
    page.get_by_role("button", name="Intrekking vastleggen").click()
    page.goto(page.base_url + "/deelnemers/P-BEMIDDEL/herstelbemiddeling/")
    card = page.locator(".hp-card").inner_text()
    assert "contact plaatsgevonden" not in card and "Afgesloten" not in card
    assert "Uw aanmelding is ontvangen" in card  # the referrer: only that it arrived
    page.get_by_role("navigation", name="Onderdelen van het dossier").get_by_role(
        "link", name="Tijdlijn").click()
    timeline = page.locator(".hp-timeline").inner_text()
    assert "Herstelbemiddeling: " not in timeline
    assert "Aanmelding voor herstelbemiddeling ontvangen" in timeline


def test_a_colleague_who_did_not_refer_sees_nothing_without_consent(page, make_user):
    mentor = make_user(Role.MENTOR)
    person = make_participant(ref="P-ANDER")
    from tests.mediation.helpers import make_case

    make_case(participant=person, channel="victim_support", initiating_party="victim")
    login(page, mentor.username)
    page.goto(page.base_url + "/deelnemers/P-ANDER/herstelbemiddeling/")
    assert "Er is geen herstelbemiddeling die u mag zien." in page.content()
    assert axe_violations(page) == []


def test_the_figures_page_is_accessible(page, make_user):
    from tests.mediation.helpers import make_case, run_to

    mediator = make_user(Role.MEDIATOR)
    run_to(make_case(), "closed", mediator)
    login(page, mediator.username)
    page.goto(page.base_url + "/bemiddeling/cijfers/")
    expect(page.get_by_role("heading", name="Herstelbemiddeling in cijfers")).to_be_visible()
    assert page.locator("svg[role=img]").count() >= 5
    assert axe_violations(page) == []
