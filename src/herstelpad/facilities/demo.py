"""Demo facilities: Huis van Herstel, De Compagnie and KV Middelburg.

- Demo users: a casemanager at each facility (`hvh`, `compagnie`, `middelburg`) and the DIZ
  selection officer (`diz`).
- The facilities' history since they opened, imported with the `stays` KIND (the same door as
  the national registration): inflow, positive outflow with and without a penitentiary
  programme, returns to the prison with a reason, a participant who left with PP and came back.
- Candidate lists for Huis van Herstel, imported with the `candidates` KIND and screened with the
  criteria in force on their dates.
- Live funnels through the services (every step recorded with decider and reason): candidates in
  every step of each route, rejections with a reason, a withdrawal, an advice waiting for DIZ,
  pre-scan answers at Middelburg, placements with a trial period, a temporary return.
Seeded and relative to today; skipped when candidates exist. Names are invented.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from herstelpad.accounts.demo import ensure_user
from herstelpad.accounts.models import Role
from herstelpad.facilities import services
from herstelpad.facilities.models import Candidate
from herstelpad.organisations.models import Institution

USERS = [
    ("hvh", "Marieke", "Kuipers", Role.CASEMANAGER, "DJI", ["FAC-HVH"]),
    ("compagnie", "Bas", "Verhoeven", Role.CASEMANAGER, "DJI", ["FAC-COMPAGNIE"]),
    ("middelburg", "Yvonne", "de Kok", Role.CASEMANAGER, "DJI", ["FAC-MIDDELBURG"]),
    ("diz", "Rob", "Vermeulen", Role.SELECTION_OFFICER, "DIZ", []),
]
GIVEN = ["Ahmed", "Bram", "Dennis", "Erik", "Hasan", "Jeroen", "Kevin", "Lucas", "Mark",
         "Niels", "Omar", "Patrick", "Ricardo", "Stefan", "Thomas", "Yusuf", "Wim", "Gerard"]
FAMILY = ["Bos", "Brouwer", "Dekker", "Hoekstra", "Koster", "Meijer", "Peters", "Postma",
          "Schouten", "Veenstra", "Willems", "Yıldız", "Boukhari", "Martina", "Kramer"]
TWENTE = ["Almelo", "Enschede", "Hengelo", "Borne", "Oldenzaal", "Rijssen-Holten", "Wierden",
          "Tubbergen", "Losser", "Haaksbergen"]
# (facility, first entry, number of stays up to today)
HISTORY = [("FAC-HVH", dt.date(2021, 2, 8), 60), ("FAC-COMPAGNIE", dt.date(2019, 1, 14), 100),
           ("FAC-MIDDELBURG", dt.date(2020, 8, 17), 40)]
OUTFLOWS = {"FAC-HVH": ["positive_pp"] * 9 + ["positive_end"] * 5 + ["returned"] * 5 +
            ["other"],
            "FAC-COMPAGNIE": ["positive_pp"] * 8 + ["positive_end"] * 6 + ["returned"] * 4 +
            ["transferred"] * 2,
            "FAC-MIDDELBURG": ["positive_end"] * 12 + ["returned"] * 2 + ["other"]}
RETURN_REASONS = ["substance_use"] * 3 + ["aggression", "rule_breach", "insufficient_effort"]
LOS = {"FAC-HVH": (60, 330), "FAC-COMPAGNIE": (90, 420), "FAC-MIDDELBURG": (14, 150)}


def _name(rng) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def load(context) -> None:
    if Candidate.objects.exists():
        return
    for spec in USERS:
        ensure_user(context, *spec)
    users = context.data["users"]
    today = services.today()
    rng = random.Random(20261205)
    _import_history(rng, today)
    _import_lists(rng, today)
    _settle_lists(rng, today, users["hvh"])
    _live_funnels(rng, today, users)


def _run_import(kind: str, lines: list[str], filename: str) -> None:
    from herstelpad.imports import services as imports

    data = ("\n".join(lines) + "\n").encode("utf-8")
    result, _run = imports.import_file(kind, io.BytesIO(data), channel="cli", filename=filename,
                                       size=len(data))
    if not result.ok:  # pragma: no cover - the demo's own files are valid
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))


def _import_history(rng, today) -> None:
    lines = ["participant_ref,stay_ref,institution,entered_on,left_on,outflow_type,"
             "return_reason,sex,sentence_end_on,aftercare_municipality"]
    for code, start, count in HISTORY:
        gap = max(4, (today - start).days // count)
        short = code.split("-")[1][:3]
        entered = start
        comeback = None
        for n in range(1, count + 1):
            entered = entered + dt.timedelta(days=rng.randint(gap // 2, gap * 3 // 2))
            if entered > today - dt.timedelta(days=20):
                break
            low, high = LOS[code]
            left = entered + dt.timedelta(days=rng.randint(low, high))
            sex = "female" if code == "FAC-MIDDELBURG" and rng.random() < 0.2 else "male"
            municipality = rng.choice(TWENTE) if code == "FAC-HVH" else (
                rng.choice(["Vlissingen", "Middelburg", "Goes", "Terneuzen"])
                if code == "FAC-MIDDELBURG" else "")
            outflow, reason = "", ""
            if left < today:
                outflow = rng.choice(OUTFLOWS[code])
                reason = rng.choice(RETURN_REASONS) if outflow == "returned" else ""
            end = left + dt.timedelta(days=rng.randint(0, 90))
            person = f"DEMO-{short}-{n:03d}"
            lines.append(",".join([
                person, f"DEMO-{short}-S{n:03d}", code, entered.isoformat(),
                left.isoformat() if outflow else "", outflow, reason, sex, end.isoformat(),
                municipality]))
            if code == "FAC-HVH" and outflow == "positive_pp" and comeback is None \
                    and left + dt.timedelta(days=150) < today - dt.timedelta(days=30):
                # Left with a penitentiary programme, came back after it failed: a new stay.
                comeback = (person, left + dt.timedelta(days=120), end, municipality)
        if comeback is not None:
            person, back, end, municipality = comeback
            lines.append(",".join([person, f"DEMO-{short}-S999", code, back.isoformat(),
                                   (back + dt.timedelta(days=30)).isoformat(), "positive_end",
                                   "", "male", max(end, back + dt.timedelta(days=30))
                                   .isoformat(), municipality]))
    _run_import("stays", lines, "verblijven-voorzieningen.csv")


def _import_lists(rng, today) -> None:
    lines = ["candidate_ref,facility,list_date,sex,sentence_end_on,life_sentence,isd,tbs,"
             "clinic,immediate_release,pp,municipality,status"]
    others = ["Zwolle", "Deventer", "Utrecht", "Apeldoorn", ""]
    for list_number, days_ago in enumerate((420, 240, 45), 1):
        list_date = today - dt.timedelta(days=days_ago)
        for n in range(1, 41):
            sex = "female" if rng.random() < 0.08 else "male"
            flags = ["yes" if rng.random() < p else "" for p in
                     (0.02, 0.03, 0.02, 0.04, 0.02, 0.08)]
            remaining = rng.choice([rng.randint(10, 59), rng.randint(60, 548),
                                    rng.randint(60, 548), rng.randint(549, 1500)])
            end = "" if rng.random() < 0.05 else (list_date + dt.timedelta(days=remaining)
                                                  ).isoformat()
            municipality = rng.choice(TWENTE) if rng.random() < 0.7 else rng.choice(others)
            status = rng.choice(["", "", "", "", "on_intake_list", "already_placed"])
            lines.append(",".join([f"LIJST-{list_number}-{n:03d}", "FAC-HVH",
                                   list_date.isoformat(), sex, end, *flags, municipality,
                                   status]))
    _run_import("candidates", lines, "kandidatenlijst-hvh.csv")


def _settle_lists(rng, today, team) -> None:
    """What the team did with the imported lists: a candidate who does not meet the criteria is
    turned down in the screening step with the reason; of the older lists' eligible candidates
    a few withdrew and the rest sent no motivation letter. The newest list's eligible
    candidates still wait in the screening step."""
    from herstelpad.reference import codes

    labels = codes.labels("exclusion_reasons")["exclusion_reasons"]
    newest = Candidate.objects.filter(ref__startswith="LIJST-").order_by("-list_date") \
        .values_list("list_date", flat=True).first()
    for candidate in Candidate.objects.filter(ref__startswith="LIJST-").select_related("step") \
            .order_by("list_date", "ref"):
        day = candidate.list_date + dt.timedelta(days=rng.randint(3, 10))
        if candidate.screening_outcome != "eligible":
            services.decide(candidate, actor=team, expected_version=candidate.version,
                            decision="negative", on=day,
                            reason="Voldoet niet aan de criteria (%s)." % labels.get(
                                candidate.screening_outcome, candidate.screening_outcome))
        elif candidate.list_date != newest:
            if candidate.list_status == "already_placed":
                services.withdraw(candidate, actor=team, expected_version=candidate.version,
                                  on=day, reason="Al geplaatst in een andere voorziening.")
                continue
            services.decide(candidate, actor=team, expected_version=candidate.version,
                            decision="positive", on=day, reason="Voldoet aan de criteria.")
            candidate.refresh_from_db()
            services.decide(candidate, actor=team, expected_version=candidate.version,
                            decision="negative", on=day + dt.timedelta(days=21),
                            reason="Geen motivatiebrief ontvangen binnen drie weken.")


def _live_funnels(rng, today, users) -> None:
    hvh, compagnie, middelburg, diz = (users["hvh"], users["compagnie"], users["middelburg"],
                                       users["diz"])
    facilities = {i.code: i for i in Institution.objects.filter(
        code__in=["FAC-HVH", "FAC-COMPAGNIE", "FAC-MIDDELBURG"])}

    def on(days):
        return today - dt.timedelta(days=days)

    def walk(candidate, team, steps, *, start):
        """steps: ("+" | "-" | "w", gap in days, reason); DIZ decides its own step."""
        day = start
        for kind, gap, reason in steps:
            day = day - gap
            candidate.refresh_from_db()
            if kind == "w":
                services.withdraw(candidate, actor=team, expected_version=candidate.version,
                                  on=on(day), reason=reason)
                continue
            actor = diz if candidate.step and candidate.step.decider == "diz" else team
            services.decide(candidate, actor=actor, expected_version=candidate.version,
                            decision="positive" if kind == "+" else "negative", on=on(day),
                            reason=reason)
        candidate.refresh_from_db()
        return candidate, day

    # Huis van Herstel: referrals by PI casemanagers and municipalities, in every step.
    ok = [("+", 7, "Voldoet aan de criteria."), ("+", 10, "Motivatiebrief ontvangen."),
          ("+", 12, "Dossier besproken; problemen op drie leefgebieden."),
          ("+", 9, "Weegtafel positief."), ("+", 6, "Selectieadvies verstuurd naar DIZ.")]
    plans = [
        (0, 15), (1, 30), (2, 40), (3, 55), (4, 60), (5, 70),  # open in each step
    ]
    for n, (steps, start) in enumerate(plans, 1):
        candidate = services.register_candidate(
            actor=hvh, facility=facilities["FAC-HVH"], source=rng.choice(
                ["casemanager", "municipality", "probation"]), list_date=on(start),
            name=_name(rng), ref=f"DEMO-K-HVH-{n:02d}", sex="male",
            sentence_end_on=on(start - rng.randint(120, 400)), municipality=rng.choice(TWENTE))
        walk(candidate, hvh, ok[:steps], start=start)
    rejected = services.register_candidate(
        actor=hvh, facility=facilities["FAC-HVH"], source="casemanager", list_date=on(90),
        name=_name(rng), ref="DEMO-K-HVH-07", sex="male", sentence_end_on=on(-300),
        municipality="Enschede")
    walk(rejected, hvh, ok[:3] + [("-", 9, "De weegtafel ziet onvoldoende motivatie; hij wil "
                                   "niet werken aan zijn schulden.")], start=90)
    by_diz = services.register_candidate(
        actor=hvh, facility=facilities["FAC-HVH"], source="municipality", list_date=on(110),
        name=_name(rng), ref="DEMO-K-HVH-08", sex="male", sentence_end_on=on(-200),
        municipality="Hengelo")
    walk(by_diz, hvh, [*ok, ("-", 14, "Risicotaxatie ontbreekt; vrijheden nog niet "
                                      "verantwoord.")], start=110)
    withdrawn = services.register_candidate(
        actor=hvh, facility=facilities["FAC-HVH"], source="casemanager", list_date=on(80),
        name=_name(rng), ref="DEMO-K-HVH-09", sex="male", sentence_end_on=on(-250),
        municipality="Almelo")
    walk(withdrawn, hvh, ok[:2] + [("w", 5, "Kiest voor een PP-traject.")], start=80)
    placed = services.register_candidate(
        actor=hvh, facility=facilities["FAC-HVH"], source="casemanager", list_date=on(120),
        name=_name(rng), ref="DEMO-K-HVH-10", sex="male", sentence_end_on=on(-280),
        municipality="Oldenzaal")
    placed, day = walk(placed, hvh, [*ok, ("+", 8, "Akkoord: plaatsing in Huis van Herstel.")],
                       start=120)
    stay = services.place(placed, actor=hvh, expected_version=placed.version, on=on(day - 6),
                          trial_until=on(day - 6) + dt.timedelta(weeks=8))
    services.temporary_return(stay, actor=hvh, left_on=on(10), planned_return_on=on(-4),
                              reason="Time-out na een conflict op de groep.",
                              decided_by="Operationeel manager Huis van Herstel")

    # De Compagnie: referrals from PI casemanagers; intake with Gevangenenzorg; DIZ decides.
    steps_c = [("+", 5, "Voldoet aan de criteria."), ("+", 14, "Intake met GNd positief."),
               ("+", 7, "MDO positief."), ("+", 5, "Advies naar DIZ.")]
    for n, (count, start) in enumerate([(0, 12), (1, 25), (2, 40), (4, 50), (3, 70)], 1):
        candidate = services.register_candidate(
            actor=compagnie, facility=facilities["FAC-COMPAGNIE"], source="casemanager",
            list_date=on(start), name=_name(rng), ref=f"DEMO-K-DC-{n:02d}", sex="male",
            sentence_end_on=on(start - rng.randint(200, 600)), regime="plus",
            dutch_proficiency="sufficient", offence_category=rng.choice(
                ["property", "drugs", "violence"]))
        if count == 3:
            walk(candidate, compagnie, steps_c[:2] + [("-", 7, "MDO: niet groepsgeschikt.")],
                 start=start)
        else:
            walk(candidate, compagnie, steps_c[:count], start=start)

    # KV Middelburg: self-reporters; the partners answer the pre-scan with objection or not.
    for n, (start, stage) in enumerate([(8, 0), (20, 1), (35, 2), (50, 4), (65, 5)], 1):
        candidate = services.register_candidate(
            actor=middelburg, facility=facilities["FAC-MIDDELBURG"], source="application",
            list_date=on(start), name=_name(rng), ref=f"DEMO-K-KVM-{n:02d}",
            sex=rng.choice(["male", "male", "female"]), sentence_end_on=on(start - 90),
            municipality=rng.choice(["Vlissingen", "Middelburg", "Goes", "Bergen op Zoom"]),
            weekly_work_hours=rng.choice([24, 32, 36, 40]))
        for partner in ("prosecution", "police", "probation", "safety_house"):
            services.record_prescan(candidate, actor=middelburg, partner=partner,
                                    objection=(n == 3 and partner == "police"),
                                    answered_on=on(start - 3))
        if n == 3:
            walk(candidate, middelburg, [("-", 4, "Bezwaar van de politie in de voorscan.")],
                 start=start)
            continue
        steps_m = [("+", 4, "Geen bezwaar van de ketenpartners."),
                   ("+", 3, "Oproepbrief verstuurd."),
                   ("+", 10, "Werkgever bevestigt 32 uur per week."),
                   ("+", 5, "Plaatsingsvoorstel aan de directie."),
                   ("+", 4, "Directie akkoord.")]
        candidate, day = walk(candidate, middelburg, steps_m[:stage], start=start)
        if stage == 5:
            services.place(candidate, actor=middelburg, expected_version=candidate.version,
                           on=on(day - 3))
