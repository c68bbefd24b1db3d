"""Pages of the small-scale facilities (`/voorzieningen/`).

- the facilities and each one's configuration (capacity history, criterion versions, route);
- the candidate board (every candidate by step, days in step, total lead time, filters), a
  candidate's page (screening explained criterion by criterion, the recorded steps, the
  pre-scan answers) and the forms of the funnel: decision (inline with htmx), withdrawal,
  reopening, exception, the minimal-disclosure pre-scan, the referral or application, placement;
- the stays at a facility and a stay's page: trial period, temporary return, definitive return,
  outflow;
- the facility dashboard: occupancy against capacity, the funnel, outflow and length of stay.

Every view declares its permission; candidates and stays are fetched through the policy (an
audited read; a hit outside the scope is a recorded 403); lists are audited with their count;
every change goes through `facilities.services`, whose errors come back on the form.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.concurrency import ConflictError
from herstelpad.facilities import forms, screening, services
from herstelpad.facilities import workflows as wf
from herstelpad.facilities.models import (
    Candidate,
    CandidateStep,
    CapacityPeriod,
    Criterion,
    CriterionSet,
    FacilityProfile,
    FacilityStay,
    PrescanAnswer,
    PrescanPartner,
    ScreeningException,
    Source,
    TemporaryReturn,
)
from herstelpad.participants.models import Stay
from herstelpad.reference import codes

FORM = "facilities/form.html"
PAGE_SIZE = 100
LABEL_LISTS = ("exclusion_reasons", "outflow_types", "return_reasons", "offence_categories")
ACTIVE = (wf.OPEN, wf.APPROVED)


# --- Helpers ------------------------------------------------------------------------------------

def run(form, call):
    """Call a service; put its errors on the form. (result, status)."""
    try:
        return call(), 200
    except ConflictError as exc:
        form.add_error(None, exc.message)
        return None, 409
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None, 400
    except services.TransitionError as exc:
        form.add_error(None, str(exc))
        return None, 400


def _posted(request):
    """The submitted data on a POST (an empty POST is still a submission), else None."""
    return request.POST if request.method == "POST" else None


def _deny(request, permission: str):
    audit.record_denied_request(request, permission)
    raise PermissionDenied(permission)


def _facility(code: str):
    return get_object_or_404(services.facility_queryset().select_related("parent"), code=code)


def _candidate(request, ref: str, *, purpose: str = "") -> Candidate:
    return policy.get_object(
        request.user, Candidate.objects.select_related(
            "facility", "step", "participant", "criterion_set", "municipality", "referred_by",
            "referrer_organisation"), purpose=purpose, ref=ref)


def _stay(request, ref: str) -> Stay:
    return policy.get_object(
        request.user, Stay.objects.filter(institution__type="facility").select_related(
            "participant", "institution__parent"), ref=ref)


def _today() -> dt.date:
    return services.today()


def _render_form(request, form, *, title, submit, cancel, status=200, intro="",
                 inline_template=None, **context):
    """A form page; with htmx (`inline_template`) the form alone, swapped into the page. htmx
    swaps only 2xx responses, so a refused inline form comes back as 200 with its errors."""
    context.update({"form": form, "title": title, "submit": submit, "cancel": cancel,
                    "intro": intro})
    if inline_template and request.htmx:
        return render(request, inline_template, context, status=200)
    return render(request, FORM, context, status=status)


def _done(request, message: str, url: str):
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _require_action(request, candidate: Candidate, action: str) -> None:
    if action not in services.allowed_actions(request.user, candidate):
        _deny(request, "facilities.manage" if action != "prescan" else "facilities.prescan")


def _labels() -> dict:
    return codes.labels(*LABEL_LISTS)


def _may_import(user, facility) -> bool:
    """May this user import a candidate list for this facility (the KIND's own check)?"""
    if not policy.has_perm(user, "facilities.import"):
        return False
    codes_allowed = policy.facility_ids_for_import(user)
    return codes_allowed is None or facility.code in codes_allowed


def _sees_all_facilities(user) -> bool:
    """Partners whose candidates are not bound to an institution (the municipality, probation,
    DIZ) and national roles see every facility in the list."""
    return not policy.has_perm(user, "participants.view") or \
        user.role in policy.NATIONAL_ROLES


# --- Facilities and their configuration ---------------------------------------------------------

@policy.requires("reference.view")
@require_http_methods(["GET"])
def facility_list(request):
    user = request.user
    qs = services.facility_queryset().filter(active=True).select_related("parent") \
        .order_by("name")
    if not _sees_all_facilities(user):
        qs = qs.filter(pk__in=services.facilities_for(user).values("pk"))
    facilities = list(qs)
    ids = [f.pk for f in facilities]
    today = _today()
    capacity: dict[int, int] = {}
    for period in CapacityPeriod.objects.filter(facility_id__in=ids, effective_from__lte=today) \
            .order_by("facility_id", "effective_from"):
        capacity[period.facility_id] = period.places
    profiles = {p.institution_id: p for p in FacilityProfile.objects.filter(institution_id__in=ids)}
    counts: dict[int, dict] = {}
    if policy.has_perm(user, "facilities.candidates"):
        for row in (policy.scope(user, Candidate.objects.filter(facility_id__in=ids,
                                                                 state__in=ACTIVE))
                    .order_by().values("facility_id")
                    .annotate(open=Count("pk", filter=Q(state=wf.OPEN)),
                              approved=Count("pk", filter=Q(state=wf.APPROVED)))):
            counts[row["facility_id"]] = row
    present = dict(Stay.objects.filter(institution_id__in=ids, entered_on__lte=today)
                   .filter(Q(left_on__isnull=True) | Q(left_on__gt=today)).order_by()
                   .values("institution_id").annotate(n=Count("pk"))
                   .values_list("institution_id", "n"))
    rows = [{"facility": f, "capacity": capacity.get(f.pk), "profile": profiles.get(f.pk),
             "counts": counts.get(f.pk), "present": present.get(f.pk, 0)} for f in facilities]
    return render(request, "facilities/list.html", {
        "rows": rows, "can_candidates": policy.has_perm(user, "facilities.candidates"),
        "can_figures": policy.has_perm(user, "facilities.figures")})


@policy.requires("reference.view")
@require_http_methods(["GET"])
def facility_detail(request, code):
    user = request.user
    facility = _facility(code)
    profile = FacilityProfile.objects.filter(institution=facility).prefetch_related(
        "municipalities").first()
    today = _today()
    history = list(services.capacity_history(facility))
    current_capacity = None
    for period in history:
        if period.effective_from <= today:
            current_capacity = period
    versions = list(CriterionSet.objects.filter(facility=facility).prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("order", "id")))
        .select_related("created_by").order_by("-effective_from"))
    current_version = next((v for v in versions if v.effective_from <= today), None)
    return render(request, "facilities/facility.html", {
        "facility": facility, "profile": profile, "history": history,
        "current_capacity": current_capacity, "versions": versions,
        "current_version": current_version, "route": services.route_of(facility),
        "can_candidates": policy.has_perm(user, "facilities.candidates"),
        "can_refer": services.intake_sources(user, facility) != [],
        "can_stays": policy.has_perm(user, "participants.view"),
        "can_figures": policy.has_perm(user, "facilities.figures")
        and _may_see_figures(user, facility),
        "can_import": _may_import(user, facility),
        "can_configure": policy.may_configure_facility(user, facility.pk)})


