"""The facilities' service layer: configuration, screening, the candidate funnel, placement and
the stay, and the figures of the dashboard. Web views, the API, the import and the command line
call these functions; the rules live here.

Service API (for views and the API; `actor` is the request's user, or None at the command
line; person-level lists must still go through `policy.scope`):

Configuration
    facilities_for(user) -> QuerySet[Institution]           facilities the user may see
    route_of(facility) -> list[RouteStep]                   the inflow route in order
    capacity_on(facility, on) -> int | None                 places in force on a date
    capacity_history(facility) -> QuerySet[CapacityPeriod]  (with `lines`)
    set_capacity(facility, *, actor, effective_from, places: dict[place_type, int], reason="")
    criterion_set_on(facility, on) -> CriterionSet | None
    add_criterion_set(facility, *, actor, effective_from, criteria: list[dict], note="")
Screening
    screen(candidate, *, save=True) -> screening.Result     explains every criterion
    grant_exception(candidate, *, actor, criterion, reason, on=None) -> ScreeningException
Funnel
    register_candidate(*, actor, facility, source, list_date, participant=None, name="",
                       ref=None, **facts) -> Candidate      referral or application
    decide(candidate, *, actor, expected_version, decision, on, reason="", decider="")
    withdraw(candidate, *, actor, expected_version, on, reason="")
    reopen(candidate, *, actor, expected_version, on, reason)
    record_prescan(candidate, *, actor, partner, objection: bool, answered_on) -> PrescanAnswer
    allowed_actions(user, candidate) -> tuple[str, ...]     for buttons
    replayed_state(candidate) -> workflows.CandidateState
    board(user, facility, *, on=None) -> QuerySet[Candidate] annotated `days_in_step`,
                                            `lead_time_days` (integers, computed in SQL)
Placement and stay
    place(candidate, *, actor, expected_version, on, trial_until=None, from_stay=None) -> Stay
    set_trial_period(stay, *, actor, expected_version, trial_until) -> FacilityStay
    temporary_return(stay, *, actor, left_on, planned_return_on, reason, decided_by)
    end_temporary_return(temporary_return, *, actor, returned_on)
    definitive_return(stay, *, actor, expected_version, on, return_reason, decided_by,
                      note="") -> Stay                      (the new stay at the prison)
    outflow(stay, *, actor, expected_version, on, outflow_type, housing_destination="",
            decided_by="", note="", to_institution=None) -> Stay
Figures (dashboard; each one query, computed in the database)
    occupancy(facility_ids, date_from, date_to, by="month") -> list[dict]
        keys: facility, period, capacity, occupied_place_days, available_place_days,
              occupancy_pct, present_at_period_end
    funnel(facility_id, date_from=None, date_to=None) -> list[dict]
        per route step in order: step (RouteStep), entered, positive, negative, withdrawn,
        open_now, conversion_pct, median_days
    outflow_by_type(facility_ids, date_from=None, date_to=None) -> list[dict]
        per outflow code (all codes, zeros included): outflow_type, stays
    length_of_stay(facility_ids, date_from=None, date_to=None) -> dict
        keys: stays, mean_days, min_days, max_days, median_days (left stays in the period)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Max, Min, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.concurrency import check_version, save_versioned
from herstelpad.facilities import screening, workflows
from herstelpad.facilities.dbfunctions import DaysBetween
from herstelpad.facilities.models import (
    Candidate,
    CandidateStep,
    CapacityPeriod,
    CapacityPlaces,
    Criterion,
    CriterionKind,
    CriterionSet,
    Decider,
    FacilityStay,
    PlaceType,
    PrescanAnswer,
    PrescanPartner,
    RouteStep,
    ScreeningException,
    Source,
    TemporaryReturn,
)
from herstelpad.organisations.models import Institution, Municipality
from herstelpad.participants import services as participants
from herstelpad.participants.models import Participant, Stay
from herstelpad.participants.workflows import TransitionError
from herstelpad.reference import codes

SEXES = ("male", "female", "other", "unknown")
FACT_FIELDS = ("sex", "sentence_end_on", "life_sentence", "isd", "tbs", "clinic",
               "immediate_release", "pp", "municipality_name", "list_status",
               "dutch_proficiency", "regime", "offence_category", "weekly_work_hours")

__all__ = [
    "facilities_for", "route_of", "capacity_on", "capacity_history", "set_capacity",
    "criterion_set_on", "add_criterion_set", "screen", "grant_exception", "register_candidate",
    "decide", "withdraw", "reopen", "record_prescan", "allowed_actions", "replayed_state",
    "board", "place", "set_trial_period", "facility_details", "temporary_return",
    "end_temporary_return", "intake_sources",
    "definitive_return", "outflow", "occupancy", "funnel", "outflow_by_type", "length_of_stay",
    "TransitionError",
]


# --- Helpers ----------------------------------------------------------------------------------

def today() -> dt.date:
    return timezone.localdate()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _not_future(value, field: str, errors: dict) -> None:
    if value is not None and value > today():
        errors.setdefault(field, _("Deze datum ligt in de toekomst."))


def _require(actor, perm: str) -> None:
    if _user(actor) is not None:
        policy.require(actor, perm)


def _require_facility(actor, facility_id: int) -> None:
    if _user(actor) is not None and not policy.may_manage_facility(actor, facility_id):
        raise PermissionDenied("facilities.manage")


def _decider_label(actor, decider: str) -> str:
    decider = (decider or "").strip()
    if decider:
        return decider[:150]
    user = _user(actor)
    if user is None:
        return ""
    return f"{user.display_name} ({user.role_label})"[:150]


def facility_queryset():
    return Institution.objects.filter(type="facility")


def facilities_for(user) -> models.QuerySet:
    """The facilities whose candidates, stays and figures this user may see (all for national
    roles; for others their own facilities or those of their prison)."""
    qs = facility_queryset().filter(active=True)
    if user is None:
        return qs
    return qs.filter(pk__in=policy.visible_institution_ids(user))


# --- Configuration ----------------------------------------------------------------------------

def route_of(facility) -> list[RouteStep]:
    return list(RouteStep.objects.filter(facility=facility).order_by("order"))


def _route_codes(facility_id: int) -> tuple[str, ...]:
    return tuple(RouteStep.objects.filter(facility_id=facility_id).order_by("order")
                 .values_list("code", flat=True))


def capacity_on(facility, on: dt.date) -> int | None:
    period = (CapacityPeriod.objects.filter(facility=facility, effective_from__lte=on)
              .order_by("-effective_from").first())
    return period.places if period else None


def capacity_history(facility) -> models.QuerySet:
    return (CapacityPeriod.objects.filter(facility=facility).prefetch_related("lines")
            .order_by("effective_from"))


def set_capacity(facility, *, actor, effective_from: dt.date, places: dict[str, int],
                 reason: str = "") -> CapacityPeriod:
    """Record the places in force from `effective_from` (replacing a period of that same date)."""
    if _user(actor) is not None and not policy.may_configure_facility(actor, facility.pk):
        raise PermissionDenied("facilities.configure")
    errors: dict = {}
    if not facility.is_facility:
        errors["facility"] = _("Capaciteit hoort bij een voorziening.")
    if effective_from is None:
        errors["effective_from"] = _("Dit veld is verplicht.")
    clean = {}
    for place_type, n in (places or {}).items():
        if place_type not in PlaceType.values:
            errors["places"] = _("Onbekende soort plaats: %(type)s.") % {"type": place_type}
        elif n is None or int(n) < 0:
            errors["places"] = _("Het aantal plaatsen is 0 of meer.")
        elif int(n):
            clean[place_type] = int(n)
    if not places:
        errors["places"] = _("Geef het aantal plaatsen.")
    _raise(errors)
    with transaction.atomic():
        period, created = CapacityPeriod.objects.update_or_create(
            facility=facility, effective_from=effective_from,
            defaults={"places": sum(clean.values()), "reason": reason[:300]})
        period.lines.all().delete()
        CapacityPlaces.objects.bulk_create(
            CapacityPlaces(period=period, place_type=t, places=n) for t, n in clean.items())
        # Configuration is not person data, but who changed it is on record.
        audit.record(Action.CREATE if created else Action.UPDATE, obj=period,
                     details={"facility": facility.code, "places": clean,
                              "effective_from": effective_from.isoformat()})
    return period


def criterion_set_on(facility, on: dt.date) -> CriterionSet | None:
    return (CriterionSet.objects.filter(facility=facility, effective_from__lte=on)
            .order_by("-effective_from").first())


def add_criterion_set(facility, *, actor, effective_from: dt.date, criteria: list[dict],
                      note: str = "") -> CriterionSet:
    """A new version of the criteria, in force from `effective_from`. `criteria`: dicts with
    kind, params, hard, description. Lists dated before it keep their earlier screening."""
    if _user(actor) is not None and not policy.may_configure_facility(actor, facility.pk):
        raise PermissionDenied("facilities.configure")
    errors: dict = {}
    if effective_from is None:
        errors["effective_from"] = _("Dit veld is verplicht.")
    elif CriterionSet.objects.filter(facility=facility, effective_from=effective_from).exists():
        errors["effective_from"] = _("Er is al een versie die op deze datum ingaat; kies een "
                                     "andere datum.")
    for i, item in enumerate(criteria or []):
        if item.get("kind") not in CriterionKind.values:
            errors["criteria"] = _("Criterium %(n)d: onbekende soort %(kind)s.") % {
                "n": i + 1, "kind": item.get("kind")}
    if not criteria:
        errors["criteria"] = _("Een versie heeft ten minste één criterium.")
    _raise(errors)
    with transaction.atomic():
        criterion_set = CriterionSet.objects.create(facility=facility,
                                                    effective_from=effective_from,
                                                    note=note[:300], created_by=_user(actor))
        Criterion.objects.bulk_create(
            Criterion(criterion_set=criterion_set, order=i, kind=item["kind"],
                      params=item.get("params") or {}, hard=bool(item.get("hard", True)),
                      description=(item.get("description") or "")[:300])
            for i, item in enumerate(criteria, 1))
        audit.record(Action.CREATE, obj=criterion_set, details={
            "facility": facility.code, "effective_from": effective_from.isoformat(),
            "criteria": [item["kind"] for item in criteria]})
    return criterion_set


# --- Screening --------------------------------------------------------------------------------

def rules_of(criterion_set: CriterionSet | None) -> list[screening.Rule]:
    if criterion_set is None:
        return []
    return [screening.Rule(c.pk, c.kind, c.params or {}, c.hard, c.description)
            for c in criterion_set.criteria.all()]


def served_codes(facility_id: int) -> frozenset[str]:
    return frozenset(Municipality.objects.filter(facilities__institution_id=facility_id)
                     .values_list("code", flat=True))


def municipality_lookup() -> dict[str, Municipality]:
    """Known municipalities by lower-case code and name."""
    lookup = {}
    for m in Municipality.objects.all():
        lookup[m.code.lower()] = m
        lookup[m.name.lower()] = m
    return lookup


def resolve_municipality(value: str, lookup: dict | None = None) -> Municipality | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if lookup is not None:
        return lookup.get(value)
    return (Municipality.objects.filter(code__iexact=value).first()
            or Municipality.objects.filter(name__iexact=value).first())


def facts_of(candidate: Candidate) -> screening.Facts:
    return screening.Facts(
        sex=candidate.sex, sentence_end_on=candidate.sentence_end_on,
        life_sentence=candidate.life_sentence, isd=candidate.isd, tbs=candidate.tbs,
        clinic=candidate.clinic, immediate_release=candidate.immediate_release,
        pp=candidate.pp, municipality=candidate.municipality_name,
        municipality_code=candidate.municipality.code if candidate.municipality_id else None,
        dutch_proficiency=candidate.dutch_proficiency, regime=candidate.regime,
        offence_category=candidate.offence_category,
        weekly_work_hours=candidate.weekly_work_hours)


def screen(candidate: Candidate, *, save: bool = True) -> screening.Result:
    """Screen the candidate with the criteria in force on its list or application date,
    taking recorded exceptions into account; store the outcome and reasons when `save`."""
    criterion_set = criterion_set_on(candidate.facility_id and candidate.facility,
                                     candidate.list_date)
    excepted = frozenset(candidate.exceptions.values_list("criterion_id", flat=True)) \
        if candidate.pk else frozenset()
    result = screening.evaluate(rules_of(criterion_set), facts_of(candidate),
                                candidate.list_date, served=served_codes(candidate.facility_id),
                                excepted=excepted)
    if criterion_set is None:
        result = screening.Result("other", ["other"], [])
    if save:
        candidate.criterion_set = criterion_set
        candidate.screening_outcome = result.outcome
        candidate.screening_reasons = result.reasons_text
        if candidate.pk:
            candidate.save(update_fields=["criterion_set", "screening_outcome",
                                          "screening_reasons", "updated_at"])
    return result


def grant_exception(candidate: Candidate, *, actor, criterion: Criterion, reason: str,
                    on: dt.date | None = None) -> ScreeningException:
    """A reasoned exception to a criterion that allows one; the candidate is screened again."""
    _require(actor, "facilities.manage")
    _require_facility(actor, candidate.facility_id)
    errors: dict = {}
    reason = (reason or "").strip()
    if criterion.criterion_set_id != candidate.criterion_set_id:
        errors["criterion"] = _("Dit criterium hoort niet bij de criteria die voor deze "
                                "kandidaat gelden.")
    elif criterion.hard:
        errors["criterion"] = _("Dit is een hard criterium: een uitzondering is niet mogelijk.")
    if not reason:
        errors["reason"] = _("Een uitzondering heeft een motivering.")
    if candidate.state != workflows.OPEN:
        errors["__all__"] = _("Een uitzondering is alleen mogelijk zolang de kandidaat in de "
                              "instroomroute zit.")
    already = _("Voor dit criterium is al een uitzondering gemaakt.")
    if ScreeningException.objects.filter(candidate=candidate, criterion=criterion).exists():
        errors["criterion"] = already
    on = on or today()
    _not_future(on, "on", errors)
    _raise(errors)
    try:
        with transaction.atomic():
            exception = ScreeningException.objects.create(
                candidate=candidate, criterion=criterion, reason=reason, granted_on=on,
                granted_by=_user(actor))
            screen(candidate)
    except IntegrityError as exc:  # granted at the same moment by someone else
        raise ValidationError({"criterion": already}) from exc
    return exception


# --- The funnel -------------------------------------------------------------------------------

def _clean_facts(facts: dict, errors: dict) -> dict:
    unknown = set(facts) - set(FACT_FIELDS) - {"municipality"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    clean = dict(facts)
    if "municipality" in clean:
        clean["municipality_name"] = clean.pop("municipality") or ""
    sex = clean.get("sex", "unknown") or "unknown"
    if sex not in SEXES:
        errors["sex"] = _("Kies man, vrouw, anders of onbekend.")
    clean["sex"] = sex
    for flag in screening.ORDER_FLAGS:
        clean[flag] = bool(clean.get(flag, False))
    if clean.get("regime") and clean["regime"] not in ("basic", "plus"):
        errors["regime"] = _("Kies het basisprogramma of het plusprogramma.")
    if clean.get("offence_category"):
        try:
            codes.validate("offence_categories", clean["offence_category"],
                           field="offence_category")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    hours = clean.get("weekly_work_hours")
    if hours is not None and (int(hours) < 0 or int(hours) > 80):
        errors["weekly_work_hours"] = _("Geef een aantal uren tussen 0 en 80.")
    return clean


def _record(candidate: Candidate, before: workflows.CandidateState,
            after: workflows.CandidateState, *, action: str, on: dt.date, actor,
            route_step: RouteStep | None = None, decision: str = "", reason: str = "",
            decider: str = "") -> CandidateStep:
    steps = {s.code: s for s in RouteStep.objects.filter(facility_id=candidate.facility_id)}
    return CandidateStep.objects.create(
        candidate=candidate, action=action, route_step=route_step, decision=decision,
        from_state=before.state, to_state=after.state, to_step=steps.get(after.step),
        on=on, step_entered_on=before.step_since if action == "decide" else None,
        decider=decider, reason=reason, actor=_user(actor))


def _apply_state(candidate: Candidate, state: workflows.CandidateState) -> list[str]:
    step = None
    if state.step:
        step = RouteStep.objects.filter(facility_id=candidate.facility_id,
                                        code=state.step).first()
    candidate.state = state.state
    candidate.step = step
    candidate.step_since = state.step_since
    candidate.closed_on = state.closed_on
    fields = ["state", "step", "step_since", "closed_on"]
    if step is not None and step.decider == Decider.DIZ and candidate.sent_to_diz_on is None \
            and state.state == workflows.OPEN:
        candidate.sent_to_diz_on = state.step_since
        fields.append("sent_to_diz_on")
    return fields


def intake_sources(user, facility) -> list[str]:
    """Where a candidate this user registers for `facility` can come from: the facility team
    (who may manage it) registers every referral and every application; a referrer registers
    only their own kind of referral; anyone else nothing."""
    if policy.may_manage_facility(user, facility.pk):
        return [value for value in Source.values if value != Source.LIST]
    if not policy.has_perm(user, "facilities.refer"):
        return []
    return {"casemanager": [Source.CASEMANAGER], "aftercare_coordinator": [Source.MUNICIPALITY],
            "probation_officer": [Source.PROBATION]}.get(user.role, [])


def register_candidate(*, actor, facility: Institution, source: str, list_date: dt.date,
                       participant: Participant | None = None, name: str = "",
                       ref: str | None = None, **facts) -> Candidate:
    """A referral (casemanager, municipality, probation) or an application: the candidate
    enters the route's first step and is screened with the criteria in force on `list_date`."""
    if _user(actor) is not None and facility is not None:
        allowed = intake_sources(actor, facility)
        if not allowed:
            raise PermissionDenied("facilities.refer")
        if source not in allowed:
            raise ValidationError({"source": _("U kunt voor deze voorziening alleen aanmelden "
                                               "als: %(sources)s.") % {"sources": ", ".join(
                str(Source(value).label) for value in allowed)}})
    errors: dict = {}
    if facility is None or not facility.is_facility:
        errors["facility"] = _("Kies een voorziening.")
    if source not in Source.values or source == Source.LIST:
        errors["source"] = _("Kies de herkomst: casemanager, gemeente, reclassering, eigen "
                             "aanmelding of rechter.")
    if list_date is None:
        errors["list_date"] = _("Dit veld is verplicht.")
    _not_future(list_date, "list_date", errors)
    ref = participants._check_ref(Candidate, ref, "K", errors)
    clean = _clean_facts(facts, errors)
    if participant is not None and _user(actor) is not None and source == Source.CASEMANAGER \
            and not policy.visible_participants(actor).filter(pk=participant.pk).exists():
        errors["participant"] = _("U kunt alleen deelnemers aanmelden die u in uw dossiers "
                                  "ziet.")
    route = _route_codes(facility.pk) if facility is not None else ()
    if facility is not None and not route:
        errors["facility"] = _("Voor deze voorziening is geen instroomroute ingesteld.")
    _raise(errors)
    if participant is not None:
        # Facts the referral leaves out come from the dossier. Left out: not given, empty or
        # "unknown" (the referral form sends every field, with "unknown" as the default).
        def left_out(field: str) -> bool:
            return facts.get(field) in (None, "", "unknown")

        if left_out("sex") and participant.sex:
            clean["sex"] = participant.sex
        for field in ("dutch_proficiency", "offence_category"):
            if left_out(field) and getattr(participant, field):
                clean[field] = getattr(participant, field)
        if participant.current_stay_id and not clean.get("sentence_end_on"):
            clean["sentence_end_on"] = participant.current_stay.sentence_end_on
        if participant.current_stay_id and not clean.get("municipality_name"):
            clean["municipality_name"] = participant.current_stay.aftercare_municipality
        if left_out("regime") and participant.current_episode_id:
            clean["regime"] = participants.regime_state(participant.current_episode_id).regime \
                or ""
    municipality = resolve_municipality(clean.get("municipality_name", ""))
    user = _user(actor)
    try:
        state = workflows.apply(workflows.CandidateState(), "register", list_date, route)
    except TransitionError as exc:
        raise ValidationError({"__all__": str(exc)}) from exc
    with transaction.atomic():
        candidate = Candidate(
            ref=ref, facility=facility, source=source, list_date=list_date,
            participant=participant, name=(name or "").strip()[:200],
            municipality=municipality, referred_by=user,
            referrer_organisation=getattr(user, "organisation", None),
            step_since=list_date, **clean)
        _apply_state(candidate, state)
        screen(candidate, save=True)
        candidate.save()
        _record(candidate, workflows.CandidateState(), state, action="register", on=list_date,
                actor=actor, decider=_decider_label(actor, ""))
    return candidate


