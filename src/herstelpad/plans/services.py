"""Business rules of the D&R-plan and the action plan: plan versions and sign-off, goals with
their status workflow, actions, ratings, the strengths inventory and reviews.

Same conventions as `participants.services`: `actor` is the signed-in user (None for the
system), bad input raises `ValidationError`, an invalid step `TransitionError` (reported as a
ValidationError on the field), a stale update `ConflictError`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from herstelpad.concurrency import ConflictError, check_version, save_versioned
from herstelpad.participants.models import Episode, Participant
from herstelpad.participants.services import (
    REVIEW_INTERVAL,
    _actor_user,
    _check_ref,
    _code,
    _not_future,
    _raise,
    _require,
    today,
)
from herstelpad.plans import workflows
from herstelpad.plans.models import (
    Goal,
    GoalAction,
    GoalStatus,
    GoalStatusChange,
    Plan,
    PlanVersion,
    Review,
    ReviewKind,
    SetBy,
    SignOff,
    StrengthsEntry,
)
from herstelpad.plans.workflows import TransitionError

__all__ = [
    "TransitionError", "establish_version", "record_sign_off", "add_goal", "update_goal",
    "change_goal_status", "rate_goal", "add_action", "update_action", "save_strengths",
    "record_review", "plan_of",
]


# --- The D&R-plan -----------------------------------------------------------------------------

def plan_of(episode: Episode | None) -> Plan | None:
    if episode is None:
        return None
    return Plan.objects.filter(episode=episode).first()


def episode_on(participant: Participant, on: dt.date) -> Episode | None:
    """The participant's episode that was running on this date (the latest one when none)."""
    from django.db.models import Q

    return (participant.episodes.filter(started_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on)).order_by("-number").first()
            or participant.current_episode)


def _check_in_episode(episode: Episode, on: dt.date, field: str, errors: dict) -> None:
    if on < episode.started_on:
        errors[field] = _("De datum ligt voor het begin van de detentieperiode (%(date)s).") % {
            "date": episode.started_on}
    elif episode.ended_on is not None and on > episode.ended_on:
        errors[field] = _("De datum ligt na het einde van de detentieperiode (%(date)s).") % {
            "date": episode.ended_on}


def _snapshot(goals) -> list[dict]:
    return [{"ref": g.ref, "domain": g.domain, "description": g.description,
             "status": g.status, "set_on": g.set_on.isoformat(), "set_by": g.set_by,
             "actions": [{"description": a.description, "responsible": a.responsible,
                          "due_on": a.due_on.isoformat() if a.due_on else None,
                          "done_on": a.done_on.isoformat() if a.done_on else None}
                         for a in g.actions.all()]}
            for g in goals]


def establish_version(participant: Participant, *, actor, summary: str,
                      established_on: dt.date | None = None,
                      episode: Episode | None = None) -> PlanVersion:
    """Establish a new version of the D&R-plan of an episode (the current one unless named: an
    earlier one for history, e.g. the demo). The episode's open goals that are not yet in a
    plan join it; the version keeps a snapshot of the plan's goals. The first version meets the
    four-week deadline (or is late)."""
    _require(actor, "plans.manage")
    errors: dict = {}
    summary = (summary or "").strip()
    established_on = established_on or today()
    episode = episode or participant.current_episode
    if episode is None:
        errors["__all__"] = _("De deelnemer heeft nog geen verblijf; een D&R-plan hoort bij een "
                              "detentieperiode.")
    elif episode.participant_id != participant.pk:
        raise ValueError("episode of another participant")
    if not summary:
        errors["summary"] = _("Vat het plan en de afspraken samen.")
    _not_future(established_on, "established_on", errors)
    if episode is not None and "established_on" not in errors:
        _check_in_episode(episode, established_on, "established_on", errors)
    _raise(errors)
    with transaction.atomic():
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        plan, _created = Plan.objects.get_or_create(episode=episode,
                                                    defaults={"participant": participant})
        joining = Goal.objects.filter(participant=participant, plan__isnull=True,
                                      status="open", set_on__gte=episode.started_on)
        if episode.ended_on is not None:
            joining = joining.filter(set_on__lte=episode.ended_on)
        for goal in joining:  # one by one, so the audit trail records each change
            goal.plan = plan
            goal.save(update_fields=["plan", "updated_at"])
        number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        goals = plan.goals.prefetch_related("actions").order_by("domain", "set_on", "id")
        version = PlanVersion.objects.create(
            plan=plan, number=number, established_on=established_on,
            established_by=_actor_user(actor), summary=summary, goal_snapshot=_snapshot(goals))
        episode = Episode.objects.get(pk=episode.pk)
        if episode.plan_established_on is None or established_on < episode.plan_established_on:
            episode.plan_established_on = established_on
            episode.save(update_fields=["plan_established_on", "updated_at"])
    return version


