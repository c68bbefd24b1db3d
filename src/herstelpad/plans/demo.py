"""Demo plans: for every episode of the demo participants a D&R-plan (a few still missing, some
of them overdue), goals in many life domains in the participant's own words with actions, status
histories and ratings at outflow, reviews about every six weeks (a few overdue), and strengths
inventories. Deterministic (seeded per episode); idempotent."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad.participants.demo import REF_PREFIX, SEED
from herstelpad.participants.models import Episode
from herstelpad.plans import services
from herstelpad.plans.models import Goal, GoalAction

# domain → (the participant's words, [(action, who)])
GOALS = {
    "housing": (["Ik wil na mijn vrijlating een eigen kamer.",
                 "Terug naar mijn moeder kan niet; ik zoek begeleid wonen.",
                 "Mijn huurhuis houden zolang ik binnen zit.",
                 "Een woning in {m}, dicht bij mijn kinderen."],
                [("Inschrijven bij de woningcorporatie", "deelnemer"),
                 ("Aanvraag begeleid wonen indienen", "casemanager"),
                 ("Gesprek met de nazorgcoördinator over woonruimte", "gemeente {m}"),
                 ("Huurachterstand bespreken met de verhuurder", "mentor")]),
    "identity": (["Een geldig identiteitsbewijs voordat ik vrijkom.",
                  "Mijn paspoort is verlopen; ik wil een ID-kaart."],
                 [("Afspraak bij de gemeente voor een ID-kaart", "mentor"),
                  ("Pasfoto's laten maken", "deelnemer")]),
    "work_daytime": (["Werken in de bouw, ik heb al ervaring als stukadoor.",
                      "Een baan in een keuken; koken kan ik goed.",
                      "Dagbesteding, zodat ik niet de hele dag thuis zit.",
                      "Met mijn heftruckcertificaat aan het werk."],
                     [("Cv maken", "deelnemer met mentor"),
                      ("Werkervaring opdoen in de werkzaal", "deelnemer"),
                      ("Contact met een werkgever uit het netwerk", "re-integratietrainer"),
                      ("Aanmelden bij het UWV", "casemanager")]),
    "income": (["Vanaf de eerste dag buiten een inkomen hebben.",
                "Een uitkering voor de eerste maanden."],
               [("Uitkering aanvragen", "gemeente {m}"),
                ("Bankrekening weer openen", "deelnemer")]),
    "education": (["Mijn VCA-diploma halen.", "Beter Nederlands leren.",
                   "Mijn mbo-opleiding afmaken."],
                  [("Aanmelden voor de VCA-cursus", "mentor"),
                   ("Taalles volgen op maandag en donderdag", "deelnemer")]),
    "debts": (["Mijn schulden op een rij zetten.",
               "Een regeling met het CJIB, zodat ik niet opnieuw de fout in ga.",
               "Niet meer lenen van vrienden."],
              [("Schuldenoverzicht maken", "deelnemer met mentor"),
               ("Aanmelden bij de schuldhulpverlening", "gemeente {m}"),
               ("Betalingsregeling CJIB aanvragen", "casemanager")]),
    "care": (["Een huisarts in mijn nieuwe woonplaats.", "Mijn zorgverzekering weer regelen."],
             [("Zorgverzekering regelen", "deelnemer"),
              ("Inschrijven bij een huisarts", "mentor")]),
    "substance_treatment": (["Stoppen met blowen en dat buiten volhouden.",
                             "Niet meer drinken als ik boos ben.",
                             "Na mijn vrijlating in behandeling bij Tactus."],
                            [("Intake bij Tactus plannen", "casemanager"),
                             ("Meedoen aan de groep over middelengebruik", "deelnemer")]),
    "gambling_treatment": (["Hulp bij mijn gokverslaving."],
                           [("Intake gokverslavingszorg", "casemanager")]),
    "psych_treatment": (["Leren omgaan met mijn boosheid.",
                         "Praten over wat er vroeger is gebeurd."],
                        [("Gesprekken met de psycholoog", "psycholoog"),
                         ("Training agressieregulatie volgen", "deelnemer")]),
    "partner_children": (["Mijn zoon weer regelmatig zien.",
                          "Een goede vader zijn voor mijn dochter.",
                          "Het contact met mijn vriendin herstellen."],
                         [("Ouder-kinddag aanvragen", "mentor"),
                          ("Elke week bellen met mijn zoon", "deelnemer"),
                          ("Contact met jeugdbescherming", "casemanager")]),
    "family": (["Het weer goedmaken met mijn broer.",
                "Mijn ouders laten zien dat ik veranderd ben."],
               [("Bezoek van mijn broer regelen", "mentor")]),
    "social_network": (["Vrienden die niets met criminaliteit te maken hebben.",
                        "Lid worden van een voetbalclub."],
                       [("Netwerkgesprek voorbereiden", "herstelconsulent"),
                        ("Contact met de voetbalclub", "deelnemer")]),
    "restoration_self": (["Begrijpen waarom ik dit gedaan heb."],
                         [("Gesprekken met de herstelconsulent", "herstelconsulent")]),
    "restoration_victim": (["Een brief schrijven aan het slachtoffer, als die dat wil."],
                           [("Mogelijkheden bespreken met de herstelconsulent",
                             "herstelconsulent")]),
    "restoration_society": (["Iets terugdoen voor de buurt."],
                            [("Vrijwilligerswerk zoeken voor na vrijlating", "deelnemer")]),
}
COMMON = ["housing", "work_daytime", "debts", "income", "identity", "substance_treatment",
          "partner_children", "care", "education", "family", "psych_treatment"]
RARE = ["social_network", "gambling_treatment", "restoration_self", "restoration_victim",
        "restoration_society"]
NOT_ACHIEVED = ["Geen woning gevonden voor de einddatum.", "Hij wilde er niet meer aan werken.",
                "Wachtlijst bij de zorgaanbieder.", "Uitgeplaatst voordat het rond was."]
WITHDRAWN = ["Gaat bij familie wonen; niet meer nodig.", "Vervangen door een ander doel.",
             "Deelnemer wil dit niet meer."]
ATTENDEES = ["deelnemer, casemanager, mentor",
             "deelnemer, casemanager, mentor, reclassering",
             "deelnemer, casemanager, twee mentoren, gedragswetenschapper",
             "casemanager, mentor, nazorgcoördinator gemeente, reclassering (MDO)"]
DECISIONS = ["Doelen besproken; wonen heeft voorrang. Aanvraag begeleid wonen gaat deze week de "
             "deur uit.", "Voortgang op werk goed. Verlof aanvragen voor een sollicitatiegesprek.",
             "Schuldenoverzicht is klaar; volgende stap is de aanmelding bij de schuldhulp.",
             "Contact met de kinderen loopt via de moeder; ouder-kinddag aangevraagd.",
             "Terugval besproken. Afspraken over urinecontroles en behandeling.",
             "Uitstroom voorbereid: eerste weken na vrijlating uitgeschreven met de gemeente."]
STRENGTHS = {
    "housing": ("Slaapt nu op de afdeling; had voor detentie geen vast adres.",
                "Een eigen plek waar ik rust heb.", "Mijn zus helpt zoeken; ik kan goed klussen."),
    "work_daytime": ("Werkt vier dagen in de werkzaal.", "Vast werk in de bouw.",
                     "Ervaring als stukadoor; ik ben op tijd en harde werker."),
    "debts": ("Weet niet precies hoeveel schulden hij heeft.", "Rust in mijn hoofd over geld.",
              "Mijn moeder heeft al brieven verzameld."),
    "partner_children": ("Ziet zijn zoon eens per maand bij bezoek.",
                         "Mijn zoon elke week zien.", "De moeder van mijn zoon wil meewerken."),
    "substance_treatment": ("Al vier maanden clean.", "Clean blijven buiten.",
                            "Sporten helpt mij; mijn mentor weet wanneer het lastig is."),
    "social_network": ("Weinig contact met mensen zonder criminaliteit.",
                       "Nieuwe vrienden via de sport.", "Oud-voetbaltrainer wil helpen."),
}


def load(context) -> None:
    if Goal.objects.filter(ref__startswith=REF_PREFIX).exists():
        context.log.append(_("Demo-plannen bestaan al; niets toegevoegd."))
        return
    today = timezone.localdate()
    teams = context.data.get("demo_teams", {})
    episodes = (Episode.objects.filter(participant__ref__startswith=REF_PREFIX)
                .select_related("participant").prefetch_related("stays__institution")
                .order_by("participant__ref", "number"))
    goals = 0
    for episode in episodes:
        rng = random.Random(f"{SEED}-{episode.participant.ref}-{episode.number}")
        stays = sorted(episode.stays.all(), key=lambda s: s.entered_on)
        team = next((teams[s.institution.code] for s in reversed(stays)
                     if s.institution.code in teams), None)
        casemanager, mentors = team if team else (None, [])
        goals += _plan_for(episode, stays, rng, today, casemanager, mentors or [casemanager])
    context.log.append(_("Demo: D&R-plannen, %(n)s doelen, gesprekken en krachten.")
                       % {"n": goals})


def _plan_for(episode, stays, rng, today, casemanager, mentors) -> int:
    person = episode.participant
    end = episode.ended_on or today
    length = (end - episode.started_on).days
    municipality = stays[-1].aftercare_municipality or "de gemeente"
    mentor = mentors[0] if mentors and mentors[0] else None

    def day(offset: int) -> dt.date:
        return min(episode.started_on + dt.timedelta(days=max(offset, 0)), end, today)

    # Some recent arrivals have no plan yet: on time while within four weeks, overdue after.
    if episode.ended_on is None and length < 90 and rng.random() < 0.45:
        made_on = None
    else:
        made_on = day(rng.choice([rng.randint(10, 27), rng.randint(10, 27), rng.randint(29, 45)]))
        if made_on >= end and episode.ended_on is not None:
            made_on = day(length // 2)

    domains = rng.sample(COMMON, rng.randint(2, 4)) + (
        [rng.choice(RARE)] if rng.random() < 0.35 else [])
    created = []
    for number, domain in enumerate(domains, start=1):
        words, actions = GOALS[domain]
        set_on = day(rng.randint(5, 25) if made_on else rng.randint(1, max(length, 1)))
        goal = services.add_goal(
            person, actor=mentor, ref=f"{REF_PREFIX}G-{person.ref[-3:]}-{episode.number}-"
                                      f"{number}",
            domain=domain, description=rng.choice(words).format(m=municipality),
            set_by=rng.choice(["participant", "together", "together", "mentor"]), set_on=set_on)
        for description, who in rng.sample(actions, rng.randint(1, min(3, len(actions)))):
            due = set_on + dt.timedelta(days=rng.randint(14, 90))
            action = services.add_action(goal, actor=mentor, description=description,
                                         responsible=who.format(m=municipality), due_on=due)
            GoalAction.objects.filter(pk=action.pk).update(created_at=timezone.make_aware(
                dt.datetime.combine(set_on, dt.time(10, 0))))
            if due < end and rng.random() < 0.7:
                done = min(due - dt.timedelta(days=rng.randint(0, 10)), end, today)
                services.update_action(action, actor=mentor, expected_version=action.version,
                                       done_on=max(done, set_on))
        created.append(goal)

    if made_on is not None and casemanager is not None:
        version = services.establish_version(
            person, actor=casemanager, episode=episode, established_on=made_on,
            summary=_summary(person, domains))
        if rng.random() < 0.85 or episode.ended_on is not None:
            outcome = "signed" if rng.random() < 0.88 else "declined"
            services.record_sign_off(
                version, actor=casemanager, expected_version=version.version, outcome=outcome,
                on=min(made_on + dt.timedelta(days=rng.randint(0, 7)), end, today),
                note="" if outcome == "signed" else "Wil eerst met zijn advocaat praten.")
        if length > 150:
            second = services.establish_version(
                person, actor=casemanager, episode=episode, established_on=day(rng.randint(
                    100, min(length, 200))),
                summary="Bijgesteld na het trajectgesprek: " + _summary(person, domains))
            if rng.random() < 0.75 or episode.ended_on is not None:
                services.record_sign_off(
                    second, actor=casemanager, expected_version=second.version,
                    outcome="signed", on=min(second.established_on + dt.timedelta(
                        days=rng.randint(0, 10)), end, today))
        _reviews(person, episode, rng, today, end, casemanager)

    _outcomes(created, episode, rng, today, end, mentor)
    if stays[-1].institution.type == "facility" or rng.random() < 0.3:
        for domain in rng.sample(list(STRENGTHS), rng.randint(2, 5)):
            now, wishes, resources = STRENGTHS[domain]
            services.save_strengths(person, domain, actor=mentor, current_situation=now,
                                    wishes=wishes, resources=resources) \
                if not person.strengths.filter(domain=domain).exists() else None
    return len(created)


def _summary(person, domains) -> str:
    from django.utils import translation

    from herstelpad.reference import codes

    with translation.override("nl"):  # demo content is Dutch, whatever the CLI's language
        labels = codes.labels("domains")["domains"]
    names = ", ".join(labels[d].lower() for d in domains)
    return (f"Besproken met {person.given_name or 'de deelnemer'}. Zijn doelen gaan over "
            f"{names}. Afgesproken wie wat doet; de deelnemer werkt mee en wil na detentie een "
            f"nieuwe start maken. Het plan wordt elke zes weken besproken.")


def _reviews(person, episode, rng, today, end, casemanager) -> None:
    held = episode.started_on + dt.timedelta(days=rng.randint(38, 46))
    skip_last = episode.ended_on is None and rng.random() < 0.2
    while held <= end and held <= today:
        following = held + dt.timedelta(days=rng.randint(38, 48))
        if skip_last and (following > today):
            break  # this one is overdue: not held (yet)
        services.record_review(person, actor=casemanager, episode=episode,
                               kind=rng.choice(["trajectgesprek", "trajectgesprek", "mdo"]),
                               held_on=held, attendees=rng.choice(ATTENDEES),
                               decisions=rng.choice(DECISIONS))
        held = following


def _outcomes(goals, episode, rng, today, end, mentor) -> None:
    ended = episode.ended_on is not None
    for goal in goals:
        goal.refresh_from_db()
        if ended:
            on = max(min(end - dt.timedelta(days=rng.randint(0, 20)), today), goal.set_on)
            status = rng.choices(["achieved", "partially_achieved", "not_achieved", "withdrawn"],
                                 weights=[45, 25, 20, 10])[0]
            reason = rng.choice(NOT_ACHIEVED if status == "not_achieved" else WITHDRAWN) \
                if status in ("not_achieved", "withdrawn") else ""
            services.change_goal_status(goal, actor=mentor, expected_version=goal.version,
                                        status=status, on=on, reason=reason)
            rating = {"achieved": rng.choice([4, 5, 5]), "partially_achieved": 3,
                      "not_achieved": rng.choice([1, 2])}.get(status)
            if rating:
                services.rate_goal(goal, actor=mentor, expected_version=goal.version,
                                   rating=rating)
        elif (today - goal.set_on).days > 60 and rng.random() < 0.35:
            on = goal.set_on + dt.timedelta(days=rng.randint(30, (today - goal.set_on).days))
            services.change_goal_status(goal, actor=mentor, expected_version=goal.version,
                                        status="achieved", on=min(on, today))