def replayed_state(candidate: Candidate) -> workflows.CandidateState:
    steps = (candidate.steps.order_by("on", "id")
             .values_list("action", "on", "decision", "reason", "route_step__code"))
    route = _route_codes(candidate.facility_id)
    return workflows.replay(((a, on, d, r, s or "") for a, on, d, r, s in steps), route)


def _state_of(candidate: Candidate) -> workflows.CandidateState:
    return workflows.CandidateState(
        candidate.state, candidate.step.code if candidate.step_id else "", candidate.step_since,
        candidate.steps.aggregate(last=Max("on"))["last"] or candidate.list_date,
        candidate.list_date, candidate.closed_on)


def allowed_actions(user, candidate: Candidate) -> tuple[str, ...]:
    """What this user may do with the candidate now (for the buttons; the services decide)."""
    actions = []
    state = candidate.state
    manage = policy.may_manage_facility(user, candidate.facility_id)
    diz_step = candidate.step_id is not None and candidate.step.decider == Decider.DIZ
    if state == workflows.OPEN:
        if (diz_step and policy.has_perm(user, "facilities.decide_diz")) or (
                manage and not diz_step):
            actions.append("decide")
        if manage:
            actions += ["withdraw", "exception"]
        if policy.has_perm(user, "facilities.prescan") and (
                manage or user.role == "probation_officer"):
            actions.append("prescan")
    elif state == workflows.APPROVED and manage:
        actions += ["place", "withdraw"]
    elif state in (workflows.REJECTED, workflows.WITHDRAWN) and manage:
        actions.append("reopen")
    return tuple(actions)


