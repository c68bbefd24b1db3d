"""Demo herstelbemiddeling: three mediators, cases of demo participants in every phase (through
the services, so every step is recorded), a court mediation, and the organisation's historical
register 2021–2025 imported with the `mediation-cases` KIND, so that the workbench, the dossier
tab and the figures all have something to show. Seeded and relative to today; skipped when
cases exist. The victims' names are invented."""

from __future__ import annotations

import datetime as dt
import io
import random

from herstelpad.accounts.demo import ensure_user
from herstelpad.accounts.models import Role
from herstelpad.mediation import services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import CourtMediation, MediationCase
from herstelpad.organisations.models import Institution
from herstelpad.participants.models import Participant

MEDIATORS = [
    ("bemiddelaar.noord", "Henk", "Postma", Role.MEDIATOR, "PERSPECTIEF", []),
    ("bemiddelaar.zuid", "Noor", "Bosman", Role.MEDIATOR, "PERSPECTIEF", []),
]
VICTIMS = ["Karel Dijkstra", "Anneke de Jong", "Familie Veenstra", "Marloes Timmer",
           "Gerrit Wolters", "Sevda Aydın", "Johan Brink", "Petra Kooistra"]


def _on(today, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=days_ago)


def load(context) -> None:
    if MediationCase.objects.exists():
        return
    for spec in MEDIATORS:
        ensure_user(context, *spec)
    users = context.data.get("users", {})
    lotte, henk, noor = users["bemiddelaar"], users["bemiddelaar.noord"], \
        users["bemiddelaar.zuid"]
    casemanager, consultant = users.get("casemanager"), users.get("herstelconsulent")
    today = services.today()
    rng = random.Random(20261125)
    people = {p.ref: p for p in Participant.objects.select_related("current_stay__institution")}

    def case(ref, *, days_ago, referred_by=None, channel="pi", party="offender", **fields):
        person = people.get(ref)
        institution = person.current_stay.institution if person and person.current_stay \
            else Institution.objects.get(code="PI-ARNHEM")
        actor = referred_by or lotte
        created = services.register_case(
            actor=actor, received_on=_on(today, days_ago), channel=channel,
            initiating_party=party, participant=person,
            institution=institution if channel in services.INSTITUTION_CHANNELS else None,
            referred_by=referred_by,
            referrer_function=({"casemanager": "casemanager",
                                "herstelconsulent": "herstelconsulent"}.get(
                getattr(referred_by, "role", ""), "") if referred_by else
                fields.pop("referrer_function", "")),
            referrer_name=(referred_by.display_name if referred_by else
                           fields.pop("referrer_name", "")),
            confirm_duplicate=True, **fields)
        return created

    def walk(item, mediator, steps, *, start_days_ago):
        on = _on(today, start_days_ago)
        for action, gap, extra in steps:
            on = min(on + dt.timedelta(days=gap), today)
            item.refresh_from_db()
            services.take_step(item, actor=mediator, expected_version=item.version,
                               action=action, on=on, **extra)
        item.refresh_from_db()
        return on

    def victim(item, mediator, name_index, *, relative=False):
        services.add_party(item, actor=mediator, side="victim",
                           kind="surviving_relative" if relative else "victim",
                           name=VICTIMS[name_index % len(VICTIMS)],
                           address=f"Dorpsstraat {rng.randint(2, 180)}, Zwolle",
                           phone=f"06-{rng.randint(10000000, 99999999)}")

    assign = (wf.ASSIGN, 6, {"mediators": [lotte]})
    first = [assign, (wf.CONTACT_REFERRER, 3, {}), (wf.DO_INTAKE, 9, {}),
             (wf.APPROACH, 5, {})]

    # 1. Erwin Hendriks (consent to share): letter exchange, closed with contact.
    c1 = case("DEMO-P-006", days_ago=190, referred_by=casemanager,
              offence_category="robbery_violence",
              request_note="Wil het slachtoffer laten weten dat hij spijt heeft.")
    walk(c1, lotte, [*first, (wf.CONVERSE, 12, {}),
                     (wf.ANSWER, 20, {"answer": wf.YES,
                                      "reason": "Wil eerst een brief, misschien later praten."}),
                     (wf.RECORD_CONTACT, 30, {"code": "letter", "contact": {}}),
                     (wf.DO_FOLLOW_UP, 21, {}), (wf.CLOSE, 7, {})], start_days_ago=190)
    victim(c1, lotte, 0)
    services.add_conversation(c1, actor=lotte, side="offender", on=_on(today, 170),
                              mode="in_person", notes="Intake in de PI, verwijzer aanwezig.")
    services.add_message(c1, actor=lotte, from_side="offender", form="letter",
                         on=_on(today, 110), content="Brief van de deelnemer aan het slachtoffer.")
    services.add_message(c1, actor=lotte, from_side="victim", form="letter",
                         on=_on(today, 95), content="Antwoord van het slachtoffer.")

    # 2. Anil Smit (consent): the victim said yes; preparation, conditions on both sides.
    c2 = case("DEMO-P-010", days_ago=120, referred_by=consultant, offence_category="violence")
    walk(c2, lotte, [*first, (wf.CONVERSE, 10, {}), (wf.ANSWER, 14, {"answer": wf.YES})],
         start_days_ago=120)
    victim(c2, lotte, 1)
    services.add_condition(c2, actor=lotte, side="victim", on=_on(today, 40),
                           text="Het gesprek vindt plaats buiten de woonplaats van het "
                                "slachtoffer.")
    services.add_conversation(c2, actor=lotte, side="victim", on=_on(today, 35),
                              mode="phone", notes="Voorbereidend gesprek.")

    # 3. Ilias van Dam (consent): "not yet — approach again" in a few days (a reminder).
    c3 = case("DEMO-P-014", days_ago=140, referred_by=casemanager, offence_category="homicide")
    walk(c3, henk, [(wf.ASSIGN, 8, {"mediators": [henk]}), (wf.CONTACT_REFERRER, 2, {}),
                    (wf.DO_INTAKE, 10, {}), (wf.APPROACH, 7, {}),
                    (wf.ANSWER, 30, {"answer": wf.NOT_YET_ANSWER,
                                     "until": today + dt.timedelta(days=5),
                                     "reason": "Nabestaanden willen eerst de zitting afwachten."})],
         start_days_ago=140)
    victim(c3, henk, 2, relative=True)

    # 4. Jordy Martina (no consent): referred by the casemanager, assigned. The prison sees only
    #    that the referral was received.
    c4 = case("DEMO-P-002", days_ago=21, referred_by=casemanager, offence_category="property")
    walk(c4, lotte, [assign, (wf.CONTACT_REFERRER, 2, {})], start_days_ago=21)

    # 5. Peter Bakker: referred by the herstelconsulent, waiting for assignment.
    case("DEMO-P-005", days_ago=4, referred_by=consultant, offence_category="violence")

    # 6. Kofi Ouali (consent): closed without contact (victim declined), then reopened.
    c6 = case("DEMO-P-026", days_ago=600, offence_category="serious_violence",
              referrer_function="herstelconsulent", referrer_name="Herstelconsulent PI Almelo")
    walk(c6, noor, [(wf.ASSIGN, 10, {"mediators": [noor]}), (wf.CONTACT_REFERRER, 3, {}),
                    (wf.DO_INTAKE, 12, {}), (wf.APPROACH, 6, {}),
                    (wf.ANSWER, 25, {"answer": wf.NO, "code": "victim_declined",
                                     "reason": "Het slachtoffer wil geen contact."})],
         start_days_ago=600)
    victim(c6, noor, 3)
    c6.refresh_from_db()
    reopened = services.reopen(c6, actor=noor, on=_on(today, 30),
                               reason="Het slachtoffer heeft zelf laten weten nu wel open te "
                                      "staan voor een brief.", initiating_party="victim",
                               channel="victim_support")
    walk(reopened, noor, [(wf.DO_INTAKE, 8, {})], start_days_ago=30)

    # 7. Mark van den Berg (consent): paused.
    c7 = case("DEMO-P-038", days_ago=90, offence_category="sexual",
              referrer_function="chaplain", referrer_name="Geestelijk verzorger PI Krimpen")
    walk(c7, henk, [(wf.ASSIGN, 7, {"mediators": [henk]}), (wf.CONTACT_REFERRER, 3, {}),
                    (wf.DO_INTAKE, 9, {}),
                    (wf.PAUSE, 20, {"reason": "De deelnemer wil eerst zijn behandeling "
                                              "afronden."})], start_days_ago=90)

    # 8. Stefan Hermans: self-referral with a contact person in PI Almelo.
    case("DEMO-P-023", days_ago=9, channel="self", offence_category="robbery_violence",
         referrer_function="self",
         contact_person="Casemanager PI Almelo, afdeling B")

    # 9. Ferdi Wouters: the victim asked, via victim support (no consent: the prison sees
    #    nothing of it).
    c9 = case("DEMO-P-012", days_ago=60, channel="victim_support", party="victim",
              offence_category="violence", referrer_function="victim_support",
              referrer_name="Slachtofferhulp Nederland, regio Oost")
    walk(c9, noor, [(wf.ASSIGN, 5, {"mediators": [noor]}), (wf.CONTACT_REFERRER, 3, {}),
                    (wf.DO_INTAKE, 8, {}), (wf.APPROACH, 10, {}), (wf.CONVERSE, 9, {})],
         start_days_ago=60)
    victim(c9, noor, 4)

    # 10. A meeting in the prison, with support persons and an interpreter (closed, 2025).
    c10 = case("DEMO-P-001", days_ago=420, referred_by=consultant,
               offence_category="robbery_violence")
    walk(c10, lotte, [*first, (wf.CONVERSE, 15, {}), (wf.ANSWER, 21, {"answer": wf.YES}),
                      (wf.RECORD_CONTACT, 40, {"code": "meeting", "contact": {
                          "location": "Bezoekzaal PI Arnhem",
                          "attendees": "deelnemer, slachtoffer, bemiddelaar",
                          "support_persons": "herstelconsulent; zus van het slachtoffer",
                          "interpreter": True, "interpreter_language": "Turks"}}),
                      (wf.DO_FOLLOW_UP, 20, {}), (wf.CLOSE, 10, {})], start_days_ago=420)
    victim(c10, lotte, 5)

    # A running court mediation blocks herstelbemiddeling for the same matter.
    if "DEMO-P-024" in people:
        CourtMediation.objects.create(participant=people["DEMO-P-024"],
                                      offence_category="violence",
                                      started_on=_on(today, 25),
                                      note="Mediationbureau rechtbank Overijssel.")

    _import_register(context, rng, today, lotte)
    context.log.append(f"Herstelbemiddeling: {MediationCase.objects.count()} zaken")