# --- The candidate board --------------------------------------------------------------------

def _board_queryset(user, facility, data: dict):
    qs = services.board(user, facility)
    state = data.get("state") or "active"
    if state == "active":
        qs = qs.filter(state__in=ACTIVE)
    elif state != "all":
        qs = qs.filter(state=state)
    if data.get("step"):
        qs = qs.filter(step__code=data["step"])
    if data.get("source"):
        qs = qs.filter(source=data["source"])
    if data.get("outcome") == "eligible":
        qs = qs.filter(screening_outcome=screening.ELIGIBLE)
    elif data.get("outcome") == "not_eligible":
        qs = qs.exclude(screening_outcome=screening.ELIGIBLE)
    q = (data.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(ref__icontains=q) | Q(name__icontains=q)
                       | Q(participant__ref__icontains=q)
                       | Q(participant__family_name__icontains=q))
    return qs


def _group(rows: list, route: list) -> list[dict]:
    """The page's candidates grouped as the board's columns: each route step (open
    candidates), then approved (waiting for placement), then closed."""
    groups = [{"key": step.code, "title": f"{step.order}. {step.name}", "step": step,
               "rows": []} for step in route]
    by_code = {g["key"]: g for g in groups}
    approved = {"key": "approved", "title": _("Toegelaten, wacht op plaatsing"), "rows": []}
    closed = {"key": "closed", "title": _("Afgerond (geplaatst, afgewezen of teruggetrokken)"),
              "rows": []}
    labels = codes.labels("exclusion_reasons")["exclusion_reasons"]
    for candidate in rows:
        candidate.reason_labels = ", ".join(labels.get(r, r) for r in candidate.reasons)
        if candidate.state == wf.OPEN and candidate.step_id and candidate.step.code in by_code:
            by_code[candidate.step.code]["rows"].append(candidate)
        elif candidate.state == wf.APPROVED:
            approved["rows"].append(candidate)
        else:
            closed["rows"].append(candidate)
    return groups + [approved, closed]