def _transition(candidate: Candidate, *, actor, expected_version, action: str, on: dt.date,
                decision: str = "", reason: str = "", decider: str = "") -> Candidate:
    check_version(candidate, expected_version)
    errors: dict = {}
    _not_future(on, "on", errors)
    if on is not None and on < candidate.list_date:
        errors["on"] = _("De datum ligt voor de aanmelding (%(date)s).") % {
            "date": candidate.list_date}
    _raise(errors)
    before = _state_of(candidate)
    route = _route_codes(candidate.facility_id)
    route_step = candidate.step if action in ("decide", "withdraw") else None
    try:
        after = workflows.apply(before, action, on, route, decision=decision, reason=reason)
    except TransitionError as exc:
        field = "reason" if (action == "decide" and decision == "negative"
                             and not (reason or "").strip()) else "__all__"
        raise ValidationError({field: str(exc)}) from exc
    with transaction.atomic():
        fields = _apply_state(candidate, after)
        save_versioned(candidate, expected_version, fields)
        _record(candidate, before, after, action=action, on=on, actor=actor,
                route_step=route_step, decision=decision, reason=(reason or "").strip(),
                decider=_decider_label(actor, decider))
    return candidate


def decide(candidate: Candidate, *, actor, expected_version, decision: str, on: dt.date,
           reason: str = "", decider: str = "") -> Candidate:
    """Record the decision in the candidate's current step: positive moves on to the next step
    (after the last step: approved, waiting for placement); negative rejects and needs a
    written reason. A step decided by DIZ is recorded by the selection officer."""
    if _user(actor) is not None:
        diz_step = candidate.step_id is not None and candidate.step.decider == Decider.DIZ
        if diz_step:
            policy.require(actor, "facilities.decide_diz")
            if not policy.scope(actor, Candidate.objects.filter(pk=candidate.pk)).exists():
                raise PermissionDenied("outside scope")
        else:
            _require(actor, "facilities.manage")
            _require_facility(actor, candidate.facility_id)
    return _transition(candidate, actor=actor, expected_version=expected_version,
                       action="decide", on=on, decision=decision, reason=reason,
                       decider=decider)


