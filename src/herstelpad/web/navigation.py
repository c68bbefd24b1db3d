"""The main menu. An item is listed here only when its part of Herstelpad works, and shown only
to users whose role holds its permission (asked of the policy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from herstelpad import policy


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    permission: str
    description: str | Promise = ""
    # Shown only when this also holds (e.g. the user may import at least one KIND), so a menu
    # item never leads to an empty page.
    available: Callable | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _has_import_kinds(user) -> bool:
    from herstelpad.imports.registry import kinds_for

    return bool(kinds_for(user))


def _has_reports(user) -> bool:
    from herstelpad.reports.registry import reports_for

    return bool(reports_for(user))


def _works_with_facilities(user) -> bool:
    # The facility pages are reference data for everyone; the menu item is for those who work
    # with candidates or the facility figures.
    return policy.has_perm(user, "facilities.candidates") or \
        policy.has_perm(user, "facilities.figures")


def _not_a_mediator(user) -> bool:
    # Mediators reach the figures from their workbench; one menu item is enough.
    return not policy.has_perm(user, "mediation.work")


MAIN_MENU: list[NavItem] = [
    NavItem("home", _("Start"), "web:home", "home.view"),
    NavItem("participants", _("Deelnemers"), "participants:caseload", "participants.view",
            _("Uw caseload: strafrestant, D&R-plan, trajectgesprekken en wat over tijd is.")),
    NavItem("notes", _("Notities"), "participants:note_search", "participants.notes",
            _("Zoek in de dienstnotities van uw team.")),
    NavItem("interventions", _("Interventies"), "interventions:catalogue",
            "interventions.view",
            _("Wat er loopt, voor wie, en of het past bij een deelnemer; edities en "
              "deelname.")),
    NavItem("aftercare", _("Nazorg"), "participants:aftercare_list", "aftercare.view",
            _("Inwoners van uw gemeente in detentie en hun doelen op de basisvoorwaarden.")),
    NavItem("facilities", _("Voorzieningen"), "facilities:list", "reference.view",
            _("Kleinschalige voorzieningen: kandidaten per stap, plaatsing, verblijf, "
              "uitstroom en bezetting."), _works_with_facilities),
    NavItem("mediation", _("Herstelbemiddeling"), "mediation:workbench", "mediation.work",
            _("Uw zaken, herinneringen, aanmeldingen registreren en toewijzen.")),
    NavItem("mediation_figures", _("Cijfers herstelbemiddeling"), "mediation:dashboard",
            "mediation.figures",
            _("Aanmeldingen, uitkomsten en doorlooptijden per jaar en per inrichting."),
            _not_a_mediator),
    NavItem("reports", _("Rapportages"), "reports:index", "reports.use",
            _("Cijfers per periode en inrichting, met grafiek en download."), _has_reports),
    NavItem("imports", _("Importeren"), "imports:index", "imports.use",
            _("CSV-bestanden inlezen: alles of niets, met een lijst van fouten."),
            _has_import_kinds),
    NavItem("audit", _("Audittrail"), "audit:search", "audit.view",
            _("Zoek in het logboek van alle handelingen met persoonsgegevens.")),
    NavItem("admin", _("Beheer"), "admin:index", "reference.manage",
            _("Codelijsten, inrichtingen, organisaties, interventies en gebruikers beheren.")),
]


def menu_for(user) -> list[NavItem]:
    return [item for item in MAIN_MENU if policy.has_perm(user, item.permission)
            and (item.available is None or item.available(user))]