@policy.requires("facilities.candidates")
@require_http_methods(["GET"])
def board(request, code):
    user = request.user
    facility = _facility(code)
    route = services.route_of(facility)
    form = forms.BoardFilterForm(request.GET or None, route=route)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = _board_queryset(user, facility, data)
    per_step = {row["step_id"]: row["n"] for row in qs.filter(state=wf.OPEN).order_by()
                .values("step_id").annotate(n=Count("pk"))}
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list(Candidate, count=page.paginator.count, purpose="board",
                      details={"facility": facility.code})
    params = request.GET.copy()
    params.pop("page", None)
    columns = [{"step": step, "n": per_step.get(step.pk, 0)} for step in route]
    ctx = {"facility": facility, "form": form, "page": page, "query": params.urlencode(),
           "groups": _group(list(page.object_list), route), "columns": columns,
           "labels": _labels(), "today": _today(),
           "can_add": services.intake_sources(user, facility) != [],
           "can_import": _may_import(user, facility)}
    template = "facilities/_board_results.html" if request.htmx else "facilities/board.html"
    return render(request, template, ctx)


# --- A candidate ----------------------------------------------------------------------------

STATUS_LABELS = {
    screening.PASS: gettext_lazy("voldoet"),
    screening.FAIL: gettext_lazy("voldoet niet"),
    screening.EXCEPTED: gettext_lazy("uitzondering"),
    screening.UNKNOWN: gettext_lazy("onbekend, na te gaan"),
    screening.TO_JUDGE: gettext_lazy("oordeel van een professional"),
}


def _explain(candidate: Candidate, labels: dict) -> list[dict]:
    result = services.screen(candidate, save=False)
    rows = []
    for item in result.results:
        reasons = [item.reason, *item.extra_reasons] if item.reason else []
        rows.append({
            "rule": item.rule, "status": item.status,
            "status_label": STATUS_LABELS.get(item.status, item.status),
            "reasons": [labels["exclusion_reasons"].get(r, r) for r in reasons],
            "detail": _detail(item),
            "failing": item.status == screening.FAIL})
    return rows, result


def _detail(item) -> str:
    """The facts behind a criterion's result, in words."""
    kind, detail = item.rule.kind, item.detail
    if kind == "remaining_sentence":
        if item.reason == "other":
            return _("De einddatum van de detentie is niet bekend.")
        if detail:
            return _("Strafrestant op de peildatum: %(days)s dagen.") % {"days": detail}
    if kind == "sex" and detail:
        return _("Geslacht: %(sex)s.") % {"sex": dict(forms.SEX_CHOICES).get(detail, detail)}
    if kind == "orders" and detail:
        return ", ".join(str(forms.FLAG_LABELS.get(flag, flag)) for flag in detail.split(","))
    if kind == "region" and detail:
        return _("Gemeente: %(name)s.") % {"name": detail}
    if kind == "work_hours" and detail:
        return _("%(hours)s uur per week.") % {"hours": detail}
    return detail or ""