def withdraw(candidate: Candidate, *, actor, expected_version, on: dt.date,
             reason: str = "") -> Candidate:
    """The candidate withdraws (or is withdrawn by the facility at the candidate's request)."""
    _require(actor, "facilities.manage")
    _require_facility(actor, candidate.facility_id)
    return _transition(candidate, actor=actor, expected_version=expected_version,
                       action="withdraw", on=on, reason=reason)


def reopen(candidate: Candidate, *, actor, expected_version, on: dt.date,
           reason: str) -> Candidate:
    _require(actor, "facilities.manage")
    _require_facility(actor, candidate.facility_id)
    return _transition(candidate, actor=actor, expected_version=expected_version,
                       action="reopen", on=on, reason=reason)


def record_prescan(candidate: Candidate, *, actor, partner: str, objection: bool,
                   answered_on: dt.date) -> PrescanAnswer:
    """A partner's answer in the pre-scan: objection or no objection, with a date — nothing
    else (minimal disclosure). A later answer of the same partner replaces the earlier one."""
    _require(actor, "facilities.prescan")
    user = _user(actor)
    if user is not None:
        if user.role == "probation_officer":
            if partner != PrescanPartner.PROBATION or not policy.scope(
                    user, Candidate.objects.filter(pk=candidate.pk)).exists():
                raise PermissionDenied("facilities.prescan")
        else:
            _require_facility(actor, candidate.facility_id)
    errors: dict = {}
    if partner not in PrescanPartner.values:
        errors["partner"] = _("Kies de ketenpartner: OM, politie, reclassering of "
                              "Veiligheidshuis.")
    if objection not in (True, False):
        errors["objection"] = _("Kies: bezwaar of geen bezwaar.")
    if answered_on is None:
        errors["answered_on"] = _("Dit veld is verplicht.")
    _not_future(answered_on, "answered_on", errors)
    if candidate.state not in (workflows.OPEN, workflows.APPROVED):
        errors["__all__"] = _("De selectie van deze kandidaat is afgerond.")
    _raise(errors)
    answer, _created = PrescanAnswer.objects.update_or_create(
        candidate=candidate, partner=partner,
        defaults={"objection": objection, "answered_on": answered_on, "recorded_by": user})
    return answer


