"""Pages of the D&R-plan: the plan with its goals, versions and sign-off, a goal with its
actions and status history, the strengths inventory, reviews, and the participant's own action
plan (page and PDF)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.participants import dossier
from herstelpad.participants import services as participant_services
from herstelpad.plans import forms, services
from herstelpad.plans.models import (
    Goal,
    GoalAction,
    GoalStatus,
    PlanVersion,
    Review,
    SignOff,
    StrengthsEntry,
)
from herstelpad.reference import codes

FORM_TEMPLATE = "participants/form.html"


def _done(request, message: str, url: str):
    from django.contrib import messages

    messages.success(request, message)
    return redirect(url)


def _goal(request, participant, goal_ref) -> Goal:
    return get_object_or_404(policy.scope(request.user, Goal.objects.filter(
        participant=participant)), ref=goal_ref)


def _goals(request, participant):
    return (policy.scope(request.user, Goal.objects.filter(participant=participant))
            .prefetch_related("actions").order_by("domain", "set_on", "id"))


# --- The plan ---------------------------------------------------------------------------------

@policy.requires("plans.view")
@require_http_methods(["GET"])
def plan(request, ref):
    participant = dossier.get_participant(request, ref)
    episode = participant.current_episode
    versions = list(policy.scope(request.user, PlanVersion.objects.filter(
        plan__participant=participant)).select_related("plan__episode", "established_by")
        .order_by("-plan__episode__number", "-number"))
    goals = list(_goals(request, participant))
    open_goals = [g for g in goals if g.status == GoalStatus.OPEN]
    closed_goals = [g for g in goals if g.status != GoalStatus.OPEN]
    return render(request, "plans/plan.html", dossier.context(
        request, participant, "plan", versions=versions, open_goals=open_goals,
        closed_goals=closed_goals, current_versions=[v for v in versions
                                                     if v.plan.episode_id == getattr(
                                                         episode, "pk", None)]))


@policy.requires("plans.view")
@require_http_methods(["GET"])
def version(request, ref, pk):
    participant = dossier.get_participant(request, ref)
    item = get_object_or_404(policy.scope(request.user, PlanVersion.objects.filter(
        plan__participant=participant)).select_related(
        "plan__episode", "established_by", "sign_off_recorded_by"), pk=pk)
    form = None
    if item.sign_off == SignOff.PENDING and policy.has_perm(request.user, "plans.manage"):
        form = forms.SignOffForm(initial={"on": participant_services.today(),
                                          "version": item.version})
    return render(request, "plans/version.html", dossier.context(
        request, participant, "plan", item=item, form=form))


@policy.requires("plans.manage")
@require_http_methods(["GET", "POST"])
def version_add(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.VersionForm(request.POST or None,
                             initial={"established_on": participant_services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result, status = dossier.run_service(form, lambda: services.establish_version(
                participant, actor=request.user, summary=form.cleaned_data["summary"],
                established_on=form.cleaned_data["established_on"]))
            if result is not None:
                return _done(request, _("Versie %(n)s van het D&R-plan is vastgesteld.") % {
                    "n": result.number}, reverse("plans:version", args=[ref, result.pk]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Nieuwe versie van het D&R-plan"),
        intro=_("Een versie legt het plan van dit moment vast, met de doelen. Laat de deelnemer "
                "daarna ondertekenen."),
        submit=_("Vaststellen"), cancel=reverse("plans:plan", args=[ref])), status=status)


@policy.requires("plans.manage")
@require_http_methods(["GET", "POST"])
def sign_off(request, ref, pk):
    participant = dossier.get_participant(request, ref)
    item = get_object_or_404(policy.scope(request.user, PlanVersion.objects.filter(
        plan__participant=participant)), pk=pk)
    form = forms.SignOffForm(request.POST or None, initial={
        "on": participant_services.today(), "version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.record_sign_off(
                item, actor=request.user, expected_version=data["version"],
                outcome=data["outcome"], on=data["on"], note=data["note"]))
            if status == 200:
                return _done(request, _("De ondertekening is vastgelegd."),
                             reverse("plans:version", args=[ref, pk]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form,
        title=_("Ondertekening van versie %(n)s") % {"n": item.number},
        submit=_("Vastleggen"), cancel=reverse("plans:version", args=[ref, pk])),
        status=status)


# --- Goals ------------------------------------------------------------------------------------

@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def goal_add(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.GoalForm(request.POST or None, initial={
        "set_on": participant_services.today(), "domain": request.GET.get("leefgebied", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data

            def call():
                with transaction.atomic():
                    goal = services.add_goal(
                        participant, actor=request.user, domain=data["domain"],
                        description=data["description"], set_by=data["set_by"],
                        set_on=data["set_on"])
                    if data["action_description"]:
                        try:
                            services.add_action(goal, actor=request.user,
                                                description=data["action_description"],
                                                responsible=data["action_responsible"],
                                                due_on=data["action_due_on"])
                        except ValidationError as exc:
                            raise ValidationError({
                                key if key == "__all__" else f"action_{key}": value
                                for key, value in exc.message_dict.items()}) from exc
                    return goal

            goal, status = dossier.run_service(form, call)
            if goal is not None:
                return _done(request, _("Het doel is toegevoegd."),
                             reverse("plans:goal", args=[ref, goal.ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Nieuw doel"),
        intro=_("Een doel per leefgebied, in de woorden van de deelnemer, met een of meer "
                "concrete acties."),
        submit=_("Doel toevoegen"), cancel=reverse("plans:plan", args=[ref])), status=status)


@policy.requires("plans.view")
@require_http_methods(["GET"])
def goal(request, ref, goal_ref):
    participant = dossier.get_participant(request, ref)
    item = get_object_or_404(policy.scope(request.user, Goal.objects.filter(
        participant=participant)).select_related("created_by", "plan__episode"), ref=goal_ref)
    history = list(item.status_changes.select_related("recorded_by").order_by("changed_on",
                                                                               "id"))
    actions = list(item.actions.order_by("done_on", "due_on", "id"))
    can_edit = policy.has_perm(request.user, "plans.goals")
    today = participant_services.today()
    # What the life domain belongs to (domains.csv): a basic condition or a restoration layer.
    mapping = codes.attributes("domains").get(item.domain, {})
    layers = codes.labels("basic_conditions", "restoration_layers")
    ctx = {"item": item, "history": history, "actions": actions,
           "basic_condition": layers["basic_conditions"].get(mapping.get("basic_condition", "")),
           "restoration_layer": layers["restoration_layers"].get(
               mapping.get("restoration_layer", ""))}
    if can_edit:
        ctx["status_form"] = forms.GoalStatusForm(initial={"on": today, "version": item.version})
        ctx["rating_form"] = forms.RatingForm(initial={"rating": item.rating,
                                                       "version": item.version})
        ctx["action_form"] = forms.ActionForm() if item.status == GoalStatus.OPEN else None
    return render(request, "plans/goal.html", dossier.context(request, participant, "plan",
                                                              **ctx))


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def goal_edit(request, ref, goal_ref):
    participant = dossier.get_participant(request, ref)
    item = _goal(request, participant, goal_ref)
    form = forms.GoalEditForm(request.POST or None, initial={
        "domain": item.domain, "description": item.description, "set_by": item.set_by,
        "version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.update_goal(
                item, actor=request.user, expected_version=data["version"],
                domain=data["domain"], description=data["description"], set_by=data["set_by"]))
            if status == 200:
                return _done(request, _("Het doel is opgeslagen."),
                             reverse("plans:goal", args=[ref, goal_ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Doel wijzigen"), submit=_("Opslaan"),
        cancel=reverse("plans:goal", args=[ref, goal_ref])), status=status)


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def goal_status(request, ref, goal_ref):
    participant = dossier.get_participant(request, ref)
    item = _goal(request, participant, goal_ref)
    form = forms.GoalStatusForm(request.POST or None, initial={
        "on": participant_services.today(), "version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.change_goal_status(
                item, actor=request.user, expected_version=data["version"],
                status=data["status"], on=data["on"], reason=data["reason"]))
            if status == 200:
                return _done(request, _("De stand van zaken is vastgelegd: %(status)s.") % {
                    "status": GoalStatus(data["status"]).label},
                    reverse("plans:goal", args=[ref, goal_ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Stand van zaken van het doel"),
        submit=_("Vastleggen"), cancel=reverse("plans:goal", args=[ref, goal_ref])),
        status=status)


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def goal_rating(request, ref, goal_ref):
    participant = dossier.get_participant(request, ref)
    item = _goal(request, participant, goal_ref)
    form = forms.RatingForm(request.POST or None, initial={"rating": item.rating,
                                                           "version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.rate_goal(
                item, actor=request.user, expected_version=data["version"],
                rating=data["rating"]))
            if status == 200:
                return _done(request, _("Het oordeel is opgeslagen."),
                             reverse("plans:goal", args=[ref, goal_ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Oordeel over het doel"),
        submit=_("Opslaan"), cancel=reverse("plans:goal", args=[ref, goal_ref])),
        status=status)


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def action_add(request, ref, goal_ref):
    participant = dossier.get_participant(request, ref)
    item = _goal(request, participant, goal_ref)
    form = forms.ActionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.add_action(
                item, actor=request.user, description=data["description"],
                responsible=data["responsible"], due_on=data["due_on"]))
            if status == 200:
                return _done(request, _("De actie is toegevoegd."),
                             reverse("plans:goal", args=[ref, goal_ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Nieuwe actie"),
        submit=_("Actie toevoegen"), cancel=reverse("plans:goal", args=[ref, goal_ref])),
        status=status)


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def action_edit(request, ref, goal_ref, pk):
    participant = dossier.get_participant(request, ref)
    item = _goal(request, participant, goal_ref)
    action = get_object_or_404(GoalAction.objects.filter(goal=item), pk=pk)
    done_only = request.POST.get("form") == "done"
    form_class = forms.ActionDoneForm if done_only else forms.ActionEditForm
    form = form_class(request.POST or None, initial={
        "description": action.description, "responsible": action.responsible,
        "due_on": action.due_on, "done_on": action.done_on, "version": action.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            fields = ({"done_on": data["done_on"]} if done_only else {
                name: data[name] for name in ("description", "responsible", "due_on",
                                              "done_on")})
            _result, status = dossier.run_service(form, lambda: services.update_action(
                action, actor=request.user, expected_version=data["version"], **fields))
            if status == 200:
                return _done(request, _("De actie is opgeslagen."),
                             reverse("plans:goal", args=[ref, goal_ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "plan", form=form, title=_("Actie wijzigen"),
        submit=_("Opslaan"), cancel=reverse("plans:goal", args=[ref, goal_ref])),
        status=status)


# --- Strengths inventory ----------------------------------------------------------------------

@policy.requires("plans.view")
@require_http_methods(["GET"])
def strengths(request, ref):
    participant = dossier.get_participant(request, ref)
    entries = {e.domain: e for e in policy.scope(request.user, StrengthsEntry.objects.filter(
        participant=participant)).select_related("updated_by")}
    domains = codes.choices("domains")
    rows = [{"code": code, "label": label, "entry": entries.get(code)} for code, label in domains]
    return render(request, "plans/strengths.html", dossier.context(
        request, participant, "strengths", rows=rows, filled=len(entries)))


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def strengths_edit(request, ref, domain):
    participant = dossier.get_participant(request, ref)
    domain_labels = codes.labels("domains")["domains"]
    if domain not in domain_labels:
        from django.http import Http404

        raise Http404
    entry = policy.scope(request.user, StrengthsEntry.objects.filter(
        participant=participant, domain=domain)).first()
    form = forms.StrengthsForm(request.POST or None, initial={
        "current_situation": getattr(entry, "current_situation", ""),
        "wishes": getattr(entry, "wishes", ""), "resources": getattr(entry, "resources", ""),
        "version": getattr(entry, "version", None)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            _result, status = dossier.run_service(form, lambda: services.save_strengths(
                participant, domain, actor=request.user, expected_version=data["version"],
                current_situation=data["current_situation"], wishes=data["wishes"],
                resources=data["resources"]))
            if status == 200:
                return _done(request, _("De krachteninventarisatie is opgeslagen."),
                             reverse("plans:strengths", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "strengths", form=form,
        title=_("Krachten: %(domain)s") % {"domain": domain_labels[domain]},
        intro=_("Samen met de deelnemer: hoe gaat het nu, wat wil hij, en wat helpt hem daarbij?"),
        submit=_("Opslaan"), cancel=reverse("plans:strengths", args=[ref])), status=status)


# --- Reviews ----------------------------------------------------------------------------------

@policy.requires("plans.view")
@require_http_methods(["GET"])
def reviews(request, ref):
    participant = dossier.get_participant(request, ref)
    items = list(policy.scope(request.user, Review.objects.filter(participant=participant))
                 .select_related("recorded_by", "episode").order_by("-held_on", "-id"))
    return render(request, "plans/reviews.html", dossier.context(
        request, participant, "reviews", items=items))


@policy.requires("plans.manage")
@require_http_methods(["GET", "POST"])
def review_add(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.ReviewForm(request.POST or None, initial={
        "held_on": participant_services.today(), "kind": "trajectgesprek"})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = dossier.run_service(form, lambda: services.record_review(
                participant, actor=request.user, kind=data["kind"], held_on=data["held_on"],
                attendees=data["attendees"], decisions=data["decisions"],
                next_review_on=data["next_review_on"]))
            if result is not None:
                return _done(request, _("Het gesprek is vastgelegd. Het volgende is gepland op "
                                        "%(date)s.") % {"date": result.next_review_on},
                             reverse("plans:reviews", args=[ref]))
    return render(request, FORM_TEMPLATE, dossier.context(
        request, participant, "reviews", form=form, title=_("Trajectgesprek of MDO vastleggen"),
        submit=_("Vastleggen"), cancel=reverse("plans:reviews", args=[ref])), status=status)


# --- The participant's action plan ------------------------------------------------------------

STATUS_B1 = {
    "open": "Hier werk ik aan",
    "achieved": "Gelukt",
    "partially_achieved": "Voor een deel gelukt",
    "not_achieved": "Niet gelukt",
    "withdrawn": "Gestopt met dit doel",
}


def _action_plan_context(request, participant):
    """The participant's goals in plain Dutch: the goals of the current detention period (and
    any still open), grouped by life domain, with what happens, who does it and when."""
    episode = participant.current_episode
    goals = list(_goals(request, participant))
    if episode is not None:
        goals = [g for g in goals if g.status == GoalStatus.OPEN
                 or g.set_on >= episode.started_on]
    with translation.override("nl"):  # the action plan is the participant's, in Dutch
        labels = codes.labels("domains")["domains"]
    order = {code: i for i, code in enumerate(labels)}
    entries = {e.domain: e for e in policy.scope(request.user, StrengthsEntry.objects.filter(
        participant=participant))}
    groups: dict[str, list] = {}
    for item in sorted(goals, key=lambda g: (order.get(g.domain, 99), g.set_on, g.pk)):
        groups.setdefault(item.domain, []).append({
            "goal": item, "status": STATUS_B1.get(item.status, item.status),
            "actions": sorted(item.actions.all(), key=lambda a: (a.done_on is not None,
                                                                  a.due_on or a.created_at.date(),
                                                                  a.pk))})
    domains = [{"code": code, "label": labels.get(code, code), "goals": items,
                "strengths": entries.get(code)} for code, items in groups.items()]
    return {"participant": participant, "domains": domains,
            "today": participant_services.today(),
            "stay": participant.current_stay}


@policy.requires("plans.view")
@require_http_methods(["GET"])
def action_plan(request, ref):
    participant = dossier.get_participant(request, ref, purpose="action plan")
    ctx = _action_plan_context(request, participant)
    return render(request, "plans/action_plan.html", dossier.context(
        request, participant, "action_plan", domains=ctx["domains"]))


@policy.requires("plans.view")
@require_http_methods(["GET"])
def action_plan_pdf(request, ref):
    from weasyprint import HTML

    participant = dossier.get_participant(request, ref, purpose="action plan pdf")
    with translation.override("nl"):
        html = render_to_string("plans/action_plan_print.html",
                                _action_plan_context(request, participant), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    audit.record(Action.EXPORT, obj=participant, purpose="action plan pdf",
                 details={"document": "action_plan", "format": "pdf"})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="actieplan-{participant.ref}.pdf"'
    return response