ACTION_LINKS = {
    "decide": ("facilities:decide", gettext_lazy("Besluit vastleggen")),
    "prescan": ("facilities:prescan", gettext_lazy("Antwoord voorscan vastleggen")),
    "exception": ("facilities:exception", gettext_lazy("Uitzondering op een criterium")),
    "place": ("facilities:place", gettext_lazy("Plaatsen")),
    "withdraw": ("facilities:withdraw", gettext_lazy("Kandidaat trekt zich terug")),
    "reopen": ("facilities:reopen", gettext_lazy("Weer in selectie nemen")),
}


@policy.requires("facilities.candidates")
@require_http_methods(["GET"])
def candidate_detail(request, ref):
    user = request.user
    candidate = _candidate(request, ref)
    labels = _labels()
    explanation, result = _explain(candidate, labels)
    steps = list(policy.scope(user, CandidateStep.objects.filter(candidate=candidate))
                 .select_related("route_step", "to_step", "actor").order_by("on", "id"))
    prescan = list(policy.scope(user, PrescanAnswer.objects.filter(candidate=candidate))
                   .order_by("partner"))
    exceptions = list(policy.scope(user, ScreeningException.objects.filter(
        candidate=candidate)).select_related("criterion", "granted_by"))
    stays = []
    if policy.has_perm(user, "participants.view"):
        stays = list(policy.scope(user, FacilityStay.objects.filter(candidate=candidate))
                     .select_related("stay"))
    actions = services.allowed_actions(user, candidate)
    in_dossier = bool(candidate.participant_id and policy.has_perm(user, "participants.view")
                      and policy.visible_participants(user).filter(
                          pk=candidate.participant_id).exists())
    route = services.route_of(candidate.facility)
    today = _today()
    end = candidate.closed_on or today
    return render(request, "facilities/candidate.html", {
        "facility": candidate.facility, "candidate": candidate, "explanation": explanation,
        "result": result, "steps": steps, "prescan": prescan, "exceptions": exceptions,
        "stays": stays, "route": route, "labels": labels,
        "actions": [(a, *ACTION_LINKS[a]) for a in actions if a in ACTION_LINKS],
        "days_in_step": (end - candidate.step_since).days if candidate.step_since else None,
        "lead_time": (end - candidate.list_date).days,
        "sex_label": dict(forms.SEX_CHOICES).get(candidate.sex, candidate.sex),
        "in_dossier": in_dossier,
        "flags": _flags(candidate)})


def _flags(candidate: Candidate) -> list[str]:
    return [str(label) for flag, label in forms.FLAG_LABELS.items() if getattr(candidate, flag)]


def _candidate_url(candidate: Candidate) -> str:
    return reverse("facilities:candidate", args=[candidate.ref])


@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def decide(request, ref):
    user = request.user
    candidate = _candidate(request, ref, purpose="decide")
    _require_action(request, candidate, "decide")
    step = candidate.step
    decider = step.get_decider_display() if step else ""
    form = forms.DecisionForm(_posted(request), initial={
        "on": _today(), "version": candidate.version, "decider": decider})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = run(form, lambda: services.decide(
                candidate, actor=user, expected_version=data["version"],
                decision=data["decision"], on=data["on"], reason=data["reason"],
                decider=data["decider"]))
            if result is not None:
                return _done(request, _("Het besluit in stap %(step)s is vastgelegd.") % {
                    "step": step.name}, _candidate_url(candidate))
    return _render_form(
        request, form, facility=candidate.facility, candidate=candidate,
        title=_("Besluit: %(step)s") % {"step": step.name if step else ""},
        intro=_("Leg vast wat er in deze stap is besloten, door wie en wanneer. Positief: de "
                "kandidaat gaat door naar de volgende stap. Een afwijzing heeft altijd een "
                "schriftelijke motivering."),
        submit=_("Besluit vastleggen"), cancel=_candidate_url(candidate), status=status,
        inline_template="facilities/_inline_form.html")


