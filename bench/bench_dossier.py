"""The caseload and the dossier at national scale: how long do the queries behind the caseload
page, the unit overview, the "needs attention" panel and a dossier's timeline take when the
database holds tens of thousands of participants?

The data is bulk-inserted (not through the services: this measures reads). Every PI gets
casemanagers and mentors with about 40 people each; every participant has one or two stays,
goals with actions, and shift notes."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time


def _timed(func, repeat: int = 5) -> float:
    """Median milliseconds of `repeat` calls (after one warm-up call)."""
    func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def _populate(n: int, rng: random.Random):
    from django.utils import timezone

    from herstelpad.accounts.models import User
    from herstelpad.organisations.models import Institution, Organisation
    from herstelpad.participants.models import (
        Assignment,
        Episode,
        Participant,
        ShiftNote,
        Stay,
    )
    from herstelpad.plans.models import Goal, GoalAction

    today = timezone.localdate()
    prisons = list(Institution.objects.filter(type="pi"))
    dji = Organisation.objects.get(code="DJI")
    staff = {}
    for prison in prisons:
        users = User.objects.bulk_create([
            User(username=f"bench-{role}-{prison.code}-{i}", role=role, organisation=dji)
            for role in ("casemanager", "mentor") for i in range(max(1, n // (40 * len(prisons))))
        ])
        for user in users:
            user.institutions.add(prison)
        staff[prison.pk] = users
    people = Participant.objects.bulk_create([
        Participant(ref=f"BENCH-{i:07d}", given_name=f"Voornaam{i % 97}",
                    family_name=f"Achternaam{i % 1013}", birth_year=1960 + i % 45, sex="male")
        for i in range(n)], batch_size=2000)
    episodes, stays_spec = [], []
    for person in people:
        started = today - dt.timedelta(days=rng.randint(1, 900))
        ended = None if rng.random() < 0.6 else started + dt.timedelta(days=rng.randint(20, 300))
        if ended and ended > today:
            ended = None
        episodes.append(Episode(participant=person, number=1, started_on=started,
                                ended_on=ended, plan_due_on=started + dt.timedelta(weeks=4),
                                plan_established_on=(started + dt.timedelta(days=20)
                                                     if rng.random() < 0.8 else None),
                                next_review_on=started + dt.timedelta(weeks=6 * rng.randint(1, 8))))
        stays_spec.append((person, rng.choice(prisons), started, ended))
    episodes = Episode.objects.bulk_create(episodes, batch_size=2000)
    stays = Stay.objects.bulk_create([
        Stay(ref=f"BENCH-S-{i:07d}", participant=person, episode=episode, institution=prison,
             entered_on=started, left_on=ended, legal_status="convicted",
             sentence_end_on=started + dt.timedelta(days=rng.randint(60, 900)),
             unit=rng.choice(["A", "B", "C", "D"]))
        for i, ((person, prison, started, ended), episode) in enumerate(zip(stays_spec,
                                                                            episodes))],
        batch_size=2000)
    for person, episode, stay in zip(people, episodes, stays):
        person.current_episode = episode
        person.current_stay = stay if stay.left_on is None else None
    Participant.objects.bulk_update(people, ["current_episode", "current_stay"],
                                    batch_size=1000)
    assignments = []
    for person, stay in zip(people, stays):
        if stay.left_on is None:
            users = staff[stay.institution_id]
            cms = [u for u in users if u.role == "casemanager"]
            mentors = [u for u in users if u.role == "mentor"]
            assignments.append(Assignment(participant=person, user=rng.choice(cms),
                                          role="casemanager", starts_on=stay.entered_on))
            assignments.append(Assignment(participant=person, user=rng.choice(mentors),
                                          role="mentor", starts_on=stay.entered_on))
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    domains = ["housing", "work_daytime", "debts", "income", "care", "identity"]
    goals = Goal.objects.bulk_create([
        Goal(ref=f"BENCH-G-{p.pk}-{j}", participant=p, domain=domains[j],
             set_on=s.entered_on, status=rng.choice(["open", "open", "achieved"]))
        for p, s in zip(people, stays) for j in range(4)], batch_size=5000)
    GoalAction.objects.bulk_create([
        GoalAction(goal=g, description="Actie", responsible="mentor",
                   due_on=g.set_on + dt.timedelta(days=30)) for g in goals], batch_size=5000)
    now = timezone.now()
    ShiftNote.objects.bulk_create([
        ShiftNote(participant=p, institution_id=s.institution_id, stay=s,
                  written_at=now - dt.timedelta(hours=rng.randint(1, 2000)),
                  text="Al besproken met hem.") for p, s in zip(people, stays)
        for _ in range(2)], batch_size=5000)
    return staff, people


def run(quick: bool = False):
    from herstelpad.accounts.models import User
    from herstelpad.participants import services, timeline
    from herstelpad.participants.home import attention_panel

    n = 2_000 if quick else 50_000
    rng = random.Random(4)
    start = time.perf_counter()
    staff, people = _populate(n, rng)
    load_s = round(time.perf_counter() - start, 1)
    # Planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) keep them in
    # production; without them PostgreSQL plans the freshly bulk-loaded tables very badly.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    casemanager = next(u for users in staff.values() for u in users if u.role == "casemanager")
    casemanager = User.objects.get(pk=casemanager.pk)
    head = User(username="bench-head", role="unit_head")
    head.save()
    head.institutions.add(*casemanager.institutions.all())
    rows = [{"case": "populate", "participants": n, "seconds": load_s}]

    def page(user, query):
        qs = services.caseload(user, query)
        list(qs[:50])
        qs.count()

    rows.append({"case": "caseload_mine", "participants": n, "ms": _timed(
        lambda: page(casemanager, services.CaseloadQuery(mine=True)))})
    rows.append({"case": "unit_overview_by_remaining", "participants": n, "ms": _timed(
        lambda: page(head, services.CaseloadQuery(mine=False, sort="remaining")))})
    rows.append({"case": "unit_plan_overdue", "participants": n, "ms": _timed(
        lambda: page(head, services.CaseloadQuery(mine=False, attention="plan_overdue")))})
    rows.append({"case": "name_search_unit", "participants": n, "ms": _timed(
        lambda: page(head, services.CaseloadQuery(mine=False, q="achternaam12")))})

    class Request:
        user = casemanager

    rows.append({"case": "home_attention_panel", "participants": n, "ms": _timed(
        lambda: attention_panel(Request()))})
    person = services.caseload(casemanager, services.CaseloadQuery(mine=True)).first()
    rows.append({"case": "dossier_timeline", "participants": n, "ms": _timed(
        lambda: timeline.events_for(person, casemanager))})
    return rows