def board(user, facility, *, on: dt.date | None = None) -> models.QuerySet:
    """The candidates of a facility in the user's scope, with `days_in_step` and
    `lead_time_days` (to `on`, or to the closing date) computed in the database."""
    on = on or today()
    end = models.functions.Coalesce(F("closed_on"), Value(on, output_field=models.DateField()))
    qs = policy.scope(user, Candidate.objects.filter(facility=facility)) if user else \
        Candidate.objects.filter(facility=facility)
    return (qs.select_related("step", "participant", "facility")
            .annotate(days_in_step=DaysBetween(F("step_since"), end),
                      lead_time_days=DaysBetween(F("list_date"), end))
            .order_by("step__order", "step_since", "ref"))


# --- Placement and the stay -------------------------------------------------------------------

def place(candidate: Candidate, *, actor, expected_version, on: dt.date,
          trial_until: dt.date | None = None, from_stay: Stay | None = None,
          ref: str | None = None) -> Stay:
    """The approved candidate enters the facility: a stay at the facility institution in the
    participant's dossier (the participant is created from the candidate when needed). From a
    current prison stay it is a transfer (outflow `transferred` of that stay); a self-reporter
    is admitted."""
    _require(actor, "facilities.manage")
    _require_facility(actor, candidate.facility_id)
    check_version(candidate, expected_version)
    errors: dict = {}
    if candidate.state != workflows.APPROVED:
        errors["__all__"] = _("Plaatsen kan pas na een positief besluit in de laatste stap van "
                              "de route.")
    if on is None:
        errors["on"] = _("Dit veld is verplicht.")
    elif trial_until is not None and trial_until < on:
        errors["trial_until"] = _("De proefperiode eindigt na de binnenkomst.")
    _raise(errors)
    with transaction.atomic():
        participant = candidate.participant
        if participant is None:
            given, _space, family = candidate.name.partition(" ")
            participant = Participant.objects.filter(ref=candidate.ref).first() or \
                participants.create_participant(actor=None, ref=candidate.ref,
                                                sex=candidate.sex, given_name=given,
                                                family_name=family)
            candidate.participant = participant
            candidate.save(update_fields=["participant", "updated_at"])
        current = from_stay or (participant.current_stay if participant.current_stay_id
                                and participant.current_stay.left_on is None else None)
        if current is not None and current.left_on is None:
            stay = participants.transfer(current, actor=None, expected_version=current.version,
                                         to_institution=candidate.facility, on=on, ref=ref)
        else:
            stay = participants.admit(participant, actor=None, institution=candidate.facility,
                                      entered_on=on, sentence_end_on=candidate.sentence_end_on,
                                      legal_status="self_reporter"
                                      if candidate.source == Source.APPLICATION else "",
                                      aftercare_municipality=candidate.municipality_name,
                                      ref=ref)
        FacilityStay.objects.create(stay=stay, candidate=candidate, trial_until=trial_until)
        candidate.refresh_from_db()
        _transition(candidate, actor=actor, expected_version=candidate.version, action="place",
                    on=on)
    return stay