def _dated_reason_form(request, ref, action, form_class, call, done, title):
    """A candidate's transition that takes only a date and a reason (withdraw, reopen)."""
    candidate = _candidate(request, ref, purpose=action)
    _require_action(request, candidate, action)
    form = form_class(_posted(request), initial={"on": _today(), "version": candidate.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = run(form, lambda: call(
                candidate, actor=request.user, expected_version=data["version"],
                on=data["on"], reason=data["reason"]))
            if result is not None:
                return _done(request, done, _candidate_url(candidate))
    return _render_form(request, form, facility=candidate.facility, candidate=candidate,
                        title=title, submit=_("Vastleggen"),
                        cancel=_candidate_url(candidate), status=status,
                        inline_template="facilities/_inline_form.html")


@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def withdraw(request, ref):
    return _dated_reason_form(request, ref, "withdraw", forms.WithdrawForm, services.withdraw,
                              _("De kandidaat is teruggetrokken."),
                              _("Kandidaat trekt zich terug"))


@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def reopen(request, ref):
    return _dated_reason_form(request, ref, "reopen", forms.ReopenForm, services.reopen,
                              _("De kandidaat is weer in selectie."),
                              _("Weer in selectie nemen"))


@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def prescan(request, ref):
    user = request.user
    candidate = _candidate(request, ref, purpose="prescan")
    _require_action(request, candidate, "prescan")
    partners = (PrescanPartner.PROBATION,) if user.role == "probation_officer" else None
    form = forms.PrescanForm(_posted(request), partners=partners,
                             initial={"answered_on": _today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = run(form, lambda: services.record_prescan(
                candidate, actor=user, partner=data["partner"], objection=data["objection"],
                answered_on=data["answered_on"]))
            if result is not None:
                return _done(request, _("Het antwoord in de voorscan is vastgelegd."),
                             _candidate_url(candidate))
    return _render_form(
        request, form, facility=candidate.facility, candidate=candidate,
        title=_("Voorscan: antwoord van een ketenpartner"),
        intro=_("De ketenpartner antwoordt alleen of er bezwaar is, en wanneer. Inhoud of "
                "redenen worden niet gedeeld en hier niet vastgelegd."),
        submit=_("Antwoord vastleggen"), cancel=_candidate_url(candidate), status=status,
        inline_template="facilities/_inline_form.html")


@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def exception(request, ref):
    user = request.user
    candidate = _candidate(request, ref, purpose="exception")
    _require_action(request, candidate, "exception")
    result = services.screen(candidate, save=False)
    failing = [item.rule.id for item in result.results
               if item.status == screening.FAIL and not item.rule.hard]
    criteria = list(Criterion.objects.filter(pk__in=failing).order_by("order", "id"))
    form = forms.ExceptionForm(_posted(request), criteria=criteria)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            criterion = next(c for c in criteria if c.pk == data["criterion"])
            done, status = run(form, lambda: services.grant_exception(
                candidate, actor=user, criterion=criterion, reason=data["reason"]))
            if done is not None:
                return _done(request, _("De uitzondering is vastgelegd; de kandidaat is "
                                        "opnieuw gescreend."), _candidate_url(candidate))
    return _render_form(
        request, form, facility=candidate.facility, candidate=candidate,
        title=_("Uitzondering op een criterium"),
        intro=_("Alleen een criterium dat een beargumenteerde uitzondering toelaat en waar de "
                "kandidaat niet aan voldoet.") if criteria else
        _("De kandidaat voldoet aan elk criterium dat een uitzondering toelaat."),
        submit=_("Uitzondering vastleggen"), cancel=_candidate_url(candidate), status=status,
        inline_template="facilities/_inline_form.html")


@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def place(request, ref):
    user = request.user
    candidate = _candidate(request, ref, purpose="place")
    _require_action(request, candidate, "place")
    form = forms.PlaceForm(_posted(request), initial={"on": _today(),
                                                          "version": candidate.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            stay, status = run(form, lambda: services.place(
                candidate, actor=user, expected_version=data["version"], on=data["on"],
                trial_until=data["trial_until"]))
            if stay is not None:
                return _done(request, _("%(name)s is geplaatst in %(facility)s.") % {
                    "name": candidate.display_name, "facility": candidate.facility.name},
                    reverse("facilities:stay", args=[stay.ref]))
    return _render_form(
        request, form, facility=candidate.facility, candidate=candidate,
        title=_("Plaatsen in %(facility)s") % {"facility": candidate.facility.name},
        intro=_("De kandidaat krijgt een verblijf in de voorziening, in het dossier van de "
                "deelnemer. Komt de kandidaat uit een PI, dan is het een overplaatsing."),
        submit=_("Plaatsen"), cancel=_candidate_url(candidate), status=status)


# --- Referral and application ---------------------------------------------------------------

@policy.requires("facilities.candidates")
@require_http_methods(["GET", "POST"])
def candidate_add(request, code):
    user = request.user
    facility = _facility(code)
    sources = services.intake_sources(user, facility)
    if not sources:
        _deny(request, "facilities.refer")
    form = forms.CandidateForm(_posted(request), sources=sources,
                               initial={"list_date": _today(), "source": sources[0]})
    status = 200
    if request.method == "POST":
        status = 400
        form.is_valid()
        data = form.cleaned_data
        participant = None
        participant_ref = (data.get("participant_ref") or "").strip()
        if participant_ref:
            participant = policy.visible_participants(user).filter(
                ref=participant_ref).first() if policy.has_perm(
                user, "participants.view") else None
            if participant is None:
                form.add_error("participant_ref",
                               _("Onbekend deelnemernummer, of niet in uw dossiers."))
        if form.is_valid():
            candidate, status = run(form, lambda: services.register_candidate(
                actor=user, facility=facility, source=data["source"],
                list_date=data["list_date"], participant=participant, name=data["name"],
                **form.facts()))
            if candidate is not None:
                outcome = candidate.screening_outcome
                message = _("Kandidaat %(ref)s is aangemeld en gescreend: %(outcome)s.") % {
                    "ref": candidate.ref,
                    "outcome": _("voldoet aan de criteria") if outcome == "eligible"
                    else _labels()["exclusion_reasons"].get(outcome, outcome)}
                return _done(request, message, _candidate_url(candidate))
    return _render_form(
        request, form, facility=facility,
        title=_("Kandidaat aanmelden voor %(facility)s") % {"facility": facility.name},
        intro=_("Een verwijzing door een casemanager, de gemeente, de reclassering of de "
                "rechter, of een eigen aanmelding. De kandidaat begint in de eerste stap van de "
                "instroomroute en wordt gescreend op de criteria van de aanmeldingsdatum."),
        submit=_("Aanmelden"), cancel=reverse("facilities:facility", args=[facility.code]),
        status=status)


# --- Stays at a facility --------------------------------------------------------------------

@policy.requires("participants.view")
@require_http_methods(["GET"])
def stays(request, code):
    user = request.user
    facility = _facility(code)
    show = request.GET.get("toon", "current")
    qs = policy.scope(user, Stay.objects.filter(institution=facility)).select_related(
        "participant", "facility_details__candidate").annotate(
        away=Exists(TemporaryReturn.objects.filter(stay=OuterRef("pk"), returned_on__isnull=True,
                                                   stay__left_on__isnull=True)))
    if show != "all":
        qs = qs.filter(left_on__isnull=True)
    qs = qs.order_by("left_on", "-entered_on", "ref") if show == "all" else \
        qs.order_by("entered_on", "ref")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list(Stay, count=page.paginator.count, purpose="facility_stays",
                      details={"facility": facility.code})
    return render(request, "facilities/stays.html", {
        "facility": facility, "page": page, "show": show, "today": _today(),
        "labels": _labels(), "query": f"toon={show}"})


@policy.requires("participants.view")
@require_http_methods(["GET"])
def stay_detail(request, ref):
    user = request.user
    stay = _stay(request, ref)
    details = policy.scope(user, FacilityStay.objects.filter(stay=stay)).select_related(
        "candidate").first()
    returns = list(policy.scope(user, TemporaryReturn.objects.filter(stay=stay))
                   .select_related("recorded_by").order_by("left_on", "id"))
    others = list(policy.scope(user, Stay.objects.filter(participant=stay.participant,
                                                         institution=stay.institution))
                  .exclude(pk=stay.pk).order_by("entered_on"))
    open_return = next((r for r in returns if r.returned_on is None), None)
    manage = stay.left_on is None and policy.may_manage_facility(user, stay.institution_id)
    today = _today()
    return render(request, "facilities/stay.html", {
        "facility": stay.institution, "stay": stay, "details": details, "returns": returns,
        "others": others, "open_return": open_return, "manage": manage, "labels": _labels(),
        "days": ((stay.left_on or today) - stay.entered_on).days,
        "in_trial": bool(details and details.trial_until and details.trial_until >= today
                         and stay.left_on is None)})


def _managed_stay(request, ref) -> Stay:
    stay = _stay(request, ref)
    if not policy.may_manage_facility(request.user, stay.institution_id):
        _deny(request, "facilities.manage")
    return stay


def _stay_url(stay: Stay) -> str:
    return reverse("facilities:stay", args=[stay.ref])


@policy.requires("facilities.manage")
@require_http_methods(["GET", "POST"])
def trial(request, ref):
    stay = _managed_stay(request, ref)
    details = services.facility_details(stay)
    form = forms.TrialForm(_posted(request), initial={"trial_until": details.trial_until,
                                                      "version": details.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done, status = run(form, lambda: services.set_trial_period(
                stay, actor=request.user, expected_version=form.cleaned_data["version"],
                trial_until=form.cleaned_data["trial_until"]))
            if done is not None:
                return _done(request, _("De proefperiode is vastgelegd."), _stay_url(stay))
    return _render_form(request, form, facility=stay.institution, stay_link=True,
                        title=_("Proefperiode — %(name)s") % {
                            "name": stay.participant.display_name},
                        submit=_("Opslaan"), cancel=_stay_url(stay), status=status)


@policy.requires("facilities.manage")
@require_http_methods(["GET", "POST"])
def temporary_return(request, ref):
    stay = _managed_stay(request, ref)
    form = forms.TemporaryReturnForm(_posted(request), initial={
        "left_on": _today(), "planned_return_on": _today() + dt.timedelta(days=14)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            done, status = run(form, lambda: services.temporary_return(
                stay, actor=request.user, left_on=data["left_on"],
                planned_return_on=data["planned_return_on"], reason=data["reason"],
                decided_by=data["decided_by"]))
            if done is not None:
                return _done(request, _("De tijdelijke terugplaatsing is vastgelegd; de plaats "
                                        "blijft bezet."), _stay_url(stay))
    return _render_form(
        request, form, facility=stay.institution, stay_link=True,
        title=_("Tijdelijk terugplaatsen — %(name)s") % {"name": stay.participant.display_name},
        intro=_("De deelnemer gaat tijdelijk terug naar de PI en houdt de plaats in de "
                "voorziening; leg de geplande terugkeer vast."),
        submit=_("Vastleggen"), cancel=_stay_url(stay), status=status)


@policy.requires("facilities.manage")
@require_http_methods(["GET", "POST"])
def end_temporary_return(request, ref, pk):
    stay = _managed_stay(request, ref)
    temporary = get_object_or_404(policy.scope(request.user, TemporaryReturn.objects.filter(
        stay=stay)), pk=pk)
    form = forms.EndTemporaryReturnForm(_posted(request), initial={"returned_on": _today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            done, status = run(form, lambda: services.end_temporary_return(
                temporary, actor=request.user, returned_on=form.cleaned_data["returned_on"]))
            if done is not None:
                return _done(request, _("De terugkeer in de voorziening is vastgelegd."),
                             _stay_url(stay))
    return _render_form(request, form, facility=stay.institution, stay_link=True,
                        title=_("Terug in de voorziening — %(name)s") % {
                            "name": stay.participant.display_name},
                        submit=_("Vastleggen"), cancel=_stay_url(stay), status=status)


@policy.requires("facilities.manage")
@require_http_methods(["GET", "POST"])
def definitive_return(request, ref):
    stay = _managed_stay(request, ref)
    form = forms.DefinitiveReturnForm(_posted(request), initial={
        "on": _today(), "version": stay.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            new, status = run(form, lambda: services.definitive_return(
                stay, actor=request.user, expected_version=data["version"], on=data["on"],
                return_reason=data["return_reason"], decided_by=data["decided_by"],
                note=data["note"]))
            if new is not None:
                return _done(request, _("De terugplaatsing naar %(prison)s is vastgelegd.") % {
                    "prison": new.institution.name}, _stay_url(stay))
    return _render_form(
        request, form, facility=stay.institution, stay_link=True,
        title=_("Terugplaatsen naar de PI — %(name)s") % {"name": stay.participant.display_name},
        intro=_("Het verblijf in de voorziening eindigt met uitstroom 'teruggeplaatst'; de "
                "deelnemer krijgt een verblijf in de PI. Komt de deelnemer later terug, dan is "
                "dat een nieuw verblijf."),
        submit=_("Terugplaatsen"), cancel=_stay_url(stay), status=status)


@policy.requires("facilities.manage")
@require_http_methods(["GET", "POST"])
def outflow(request, ref):
    stay = _managed_stay(request, ref)
    form = forms.OutflowForm(_posted(request), initial={"on": _today(),
                                                            "version": stay.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            done, status = run(form, lambda: services.outflow(
                stay, actor=request.user, expected_version=data["version"], on=data["on"],
                outflow_type=data["outflow_type"],
                housing_destination=data["housing_destination"],
                decided_by=data["decided_by"], note=data["note"],
                to_institution=data["to_institution"]))
            if done is not None:
                return _done(request, _("Het vertrek uit de voorziening is vastgelegd."),
                             _stay_url(stay))
    return _render_form(
        request, form, facility=stay.institution, stay_link=True,
        title=_("Uitstroom — %(name)s") % {"name": stay.participant.display_name},
        intro=_("Positief met een penitentiair programma, positief aan het einde van de "
                "detentie, overplaatsing of anders. Een terugplaatsing naar de PI legt u vast "
                "met Terugplaatsen."),
        submit=_("Vertrek vastleggen"), cancel=_stay_url(stay), status=status)


# --- The dashboard --------------------------------------------------------------------------

def _may_see_figures(user, facility) -> bool:
    """The facilities whose figures the user may see: as in the reports, the institutions of
    `policy.visible_institutions` (national roles all)."""
    return facility.pk in policy.visible_institution_ids(user)


def _default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve calendar months, this month included."""
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return dt.date(year, month, 1), today


@policy.requires("facilities.figures")
@require_http_methods(["GET"])
def dashboard(request, code):
    from herstelpad.facilities.dashboard import figures

    user = request.user
    facility = _facility(code)
    if not _may_see_figures(user, facility):
        _deny(request, "facilities.figures")
    defaults = _default_period(_today())
    form = forms.PeriodForm(request.GET or None, defaults=defaults)
    if form.is_bound and not form.is_valid():
        return render(request, "facilities/dashboard.html", {
            "facility": facility, "form": form}, status=400)
    date_from, date_to = form.cleaned_data["period"] if form.is_bound else defaults
    context = figures(user, facility, date_from, date_to)
    query = f"from={date_from.isoformat()}&to={date_to.isoformat()}&institution={facility.code}"
    return render(request, "facilities/dashboard.html", {
        "facility": facility, "form": form, "date_from": date_from, "date_to": date_to,
        "query": query, **context})


