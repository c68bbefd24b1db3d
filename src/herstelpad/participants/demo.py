"""Demo participants: several institutions (PI Arnhem; PI Almelo with Huis van Herstel; PI
Krimpen with De Compagnie; PI Middelburg with KV Middelburg), people with stays, transfers,
returns, releases and re-admissions spread over 2021 up to today, regimes, teams and shift notes.
Deterministic (seeded per person); idempotent (skips when the demo participants exist). Plans,
goals and reviews follow in `plans/demo.py`."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad.accounts.demo import ensure_user
from herstelpad.accounts.models import Role
from herstelpad.organisations.models import Institution
from herstelpad.participants import services
from herstelpad.participants.models import Participant, Stay

REF_PREFIX = "DEMO-"
SEED = 20261125

# Extra staff, so that every institution in the demo has a team (username, first name, last
# name, role, organisation, institutions).
DEMO_STAFF = [
    ("casemanager.almelo", "Marloes", "Hendriksen", Role.CASEMANAGER, "DJI", ["PI-ALMELO"]),
    ("mentor.almelo", "Bas", "Wolters", Role.MENTOR, "DJI", ["PI-ALMELO"]),
    ("mentor.hvh1", "Yvonne", "ter Horst", Role.MENTOR, "DJI", ["FAC-HVH"]),
    ("mentor.hvh2", "Erik", "Nijhuis", Role.MENTOR, "DJI", ["FAC-HVH"]),
    ("afdelingshoofd.almelo", "Gerrit", "Oude Luttikhuis", Role.UNIT_HEAD, "DJI", ["PI-ALMELO"]),
    ("casemanager.krimpen", "Samira", "Bouzid", Role.CASEMANAGER, "DJI", ["PI-KRIMPEN"]),
    ("mentor.compagnie", "Ruben", "Verhoef", Role.MENTOR, "DJI", ["FAC-COMPAGNIE"]),
    ("casemanager.middelburg", "Lieke", "Dekker", Role.CASEMANAGER, "DJI", ["PI-MIDDELBURG"]),
    ("mentor.middelburg", "Johan", "de Kam", Role.MENTOR, "DJI", ["FAC-MIDDELBURG"]),
]

# Who works where: institution → (casemanager, mentors). Facilities are served by the
# casemanager of their prison.
TEAMS = {
    "PI-ARNHEM": ("casemanager", ["mentor"]),
    "PI-ALMELO": ("casemanager.almelo", ["mentor.almelo"]),
    "FAC-HVH": ("casemanager.almelo", ["mentor.hvh1", "mentor.hvh2"]),
    "PI-KRIMPEN": ("casemanager.krimpen", []),
    "FAC-COMPAGNIE": ("casemanager.krimpen", ["mentor.compagnie"]),
    "PI-MIDDELBURG": ("casemanager.middelburg", []),
    "FAC-MIDDELBURG": ("casemanager.middelburg", ["mentor.middelburg"]),
}

SITES = {
    "arnhem": {"pi": "PI-ARNHEM", "facility": None,
               "units": ["A-vleugel", "B-vleugel", "C-vleugel", "Plusafdeling"],
               "municipalities": ["Arnhem", "Nijmegen", "Ede", "Apeldoorn", "Doetinchem"]},
    "almelo": {"pi": "PI-ALMELO", "facility": "FAC-HVH",
               "units": ["Afdeling 1", "Afdeling 2", "Afdeling 4"],
               "municipalities": ["Almelo", "Almelo", "Almelo", "Enschede", "Hengelo",
                                  "Oldenzaal", "Borne", "Rijssen-Holten", "Twenterand"]},
    "krimpen": {"pi": "PI-KRIMPEN", "facility": "FAC-COMPAGNIE",
                "units": ["Afdeling B", "Afdeling C"],
                "municipalities": ["Rotterdam", "Krimpen aan den IJssel", "Capelle aan den IJssel",
                                   "Schiedam", "Gouda"]},
    "middelburg": {"pi": "PI-MIDDELBURG", "facility": "FAC-MIDDELBURG",
                   "units": ["Afdeling Noord"],
                   "municipalities": ["Middelburg", "Vlissingen", "Goes", "Terneuzen"]},
}
FACILITY_UNITS = {"FAC-HVH": "Woongroep", "FAC-COMPAGNIE": "DC II",
                  "FAC-MIDDELBURG": "Zelfmelders"}

# (site, story, how many). Stories: current (in the prison now), released (a past episode),
# facility_current (prison, then the facility now), facility_outflow (prison, facility,
# positive outflow), facility_returned (prison, facility, returned to the prison),
# readmitted (a past episode and a current one).
CAST = [
    ("arnhem", "current", 15), ("arnhem", "released", 4), ("arnhem", "readmitted", 3),
    ("almelo", "current", 3), ("almelo", "facility_current", 5),
    ("almelo", "facility_outflow", 4), ("almelo", "facility_returned", 2),
    ("krimpen", "current", 2), ("krimpen", "facility_current", 3),
    ("krimpen", "facility_outflow", 2), ("krimpen", "facility_returned", 1),
    ("middelburg", "facility_current", 2), ("middelburg", "facility_outflow", 2),
]

GIVEN = ["Jeroen", "Mohamed", "Kevin", "Dennis", "Rachid", "Stefan", "Mark", "Youssef", "Patrick",
         "Tim", "Ricardo", "Sander", "Bilal", "Marco", "Jordy", "Emre", "Henk", "Nick", "Anil",
         "Roy", "Tomasz", "Dave", "Orlando", "Jasper", "Hamza", "Wesley", "Kofi", "Danny",
         "Mustafa", "Ruud", "Michael", "Gökhan", "Ferdi", "Luuk", "Ayoub", "Peter", "Sven",
         "Jermaine", "Milan", "Thijs", "Mehmet", "Robin", "Erwin", "Dylan", "Samir", "Gerard",
         "Ilias", "Ronald", "Vincent", "Bram", "Joël", "Ahmet"]
FAMILY = ["de Jong", "Janssen", "van den Berg", "Bakker", "El Amrani", "Visser", "Smit",
          "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
          "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Yilmaz", "Kaya",
          "Martina", "Kowalski", "Nowak", "Bouzid", "Ouali", "Asante", "Wouters", "Kuipers",
          "Veenstra", "Koster", "Prins", "Huisman", "Postma", "Scholten", "Hoekstra", "Jacobs",
          "Ramdin", "Sitaldin", "Goossens", "Maas", "Verbeek", "Kramer", "Lammers", "Hermans",
          "Kok", "Tahiri", "Demir", "Zwart", "van Dam", "Willems"]
LANGUAGES = [("Nederlands", "sufficient")] * 12 + [
    ("Arabisch", "limited"), ("Pools", "limited"), ("Turks", "sufficient"),
    ("Papiaments", "sufficient"), ("Engels", "none"), ("Tigrinya", "none"),
    ("Berbers (Tamazight)", "limited")]
PROMOTION_REASONS = ["Goede inzet op de arbeid en het dagprogramma.",
                     "Houdt zich aan de afspraken; positief advies van het afdelingsteam.",
                     "Actief in de cursus en meewerkend aan het D&R-plan."]
DEMOTION_REASONS = ["Ontoelaatbaar gedrag: bedreiging van een medewerker.",
                    "Drugs aangetroffen bij celinspectie.",
                    "Herhaaldelijk weigeren van de arbeid."]
EXCLUSION_REASONS = ["Ontoelaatbaar gedrag op de luchtplaats; geen promotie.",
                     "Positieve urinecontrole."]
NOTES = ["Verlofaanvraag met hem besproken; hij begrijpt dat het plan eerst rond moet.",
         "Was vandaag onrustig na het telefoongesprek met thuis. Later rustiger.",
         "Heeft zijn cv afgemaakt in de werkzaal.",
         "Afspraak bij de tandarts staat op donderdag; hij weet ervan.",
         "Al besproken dat bezoek van zijn broer via de casemanager loopt.",
         "Gevraagd naar de ouder-kinddag; doorverwezen naar de casemanager.",
         "Goed gesprek over zijn schulden, wil aan de slag met een overzicht.",
         "Klaagt over slapen; doorverwezen naar de medische dienst.",
         "Helpt nieuwe deelnemers op de afdeling wegwijs te maken.",
         "Kwam te laat terug van de arbeid; aangesproken, accepteerde dat.",
         "Wil graag meer uren in de keuken. Doorgegeven aan de arbeid.",
         "Heeft de huisregels opnieuw ondertekend."]


@dataclass
class Story:
    index: int
    site: str
    kind: str
    rng: random.Random
    stays: list = field(default_factory=list)


def _date(today: dt.date, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=max(days_ago, 0))


def load(context) -> None:
    users = context.data.setdefault("users", {})
    for spec in DEMO_STAFF:
        ensure_user(context, *spec)
    context.data["demo_teams"] = {code: (users[cm], [users[m] for m in mentors])
                                  for code, (cm, mentors) in TEAMS.items()}
    if Participant.objects.filter(ref__startswith=REF_PREFIX).exists():
        context.log.append(_("Demo-deelnemers bestaan al; niets toegevoegd."))
        return
    today = timezone.localdate()
    institutions = {i.code: i for i in Institution.objects.filter(code__in=[
        *TEAMS, "PI-ZWOLLE", "PI-VEENHUIZEN"])}
    index = 0
    for site, kind, count in CAST:
        for _n in range(count):
            index += 1
            story = Story(index, site, kind, random.Random(f"{SEED}-{index}"))
            _make_person(story, context, institutions, today)
    context.log.append(_("Demo: %(n)s deelnemers met verblijven, regimes, teams en notities.")
                       % {"n": index})


def _make_person(story: Story, context, institutions, today) -> Participant:
    rng = story.rng
    site = SITES[story.site]
    language, dutch = rng.choice(LANGUAGES)
    age = rng.randint(19, 58)
    birth_date = _date(today, age * 365 + rng.randint(0, 364))
    person = services.create_participant(
        actor=None, ref=f"{REF_PREFIX}P-{story.index:03d}",
        given_name=GIVEN[(story.index * 7) % len(GIVEN)],
        family_name=FAMILY[(story.index * 11) % len(FAMILY)],
        birth_date=birth_date if rng.random() < 0.85 else None,
        birth_year=None if rng.random() < 0.85 else birth_date.year,
        sex="male", language=language, dutch_proficiency=dutch,
        lvb_indication=rng.choice([True, False, False, None]),
        kind_check=rng.choice(["yes", "yes", "no", "no", "no", "unknown"]),
    )
    if person.birth_date is None and person.birth_year is None:
        services.update_participant(person, actor=None, expected_version=person.version,
                                    birth_year=birth_date.year)
    municipality = rng.choice(site["municipalities"])
    legal = "self_reporter" if story.site == "middelburg" else rng.choice(
        ["convicted"] * 5 + ["remand", "isd"])
    stay_no = 0

    def admit(code, days_ago, *, sentence_days, unit=None, regime="basic"):
        nonlocal stay_no
        stay_no += 1
        entered = _date(today, days_ago)
        stay = services.admit(
            person, actor=None, institution=institutions[code], entered_on=entered,
            ref=f"{REF_PREFIX}S-{story.index:03d}-{stay_no}", legal_status=legal,
            sentence_end_on=entered + dt.timedelta(days=sentence_days),
            unit=unit or rng.choice(site["units"]), aftercare_municipality=municipality,
            regime=regime)
        story.stays.append(stay)
        return stay

    def move(stay, code, days_ago, *, outflow="transferred", reason=""):
        nonlocal stay_no
        stay_no += 1
        stay.refresh_from_db()
        new = services.transfer(stay, actor=None, expected_version=stay.version,
                                to_institution=institutions[code], on=_date(today, days_ago),
                                unit=FACILITY_UNITS.get(code) or rng.choice(site["units"]),
                                outflow_type=outflow, return_reason=reason,
                                ref=f"{REF_PREFIX}S-{story.index:03d}-{stay_no}")
        story.stays.append(new)
        return new

    def leave(stay, days_ago, outflow):
        stay.refresh_from_db()
        services.release(stay, actor=None, expected_version=stay.version,
                         on=_date(today, days_ago), outflow_type=outflow)

    pi, facility = site["pi"], site["facility"]
    kind = story.kind
    if kind == "current":
        arrived = rng.choice([rng.randint(3, 27), rng.randint(29, 70), rng.randint(60, 420),
                              rng.randint(60, 420)])
        stay = admit(pi, arrived, sentence_days=arrived + rng.randint(20, 500))
        _regime(stay, rng, today)
    elif kind == "released":
        start = rng.randint(700, 1900)
        length = rng.randint(60, 500)
        stay = admit(pi, start, sentence_days=length)
        _regime(stay, rng, _date(today, start - length))
        leave(stay, start - length, rng.choice(["positive_end", "positive_end", "other"]))
    elif kind == "readmitted":
        start = rng.randint(1200, 1950)
        length = rng.randint(90, 400)
        first = admit(pi, start, sentence_days=length)
        _regime(first, rng, _date(today, start - length))
        leave(first, start - length, "positive_end")
        again = rng.randint(10, 300)
        second = admit(rng.choice([pi, pi, "PI-ZWOLLE"]), again,
                       sentence_days=again + rng.randint(30, 400))
        _regime(second, rng, today)
    elif kind.startswith("facility"):
        past = kind != "facility_current"
        if story.site == "middelburg":  # self-reporters come straight to the facility
            start = rng.randint(300, 1400) if past else rng.randint(20, 200)
            stay = admit(facility, start, sentence_days=rng.randint(120, 300),
                         unit=FACILITY_UNITS[facility])
            _regime(stay, rng, today if not past else _date(today, start - 60))
            if past:
                leave(stay, start - rng.randint(60, min(250, start - 1)), "positive_end")
        else:
            _via_prison(story, rng, today, pi, facility, kind, past, admit, move, leave)
    person.refresh_from_db()
    if person.kind_check != "unknown":  # asked by the casemanager in the first days
        services.update_participant(
            person, actor=None, expected_version=person.version,
            kind_check_on=min(story.stays[0].entered_on + dt.timedelta(days=rng.randint(1, 10)),
                              today))
    _team_and_notes(person, context, rng, today)
    return person


def _via_prison(story, rng, today, pi, facility, kind, past, admit, move, leave) -> None:
    """Prison first, then the facility; afterwards outflow, a return to the prison, or still
    there."""
    start = rng.randint(500, 1900) if past else rng.randint(120, 500)
    in_pi = rng.randint(40, 200)
    first = admit(pi, start, sentence_days=in_pi + rng.randint(120, 540))
    _regime(first, rng, _date(today, start - in_pi))
    at_facility = move(first, facility, start - in_pi)
    if kind == "facility_outflow":
        length = rng.randint(45, 357)
        leave(at_facility, max(start - in_pi - length, 1),
              rng.choice(["positive_pp", "positive_pp", "positive_end"]))
    elif kind == "facility_returned":
        length = rng.randint(45, 360)
        back_on = max(start - in_pi - length, 5)
        back = move(at_facility, pi, back_on, outflow="returned",
                    reason=rng.choice(["substance_use", "aggression", "rule_breach"]))
        if rng.random() < 0.5 and back_on > 40:
            leave(back, back_on - rng.randint(20, back_on - 5), "positive_end")


def _regime(stay: Stay, rng: random.Random, until: dt.date) -> None:
    """Promotion after some weeks; sometimes a demotion and, six weeks or more later, a new
    promotion."""
    on = stay.entered_on + dt.timedelta(days=rng.randint(21, 56))
    if on > until:
        return
    services.change_regime(stay, actor=None, kind="promotion", on=on,
                           reason=rng.choice(PROMOTION_REASONS))
    if rng.random() < 0.3:
        on = on + dt.timedelta(days=rng.randint(20, 90))
        if on > until:
            return
        services.change_regime(stay, actor=None, kind="demotion", on=on,
                               reason=rng.choice(DEMOTION_REASONS))
        on = on + dt.timedelta(days=rng.randint(42, 80))
        if on > until:
            return
        if rng.random() < 0.3:
            services.change_regime(stay, actor=None, kind="exclusion", on=on,
                                   reason=rng.choice(EXCLUSION_REASONS))
            on = on + dt.timedelta(days=rng.randint(42, 60))
            if on > until:
                return
        services.change_regime(stay, actor=None, kind="promotion", on=on,
                               reason=rng.choice(PROMOTION_REASONS))


def _team_and_notes(person: Participant, context, rng: random.Random, today: dt.date) -> None:
    stay = person.current_stay
    team = context.data["demo_teams"].get(stay.institution.code) if stay else None
    if team is None:
        return
    casemanager, mentors = team
    starts = stay.entered_on if rng.random() < 0.7 else min(
        stay.entered_on + dt.timedelta(days=rng.randint(1, 14)), today)
    # A few people wait for a casemanager: visible on the unit overview, not on a caseload.
    if rng.random() < 0.9:
        services.assign(person, actor=None, user=casemanager, role="casemanager",
                        starts_on=starts)
    for mentor in mentors:
        services.assign(person, actor=None, user=mentor, role="mentor", starts_on=starts)
    writers = mentors or [casemanager]
    for _n in range(rng.randint(1, 6)):
        days = rng.randint(0, min(60, (today - stay.entered_on).days))
        moment = timezone.make_aware(dt.datetime.combine(
            _date(today, days), dt.time(rng.randint(7, 21), rng.choice([0, 15, 30, 45]))))
        if moment > timezone.now():
            moment = timezone.now() - dt.timedelta(minutes=rng.randint(5, 300))
        services.add_note(person, actor=rng.choice(writers), text=rng.choice(NOTES),
                          confirmed=True, written_at=moment)