def _facility_stay(stay: Stay) -> FacilityStay:
    details, _created = FacilityStay.objects.get_or_create(stay=stay)
    return details


def _require_stay(actor, stay: Stay) -> None:
    _require(actor, "facilities.manage")
    _require_facility(actor, stay.institution_id)
    if not stay.institution.is_facility:
        raise ValidationError({"__all__": _("Dit verblijf is niet in een voorziening.")})


def set_trial_period(stay: Stay, *, actor, expected_version,
                     trial_until: dt.date | None) -> FacilityStay:
    """Set or clear the trial period of a running facility stay. `expected_version` is the
    version of the stay's facility details the user saw (`facility_details`)."""
    _require_stay(actor, stay)
    details = _facility_stay(stay)
    check_version(details, expected_version)
    if stay.left_on is not None:
        raise ValidationError({"__all__": _("Dit verblijf is al beëindigd.")})
    if trial_until is not None and trial_until < stay.entered_on:
        raise ValidationError({"trial_until": _("De proefperiode eindigt na de binnenkomst.")})
    details.trial_until = trial_until
    save_versioned(details, expected_version, ["trial_until"])
    return details


def facility_details(stay: Stay) -> FacilityStay:
    """The stay's facility details as stored, or (not written yet) as they start: unsaved, with
    version 1, which the first write creates. For forms: reading does not write."""
    return FacilityStay.objects.filter(stay=stay).first() or FacilityStay(stay=stay)