def record_sign_off(version: PlanVersion, *, actor, expected_version, outcome: str,
                    on: dt.date | None = None, note: str = "") -> PlanVersion:
    """Record whether the participant signed this version (or declined to)."""
    _require(actor, "plans.manage")
    check_version(version, expected_version)
    errors: dict = {}
    on = on or today()
    note = (note or "").strip()
    if outcome not in (SignOff.SIGNED, SignOff.DECLINED):
        errors["outcome"] = _("Kies: ondertekend, of wil niet ondertekenen.")
    if version.sign_off != SignOff.PENDING:
        errors["__all__"] = _("De ondertekening van deze versie is al vastgelegd.")
    _not_future(on, "on", errors)
    if on < version.established_on:
        errors["on"] = _("De datum ligt voor de vaststelling van deze versie (%(date)s).") % {
            "date": version.established_on}
    if outcome == SignOff.DECLINED and not note:
        errors["note"] = _("Noteer wat de deelnemer aangeeft.")
    _raise(errors)
    version.sign_off, version.sign_off_on, version.sign_off_note = outcome, on, note
    version.sign_off_recorded_by = _actor_user(actor)
    save_versioned(version, expected_version,
                   ["sign_off", "sign_off_on", "sign_off_note", "sign_off_recorded_by"])
    return version


# --- Goals ------------------------------------------------------------------------------------

def _clean_goal(data: dict, errors: dict) -> dict:
    clean = dict(data)
    if "domain" in clean:
        clean["domain"] = _code("domains", clean["domain"], "domain", errors, required=True)
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip()
    if "set_by" in clean:
        clean["set_by"] = clean["set_by"] or ""
        if clean["set_by"] and clean["set_by"] not in SetBy.values:
            errors["set_by"] = _("Kies: de deelnemer zelf, de mentor of samen.")
    return clean


def add_goal(participant: Participant, *, actor, domain: str, description: str = "",
             set_by: str = "", set_on: dt.date | None = None, ref: str | None = None) -> Goal:
    """A new goal in a life domain, open from `set_on`. It joins the D&R-plan of the current
    episode when there is one."""
    _require(actor, "plans.goals")
    errors: dict = {}
    ref = _check_ref(Goal, ref, "G", errors)
    set_on = set_on or today()
    _not_future(set_on, "set_on", errors)
    clean = _clean_goal({"domain": domain, "description": description, "set_by": set_by}, errors)
    if not clean["description"]:
        errors["description"] = _("Schrijf het doel op in de woorden van de deelnemer.")
    _raise(errors)
    with transaction.atomic():
        plan = plan_of(episode_on(participant, set_on))
        goal = Goal.objects.create(ref=ref, participant=participant, plan=plan,
                                   domain=clean["domain"], description=clean["description"],
                                   set_by=clean["set_by"], set_on=set_on,
                                   status=GoalStatus.OPEN, created_by=_actor_user(actor))
        GoalStatusChange.objects.create(goal=goal, from_status="", status=GoalStatus.OPEN,
                                        changed_on=set_on, recorded_by=_actor_user(actor))
    return goal