def _import_register(context, rng, today, actor) -> None:
    """The organisation's register of 2021–2025 (offender side and process data only)."""
    from herstelpad.audit.services import acting_as
    from herstelpad.imports import services as imports

    institutions = ["PI-ARNHEM", "PI-NIEUWEGEIN", "PI-VUGHT", "PI-ALMELO", "PI-KRIMPEN",
                    "PI-ZWOLLE", "PI-LEEUWARDEN", "PI-MIDDELBURG", "PI-VEENHUIZEN"]
    known = set(Institution.objects.filter(code__in=institutions).values_list("code",
                                                                              flat=True))
    institutions = [code for code in institutions if code in known]
    jjis = list(Institution.objects.filter(type="jji").values_list("code", flat=True))
    channels = ["pi"] * 8 + ["self"] * 2 + ["jji"] * 2 + ["reclassering"] * 3 + \
        ["victim_support", "victim_self", "fpc"]
    offences = ["robbery_violence"] * 4 + ["homicide"] * 3 + ["serious_violence"] * 3 + \
        ["sexual", "violence", "property", "traffic", "other"]
    forms = ["letter"] * 4 + ["meeting"] * 3 + ["shuttle"] * 3 + ["group"]
    stops = ["victim_declined"] * 14 + ["mediator_stopped"] * 3 + ["offender_withdrew"] * 2 + \
        ["no_victim_data", "other"]
    lines = ["case_ref,received_on,channel,initiating_party,institution,offence_category,"
             "assigned_on,not_assigned_reason,closed_on,contact_form,stop_reason"]
    start = dt.date(2021, 1, 4)
    span = (today - dt.timedelta(days=200) - start).days
    for number in range(1, 161):
        received = start + dt.timedelta(days=rng.randint(0, span))
        channel = rng.choice(channels)
        institution = ""
        if channel in ("pi", "self"):
            institution = rng.choice(institutions)
        elif channel == "jji" and jjis:
            institution = rng.choice(jjis)
        elif channel == "jji":
            channel = "pi"
            institution = rng.choice(institutions)
        party = "victim" if channel in ("victim_support", "victim_self") else "offender"
        assigned = closed = None
        reason = form = stop = ""
        if rng.random() < 0.11:
            reason = rng.choice(["duplicate", "no_victim_data", "withdrawn", "other"])
            closed = received + dt.timedelta(days=rng.randint(3, 40))
        else:
            assigned = received + dt.timedelta(days=rng.randint(2, 30))
            closed = assigned + dt.timedelta(days=rng.choice(
                [rng.randint(10, 30), rng.randint(31, 92), rng.randint(31, 92),
                 rng.randint(93, 183), rng.randint(184, 400)]))
            if rng.random() < 0.27:
                form = rng.choice(forms)
            else:
                stop = rng.choice(stops)
        if closed is not None and closed > today - dt.timedelta(days=5):
            closed, reason, form, stop = None, "", "", ""
        lines.append(",".join([
            f"PH-{received.year}-{number:04d}", received.isoformat(), channel, party,
            institution, rng.choice(offences), assigned.isoformat() if assigned else "", reason,
            closed.isoformat() if closed else "", form, stop]))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with acting_as(actor, channel="cli", purpose="demo"):
        result, _run = imports.import_file("mediation-cases", io.BytesIO(data), user=actor,
                                           channel="cli", filename="zaakregister-2021-2025.csv",
                                           size=len(data))
    if not result.ok:  # pragma: no cover - the demo's own file is valid
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))