def temporary_return(stay: Stay, *, actor, left_on: dt.date, planned_return_on: dt.date,
                     reason: str, decided_by: str) -> TemporaryReturn:
    """A temporary return to the prison; the place is kept, the stay goes on."""
    _require_stay(actor, stay)
    errors: dict = {}
    if stay.left_on is not None:
        errors["__all__"] = _("Dit verblijf is al beëindigd.")
    if left_on is None:
        errors["left_on"] = _("Dit veld is verplicht.")
    elif left_on < stay.entered_on:
        errors["left_on"] = _("De datum ligt voor de binnenkomst (%(date)s).") % {
            "date": stay.entered_on}
    if planned_return_on is None:
        errors["planned_return_on"] = _("Geef de geplande datum van terugkeer.")
    elif left_on is not None and planned_return_on < left_on:
        errors["planned_return_on"] = _("De geplande terugkeer ligt na de terugplaatsing.")
    if not (reason or "").strip():
        errors["reason"] = _("Geef de reden van de tijdelijke terugplaatsing.")
    if not (decided_by or "").strip():
        errors["decided_by"] = _("Geef aan wie besloot.")
    open_already = _("De deelnemer is al tijdelijk teruggeplaatst; leg eerst de terugkeer vast.")
    if TemporaryReturn.objects.filter(stay=stay, returned_on__isnull=True).exists():
        errors["__all__"] = open_already
    last_back = TemporaryReturn.objects.filter(stay=stay).aggregate(
        last=Max("returned_on"))["last"]
    if left_on is not None and last_back is not None and left_on < last_back:
        errors.setdefault("left_on", _("De deelnemer was tot %(date)s tijdelijk teruggeplaatst; "
                                       "een nieuwe terugplaatsing begint niet eerder.") % {
            "date": last_back})
    _not_future(left_on, "left_on", errors)
    _raise(errors)
    try:
        with transaction.atomic():
            return TemporaryReturn.objects.create(
                stay=stay, left_on=left_on, planned_return_on=planned_return_on,
                reason=reason.strip(), decided_by=decided_by.strip(), recorded_by=_user(actor))
    except IntegrityError as exc:  # recorded at the same moment by someone else
        raise ValidationError({"__all__": open_already}) from exc


def end_temporary_return(temporary: TemporaryReturn, *, actor,
                         returned_on: dt.date) -> TemporaryReturn:
    _require_stay(actor, temporary.stay)
    errors: dict = {}
    if temporary.returned_on is not None:
        errors["__all__"] = _("De terugkeer is al vastgelegd.")
    elif temporary.stay.left_on is not None:
        errors["__all__"] = _("Het verblijf in de voorziening is op %(date)s beëindigd; een "
                              "terugkeer kan niet meer worden vastgelegd.") % {
            "date": temporary.stay.left_on}
    if returned_on is None or returned_on < temporary.left_on:
        errors["returned_on"] = _("De terugkeer ligt op of na de terugplaatsing.")
    _not_future(returned_on, "returned_on", errors)
    _raise(errors)
    temporary.returned_on = returned_on
    temporary.save(update_fields=["returned_on"])
    return temporary


def _record_departure(stay: Stay, actor, *, decided_by: str, on: dt.date, note: str = "",
                      housing_destination: str = "") -> None:
    details = _facility_stay(stay)
    details.decided_by = _decider_label(actor, decided_by)
    details.decided_on = on
    details.outflow_note = (note or "").strip()
    details.housing_destination = (housing_destination or "").strip()[:200]
    details.save(update_fields=["decided_by", "decided_on", "outflow_note",
                                "housing_destination"])


def _check_open_return(stay: Stay, on: dt.date | None) -> None:
    """A stay that ends during a temporary return ends it too (the participant does not come
    back); it cannot end before that return began."""
    began = (TemporaryReturn.objects.filter(stay=stay, returned_on__isnull=True)
             .values_list("left_on", flat=True).first())
    if on is not None and began is not None and on < began:
        raise ValidationError({"on": _("De deelnemer is sinds %(date)s tijdelijk "
                                       "teruggeplaatst; het verblijf eindigt niet eerder.") % {
            "date": began}})


def definitive_return(stay: Stay, *, actor, expected_version, on: dt.date, return_reason: str,
                      decided_by: str, note: str = "") -> Stay:
    """Definitive return to the prison (outflow `returned`, a reason of `return_reasons.csv`
    and who decided): the facility stay ends and a stay at the facility's prison begins. A
    temporary return still open then ends with the stay: the participant does not come back."""
    _require_stay(actor, stay)
    _check_open_return(stay, on)
    if not (decided_by or "").strip():
        raise ValidationError({"decided_by": _("Geef aan wie tot terugplaatsing besloot.")})
    prison = stay.institution.parent
    if prison is None:
        raise ValidationError({"__all__": _("Bij deze voorziening is geen PI ingesteld.")})
    with transaction.atomic():
        new_stay = participants.transfer(stay, actor=None, expected_version=expected_version,
                                         to_institution=prison, on=on, outflow_type="returned",
                                         return_reason=return_reason)
        stay.refresh_from_db()
        _record_departure(stay, actor, decided_by=decided_by, on=on, note=note)
    return new_stay