def update_goal(goal: Goal, *, actor, expected_version, **fields) -> Goal:
    """Change the words, domain, author or rating of a goal (not its status: see
    change_goal_status). The rating is the professional's realisation judgement at outflow:
    1 (not achieved) to 5 (fully achieved), or None."""
    _require(actor, "plans.goals")
    check_version(goal, expected_version)
    unknown = set(fields) - {"domain", "description", "set_by", "rating"}
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    errors: dict = {}
    clean = _clean_goal(fields, errors)
    if "description" in clean and not clean["description"]:
        errors["description"] = _("Schrijf het doel op in de woorden van de deelnemer.")
    rating = clean.get("rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)
                               or not 1 <= rating <= 5):
        errors["rating"] = _("Een oordeel is een getal van 1 tot en met 5.")
    _raise(errors)
    changed = [name for name in fields if getattr(goal, name) != clean[name]]
    for name in changed:
        setattr(goal, name, clean[name])
    save_versioned(goal, expected_version, changed)
    return goal


def goal_state(goal: Goal) -> workflows.GoalState:
    """The goal's state rebuilt from its recorded history."""
    steps = [(c.status, c.changed_on, c.reason)
             for c in goal.status_changes.order_by("changed_on", "id")[1:]]
    return workflows.replay_status(goal.set_on, steps)


def change_goal_status(goal: Goal, *, actor, expected_version, status: str,
                       on: dt.date | None = None, reason: str = "") -> Goal:
    """Move a goal through its workflow (see `workflows.apply_status`) and record the step."""
    _require(actor, "plans.goals")
    check_version(goal, expected_version)
    errors: dict = {}
    on = on or today()
    reason = (reason or "").strip()
    _not_future(on, "on", errors)
    _raise(errors)
    with transaction.atomic():
        state = workflows.GoalState(goal.status, goal.closed_on, goal.set_on,
                                    _last_change_on(goal))
        try:
            after = workflows.apply_status(state, status, on, reason)
        except TransitionError as exc:
            raise ValidationError({"status": str(exc)}) from exc
        previous = goal.status
        goal.status, goal.closed_on = after.status, after.closed_on
        save_versioned(goal, expected_version, ["status", "closed_on"])
        GoalStatusChange.objects.create(goal=goal, from_status=previous, status=status,
                                        changed_on=on, reason=reason,
                                        recorded_by=_actor_user(actor))
    return goal


def _last_change_on(goal: Goal) -> dt.date:
    last = goal.status_changes.order_by("-changed_on", "-id").values_list(
        "changed_on", flat=True).first()
    return last or goal.set_on


def rate_goal(goal: Goal, *, actor, expected_version, rating: int | None) -> Goal:
    """The professional's realisation judgement at outflow: 1 (not achieved) to 5 (fully)."""
    return update_goal(goal, actor=actor, expected_version=expected_version, rating=rating)


# --- Actions ----------------------------------------------------------------------------------

def _clean_action(data: dict, goal: Goal, errors: dict) -> dict:
    clean = dict(data)
    for field in ("description", "responsible"):
        if field in clean:
            clean[field] = (clean[field] or "").strip()
            if not clean[field]:
                errors[field] = _("Dit veld is verplicht.")
    if clean.get("due_on") and clean["due_on"] < goal.set_on:
        errors["due_on"] = _("De datum ligt voor de dag waarop het doel is afgesproken.")
    if clean.get("done_on"):
        _not_future(clean["done_on"], "done_on", errors)
    return clean


def add_action(goal: Goal, *, actor, description: str, responsible: str,
               due_on: dt.date | None = None) -> GoalAction:
    _require(actor, "plans.goals")
    errors: dict = {}
    if goal.status != GoalStatus.OPEN:
        errors["__all__"] = _("Dit doel is afgesloten; heropen het om er acties aan toe te "
                              "voegen.")
    clean = _clean_action({"description": description, "responsible": responsible,
                           "due_on": due_on}, goal, errors)
    _raise(errors)
    return GoalAction.objects.create(goal=goal, created_by=_actor_user(actor), **clean)


def update_action(action: GoalAction, *, actor, expected_version, **fields) -> GoalAction:
    """Change an action, or mark it done (`done_on`) or not done (`done_on=None`)."""
    _require(actor, "plans.goals")
    check_version(action, expected_version)
    unknown = set(fields) - {"description", "responsible", "due_on", "done_on"}
    if unknown:
        raise TypeError(f"unknown action fields: {sorted(unknown)}")
    errors: dict = {}
    clean = _clean_action(fields, action.goal, errors)
    _raise(errors)
    changed = [name for name in fields if getattr(action, name) != clean[name]]
    for name in changed:
        setattr(action, name, clean[name])
    save_versioned(action, expected_version, changed)
    return action


