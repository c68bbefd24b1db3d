"""Pages of herstelbemiddeling.

Prison side (in the dossier): the *Herstelbemiddeling* tab (facts only, consent-filtered, see
`prison.py`), referral, court mediations. Mediation side (`/bemiddeling/`): the workbench, the
case register, a case with its steps and — for mediators on the case — the sealed compartment,
registration, reopening, court mediations and the figures. Every view declares its permission,
fetches through the policy and calls a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.concurrency import ConflictError
from herstelpad.mediation import forms, prison, services
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import (
    CaseMediator,
    CourtMediation,
    MediationCase,
    Party,
    Side,
    Source,
)
from herstelpad.participants import dossier
from herstelpad.participants.models import Participant
from herstelpad.reference import codes

FORM = "mediation/form.html"
LABEL_LISTS = ("mediation_channels", "mediation_stop_reasons", "mediation_contact_forms",
               "offence_categories")
SEALED_POST = ("referrer_name", "referrer_contact", "contact_person", "matter", "request_note",
               "reason", "name", "address", "phone", "email", "notes", "content", "text",
               "location", "attendees", "support_persons", "interpreter_language", "note")


def sealed_form(permission: str):
    """The decorators of every form page that may carry sealed (victim) values: the policy's
    permission, sealed POST fields and local variables kept out of error reports, GET/POST only."""
    def decorate(view):
        view = require_http_methods(["GET", "POST"])(view)
        view = sensitive_variables()(view)
        view = sensitive_post_parameters(*SEALED_POST)(view)
        return policy.requires(permission)(view)
    return decorate


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


def _done(request, message, url):
    messages.success(request, message)
    return redirect(url)


# --- Prison side: the dossier tab ---------------------------------------------------------------

@policy.requires("mediation.status")
@require_http_methods(["GET"])
def dossier_tab(request, ref):
    participant = dossier.get_participant(request, ref)
    user = request.user
    referrals = prison.referrals(user, participant)
    courts = list(policy.scope(user, CourtMediation.objects.filter(participant=participant)))
    audit.record_list(MediationCase, count=len(referrals), purpose="dossier",
                      details={"participant": participant.pk})
    return render(request, "mediation/dossier.html", dossier.context(
        request, participant, "mediation", referrals=referrals, courts=courts,
        phase_labels=prison.PHASE_LABELS, can_refer=policy.has_perm(user, "mediation.refer"),
        can_court=policy.has_perm(user, "mediation.court"), today=services.today()))


@sealed_form("mediation.refer")
def refer(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.ReferForm(request.POST or None)
    status, duplicates = 200, []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.refer(participant, actor=request.user, **data)
            except services.PossibleDuplicates as exc:
                duplicates = prison.referrals(request.user, participant, qs=MediationCase.objects
                                              .filter(pk__in=[c.pk for c in exc.visible]))
                form.add_service_errors(exc)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return _done(request, _("De aanmelding voor herstelbemiddeling is verstuurd."),
                             reverse("mediation:dossier", args=[ref]))
    return render(request, FORM, dossier.context(
        request, participant, "mediation", form=form, duplicates=duplicates,
        phase_labels=prison.PHASE_LABELS, title=_("Aanmelden voor herstelbemiddeling"),
        intro=_("De bemiddelaar van de bemiddelingsorganisatie neemt eerst contact met u op en "
                "houdt daarna een intake met de deelnemer. De inrichting hoort alleen hoe het "
                "traject verloopt als de deelnemer daar toestemming voor geeft."),
        submit=_("Aanmelden"), cancel=reverse("mediation:dossier", args=[ref])), status=status)


@sealed_form("mediation.court")
def court_add(request, ref):
    participant = dossier.get_participant(request, ref)
    form = forms.CourtForm(request.POST or None, initial={"started_on": services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result, status = run(form, lambda: services.register_court_mediation(
                participant, actor=request.user, **form.cleaned_data))
            if result is not None:
                return _done(request, _("De mediation in strafzaken is vastgelegd."),
                             reverse("mediation:dossier", args=[ref]))
    return render(request, FORM, dossier.context(
        request, participant, "mediation", form=form,
        title=_("Mediation in strafzaken vastleggen"),
        intro=_("Zolang een mediation in strafzaken loopt, gaat die voor: voor dezelfde zaak "
                "start dan geen herstelbemiddeling."),
        submit=_("Vastleggen"), cancel=reverse("mediation:dossier", args=[ref])), status=status)


@policy.requires("mediation.court")
@require_http_methods(["GET", "POST"])
def court_end(request, ref, pk):
    participant = dossier.get_participant(request, ref)
    court = policy.get_object(request.user, CourtMediation.objects.filter(
        participant=participant), pk=pk)
    form = forms.CourtEndForm(request.POST or None, initial={"on": services.today(),
                                                             "version": court.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = run(form, lambda: services.end_court_mediation(
                court, actor=request.user, expected_version=data["version"], on=data["on"]))
            if result is not None:
                return _done(request, _("De mediation in strafzaken is afgerond."),
                             reverse("mediation:dossier", args=[ref]))
    return render(request, FORM, dossier.context(
        request, participant, "mediation", form=form,
        title=_("Mediation in strafzaken afgerond"), submit=_("Vastleggen"),
        cancel=reverse("mediation:dossier", args=[ref])), status=status)


# --- Mediation side -----------------------------------------------------------------------------

def get_case(request, ref: str) -> MediationCase:
    return policy.get_object(request.user, MediationCase.objects.select_related(
        "participant", "institution", "organisation", "reopens", "referred_by",
        "possible_duplicate_of"), ref=ref)


def _case_context(request, case: MediationCase, **extra) -> dict:
    return {"case": case, "labels": codes.labels(*LABEL_LISTS),
            "state_labels": wf.STATE_LABELS, "action_labels": wf.ACTION_LABELS, **extra}


@policy.requires("mediation.work")
@require_http_methods(["GET"])
def workbench(request):
    user = request.user
    mine = services.my_cases(user)
    due = services.due_reminders(user)
    unassigned = services.unassigned_cases(user)
    audit.record_list(MediationCase, count=len(mine) + len(unassigned), purpose="workbench")
    return render(request, "mediation/workbench.html", {
        "mine": mine, "due": due, "unassigned": unassigned,
        "state_labels": wf.STATE_LABELS, "action_labels": wf.ACTION_LABELS,
        "labels": codes.labels(*LABEL_LISTS), "today": services.today()})


@policy.requires("mediation.work")
@require_http_methods(["GET"])
def reminders(request):
    rows = services.due_reminders(request.user, within_days=30)
    audit.record_list(MediationCase, count=len(rows), purpose="reminders")
    return render(request, "mediation/reminders.html", {
        "rows": rows, "today": services.today(), "state_labels": wf.STATE_LABELS})


@policy.requires("mediation.work")
@require_http_methods(["GET"])
def case_register(request):
    form = forms.RegisterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = services.register_list(request.user, state=data.get("state", ""),
                                channel=data.get("channel", ""), q=data.get("q", ""),
                                open_only=data.get("open_only", False))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    audit.record_list(MediationCase, count=page.paginator.count, purpose="register")
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "mediation/register.html", {
        "form": form, "page": page, "query": params.urlencode(),
        "state_labels": wf.STATE_LABELS, "labels": codes.labels(*LABEL_LISTS),
        "today": services.today()})


@sealed_form("mediation.work")
def case_add(request):
    form = forms.CaseForm(request.POST or None, initial={"received_on": services.today()})
    status, duplicates = 200, []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            participant = None
            participant_ref = data.pop("participant_ref", "").strip()
            if participant_ref:
                participant = Participant.objects.filter(ref=participant_ref).first()
                if participant is None:
                    form.add_error("participant_ref", _("Onbekend deelnemernummer."))
            if form.is_valid():
                try:
                    case = services.register_case(actor=request.user, participant=participant,
                                                  **data)
                except services.PossibleDuplicates as exc:
                    duplicates = exc.visible
                    form.add_service_errors(exc)
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    return _done(request, _("Zaak %(ref)s is geregistreerd.") % {
                        "ref": case.ref}, reverse("mediation:case", args=[case.ref]))
    return render(request, FORM, {
        "form": form, "duplicates_mediation": duplicates, "state_labels": wf.STATE_LABELS,
        "title": _("Aanmelding registreren"),
        "intro": _("Een verzoek om bemiddeling, via welke route ook en van welke partij ook."),
        "submit": _("Registreren"), "cancel": reverse("mediation:workbench")}, status=status)


@policy.requires("mediation.work")
@require_http_methods(["GET"])
def case_detail(request, ref):
    case = get_case(request, ref)
    user = request.user
    state = services.case_state(case)
    sealed = services.compartment(user, case)
    on_case = sealed is not None
    mediators = list(policy.scope(user, CaseMediator.objects.filter(case=case))
                     .select_related("user").order_by("assigned_on", "id"))
    linked = list(policy.scope(user, MediationCase.objects.filter(reopens=case)))
    actions = wf.allowed_actions(state) if case.source == Source.APP else []
    if not on_case:
        actions = [a for a in actions if a in services.ANYONE_IN_ORGANISATION]
    return render(request, "mediation/case.html", _case_context(
        request, case, state=state, sealed=sealed, on_case=on_case, actions=actions,
        mediators=mediators, linked=linked, today=services.today(), sides=Side.choices,
        answer_labels={wf.YES: _("ja"), wf.NOT_YET_ANSWER: _("nog niet"), wf.NO: _("nee")},
        current_mediators=[m for m in mediators if m.ended_on is None]))


@sealed_form("mediation.work")
def case_step(request, ref, action):
    case = get_case(request, ref)
    if action not in wf.ACTIONS or action == wf.REGISTER:
        raise Http404
    if action not in services.ANYONE_IN_ORGANISATION:
        services.require_on_case(request.user, case)
    form = forms.StepForm(request.POST or None, action=action,
                          mediators=services.mediators_of(case.organisation_id),
                          initial={"on": services.today(), "version": case.version,
                                   "mediators": [request.user.pk] if action == wf.ASSIGN
                                   else [m.pk for m in services.current_mediators(case)]})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            arguments = form.service_arguments()
            _result, status = run(form, lambda: services.take_step(
                case, actor=request.user, expected_version=form.cleaned_data["version"],
                action=action, **arguments))
            if status == 200:
                return _done(request, _("Vastgelegd: %(step)s.") % {
                    "step": wf.ACTION_LABELS[action]}, reverse("mediation:case", args=[ref]))
    return render(request, FORM, _case_context(
        request, case, form=form, title=_("%(step)s — zaak %(ref)s") % {
            "step": wf.ACTION_LABELS[action], "ref": case.ref},
        submit=_("Vastleggen"), cancel=reverse("mediation:case", args=[ref])), status=status)


@sealed_form("mediation.work")
def case_edit(request, ref):
    case = get_case(request, ref)
    services.require_on_case(request.user, case)
    # The form shows the case's sealed facts (matter, referrer, contact person).
    audit.record(Action.READ, obj=case, purpose="compartment", details={"parts": ["case"]})
    initial = {name: getattr(case, name) for name in services.EDITABLE}
    return _versioned_edit(
        request, case, forms.CaseEditForm, initial, case.version,
        lambda version, data: services.update_case(
            case, actor=request.user, expected_version=version, **data),
        _("Gegevens van zaak %(ref)s"), _("De gegevens van de zaak zijn opgeslagen."))


@sensitive_variables()
def _versioned_edit(request, case, form_class, initial, version, call, title, done):
    """An edit form of a record that carries a version (concurrent edits are refused)."""
    form = form_class(request.POST or None, initial={**initial, "version": version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            expected = data.pop("version")
            result, status = run(form, lambda: call(expected, data))
            if result is not None:
                return _done(request, done, reverse("mediation:case", args=[case.ref]))
    return render(request, FORM, _case_context(
        request, case, form=form, title=title % {"ref": case.ref}, submit=_("Opslaan"),
        cancel=reverse("mediation:case", args=[case.ref])), status=status)


@sensitive_variables()
def _compartment_form(request, ref, form_class, call, title, done, *, initial=None):
    case = get_case(request, ref)
    services.require_on_case(request.user, case)
    form = form_class(request.POST or None, initial=initial or {"on": services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result, status = run(form, lambda: call(case, form.cleaned_data))
            if result is not None:
                return _done(request, done, reverse("mediation:case", args=[ref]))
    return render(request, FORM, _case_context(
        request, case, form=form, title=title % {"ref": case.ref}, submit=_("Vastleggen"),
        cancel=reverse("mediation:case", args=[ref])), status=status)


@sealed_form("mediation.work")
def party_add(request, ref):
    return _compartment_form(
        request, ref, forms.PartyForm,
        lambda case, data: services.add_party(case, actor=request.user, **data),
        _("Partij toevoegen — zaak %(ref)s"), _("De partij is vastgelegd."),
        initial={"side": "victim", "kind": "victim"})


@sealed_form("mediation.work")
def party_edit(request, ref, pk):
    case = get_case(request, ref)
    services.require_on_case(request.user, case)
    party = policy.get_object(request.user, Party.objects.filter(case=case), pk=pk,
                              purpose="compartment")
    initial = {name: getattr(party, name) for name in ("side", "kind", *services.PARTY_FIELDS)}
    return _versioned_edit(
        request, case, forms.PartyEditForm, initial, party.version,
        lambda version, data: services.update_party(
            party, actor=request.user, expected_version=version, **data),
        _("Partij wijzigen — zaak %(ref)s"), _("De partij is bijgewerkt."))


@sealed_form("mediation.work")
def conversation_add(request, ref):
    return _compartment_form(
        request, ref, forms.ConversationForm,
        lambda case, data: services.add_conversation(case, actor=request.user, **data),
        _("Gesprek vastleggen — zaak %(ref)s"), _("Het gesprek is vastgelegd."))


@sealed_form("mediation.work")
def message_add(request, ref):
    return _compartment_form(
        request, ref, forms.LetterForm,
        lambda case, data: services.add_message(case, actor=request.user, **data),
        _("Brief of boodschap vastleggen — zaak %(ref)s"),
        _("De brief of boodschap is vastgelegd."))


@sealed_form("mediation.work")
def condition_add(request, ref):
    return _compartment_form(
        request, ref, forms.ConditionForm,
        lambda case, data: services.add_condition(case, actor=request.user, **data),
        _("Voorwaarde vastleggen — zaak %(ref)s"), _("De voorwaarde is vastgelegd."))


@sealed_form("mediation.work")
def case_reopen(request, ref):
    case = get_case(request, ref)
    previous = services.previous_mediators(case)
    form = forms.ReopenForm(request.POST or None, initial={
        "on": services.today(), "initiating_party": case.initiating_party,
        "channel": case.channel, "same_mediators": bool(previous)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            new, status = run(form, lambda: services.reopen(case, actor=request.user,
                                                            **form.cleaned_data))
            if new is not None:
                return _done(request, _("Zaak %(old)s is heropend als zaak %(new)s.") % {
                    "old": case.ref, "new": new.ref}, reverse("mediation:case", args=[new.ref]))
    names = ", ".join(u.display_name for u in previous) or _("geen")
    return render(request, FORM, _case_context(
        request, case, form=form, title=_("Zaak %(ref)s heropenen") % {"ref": case.ref},
        intro=_("De zaak blijft afgesloten; de nieuwe zaak verwijst ernaar. Eerdere "
                "bemiddelaar(s): %(names)s.") % {"names": names},
        submit=_("Heropenen als nieuwe zaak"), cancel=reverse("mediation:case", args=[ref])),
        status=status)


@policy.requires("mediation.work")
@require_http_methods(["GET"])
def court_list(request):
    rows = list(policy.scope(request.user, CourtMediation.objects.select_related(
        "participant")).order_by("ended_on", "-started_on", "-id")[:200])
    audit.record_list(CourtMediation, count=len(rows), purpose="court_mediations")
    return render(request, "mediation/court_list.html", {
        "rows": rows, "labels": codes.labels("offence_categories")})


@sealed_form("mediation.work")
def court_new(request):
    form = forms.CourtNewForm(request.POST or None, initial={"started_on": services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            participant = Participant.objects.filter(ref=data.pop("participant_ref")).first()
            if participant is None:
                form.add_error("participant_ref", _("Onbekend deelnemernummer."))
            else:
                result, status = run(form, lambda: services.register_court_mediation(
                    participant, actor=request.user, **data))
                if result is not None:
                    return _done(request, _("De mediation in strafzaken is vastgelegd."),
                                 reverse("mediation:court_list"))
    return render(request, FORM, {
        "form": form, "title": _("Mediation in strafzaken vastleggen"),
        "submit": _("Vastleggen"), "cancel": reverse("mediation:court_list")}, status=status)


@policy.requires("mediation.work")
@require_http_methods(["GET", "POST"])
def court_close(request, pk):
    court = policy.get_object(request.user, CourtMediation.objects.all(), pk=pk)
    form = forms.CourtEndForm(request.POST or None, initial={"on": services.today(),
                                                             "version": court.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = run(form, lambda: services.end_court_mediation(
                court, actor=request.user, expected_version=data["version"], on=data["on"]))
            if result is not None:
                return _done(request, _("De mediation in strafzaken is afgerond."),
                             reverse("mediation:court_list"))
    return render(request, FORM, {
        "form": form, "title": _("Mediation in strafzaken afgerond"), "submit": _("Vastleggen"),
        "cancel": reverse("mediation:court_list")}, status=status)


# --- The figures ----------------------------------------------------------------------------

DASHBOARD_REPORTS = ("mediation-intake", "mediation-outcomes", "mediation-institutions",
                     "mediation-stop-reasons", "mediation-contact-forms", "mediation-durations")


@policy.requires("mediation.figures")
@require_http_methods(["GET"])
def dashboard(request):
    """The sector's figures per year and per institution: the mediation reports, run through
    the report engine (so disclosure control and the audit apply), side by side."""
    from herstelpad.reports import registry
    from herstelpad.reports import render as formats
    from herstelpad.reports import services as reports

    user = request.user
    first = registry.get(DASHBOARD_REPORTS[0])
    form = reports.bind_form(first, user, request.GET or {})
    sections = []
    if form.is_valid():
        for name in DASHBOARD_REPORTS:
            report = registry.get(name)
            result = reports.run_validated(report, user, form.cleaned_data, fmt="html")
            context = formats.table_context(result)
            # Codes without a code list, in words (the CSV and JSON keep the codes).
            if name == "mediation-durations":
                from herstelpad.mediation.report_definitions import BUCKET_LABELS

                for cells in context["body"]:
                    cells[0]["text"] = str(BUCKET_LABELS.get(cells[0]["text"], cells[0]["text"]))
            if name == "mediation-institutions":
                words = {"yes": _("ja"), "no": _("nee")}
                for cells in context["body"]:
                    cells[1]["text"] = str(words.get(cells[1]["text"], cells[1]["text"]))
            sections.append({"name": name, **context})
    query = request.GET.urlencode()
    return render(request, "mediation/dashboard.html", {
        "form": form, "sections": sections, "query": query,
        "public": sections[0]["public"] if sections else False},
        status=200 if form.is_valid() else 400)


__all__ = ["PermissionDenied"]
