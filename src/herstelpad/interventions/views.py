"""Pages of the intervention catalogue and its delivery: the catalogue search (with "fits this
participant" and overlapping offers side by side), an intervention with its availability and
editions, maintenance by the provider, editions with their participants, waiting list and
attendance, an enrolment with its workflow, the dossier tab, and the institution overview.
Each view declares its permission, fetches person data through the policy and calls a
service; the rules are in `services` and `policy`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.interventions import forms, services, workflows
from herstelpad.interventions.models import (
    OFFERED_STATUSES,
    Attendance,
    Availability,
    AvailabilityStatus,
    Edition,
    Enrolment,
    EnrolmentStatus,
    Intervention,
    Session,
    StepAction,
)
from herstelpad.organisations.models import Institution
from herstelpad.participants import dossier
from herstelpad.participants.models import Participant
from herstelpad.reference import codes

PAGE_SIZE = 50
# The steps someone records on an enrolment's page (refer and register are not among them).
STEP_TITLES = {
    "intake": gettext_lazy("Intake starten"),
    "approve": gettext_lazy("Toelaten"),
    "reject": gettext_lazy("Niet toelaten"),
    "place": gettext_lazy("In een editie plaatsen"),
    "start": gettext_lazy("Start vastleggen"),
    "complete": gettext_lazy("Afronding vastleggen"),
    "end": gettext_lazy("Stoppen vastleggen"),
}
STEP_INTROS = {
    "approve": gettext_lazy("Het MDO of de aanbieder besluit, met een reden."),
    "reject": gettext_lazy("Het MDO of de aanbieder besluit, met een reden."),
    "end": gettext_lazy("Waarom stopt de deelname? Voor wie nog niet begon, is de uitkomst "
                        "'niet gestart'."),
}
FORM_TEMPLATE = "participants/form.html"
DOSSIER_FORM = "participants/form.html"


def _done(request, message: str, url: str):
    from django.contrib import messages

    messages.success(request, message)
    return redirect(url)


def _run(form, call):
    """Call a service; its errors go onto the form. (result, status)."""
    return dossier.run_service(form, call)


def _labels():
    return codes.labels("restoration_layers", "reporting_levels", "enrolment_outcomes",
                        "offence_categories", "basic_conditions")


def _selectable_participants(user, institution_ids=None):
    """Participants the user may see who are in detention now (for choosers), one query."""
    qs = policy.scope(user, Participant.objects.filter(current_stay__isnull=False))
    if institution_ids is not None:
        qs = qs.filter(current_stay__institution_id__in=institution_ids)
    else:
        qs = qs.filter(current_stay__institution_id__in=policy.visible_institution_ids(user))
    return list(qs.order_by("family_name", "given_name", "ref")[:1000])


# --- The catalogue ------------------------------------------------------------------------------

@policy.requires("interventions.view")
@require_http_methods(["GET"])
def catalogue(request):
    user = request.user
    may_fit = policy.has_perm(user, "participants.view")
    choosable = _selectable_participants(user) if may_fit else []
    form = forms.CatalogueForm(request.GET or None, user=user, participants=choosable)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    institution = None
    chosen = data.get("institution")
    if chosen and chosen != forms.CatalogueForm.ALL:
        institution = Institution.objects.filter(code=chosen).first()
    elif not form.is_bound:
        institution = services.default_institution(user)
        form = forms.CatalogueForm(initial={"institution": institution.code if institution
                                            else forms.CatalogueForm.ALL},
                                   user=user, participants=choosable)
    status = data.get("status") or ""
    statuses = {"": OFFERED_STATUSES, "active": (AvailabilityStatus.ACTIVE,),
                "stopped": (AvailabilityStatus.STOPPED,),
                "all": tuple(AvailabilityStatus.values)}[status]
    participant = None
    if may_fit and data.get("deelnemer"):
        participant = dossier.get_participant(request, data["deelnemer"], purpose="fit check")
    query = services.CatalogueQuery(
        institution=institution, layer=data.get("layer", ""), theme=data.get("theme", ""),
        age=data.get("age", ""), sex=data.get("sex", ""), format=data.get("format", ""),
        provider=data.get("provider", ""), statuses=statuses, q=data.get("q", ""),
        participant=participant, only_fitting=bool(data.get("alleen_passend")))
    rows = services.search(user, query)
    ctx = {"form": form, "rows": rows, "institution": institution, "participant": participant,
           "overlaps": services.overlaps(rows) if institution is not None else [],
           "labels": _labels(), "may_refer": policy.has_perm(user, "interventions.refer"),
           "perms_editions": policy.has_perm(user, "interventions.enrolments")}
    template = ("interventions/_catalogue_results.html" if request.htmx
                else "interventions/catalogue.html")
    return render(request, template, ctx)


def _intervention(code) -> Intervention:
    return get_object_or_404(services.catalogue_queryset(), code=code)


@policy.requires("interventions.view")
@require_http_methods(["GET"])
def intervention_detail(request, code):
    user = request.user
    intervention = _intervention(code)
    availability = list(intervention.availability.select_related("institution")
                        .order_by("institution__name"))
    editions = list(policy.scope(user, intervention.editions.all())
                    .select_related("institution")
                    .annotate(enrolled=Count("enrolments", filter=Q(
                        enrolments__status__in=[EnrolmentStatus.APPROVED,
                                                EnrolmentStatus.STARTED],
                        enrolments__in=policy.enrolments_at_process_level(
                            user, Enrolment.objects.all()).values("pk"))))
                    .order_by("-starts_on")[:30])
    for edition in editions:
        edition.phase = services.edition_phase(edition)
    participant = fit = facts = None
    may_fit = policy.has_perm(user, "participants.view")
    choosable = []
    if may_fit:
        choosable = _selectable_participants(user)
        ref = request.GET.get("deelnemer")
        if ref:
            participant = dossier.get_participant(request, ref, purpose="fit check")
            facts = services.participant_facts(participant)
            fit = services.fit(intervention, participant, facts=facts)
    labels = _labels()
    return render(request, "interventions/detail.html", {
        "intervention": intervention, "availability": availability, "editions": editions,
        "labels": labels, "requirements": services.requirement_labels(intervention),
        "exclusions": services.exclusion_labels(intervention, labels["offence_categories"]),
        "weeks": services.course_weeks(intervention), "participant": participant, "fit": fit,
        "facts": facts, "choosable": choosable, "may_fit": may_fit,
        "may_maintain": policy.may_maintain_intervention(user, intervention),
        "may_create_edition": policy.may_run_intervention(user, intervention),
        "may_refer": policy.has_perm(user, "interventions.refer"),
    })


@policy.requires("interventions.maintain")
@require_http_methods(["GET", "POST"])
def intervention_maintain(request, code):
    user = request.user
    intervention = _intervention(code)
    if not policy.may_maintain_intervention(user, intervention):
        audit.record_denied_request(request, "interventions.maintain")
        raise PermissionDenied("interventions.maintain")
    if request.method == "GET" and request.GET.get("inrichting"):
        return redirect("interventions:availability", code=code,
                        institution=request.GET["inrichting"])
    form = forms.InterventionForm(request.POST or None, initial={
        "description": intervention.description,
        "evaluation_status": intervention.evaluation_status,
        "requires": intervention.requires, "version": intervention.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            # Requirements outside the known list stay as they were.
            kept = [t for t in intervention.requires if t not in services.REQUIREMENTS]
            result, status = _run(form, lambda: services.update_intervention(
                intervention, actor=user, expected_version=data["version"],
                description=data["description"], evaluation_status=data["evaluation_status"],
                requires=[*data["requires"], *kept]))
            if result is not None:
                return _done(request, _("De gegevens van %(name)s zijn opgeslagen.") % {
                    "name": intervention.name},
                    reverse("interventions:maintain", args=[code]))
    allowed = policy.maintainable_institution_ids(user, intervention)
    availability = list(intervention.availability.select_related("institution")
                        .order_by("institution__name"))
    institutions = Institution.objects.filter(active=True).exclude(
        pk__in=[a.institution_id for a in availability])
    if allowed is not None:
        institutions = institutions.filter(pk__in=allowed)
    for row in availability:
        row.editable = allowed is None or row.institution_id in allowed
    institutions = list(institutions.order_by("name"))
    return render(request, "interventions/maintain.html", {
        "intervention": intervention, "form": form, "availability": availability,
        "institutions": institutions}, status=status)


@policy.requires("interventions.maintain")
@require_http_methods(["GET", "POST"])
def availability_edit(request, code, institution):
    user = request.user
    intervention = _intervention(code)
    if not policy.may_maintain_intervention(user, intervention):
        audit.record_denied_request(request, "interventions.maintain")
        raise PermissionDenied("interventions.maintain")
    place = get_object_or_404(Institution, code=institution)
    row = Availability.objects.filter(intervention=intervention, institution=place).first()
    initial = ({"status": AvailabilityStatus.STARTING} if row is None else {
        "status": row.status, "starts_on": row.starts_on, "ends_on": row.ends_on,
        "contact_person": row.contact_person, "version": row.version})
    form = forms.AvailabilityForm(request.POST or None, initial=initial, new=row is None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = _run(form, lambda: services.set_availability(
                intervention, place, actor=user, expected_version=data.get("version"),
                status=data["status"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                contact_person=data["contact_person"]))
            if result is not None:
                return _done(request, _("Het aanbod in %(institution)s is opgeslagen.") % {
                    "institution": place.name}, reverse("interventions:maintain", args=[code]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("%(name)s in %(institution)s") % {
            "name": intervention.name, "institution": place.name},
        "intro": _("Of het aanbod hier loopt, sinds en tot wanneer, en wie het aanspreekpunt "
                   "is."),
        "submit": _("Opslaan"), "cancel": reverse("interventions:maintain", args=[code])},
        status=status)


# --- Institutions -------------------------------------------------------------------------------

@policy.requires("interventions.view")
@require_http_methods(["GET"])
def institutions(request):
    rows = (Institution.objects.filter(active=True)
            .annotate(offered=Count("interventions_available", filter=Q(
                interventions_available__status__in=OFFERED_STATUSES)),
                stopped=Count("interventions_available", filter=Q(
                    interventions_available__status=AvailabilityStatus.STOPPED)))
            .order_by("type", "name"))
    own = set(policy.visible_institution_ids(request.user)) if request.user.institutions.exists() \
        else set()
    return render(request, "interventions/institutions.html", {"rows": rows, "own": own})


@policy.requires("interventions.view")
@require_http_methods(["GET"])
def institution_overview(request, code):
    from herstelpad.reports import services as reports

    user = request.user
    institution = get_object_or_404(Institution, code=code)
    overview = services.institution_overview(user, institution)
    on = services.today()
    participation = None
    if policy.has_perm(user, "reports.use") and institution.pk in \
            policy.visible_institution_ids(user):
        try:
            participation = reports.run("course-participation", user, {
                "from": on.replace(month=1, day=1).isoformat(), "to": on.isoformat(),
                "institution": [institution.code]})
        except (reports.ReportInputError, reports.ReportNotAllowed):
            participation = None
    names = dict(Intervention.objects.values_list("code", "name"))
    rows = []
    if participation is not None:
        rows = [{"intervention": names.get(r[1], r[1]), "editions": r[2],
                 "participants": r[3], "completed": r[4]} for r in participation.rows]
    return render(request, "interventions/institution.html", {
        **overview, "participation": participation, "participation_rows": rows,
        "year": on.year, "labels": _labels()})


# --- Editions -----------------------------------------------------------------------------------

def _edition(request, ref) -> Edition:
    qs = Edition.objects.select_related("intervention__provider", "intervention__reporting_level",
                                        "institution", "created_by")
    edition = get_object_or_404(qs, ref=ref)
    if not policy.scope(request.user, Edition.objects.filter(pk=edition.pk)).exists():
        audit.record_denied(edition)
        raise PermissionDenied("outside scope")
    return edition


def _require_manager(request, record) -> None:
    if not policy.may_manage(request.user, record):
        audit.record_denied_request(request, "interventions.editions")
        raise PermissionDenied("interventions.editions")


@policy.requires("interventions.enrolments")
@require_http_methods(["GET"])
def editions(request):
    user = request.user
    qs = policy.scope(user, Edition.objects.select_related("intervention", "institution"))
    phase = request.GET.get("fase", "")
    on = services.today()
    if phase == "gepland":
        qs = qs.filter(starts_on__gt=on)
    elif phase == "loopt":
        qs = qs.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    elif phase == "afgelopen":
        qs = qs.filter(ends_on__lt=on)
    code = request.GET.get("interventie", "")
    if code:
        qs = qs.filter(intervention__code=code)
    # Counted over the enrolments the user sees at process level (a hidden enrolment is not
    # counted, and at `participation` the edition and the status are not the prison's).
    visible = Q(enrolments__in=policy.enrolments_at_process_level(
        user, Enrolment.objects.all()).values("pk"))
    qs = qs.annotate(enrolled=Count("enrolments", filter=visible & Q(enrolments__status__in=[
        EnrolmentStatus.APPROVED, EnrolmentStatus.STARTED, EnrolmentStatus.COMPLETED,
        EnrolmentStatus.ENDED])), waiting=Count("enrolments", filter=visible & Q(
            enrolments__status__in=[EnrolmentStatus.REFERRED, EnrolmentStatus.INTAKE])))
    page = Paginator(qs.order_by("-starts_on", "ref"), PAGE_SIZE).get_page(request.GET.get("page"))
    for edition in page.object_list:
        edition.phase = services.edition_phase(edition, on)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "interventions/editions.html", {
        "page": page, "rows": page.object_list, "query": params.urlencode(), "phase": phase,
        "may_create": policy.has_perm(user, "interventions.editions"),
        "interventions": Intervention.objects.filter(editions__in=policy.scope(
            user, Edition.objects.all())).distinct().order_by("name"), "chosen": code})


@policy.requires("interventions.editions")
@require_http_methods(["GET", "POST"])
def edition_add(request):
    user = request.user
    initial = {"starts_on": services.today()}
    code = request.GET.get("interventie")
    if code:
        initial["intervention"] = Intervention.objects.filter(code=code).first()
    own = user.institutions.order_by("name").first()
    if own is not None:
        initial["institution"] = own
    form = forms.EditionCreateForm(request.POST or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = _run(form, lambda: services.create_edition(
                actor=user, intervention=data["intervention"], institution=data["institution"],
                **form.edition_data()))
            if result is not None:
                return _done(request, _("De editie van %(name)s is aangemaakt.") % {
                    "name": result.intervention.name},
                    reverse("interventions:edition", args=[result.ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Nieuwe editie"),
        "intro": _("Een editie is één keer dat een interventie in een inrichting loopt, met "
                   "eigen data, trainers en plaatsen."),
        "submit": _("Editie aanmaken"), "cancel": reverse("interventions:editions")},
        status=status)


@policy.requires("interventions.enrolments")
@require_http_methods(["GET"])
def edition_detail(request, ref):
    user = request.user
    edition = _edition(request, ref)
    manager = policy.may_manage(user, edition)
    # Only enrolments seen at process level: at `participation` the prison does not learn the
    # edition, the place on the waiting list or whether a referral was decided.
    enrolments = list(policy.enrolments_at_process_level(
        user, services.enrolments_queryset().filter(
            Q(edition=edition) | Q(edition__isnull=True, intervention=edition.intervention_id,
                                   institution=edition.institution_id))
        .select_related("participant__current_stay")).order_by("participant__family_name",
                                                                "participant__given_name"))
    views = services.views_for(user, enrolments)
    audit.record_list(Enrolment, count=len(views), purpose="edition",
                      details={"edition": edition.ref})
    in_edition = [v for v in views if v.enrolment.edition_id == edition.pk]
    waiting_list = sorted((v for v in views if v.enrolment.edition_id is None
                           and v.enrolment.status in workflows.BEFORE_START),
                          key=lambda v: (v.enrolment.enrolled_on, v.enrolment.pk))
    running = [v for v in in_edition if v.enrolment.status not in (
        EnrolmentStatus.REFERRED, EnrolmentStatus.INTAKE, EnrolmentStatus.REJECTED)]
    pending = [v for v in in_edition if v.enrolment.status in (
        EnrolmentStatus.REFERRED, EnrolmentStatus.INTAKE)]
    closed = [v for v in in_edition if v.enrolment.status == EnrolmentStatus.REJECTED]
    for view in views:
        stay = view.enrolment.participant.current_stay
        view.moved = manager and (stay is None or stay.institution_id != edition.institution_id)
    sessions = list(Session.objects.filter(edition=edition).order_by("number")) \
        if manager or any(v.dates for v in views) else []
    return render(request, "interventions/edition.html", {
        "edition": edition, "phase": services.edition_phase(edition), "manager": manager,
        "running": running, "pending": pending, "closed": closed, "waiting_list": waiting_list,
        "sessions": sessions, "occupied": services.occupied(edition),
        "may_refer": policy.has_perm(user, "interventions.refer")
        and edition.institution_id in policy.visible_institution_ids(user)
        and services.edition_phase(edition) != services.EditionPhase.FINISHED,
        "labels": _labels()})


@policy.requires("interventions.editions")
@require_http_methods(["GET", "POST"])
def edition_edit(request, ref):
    edition = _edition(request, ref)
    _require_manager(request, edition)
    initial = {name: getattr(edition, name) for name in services.EDITION_FIELDS}
    initial["version"] = edition.version
    form = forms.EditionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            result, status = _run(form, lambda: services.update_edition(
                edition, actor=request.user, expected_version=form.cleaned_data["version"],
                **form.edition_data()))
            if result is not None:
                return _done(request, _("De editie is opgeslagen."),
                             reverse("interventions:edition", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Editie wijzigen: %(name)s") % {
            "name": edition.intervention.name},
        "submit": _("Opslaan"), "cancel": reverse("interventions:edition", args=[ref])},
        status=status)


@policy.requires("interventions.refer")
@require_http_methods(["GET", "POST"])
def edition_enrol(request, ref):
    user = request.user
    edition = _edition(request, ref)
    if edition.institution_id not in policy.visible_institution_ids(user):
        audit.record_denied_request(request, "interventions.refer")
        raise PermissionDenied("interventions.refer")
    choosable = _selectable_participants(user, [edition.institution_id])
    may_object = policy.has_perm(user, "consent.manage")
    form = forms.EnrolForm(request.POST or None, participants=choosable, may_object=may_object,
                           initial={"on": services.today()})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            participant = dossier.get_participant(request, data["participant"],
                                                  purpose="enrolment")
            result, status = _run(form, lambda: services.refer(
                participant, actor=user, edition=edition, on=data["on"],
                reason=data["reason"], objection=data.get("objection", False)))
            if result is not None:
                return _done(request, _("%(name)s is aangemeld voor deze editie.") % {
                    "name": participant.display_name},
                    reverse("interventions:edition", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Deelnemer aanmelden: %(name)s") % {
            "name": edition.intervention.name},
        "intro": _("Deelnemers van %(institution)s. Na de aanmelding besluit het MDO of de "
                   "aanbieder over toelating.") % {"institution": edition.institution.name},
        "submit": _("Aanmelden"), "cancel": reverse("interventions:edition", args=[ref])},
        status=status)


@policy.requires("interventions.editions")
@require_http_methods(["GET", "POST"])
def session(request, ref, number=None):
    user = request.user
    edition = _edition(request, ref)
    _require_manager(request, edition)
    existing = Session.objects.filter(edition=edition, number=number).first() \
        if number else None
    if number and existing is None:
        return redirect("interventions:session_add", ref=ref)
    # The participants on the session's date (as posted, else as recorded, else today).
    held_on = existing.held_on if existing is not None else services.today()
    if request.method == "POST":
        try:
            held_on = forms.SessionForm.base_fields["held_on"].clean(
                request.POST.get("held_on")) or held_on
        except ValidationError:
            pass
    enrolments = list(services.session_participants(edition, held_on)
                      .select_related("participant").order_by("participant__family_name"))
    initial = {"held_on": services.today(),
               "number": (Session.objects.filter(edition=edition).count() + 1)}
    if existing is not None:
        initial = {"number": existing.number, "held_on": existing.held_on,
                   "topic": existing.topic, "version": existing.version}
        for row in Attendance.objects.filter(session=existing):
            initial[f"attendance_{row.enrolment_id}"] = row.status
    form = forms.SessionForm(request.POST or None, enrolments=enrolments, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = _run(form, lambda: services.record_session(
                edition, actor=user, number=data["number"], held_on=data["held_on"],
                topic=data["topic"], attendance=form.attendance(),
                expected_version=data.get("version")))
            if result is not None:
                return _done(request, _("Bijeenkomst %(n)s is vastgelegd.") % {
                    "n": result.number}, reverse("interventions:edition", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Bijeenkomst en aanwezigheid: %(name)s") % {
            "name": edition.intervention.name},
        "intro": _("Per deelnemer die op de datum van de bijeenkomst deelnam: aanwezig, "
                   "afgemeld of afwezig. Wijzigt u de datum, dan volgt de lijst bij het "
                   "opslaan."),
        "submit": _("Vastleggen"), "cancel": reverse("interventions:edition", args=[ref])},
        status=status)


# --- Enrolments ---------------------------------------------------------------------------------

def _enrolment(request, ref, *, purpose: str = "") -> Enrolment:
    return policy.get_object(request.user, services.enrolments_queryset(), ref=ref,
                             purpose=purpose)


@policy.requires("interventions.enrolments")
@require_http_methods(["GET"])
def enrolment_detail(request, ref):
    user = request.user
    enrolment = _enrolment(request, ref)
    view = services.views_for(user, [enrolment])[0]
    manager = view.is_full
    actions = []
    if manager or policy.has_perm(user, "interventions.decide"):
        state = workflows.EnrolmentState(enrolment.status, enrolment.edition_id)
        actions = [(a, STEP_TITLES[a]) for a in workflows.allowed_actions(state)
                   if services.may_act(user, enrolment, a)]
    fit = None
    # The fit check reads the dossier (stay, sentence, age): only for a participant in the
    # user's scope, not for every enrolment the user runs.
    if (manager or view.dates) and policy.scope(
            user, Participant.objects.filter(pk=enrolment.participant_id)).exists():
        fit = services.fit(enrolment.intervention, enrolment.participant,
                           edition=enrolment.edition)
    return render(request, "interventions/enrolment.html", {
        "view": view, "enrolment": enrolment, "manager": manager, "actions": actions,
        "fit": fit, "labels": _labels(),
        "may_see_dossier": policy.has_perm(user, "participants.view"),
        "may_link_goal": policy.has_perm(user, "plans.goals")
        and enrolment.status == EnrolmentStatus.COMPLETED})


@policy.requires("interventions.decide")
@require_http_methods(["GET", "POST"])
def enrolment_step(request, ref, action):
    user = request.user
    if action not in STEP_TITLES:
        raise PermissionDenied("unknown step")
    enrolment = _enrolment(request, ref)
    if not services.may_act(user, enrolment, action):
        audit.record_denied_request(request, "interventions.editions")
        raise PermissionDenied("interventions.editions")
    manager = policy.may_manage(user, enrolment)
    editions_qs = Edition.objects.filter(
        intervention=enrolment.intervention, institution=enrolment.institution).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=services.today())).order_by("starts_on")
    outcomes = [(code, label) for code, label in codes.choices("enrolment_outcomes")
                if code != "completed"
                and (code == workflows.NOT_STARTED) == (enrolment.status != "started")]
    form = forms.StepForm(request.POST or None, action=action, editions=editions_qs,
                          outcomes=outcomes, manager=manager, initial={
                              "on": services.today(), "version": enrolment.version,
                              "decided_by": "provider" if manager else "mdo"})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = _run(form, lambda: services.transition(
                enrolment, actor=user, expected_version=data["version"], action=action,
                on=data["on"], reason=data.get("reason", ""), outcome=data.get("outcome", ""),
                decided_by=data.get("decided_by", "mdo"), edition=data.get("edition")))
            if result is not None:
                return _done(request, _("Vastgelegd: %(step)s.") % {
                    "step": StepAction(action).label},
                    reverse("interventions:enrolment", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("%(step)s: %(name)s, %(intervention)s") % {
            "step": str(STEP_TITLES[action]), "name": enrolment.participant.display_name,
            "intervention": enrolment.intervention.name},
        "intro": STEP_INTROS.get(action, ""),
        "submit": _("Vastleggen"), "cancel": reverse("interventions:enrolment", args=[ref])},
        status=status)





@policy.requires("interventions.editions")
@require_http_methods(["GET", "POST"])
def enrolment_certificate(request, ref):
    enrolment = _enrolment(request, ref)
    _require_manager(request, enrolment)
    form = forms.CertificateForm(request.POST or None, initial={
        "on": enrolment.certificate_on or services.today(), "version": enrolment.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = _run(form, lambda: services.record_certificate(
                enrolment, actor=request.user, expected_version=data["version"], on=data["on"]))
            if result is not None:
                return _done(request, _("Het certificaat is vastgelegd."),
                             reverse("interventions:enrolment", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Certificaat: %(name)s") % {
            "name": enrolment.participant.display_name},
        "submit": _("Vastleggen"), "cancel": reverse("interventions:enrolment", args=[ref])},
        status=status)


@policy.requires("interventions.editions")
@require_http_methods(["GET", "POST"])
def enrolment_content(request, ref):
    enrolment = _enrolment(request, ref)
    _require_manager(request, enrolment)
    form = forms.ContentForm(request.POST or None, initial={
        "text": enrolment.content_report, "version": enrolment.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            result, status = _run(form, lambda: services.record_content(
                enrolment, actor=request.user, expected_version=data["version"],
                text=data["text"]))
            if result is not None:
                return _done(request, _("De terugkoppeling is opgeslagen."),
                             reverse("interventions:enrolment", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Inhoudelijke terugkoppeling: %(name)s") % {
            "name": enrolment.participant.display_name},
        "intro": (_("De inrichting ziet deze terugkoppeling alleen als %(name)s inhoud met "
                    "toestemming terugkoppelt en de deelnemer toestemming gaf.")
                  % {"name": enrolment.intervention.name}),
        "submit": _("Opslaan"), "cancel": reverse("interventions:enrolment", args=[ref])},
        status=status)


@policy.requires("plans.goals")
@require_http_methods(["GET", "POST"])
def enrolment_goal(request, ref):
    from herstelpad.plans.models import Goal

    enrolment = _enrolment(request, ref)
    goals = list(policy.scope(request.user, Goal.objects.filter(
        participant=enrolment.participant)).order_by("domain", "set_on"))
    form = forms.GoalLinkForm(request.POST or None, goals=goals,
                              domain_labels=codes.labels("domains")["domains"], initial={
                                  "goal": enrolment.goal.ref if enrolment.goal else "",
                                  "version": enrolment.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            goal = next((g for g in goals if g.ref == data["goal"]), None)
            result, status = _run(form, lambda: services.link_goal(
                enrolment, actor=request.user, expected_version=data["version"], goal=goal))
            if result is not None:
                return _done(request, _("De koppeling met het doel is opgeslagen."),
                             reverse("interventions:enrolment", args=[ref]))
    return render(request, FORM_TEMPLATE, {
        "form": form, "title": _("Koppelen aan een doel: %(name)s") % {
            "name": enrolment.intervention.name},
        "intro": _("Een afgeronde interventie die bij een doel in het D&R-plan hoort."),
        "submit": _("Opslaan"), "cancel": reverse("interventions:enrolment", args=[ref])},
        status=status)


# --- The dossier tab ----------------------------------------------------------------------------

@policy.requires("participants.view")
@require_http_methods(["GET"])
def dossier_tab(request, ref):
    participant = dossier.get_participant(request, ref)
    views = services.enrolments_of(request.user, participant)
    return render(request, "interventions/dossier.html", dossier.context(
        request, participant, "interventions", views=views,
        may_refer=policy.has_perm(request.user, "interventions.refer")
        and participant.current_stay_id is not None))


def _refer_targets(participant) -> list[tuple[str, str]]:
    """Editions that have not ended and waiting lists of offers at the participant's current
    institution: ("edition:<ref>" or "intervention:<code>", label)."""
    stay = participant.current_stay
    if stay is None:
        return []
    on = services.today()
    targets = []
    offered = (Availability.objects.filter(institution=stay.institution_id,
                                           status__in=OFFERED_STATUSES)
               .select_related("intervention").order_by("intervention__name"))
    open_editions = (Edition.objects.filter(institution=stay.institution_id)
                     .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
                     .order_by("starts_on"))
    by_intervention: dict[int, list[Edition]] = {}
    for edition in open_editions:
        by_intervention.setdefault(edition.intervention_id, []).append(edition)
    for row in offered:
        intervention = row.intervention
        for edition in by_intervention.get(intervention.pk, []):
            end = f" – {edition.ends_on:%d-%m-%Y}" if edition.ends_on else ""
            targets.append((f"edition:{edition.ref}", _("%(name)s, editie van %(start)s%(end)s")
                            % {"name": intervention.name,
                               "start": f"{edition.starts_on:%d-%m-%Y}", "end": end}))
        targets.append((f"intervention:{intervention.code}",
                        _("%(name)s, wachtlijst voor de volgende editie") % {
                            "name": intervention.name}))
    return targets


@policy.requires("interventions.refer")
@require_http_methods(["GET", "POST"])
def dossier_refer(request, ref):
    user = request.user
    participant = dossier.get_participant(request, ref)
    targets = _refer_targets(participant)
    initial = {"on": services.today()}
    preselect = request.GET.get("interventie")
    if preselect:
        initial["target"] = f"intervention:{preselect}"
    form = forms.ReferForm(request.POST or None, targets=targets, initial=initial,
                           may_object=policy.has_perm(user, "consent.manage"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            kind, _sep, key = data["target"].partition(":")
            edition = Edition.objects.filter(ref=key).first() if kind == "edition" else None
            intervention = Intervention.objects.filter(code=key).first() \
                if kind == "intervention" else None
            result, status = _run(form, lambda: services.refer(
                participant, actor=user, edition=edition, intervention=intervention,
                on=data["on"], reason=data["reason"], objection=data.get("objection", False)))
            if result is not None:
                message = _("%(name)s is aangemeld voor %(intervention)s.") % {
                    "name": participant.display_name, "intervention": result.intervention.name}
                if data.get("objection"):
                    message += " " + _("Door het bezwaar staat deze deelname niet in het "
                                       "dossier; de aanbieder ziet haar wel.")
                return _done(request, message, reverse("interventions:dossier", args=[ref]))
    return render(request, DOSSIER_FORM, dossier.context(
        request, participant, "interventions", form=form,
        title=_("Aanmelden voor een interventie"),
        intro=_("Kies een editie die nog loopt of begint, of de wachtlijst van een aanbod in "
                "%(institution)s. Bekijk eerst in de catalogus of de interventie past.") % {
            "institution": participant.current_stay.institution.name
            if participant.current_stay else "—"},
        submit=_("Aanmelden"), cancel=reverse("interventions:dossier", args=[ref])),
        status=status)