def outflow(stay: Stay, *, actor, expected_version, on: dt.date, outflow_type: str,
            housing_destination: str = "", decided_by: str = "", note: str = "",
            to_institution: Institution | None = None) -> Stay:
    """The participant leaves the facility: positive with a penitentiary programme, positive
    at the end of detention, other (release), or transferred (to `to_institution`). A return
    to the prison is `definitive_return`."""
    _require_stay(actor, stay)
    _check_open_return(stay, on)
    if outflow_type == "returned":
        raise ValidationError({"outflow_type": _("Een terugplaatsing naar de PI legt u vast "
                                                 "met Terugplaatsen.")})
    with transaction.atomic():
        if outflow_type == "transferred":
            if to_institution is None:
                raise ValidationError({"to_institution": _("Kies de inrichting waarheen de "
                                                           "deelnemer wordt overgeplaatst.")})
            participants.transfer(stay, actor=None, expected_version=expected_version,
                                  to_institution=to_institution, on=on)
        else:
            participants.release(stay, actor=None, expected_version=expected_version, on=on,
                                 outflow_type=outflow_type)
        stay.refresh_from_db()
        _record_departure(stay, actor, decided_by=decided_by, on=on, note=note,
                          housing_destination=housing_destination)
    return stay


# --- Figures for the dashboard ----------------------------------------------------------------

def occupancy(facility_ids, date_from: dt.date, date_to: dt.date,
              by: str = "month") -> list[dict]:
    """Occupancy per facility and period against capacity (the `facility-occupancy` query)."""
    from herstelpad.facilities.report_definitions import occupancy_rows

    names = ("facility", "period", "capacity", "occupied_place_days", "available_place_days",
             "present_at_period_end")
    result = []
    for row in occupancy_rows(list(facility_ids), date_from, date_to, by):
        item = dict(zip(names, row, strict=True))
        item["occupancy_pct"] = _pct(item["occupied_place_days"], item["available_place_days"])
        result.append(item)
    return result


def _pct(numerator, denominator) -> Decimal | None:
    from herstelpad.reports.definitions import percent

    return percent(numerator, denominator)


def funnel(facility_id: int, date_from: dt.date | None = None,
           date_to: dt.date | None = None) -> list[dict]:
    """Per route step: candidates who entered it (registered in the period), decided
    positive / negative, withdrew while in it, are in it now; the conversion (positive over
    decided) and the median days from entering the step to its decision."""
    from herstelpad.facilities.report_definitions import funnel_rows

    steps = {s.pk: s for s in RouteStep.objects.filter(facility_id=facility_id)}
    result = []
    for step_id, entered, positive, negative, withdrawn, open_now, median in funnel_rows(
            facility_id, date_from, date_to):
        result.append({"step": steps[step_id], "entered": entered, "positive": positive,
                       "negative": negative, "withdrawn": withdrawn, "open_now": open_now,
                       "conversion_pct": _pct(positive, positive + negative),
                       "median_days": median})
    return result


def outflow_by_type(facility_ids, date_from: dt.date | None = None,
                    date_to: dt.date | None = None) -> list[dict]:
    from herstelpad.reference.models import Code

    qs = Stay.objects.filter(institution_id__in=list(facility_ids), left_on__isnull=False)
    if date_from:
        qs = qs.filter(left_on__gte=date_from)
    if date_to:
        qs = qs.filter(left_on__lte=date_to)
    counts = dict(qs.order_by().values("outflow_type").annotate(n=Count("pk"))
                  .values_list("outflow_type", "n"))
    return [{"outflow_type": code, "stays": counts.get(code, 0)}
            for code in Code.objects.of("outflow_types").order_by("position", "code")
            .values_list("code", flat=True)]


def length_of_stay(facility_ids, date_from: dt.date | None = None,
                   date_to: dt.date | None = None, *, positive_only: bool = False) -> dict:
    """Length of stay (left_on − entered_on, days) of stays that left in the period."""
    from herstelpad.facilities.report_definitions import median_days

    qs = Stay.objects.filter(institution_id__in=list(facility_ids), left_on__isnull=False)
    if date_from:
        qs = qs.filter(left_on__gte=date_from)
    if date_to:
        qs = qs.filter(left_on__lte=date_to)
    if positive_only:
        qs = qs.filter(outflow_type__in=("positive_pp", "positive_end"))
    los = DaysBetween(F("entered_on"), F("left_on"))
    stats = qs.annotate(los=los).aggregate(stays=Count("pk"), mean=models.Avg("los"),
                                           min_days=Min("los"), max_days=Max("los"))
    mean = stats.pop("mean")
    stats["mean_days"] = None if mean is None else Decimal(mean).quantize(Decimal("0.1"))
    stats["median_days"] = median_days(qs.annotate(los=los), "los")
    return stats


__all__ += ["facts_of", "rules_of", "served_codes", "resolve_municipality", "facility_queryset"]

