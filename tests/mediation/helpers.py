"""Helpers for the mediation tests: cases made and moved through the service layer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from herstelpad.consent.models import Consent
from herstelpad.mediation import services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import CourtMediation, MediationCase

# Distinctive values of the victim's side: the leak tests search every response for them.
VICTIM = {
    "name": "Zwaluwstaart Kwartelkoning",
    "address": "Heggemuspad 4417, Ooievaarsdam",
    "phone": "06-73917264",
    "email": "kwartelkoning@leak-test.invalid",
    "notes": "Spreekt liever met de bemiddelaar alleen, Goudvinkvlucht",
}
SEALED = {
    "reason": "Slachtoffer Ijsvogelrivier wil eerst de rechtszaak afwachten",
    "letter": "Beste meneer, de brief van Roerdompweide",
    "conversation": "Gesprek over Kraanvogeltrek en de gevolgen",
    "condition": "Geen contact in Tapuitheide",
    "location": "Bezoekzaal Wulpenhoek",
    "attendees": "Grutto Steltkluut en de bemiddelaar",
    "support": "Buurvrouw Kievitsbloem",
}
LEAK_VALUES = [*VICTIM.values(), *SEALED.values()]


def today() -> dt.date:
    return timezone.localdate()


def make_case(*, participant=None, actor=None, received_on=None, channel="pi",
              institution=None, ref=None, **fields) -> MediationCase:
    from herstelpad.organisations.models import Institution

    if institution is None and channel in services.INSTITUTION_CHANNELS:
        institution = (participant.current_stay.institution if participant is not None
                       and participant.current_stay else Institution.objects.get(code="PI-ARNHEM"))
    fields.setdefault("contact_person", "Mevrouw Contact" if channel == "self" else "")
    return services.register_case(
        actor=actor, received_on=received_on or today() - dt.timedelta(days=120),
        channel=channel, initiating_party=fields.pop("initiating_party", "offender"),
        participant=participant, institution=institution, ref=ref,
        confirm_duplicate=True, **fields)


def step(case, action, on=None, *, actor=None, **kwargs):
    case.refresh_from_db()
    return services.take_step(case, actor=actor, expected_version=case.version, action=action,
                              on=on or today(), **kwargs)


def run_to(case, target: str, mediator, *, start=None, contact_form="letter"):
    """Move a case along the main path until it reaches `target`."""
    on = start or case.received_on
    path = [
        (wf.ASSIGN, {"mediators": [mediator]}), (wf.CONTACT_REFERRER, {}), (wf.DO_INTAKE, {}),
        (wf.APPROACH, {}), (wf.CONVERSE, {}), (wf.ANSWER, {"answer": wf.YES}),
        (wf.RECORD_CONTACT, {"code": contact_form, "contact": {
            "location": "Bezoekzaal" if contact_form == "meeting" else "",
            "message_kind": "oral" if contact_form == "shuttle" else ""}}),
        (wf.DO_FOLLOW_UP, {}), (wf.CLOSE, {}),
    ]
    for action, kwargs in path:
        if case.state == target:
            break
        on = min(on + dt.timedelta(days=3), today())
        step(case, action, on, **kwargs)
        case.refresh_from_db()
    return case


def share(participant, *, given_on=None, subject="", kind="consent") -> Consent:
    return Consent.objects.create(participant=participant, purpose="mediation_sharing",
                                  kind=kind, subject=subject,
                                  given_on=given_on or today() - dt.timedelta(days=200),
                                  evidence="formulier")


def fill_compartment(case, mediator):
    """Every sealed part of a case, with the distinctive values."""
    services.add_party(case, actor=mediator, side="victim", kind="victim", **VICTIM)
    services.add_conversation(case, actor=mediator, side="victim", on=today(), mode="phone",
                              notes=SEALED["conversation"])
    services.add_message(case, actor=mediator, from_side="victim", form="letter", on=today(),
                         content=SEALED["letter"])
    services.add_condition(case, actor=mediator, side="victim", on=today(),
                           text=SEALED["condition"])


def make_matrix_mediation(participant) -> dict:
    """The fixed mediation data the access matrix's paths refer to (case HB-MATRIX about
    P-MATRIX, shared with the prison; a court mediation; a party)."""
    from herstelpad.accounts.models import Role, User
    from herstelpad.organisations.models import Organisation

    mediator = User.objects.create_user(
        username="matrix-mediator", role=Role.MEDIATOR,
        organisation=Organisation.objects.get(code="PERSPECTIEF"))
    court = CourtMediation.objects.create(participant=participant, started_on=today(),
                                          offence_category="property")
    case = make_case(participant=participant, ref="HB-MATRIX", offence_category="violence")
    step(case, wf.ASSIGN, mediators=[mediator])
    party = services.add_party(case, actor=mediator, side="victim", kind="victim",
                               name="Matrix Slachtoffer")
    share(participant)
    return {"court": court.pk, "party": party.pk, "mediator": mediator}
