"""Pages of the participant dossier: the caseload, the overview, personal details, stays,
transfers, release, regime, team, shift notes, the timeline, and the aftercare coordinator's
narrow view. Each view declares its permission, fetches the participant through the policy and
calls a service; the rules are in `services`."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.participants import dossier, forms, services, timeline
from herstelpad.participants.models import Assignment, Participant, RegimeChange, ShiftNote, Stay
from herstelpad.reference import codes

PAGE_SIZE = 50
FORM_TEMPLATE = "participants/form.html"


def require(request, perm: str) -> None:
    """For a view that serves readers (GET) and writers (POST): check the writer's permission,
    recording a refusal in the audit trail as the middleware does."""
    from django.core.exceptions import PermissionDenied

    if not policy.has_perm(request.user, perm):
        audit.record_denied_request(request, perm)
        raise PermissionDenied(perm)


def _done(request, message: str, url: str):
    from django.contrib import messages

    messages.success(request, message)
    return redirect(url)


# --- Caseload ---------------------------------------------------------------------------------

@policy.requires("participants.view")
@require_http_methods(["GET"])
def caseload(request):
    user = request.user
    default_scope = "mine" if user.role in ("casemanager", "mentor") else "all"
    form = forms.CaseloadForm(request.GET or None, user=user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    query = services.CaseloadQuery(
        mine=(data.get("scope") or default_scope) == "mine",
        institution=data.get("institution"), unit=data.get("unit", ""),
        presence=data.get("presence") or "present", attention=data.get("attention", ""),
        q=data.get("q", ""), sort=data.get("sort") or "name")
    if not form.is_bound:
        form = forms.CaseloadForm(initial={"scope": default_scope, "presence": "present",
                                           "sort": "name"}, user=user)
    page = Paginator(services.caseload(user, query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"participant": p, "deadlines": services.deadlines(p),
             "remaining": services.remaining_sentence(
                 p.current_stay.sentence_end_on if p.current_stay else None)}
            for p in page.object_list]
    audit.record_list(Participant, count=page.paginator.count, purpose="caseload",
                      details={"mine": query.mine})
    params = request.GET.copy()
    params.pop("page", None)
    ctx = {"form": form, "page": page, "rows": rows, "query": params.urlencode(),
           "mine": query.mine, "labels": codes.labels("legal_statuses"),
           "can_register": policy.has_perm(user, "participants.manage")}
    template = ("participants/_caseload_results.html" if request.htmx
                else "participants/caseload.html")
    return render(request, template, ctx)


@policy.requires("participants.manage")
@require_http_methods(["GET", "POST"])
def register(request):
    form = forms.RegisterForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        def call():
            from django.db import transaction

            with transaction.atomic():
                person = services.create_participant(actor=request.user, **form.person_data())
                services.admit(person, actor=request.user,
                               institution=form.cleaned_data["institution"],
                               entered_on=form.cleaned_data["entered_on"], **form.stay_data())
                return person

        person, status = dossier.run_service(form, call)
        if person is not None:
            return _done(request, _("Deelnemer %(name)s is ingeschreven.") % {
                "name": person.display_name}, reverse("participants:detail", args=[person.ref]))
    elif request.method == "POST":
        status = 400
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Deelnemer inschrijven"),
        "intro": _("Schrijf een gedetineerde in met het eerste verblijf. Een deelnemernummer "
                   "wordt aangemaakt."),
        "submit": _("Inschrijven"), "cancel": reverse("participants:caseload")}, status=status)


# --- The dossier ------------------------------------------------------------------------------

@policy.requires("participants.view")
@require_http_methods(["GET"])
def detail(request, ref):
    from herstelpad.plans.models import Goal

    participant = dossier.get_participant(request, ref)
    user = request.user
    stays = list(policy.scope(user, Stay.objects.filter(participant=participant))
                 .select_related("institution").order_by("-entered_on", "-id"))
    regime_steps = list(policy.scope(user, RegimeChange.objects.filter(
        stay__episode_id=participant.current_episode_id)).select_related("recorded_by")
        .order_by("-changed_on", "-id"))
    team = list(policy.scope(user, Assignment.objects.filter(participant=participant,
                                                             ends_on__isnull=True))
                .select_related("user").order_by("role", "starts_on"))
    from herstelpad.plans.models import GoalStatus

    counts = {row["status"]: row["n"] for row in policy.scope(
        user, Goal.objects.filter(participant=participant)).values("status").annotate(
        n=Count("pk")).order_by()}
    goal_counts = [(GoalStatus(status).label, counts[status]) for status in GoalStatus.values
                   if counts.get(status)]
    notes = (list(services.search_notes(user, participant=participant)[:5])
             if policy.has_perm(user, "participants.notes") else [])
    return render(request, "participants/detail.html", dossier.context(
        request, participant, "overview", stays=stays, regime_steps=regime_steps, team=team,
        goal_counts=goal_counts, goal_total=sum(counts.values()), notes=notes))


@policy.requires("participants.manage")
@require_http_methods(["GET", "POST"])
def edit(request, ref):
    participant = dossier.get_participant(request, ref)
    initial = {name: getattr(participant, name) for name in (
        "given_name", "family_name", "birth_date", "sex", "language", "dutch_proficiency",
        "kind_check", "offence_category")}
    initial["lvb_indication"] = forms.from_nullable_bool(participant.lvb_indication)
    initial["version"] = participant.version
    form = forms.PersonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            _result, status = dossier.run_service(form, lambda: services.update_participant(
                participant, actor=request.user, expected_version=form.cleaned_data["version"],
                **form.person_data()))
            if status == 200:
                return _done(request, _("De gegevens zijn opgeslagen."),
                             reverse("participants:detail", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form, title=_("Persoonsgegevens wijzigen"),
        submit=_("Opslaan"), cancel=reverse("participants:detail", args=[ref])), status=status)


def _stay(request, participant, stay_ref) -> Stay:
    return get_object_or_404(policy.scope(request.user, Stay.objects.filter(
        participant=participant)).select_related("institution"), ref=stay_ref)


@policy.requires("participants.manage")
@require_http_methods(["GET", "POST"])
def stay_add(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.AdmitForm(request.POST or None, user=request.user,
                           initial={"entered_on": services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            _result, status = dossier.run_service(form, lambda: services.admit(
                participant, actor=request.user, institution=form.cleaned_data["institution"],
                entered_on=form.cleaned_data["entered_on"], **form.stay_data()))
            if status == 200:
                return _done(request, _("Het verblijf is vastgelegd."),
                             reverse("participants:detail", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form, title=_("Nieuw verblijf (opnieuw binnen)"),
        intro=_("Voor iemand die na vertrek weer binnenkomt: dit begint een nieuwe "
                "detentieperiode met een nieuw D&R-plan. Een overplaatsing legt u vast bij het "
                "huidige verblijf."),
        submit=_("Vastleggen"), cancel=reverse("participants:detail", args=[ref])),
        status=status)


@policy.requires("participants.manage")
@require_http_methods(["GET", "POST"])
def stay_edit(request, ref, stay_ref):
    participant = dossier.get_participant(request, ref)
    stay = _stay(request, participant, stay_ref)
    form = forms.StayForm(request.POST or None, initial={
        "legal_status": stay.legal_status, "sentence_end_on": stay.sentence_end_on,
        "unit": stay.unit, "aftercare_municipality": stay.aftercare_municipality,
        "version": stay.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            _result, status = dossier.run_service(form, lambda: services.update_stay(
                stay, actor=request.user, expected_version=form.cleaned_data["version"],
                **form.stay_data()))
            if status == 200:
                return _done(request, _("Het verblijf is bijgewerkt."),
                             reverse("participants:detail", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form,
        title=_("Verblijf in %(institution)s wijzigen") % {"institution": stay.institution.name},
        submit=_("Opslaan"), cancel=reverse("participants:detail", args=[ref])), status=status)


@policy.requires("participants.manage")
@require_http_methods(["GET", "POST"])
def transfer(request, ref, stay_ref):
    participant = dossier.get_participant(request, ref)
    stay = _stay(request, participant, stay_ref)
    form = forms.TransferForm(request.POST or None, initial={
        "on": services.today(), "version": stay.version, "outflow_type": "transferred"})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.transfer(
                stay, actor=request.user, expected_version=data["version"],
                to_institution=data["to_institution"], on=data["on"], unit=data["unit"],
                outflow_type=data["outflow_type"], return_reason=data["return_reason"]))
            if status == 200:
                return _done(request, _("De overplaatsing is vastgelegd. Het dossier gaat mee."),
                             reverse("participants:detail", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form,
        title=_("Overplaatsen vanuit %(institution)s") % {"institution": stay.institution.name},
        intro=_("Het verblijf eindigt en het volgende begint in dezelfde detentieperiode. Het "
                "D&R-plan, de doelen en het regime gaan mee."),
        submit=_("Overplaatsen"), cancel=reverse("participants:detail", args=[ref])),
        status=status)


@policy.requires("participants.manage")
@require_http_methods(["GET", "POST"])
def release(request, ref, stay_ref):
    participant = dossier.get_participant(request, ref)
    stay = _stay(request, participant, stay_ref)
    form = forms.ReleaseForm(request.POST or None,
                             initial={"on": services.today(), "version": stay.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.release(
                stay, actor=request.user, expected_version=data["version"], on=data["on"],
                outflow_type=data["outflow_type"]))
            if status == 200:
                return _done(request, _("Het vertrek is vastgelegd."),
                             reverse("participants:detail", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form,
        title=_("Vertrek uit %(institution)s") % {"institution": stay.institution.name},
        intro=_("Bij vertrek eindigt de detentieperiode en de toewijzingen van het team. Kijk "
                "of het actieplan is meegegeven."),
        submit=_("Vertrek vastleggen"), cancel=reverse("participants:detail", args=[ref])),
        status=status)


@policy.requires("participants.regime")
@require_http_methods(["GET", "POST"])
def regime(request, ref):
    participant = dossier.get_participant(request, ref)
    stay = participant.current_stay
    form = forms.RegimeForm(request.POST or None, initial={"on": services.today()})
    status = 200
    if stay is None:
        form.add_error(None, _("De deelnemer verblijft nu niet in een inrichting."))
        status = 400 if request.method == "POST" else 200
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.change_regime(
                stay, actor=request.user, kind=data["kind"], on=data["on"],
                reason=data["reason"], regime=data["regime"]))
            if status == 200:
                return _done(request, _("De stap in het regime is vastgelegd."),
                             reverse("participants:detail", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form, title=_("Regime: promotie of degradatie"),
        intro=_("Na een degradatie of een uitsluiting van promotie kan de deelnemer minimaal "
                "zes weken niet promoveren."),
        submit=_("Vastleggen"), cancel=reverse("participants:detail", args=[ref])),
        status=status)


# --- Team -------------------------------------------------------------------------------------

@policy.requires("participants.view")
@require_http_methods(["GET", "POST"])
def team(request, ref):
    participant = dossier.get_participant(request, ref)
    can_assign = policy.has_perm(request.user, "participants.assign")
    institution = participant.current_stay.institution if participant.current_stay else None
    form = forms.AssignForm(request.POST or None, institution=institution,
                            initial={"starts_on": services.today()})
    status = 200
    if request.method == "POST":
        require(request, "participants.assign")
        status = 400
        if form.is_valid():
            user = form.cleaned_data["user"]
            _result, status = dossier.run_service(form, lambda: services.assign(
                participant, actor=request.user, user=user, role=user.role,
                starts_on=form.cleaned_data["starts_on"]))
            if status == 200:
                return _done(request, _("%(name)s staat nu op de zaak.") % {
                    "name": user.display_name}, reverse("participants:team", args=[ref]))
    assignments = list(policy.scope(request.user, Assignment.objects.filter(
        participant=participant)).select_related("user").order_by("ends_on", "role",
                                                                  "-starts_on"))
    return render(request, "participants/team.html", dossier.context(
        request, participant, "overview", form=form if can_assign else None,
        assignments=assignments), status=status)


@policy.requires("participants.assign")
@require_http_methods(["GET", "POST"])
def assignment_end(request, ref, pk):
    participant = dossier.get_participant(request, ref)
    assignment = get_object_or_404(policy.scope(request.user, Assignment.objects.filter(
        participant=participant)).select_related("user"), pk=pk)
    form = forms.EndAssignmentForm(request.POST or None, initial={
        "on": services.today(), "version": assignment.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            _result, status = dossier.run_service(form, lambda: services.end_assignment(
                assignment, actor=request.user, expected_version=form.cleaned_data["version"],
                on=form.cleaned_data["on"]))
            if status == 200:
                return _done(request, _("De toewijzing is beëindigd."),
                             reverse("participants:team", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "overview", form=form,
        title=_("%(name)s van de zaak halen") % {"name": assignment.user.display_name},
        submit=_("Beëindigen"), cancel=reverse("participants:team", args=[ref])),
        status=status)


# --- Shift notes ------------------------------------------------------------------------------

@policy.requires("participants.notes")
@require_http_methods(["GET", "POST"])
def notes(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.NoteForm(request.POST or None)
    search = forms.NoteSearchForm(request.GET or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            _result, status = dossier.run_service(form, lambda: services.add_note(
                participant, actor=request.user, text=form.cleaned_data["text"],
                confirmed=form.cleaned_data["confirmed"]))
            if status == 200:
                return _done(request, _("De notitie is toegevoegd."),
                             reverse("participants:notes", args=[ref]))
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = Paginator(services.search_notes(request.user, q=q, participant=participant),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list(ShiftNote, count=page.paginator.count, purpose="dossier notes",
                      details={"participant": participant.pk})
    return render(request, "participants/notes.html", dossier.context(
        request, participant, "notes", form=form, search=search, page=page,
        query=f"q={q}" if q else ""), status=status)


@policy.requires("participants.notes")
@require_http_methods(["GET"])
def note_search(request):
    search = forms.NoteSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    results = services.search_notes(request.user, q=q) if q else ShiftNote.objects.none()
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    if q:
        audit.record_list(ShiftNote, count=page.paginator.count, purpose="note search")
    return render(request, "participants/note_search.html", {
        "search": search, "page": page, "q": q, "query": f"q={q}" if q else ""})


# --- Timeline ---------------------------------------------------------------------------------

@policy.requires("participants.view")
@require_http_methods(["GET"])
def timeline_view(request, ref):
    participant = dossier.get_participant(request, ref)
    available = timeline.sources()
    chosen = [k for k in request.GET.getlist("soort") if any(s.key == k for s in available)]
    events = timeline.events_for(participant, request.user, kinds=chosen or None)
    labels = {s.key: s.label for s in available}
    return render(request, "participants/timeline.html", dossier.context(
        request, participant, "timeline", events=events, sources=available, chosen=chosen,
        source_labels=labels))


# --- Aftercare coordinator --------------------------------------------------------------------

@policy.requires("aftercare.view")
@require_http_methods(["GET"])
def aftercare_list(request):
    people = (policy.scope(request.user, Participant.objects.all())
              .select_related("current_stay__institution", "current_episode")
              .order_by("family_name", "given_name", "ref"))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_list(Participant, count=page.paginator.count, purpose="aftercare")
    municipality = getattr(request.user.organisation, "municipality", None)
    return render(request, "participants/aftercare_list.html", {
        "page": page, "municipality": municipality})


@policy.requires("aftercare.view")
@require_http_methods(["GET"])
def aftercare_detail(request, ref):
    from herstelpad.plans.models import Goal

    participant = dossier.get_participant(request, ref, purpose="aftercare")
    stays = list(policy.scope(request.user, Stay.objects.filter(participant=participant))
                 .select_related("institution").order_by("-entered_on"))
    goals = list(policy.scope(request.user, Goal.objects.filter(participant=participant))
                 .prefetch_related("actions").order_by("domain", "set_on"))
    return render(request, "participants/aftercare_detail.html", {
        "participant": participant, "stays": stays, "goals": goals,
        "labels": codes.labels("domains", "legal_statuses", "basic_conditions"),
        "remaining": services.remaining_sentence(
            participant.current_stay.sentence_end_on if participant.current_stay else None)})