# --- Strengths inventory ----------------------------------------------------------------------

def save_strengths(participant: Participant, domain: str, *, actor, expected_version=None,
                   current_situation: str = "", wishes: str = "",
                   resources: str = "") -> StrengthsEntry:
    """Write the inventory of one life domain: a new entry (expected_version None), or an update
    of the existing one (expected_version its version)."""
    _require(actor, "plans.goals")
    errors: dict = {}
    domain = _code("domains", domain, "domain", errors, required=True)
    values = {"current_situation": (current_situation or "").strip(),
              "wishes": (wishes or "").strip(), "resources": (resources or "").strip()}
    if not any(values.values()):
        errors["__all__"] = _("Vul minstens één van de drie vragen in.")
    _raise(errors)
    entry = StrengthsEntry.objects.filter(participant=participant, domain=domain).first()
    if entry is None:
        if expected_version not in (None, ""):
            # The entry the user edited no longer exists.
            raise ConflictError(StrengthsEntry(participant=participant, domain=domain),
                                expected_version, None)
        try:
            with transaction.atomic():
                return StrengthsEntry.objects.create(participant=participant, domain=domain,
                                                     updated_by=_actor_user(actor), **values)
        except IntegrityError as exc:  # someone else saved this domain first
            entry = StrengthsEntry.objects.get(participant=participant, domain=domain)
            raise ConflictError(entry, None, entry.version) from exc
    check_version(entry, expected_version)
    changed = [name for name, value in values.items() if getattr(entry, name) != value]
    for name in changed:
        setattr(entry, name, values[name])
    entry.updated_by = _actor_user(actor)
    save_versioned(entry, expected_version, [*changed, "updated_by"])
    return entry


# --- Reviews ----------------------------------------------------------------------------------

def record_review(participant: Participant, *, actor, kind: str, held_on: dt.date,
                  attendees: str, decisions: str, next_review_on: dt.date | None = None,
                  episode: Episode | None = None) -> Review:
    """Record a trajectgesprek or MDO of an episode (the current one unless named) and schedule
    the next one (six weeks later unless said otherwise)."""
    _require(actor, "plans.manage")
    errors: dict = {}
    attendees, decisions = (attendees or "").strip(), (decisions or "").strip()
    episode = episode or participant.current_episode
    if episode is None:
        errors["__all__"] = _("De deelnemer heeft nog geen verblijf.")
    if kind not in ReviewKind.values:
        errors["kind"] = _("Kies trajectgesprek of MDO.")
    if held_on is None:
        errors["held_on"] = _("Dit veld is verplicht.")
    else:
        _not_future(held_on, "held_on", errors)
        if episode is not None and "held_on" not in errors:
            _check_in_episode(episode, held_on, "held_on", errors)
    if not attendees:
        errors["attendees"] = _("Wie waren erbij?")
    if not decisions:
        errors["decisions"] = _("Noteer de besluiten en afspraken.")
    if held_on is not None and next_review_on is None:
        next_review_on = held_on + REVIEW_INTERVAL
    if held_on is not None and next_review_on is not None and next_review_on <= held_on:
        errors["next_review_on"] = _("Het volgende gesprek ligt na dit gesprek.")
    _raise(errors)
    with transaction.atomic():
        review = Review.objects.create(
            participant=participant, episode=episode, kind=kind, held_on=held_on,
            attendees=attendees, decisions=decisions, next_review_on=next_review_on,
            recorded_by=_actor_user(actor))
        latest = Review.objects.filter(episode=episode).order_by("-held_on", "-id").first()
        episode = Episode.objects.get(pk=episode.pk)
        if episode.next_review_on != latest.next_review_on:
            episode.next_review_on = latest.next_review_on
            episode.save(update_fields=["next_review_on", "updated_at"])
    return review
