"""Demo interventions: staff descriptions and contact persons for the offers at the demo
institutions, a stopped offer, editions from 2021 to 2027 and the demo participants' enrolments.

Past editions (2021 up to last summer) arrive as the providers' registrations do: through the
`editions` and `enrolments` imports. This year's editions are run through the services, as
staff would: referrals, decisions by the MDO or the provider, starts, attendance per session,
completions, a drop-out after a transfer, certificates, a waiting list, a content report with
the participant's consent, and a completed course linked to a plan goal. Deterministic
(seeded); idempotent (skips when the demo editions exist)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad.accounts.demo import ensure_user
from herstelpad.accounts.models import Role
from herstelpad.interventions import services
from herstelpad.interventions.models import Availability, Edition, Enrolment, Intervention
from herstelpad.organisations.models import Institution
from herstelpad.participants import services as participants
from herstelpad.participants.demo import REF_PREFIX, SEED
from herstelpad.participants.models import Participant, Stay

DEMO_STAFF = [
    ("herstelconsulent.almelo", "Anke", "Brinkhuis", Role.HERSTELCONSULENT, "DJI",
     ["PI-ALMELO"]),
    ("herstelconsulent.krimpen", "Dewi", "Sardjoe", Role.HERSTELCONSULENT, "DJI",
     ["PI-KRIMPEN"]),
]

DESCRIPTIONS = {
    "puinruimen": (
        "Groepstraining van tien bijeenkomsten over de gevolgen van het delict voor "
        "slachtoffers, de eigen omgeving en de deelnemer zelf. Gasten: reclassering, "
        "Perspectief Herstelbemiddeling, ex-gedetineerden en soms een slachtoffer. Deelnemers "
        "tekenen vooraf een geheimhoudingsverklaring. Aanmelden via de herstelconsulent.",
        "Niet erkend; praktijkevaluatie 2021"),
    "sos-group": (
        "Cursus van acht bijeenkomsten door vrijwilligers van Gevangenenzorg: spreken over "
        "slachtoffers, schuld en samenleving. Halverwege vertelt een slachtoffer of nabestaande "
        "over de gevolgen. Sluit af met een symbolische daad van herstel en een certificaat. "
        "Het MDO besluit over toelating; de casemanager krijgt het evaluatieformulier.",
        "In onderzoek (WODC 2021)"),
    "aan-de-bak": (
        "Zes bijeenkomsten over de basisvoorwaarden: ID, wonen, werk en inkomen, schulden, "
        "zorg en het eigen netwerk. Deelnemers vullen vooraf de Reflector-vragenlijst in.",
        "Niet geëvalueerd"),
    "herstelbemiddeling": (
        "Bemiddeling tussen dader en slachtoffer door Perspectief Herstelbemiddeling: brieven, "
        "een gesprek of pendelbemiddeling. Aanmelden kan door iedereen; de inrichting hoort "
        "alleen dat er een zaak loopt.", ""),
}
CONTACTS = {
    ("PI-ARNHEM", "puinruimen"): "Ingrid Bakker, herstelconsulent (toestel 2417)",
    ("PI-ARNHEM", "aan-de-bak"): "Team re-integratie, afdeling C",
    ("PI-ARNHEM", "sociaal-netwerk"): "Ingrid Bakker, herstelconsulent",
    ("PI-ARNHEM", "herstelbemiddeling"): "Perspectief Herstelbemiddeling, regio Oost",
    ("PI-ARNHEM", "herstelconferentie"): "Eigen Kracht Centrale, coördinator Gelderland",
    ("PI-ALMELO", "sos-group"): "Gevangenenzorg Nederland, regio Twente",
    ("PI-ALMELO", "aan-de-bak"): "Anke Brinkhuis, herstelconsulent",
    ("PI-KRIMPEN", "sos-group"): "Gevangenenzorg Nederland, regio Rijnmond",
}

# (institution, intervention, months between editions, weeks an edition runs)
SERIES = [
    ("PI-ARNHEM", "puinruimen", 4, 10), ("PI-ARNHEM", "aan-de-bak", 6, 6),
    ("PI-ARNHEM", "sociaal-netwerk", 12, 7), ("PI-ALMELO", "sos-group", 6, 8),
    ("PI-ALMELO", "aan-de-bak", 6, 6), ("PI-KRIMPEN", "sos-group", 6, 8),
    ("PI-KRIMPEN", "netwerkgesprekken", 12, 6), ("PI-MIDDELBURG", "sos-group", 12, 8),
]
PAST_OUTCOMES = (["completed"] * 12 + ["dropped_own_choice"] * 2
                 + ["dropped_transfer", "dropped_release", "expelled", "not_started"])


def load(context) -> None:
    for spec in DEMO_STAFF:
        ensure_user(context, *spec)
    if Edition.objects.filter(ref__startswith=REF_PREFIX).exists():
        context.log.append(_("Demo-edities bestaan al; niets toegevoegd."))
        return
    users = context.data.get("users", {})
    today = timezone.localdate()
    rng = random.Random(f"{SEED}-interventions")
    _catalogue(users, today)
    _offences(rng)
    editions, enrolments = _history(rng, today)
    _import(editions, enrolments)
    _this_year(users, rng, today)
    context.log.append(_("Demo: %(e)s edities en %(n)s deelnames aan interventies.") % {
        "e": Edition.objects.count(), "n": Enrolment.objects.count()})


def _catalogue(users, today) -> None:
    for code, (description, evaluation) in DESCRIPTIONS.items():
        Intervention.objects.filter(code=code).update(description=description,
                                                      evaluation_status=evaluation)
    for (institution, code), contact in CONTACTS.items():
        Availability.objects.filter(institution__code=institution, intervention__code=code
                                    ).update(contact_person=contact)
    arnhem = Institution.objects.get(code="PI-ARNHEM")
    # An offer that stopped, and one that starts.
    services.set_availability(Intervention.objects.get(code="digisterker"), arnhem, actor=None,
                              status="stopped", starts_on=dt.date(2022, 3, 1),
                              ends_on=dt.date(2024, 6, 30),
                              contact_person="Bibliotheek Arnhem (vervallen)")
    services.set_availability(Intervention.objects.get(code="ouder-kinddagen"), arnhem,
                              actor=None, status="starting",
                              starts_on=today + dt.timedelta(days=45),
                              contact_person="Exodus Gelderland")


def _offences(rng) -> None:
    """An offence category for most demo participants (the fit check uses it)."""
    categories = ["property"] * 4 + ["violence"] * 3 + ["drugs"] * 3 + [
        "robbery_violence", "serious_violence", "sexual", "stalking", "arson_vandalism", ""]
    for person in Participant.objects.filter(ref__startswith=REF_PREFIX).order_by("ref"):
        category = rng.choice(categories)
        if category:
            participants.update_participant(person, actor=None,
                                            expected_version=person.version,
                                            offence_category=category)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def _history(rng, today) -> tuple[list[dict], list[dict]]:
    """Editions from January 2021 up to about four months ago, with the participants who
    stayed at the institution then, as the providers' registrations would list them."""
    stays = list(Stay.objects.filter(participant__ref__startswith=REF_PREFIX)
                 .select_related("institution", "participant").order_by("entered_on", "id"))
    interventions = {i.code: i for i in Intervention.objects.all()}
    cutoff = today - dt.timedelta(days=120)
    editions, enrolments = [], []
    n_edition = n_enrolment = 0
    for institution, code, every, weeks in SERIES:
        starts = dt.date(2021, 1, 11) + dt.timedelta(days=rng.randint(0, 60))
        while starts <= cutoff:
            ends = starts + dt.timedelta(weeks=weeks)
            n_edition += 1
            ref = f"{REF_PREFIX}ED-{n_edition:03d}"
            editions.append({"edition_ref": ref, "intervention": code,
                             "institution": institution, "starts_on": starts.isoformat(),
                             "ends_on": ends.isoformat()})
            present = [s for s in stays if s.institution.code == institution
                       and s.entered_on <= starts - dt.timedelta(days=7)
                       and (s.left_on is None or s.left_on >= starts + dt.timedelta(days=7))]
            size = interventions[code].group_max or 8
            chosen = rng.sample(present, min(len(present), rng.randint(2, max(2, size // 2))))
            for stay in chosen:
                n_enrolment += 1
                enrolled = starts - dt.timedelta(days=rng.randint(7, 28))
                enrolled = max(enrolled, stay.entered_on)
                outcome = rng.choice(PAST_OUTCOMES)
                if stay.left_on is not None and stay.left_on < ends:
                    outcome = "dropped_release" if stay.outflow_type not in (
                        "transferred", "returned") else "dropped_transfer"
                    outcome_on = max(stay.left_on, enrolled)
                elif outcome == "completed":
                    outcome_on = ends
                elif outcome == "not_started":
                    outcome_on = starts
                else:
                    outcome_on = starts + dt.timedelta(days=rng.randint(7, weeks * 7 - 1))
                enrolments.append({
                    "enrolment_ref": f"{REF_PREFIX}E-{n_enrolment:04d}", "edition_ref": ref,
                    "participant_ref": stay.participant.ref,
                    "enrolled_on": enrolled.isoformat(), "outcome": outcome,
                    "outcome_on": min(outcome_on, today).isoformat()})
            starts = _add_months(starts, every) + dt.timedelta(days=rng.randint(0, 14))
    return editions, enrolments


def _csv(rows: list[dict]) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8"))


def _import(editions, enrolments) -> None:
    from herstelpad.imports import services as imports

    for kind, rows in (("editions", editions), ("enrolments", enrolments)):
        if not rows:
            continue
        result, _run = imports.import_file(kind, _csv(rows), channel="cli",
                                           filename=f"demo-{kind}.csv")
        if not result.ok:  # pragma: no cover - the demo's own data must import
            raise RuntimeError(f"demo {kind}: {[str(e) for e in result.errors[:5]]}")


def _present(code: str) -> list[Participant]:
    return list(Participant.objects.filter(
        ref__startswith=REF_PREFIX, current_stay__institution__code=code)
        .select_related("current_stay__institution").order_by("ref"))


def _run(enrolment, actor, *steps) -> Enrolment:
    for action, on, extra in steps:
        enrolment.refresh_from_db()
        services.transition(enrolment, actor=actor, expected_version=enrolment.version,
                            action=action, on=on, **extra)
    enrolment.refresh_from_db()
    return enrolment


def _this_year(users, rng, today) -> None:
    consultant = users.get("herstelconsulent")
    casemanager = users.get("casemanager")
    provider = users.get("aanbieder")
    cm_almelo = users.get("casemanager.almelo")
    arnhem = Institution.objects.get(code="PI-ARNHEM")
    almelo = Institution.objects.get(code="PI-ALMELO")
    catalogue = {i.code: i for i in Intervention.objects.all()}
    day = dt.timedelta(days=1)

    # Puinruimen at PI Arnhem, running: ten weekly sessions, five held so far.
    start = today - dt.timedelta(weeks=5)
    puin = services.create_edition(
        actor=consultant, intervention=catalogue["puinruimen"], institution=arnhem,
        starts_on=start, ends_on=start + dt.timedelta(weeks=10), leaders="Ingrid Bakker, "
        "Henk Zwart (ervaringsdeskundige)", location="Leslokaal 3, afdeling C",
        ref=f"{REF_PREFIX}ED-PUIN-{today.year}")
    people = [p for p in _present("PI-ARNHEM")
              if p.current_stay.entered_on <= start - dt.timedelta(days=14)]
    started = []
    for index, person in enumerate(people[:7]):
        on = start - dt.timedelta(days=rng.randint(8, 13))
        enrolment = services.refer(person, actor=consultant, edition=puin, on=on,
                                   reason="Wil werken aan wat het delict heeft aangericht.")
        if index == 6:
            _run(enrolment, consultant, ("intake", on + day, {}))
            continue  # waits for the decision
        steps = [("approve", on + 2 * day, {"decided_by": "provider",
                                             "reason": "Gemotiveerd in de intake."}),
                 ("start", start, {})]
        if index == 5:
            steps.append(("end", start + dt.timedelta(weeks=2),
                          {"outcome": "dropped_own_choice",
                           "reason": "Vond de gesprekken te confronterend."}))
        started.append(_run(enrolment, consultant, *steps))
    for number in range(1, 6):
        held = start + dt.timedelta(weeks=number - 1)
        attendance = {}
        for enrolment in started:
            if enrolment.status == "ended" and held > enrolment.outcome_on:
                continue
            attendance[enrolment.pk] = rng.choice(["present"] * 8 + ["excused", "absent"])
        services.record_session(puin, actor=consultant, number=number, held_on=held,
                                topic="", attendance=attendance)

    # Aan de Bak! at PI Arnhem: the next edition is planned; meanwhile a waiting list.
    services.create_edition(
        actor=consultant, intervention=catalogue["aan-de-bak"], institution=arnhem,
        starts_on=today + dt.timedelta(weeks=6), ends_on=today + dt.timedelta(weeks=12),
        leaders="Team re-integratie", ref=f"{REF_PREFIX}ED-ADB-NEXT")
    for person in people[7:10]:
        services.refer(person, actor=casemanager, intervention=catalogue["aan-de-bak"],
                       on=today - dt.timedelta(days=rng.randint(3, 20)),
                       reason="Basisvoorwaarden op orde voor vrijlating.")

    # Sociaal netwerk en relaties at PI Arnhem, earlier this year: completed, with
    # certificates; one completion linked to the participant's network goal.
    start = today - dt.timedelta(weeks=30)
    network = services.create_edition(
        actor=consultant, intervention=catalogue["sociaal-netwerk"], institution=arnhem,
        starts_on=start, ends_on=start + dt.timedelta(weeks=7), leaders="Ingrid Bakker",
        ref=f"{REF_PREFIX}ED-SNR-{today.year}")
    long_stayers = [p for p in people if p.current_stay.entered_on <= start - 14 * day]
    for index, person in enumerate(long_stayers[:4]):
        on = start - 10 * day
        enrolment = services.refer(person, actor=casemanager, edition=network, on=on,
                                   reason="Netwerk in kaart brengen voor de terugkeer.")
        enrolment = _run(enrolment, casemanager, ("approve", on + 3 * day,
                                                  {"reason": "Besproken in het MDO."}))
        steps = [("start", start, {})]
        if index < 3:
            steps.append(("complete", start + dt.timedelta(weeks=7), {}))
        else:
            steps.append(("end", start + dt.timedelta(weeks=3),
                          {"outcome": "expelled", "reason": "Brak de afspraken in de groep."}))
        enrolment = _run(enrolment, consultant, *steps)
        if enrolment.status == "completed":
            services.record_certificate(enrolment, actor=consultant,
                                        expected_version=enrolment.version,
                                        on=enrolment.outcome_on + 2 * day)
            enrolment.refresh_from_db()
            _link_goal(enrolment, casemanager)

    # A family conference (content feedback with the participant's consent).
    if long_stayers:
        from herstelpad.consent import services as consent

        person = long_stayers[-1]
        start = today - dt.timedelta(weeks=12)
        conference = services.create_edition(
            actor=None, intervention=catalogue["herstelconferentie"], institution=arnhem,
            starts_on=start, ends_on=start + dt.timedelta(weeks=2),
            ref=f"{REF_PREFIX}ED-HC-{today.year}")
        enrolment = services.refer(person, actor=casemanager, edition=conference,
                                   on=start - 7 * day, reason="Wil excuses maken.")
        enrolment = _run(enrolment, None,
                         ("approve", start - 5 * day, {"decided_by": "provider",
                                                       "reason": "Neemt verantwoordelijkheid."}),
                         ("start", start, {}), ("complete", start + 2 * dt.timedelta(weeks=1), {}))
        services.record_content(enrolment, actor=None, expected_version=enrolment.version,
                                text="Herstelplan opgesteld met moeder en broer: wekelijks "
                                "bellen, hulp bij een woning in Arnhem, excuses aan de buren.")
        consent.record(person, actor=None, purpose="intervention_content",
                       partner=catalogue["herstelconferentie"].provider,
                       subject="herstelconferentie", given_on=start - 5 * day,
                       evidence="ondertekend formulier van de Eigen Kracht Centrale")

    # SOS at PI Almelo, run by Gevangenenzorg: the MDO decides, the provider runs it.
    start = today - dt.timedelta(weeks=4)
    sos = services.create_edition(
        actor=provider, intervention=catalogue["sos-group"], institution=almelo,
        starts_on=start, ends_on=start + dt.timedelta(weeks=8),
        leaders="Vrijwilligers Gevangenenzorg (Twente)", ref=f"{REF_PREFIX}ED-SOS-{today.year}")
    candidates = [p for p in _present("PI-ALMELO")
                  if p.current_stay.entered_on <= start - 14 * day][:4]
    for person in candidates:
        on = start - 12 * day
        enrolment = services.refer(person, actor=cm_almelo, edition=sos, on=on,
                                   reason="Wil stilstaan bij de slachtoffers.")
        _run(enrolment, cm_almelo, ("approve", on + 4 * day,
                                    {"reason": "Positief advies in het MDO."}))
        _run(enrolment, provider, ("start", start, {}))
    for number in range(1, 5):
        services.record_session(
            sos, actor=provider, number=number, held_on=start + dt.timedelta(weeks=number - 1),
            topic="", attendance={e.pk: "present" for e in sos.enrolments.filter(
                status="started")})


def _link_goal(enrolment: Enrolment, actor) -> None:
    from herstelpad.plans.models import Goal

    goal = (Goal.objects.filter(participant=enrolment.participant,
                                domain__in=["social_network", "family", "partner_children"])
            .order_by("set_on").first())
    if goal is not None:
        services.link_goal(enrolment, actor=actor, expected_version=enrolment.version,
                           goal=goal)
