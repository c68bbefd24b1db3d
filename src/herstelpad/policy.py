"""The access policy: the one place that decides what a user may do and see.

Deny by default:
- every permission is named here, with the roles that hold it; an unknown permission name is a
  programming error, not a silent "no";
- every view and API endpoint declares the permission it needs (`@requires`, `permission = ...`
  on a class-based view or API view); `AccessPolicyMiddleware` refuses any view that declares
  nothing, and the role × door matrix test walks every URL;
- every queryset of person data goes through `scope(user, queryset)`; a model without a scope
  rule raises, so a new model cannot be listed before its rule is written here.

Later parts of the domain add their permissions to `PERMISSIONS` and their scope rules to
`SCOPES` in this module, so the whole policy stays readable in one file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models

from herstelpad.accounts.models import Role

if TYPE_CHECKING:  # pragma: no cover
    from herstelpad.accounts.models import User

ALL_ROLES = frozenset(Role)
PRISON_STAFF = frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT, Role.UNIT_HEAD})
# Roles whose work is national rather than bound to the institutions they are attached to.
NATIONAL_ROLES = frozenset({Role.FUNCTIONAL_ADMIN, Role.AUDITOR, Role.RESEARCHER, Role.MEDIATOR})

PUBLIC = "public"
"""Declared by the few views anyone may open: login, language switch, health check."""

PERMISSIONS: dict[str, frozenset[Role]] = {
    # The shell
    "home.view": ALL_ROLES,
    "account.manage_own": ALL_ROLES,  # own profile, two-factor enrolment, language
    "api.docs": ALL_ROLES,
    # Reference data: institutions, organisations, code lists, catalogue
    "reference.view": ALL_ROLES,
    "reference.manage": frozenset({Role.FUNCTIONAL_ADMIN}),
    # Accounts of other users
    "accounts.manage": frozenset({Role.FUNCTIONAL_ADMIN}),
    # The audit trail: read by auditors, written only by the application
    "audit.view": frozenset({Role.AUDITOR}),
    # The participant dossier (issue 4). Which participants: see `_participant_condition`.
    # Read the dossier: person, stays, regime, team, plan, goals, reviews, timeline, caseload.
    "participants.view": PRISON_STAFF,
    # Register participants, edit personal details, admit, transfer, release, edit a stay.
    "participants.manage": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD}),
    # Record promotion, demotion and exclusion from promotion (the director decides; the
    # casemanager or unit head records it).
    "participants.regime": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD}),
    # Put staff on a participant's case (caseload assignments).
    "participants.assign": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD}),
    # Read and write the team's shift notes (only notes written at the user's institutions).
    "participants.notes": PRISON_STAFF,
    # Read the D&R-plan, its versions, goals, actions, strengths, reviews and the action plan.
    "plans.view": PRISON_STAFF,
    # Own the D&R-plan: establish versions, record the participant's sign-off, record reviews.
    "plans.manage": frozenset({Role.CASEMANAGER}),
    # Work on the goals with the participant: goals, actions, statuses, ratings, strengths.
    "plans.goals": frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT}),
    # The municipal aftercare coordinator's narrow view: residents-to-be of the own
    # municipality and only their goals on the five basic conditions (art. 18a Pbw).
    "aftercare.view": frozenset({Role.AFTERCARE_COORDINATOR}),
    # Imports of the dossier (INTERCHANGE §2.1, §2.2). The functional administrator loads the
    # national registration for every institution; a unit head only for the own institutions;
    # casemanagers import goals of participants they may see.
    "participants.import": frozenset({Role.FUNCTIONAL_ADMIN, Role.UNIT_HEAD}),
    "plans.import": frozenset({Role.FUNCTIONAL_ADMIN, Role.UNIT_HEAD, Role.CASEMANAGER}),
    # Figures on plans and goals (the goal-domains report): prison staff, researchers (public
    # figures only) and the functional administrator.
    "plans.reports": PRISON_STAFF | {Role.RESEARCHER, Role.FUNCTIONAL_ADMIN},
    # Consent and objection records. Every partner who sees a participant sees what the
    # participant agreed to (scope: `_scope_consent`); the prison staff who talk with the
    # participant record consent, objection and withdrawal.
    "consent.view": PRISON_STAFF | {Role.AFTERCARE_COORDINATOR},
    "consent.manage": frozenset({Role.CASEMANAGER, Role.HERSTELCONSULENT, Role.UNIT_HEAD}),
    # Victim–offender mediation (herstelbemiddeling, issue 6). Scope rules: `_scope_mediation_*`.
    # Prison staff: the dossier tab and the referral-status API — facts only, and only what the
    # participant agreed to share (`mediation_sharing`); otherwise only the referrer sees that
    # the referral was received.
    "mediation.status": PRISON_STAFF,
    # Refer a participant from the dossier (a chaplain or re-integration trainer refers through
    # one of these roles, or contacts the mediation organisation, which registers it).
    "mediation.refer": frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT}),
    # Register a running court mediation (mediation in strafzaken) from the dossier.
    "mediation.court": PRISON_STAFF,
    # The mediation organisation's case management: register, workbench, case pages, steps,
    # court mediations. The sealed compartment of a case opens only for the mediators on it.
    "mediation.work": frozenset({Role.MEDIATOR}),
    # Import the mediation organisation's case register (INTERCHANGE §2.3).
    "mediation.import": frozenset({Role.MEDIATOR}),
    # The sector's figures (reports §3.4–§3.8 and the dashboard): aggregates only.
    "mediation.figures": frozenset({Role.MEDIATOR, Role.UNIT_HEAD, Role.HERSTELCONSULENT,
                                    Role.RESEARCHER, Role.FUNCTIONAL_ADMIN}),
    # Imports: the door (upload page, API, history). Each KIND declares its own, narrower
    # permission; a user sees only the KINDs whose permission they hold.
    "imports.use": ALL_ROLES - {Role.RESEARCHER, Role.AUDITOR},
    # Reports: the door. Each report declares its own permission. `reports.exact` allows
    # exact figures; everyone else (researchers, partners outside the prison service and the
    # mediation organisation) only ever gets `public` disclosure.
    "reports.use": ALL_ROLES - {Role.AUDITOR},
    "reports.exact": frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT,
                                Role.UNIT_HEAD, Role.MEDIATOR, Role.COURSE_PROVIDER,
                                Role.FUNCTIONAL_ADMIN}),
    # Interventions (issue 5). See "Interventions" below for which objects and which fields.
    # The catalogue (search, intervention pages, institution overview): not person data.
    "interventions.view": ALL_ROLES,
    # Maintain an intervention's staff description, evaluation status, requirements and
    # availability: the provider its own offers, the herstelconsulent those the institution
    # itself gives at the own institutions, the functional administrator all
    # (`may_maintain_intervention`).
    "interventions.maintain": frozenset({Role.COURSE_PROVIDER, Role.HERSTELCONSULENT,
                                         Role.FUNCTIONAL_ADMIN}),
    # Run editions: create and edit them, keep the waiting list, decide on enrolments, record
    # attendance, outcomes, certificates and content feedback (`may_manage_edition`).
    "interventions.editions": frozenset({Role.COURSE_PROVIDER, Role.HERSTELCONSULENT}),
    # See enrolments (lists, the enrolment page, the dossier tab): prison staff at the
    # intervention's reporting level, providers their own records in full.
    "interventions.enrolments": PRISON_STAFF | {Role.COURSE_PROVIDER},
    # Refer a participant to an intervention (staff who work on the plan with the participant).
    "interventions.refer": frozenset({Role.CASEMANAGER, Role.MENTOR, Role.HERSTELCONSULENT}),
    # Record an MDO decision on an enrolment (approve or reject, with a reason).
    "interventions.decide": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD, Role.HERSTELCONSULENT,
                                       Role.COURSE_PROVIDER}),
    # Import editions and enrolments (INTERCHANGE §2.4), restricted per user by the KINDs'
    # `scope_values` (`manageable_edition_filter`).
    "interventions.import": frozenset({Role.COURSE_PROVIDER, Role.HERSTELCONSULENT,
                                       Role.FUNCTIONAL_ADMIN}),
    # Small-scale facilities (issue 7). Which candidates and stays: see "Facilities" below.
    # See candidates (the board, a candidate's page, the API): the facility team, the
    # municipality for candidates from its area, DIZ for the advices sent to it, and a
    # probation officer for the candidates they referred.
    "facilities.candidates": PRISON_STAFF | {Role.AFTERCARE_COORDINATOR,
                                             Role.SELECTION_OFFICER, Role.PROBATION_OFFICER},
    # Record the facility's steps: decisions in the route, withdrawal, exceptions, placement,
    # the stay's trial period, returns and outflow.
    "facilities.manage": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD}),
    # Refer someone to a facility (a casemanager, the municipality, probation).
    "facilities.refer": frozenset({Role.CASEMANAGER, Role.AFTERCARE_COORDINATOR,
                                   Role.PROBATION_OFFICER}),
    # The selection officer's decision on an advice sent to DIZ.
    "facilities.decide_diz": frozenset({Role.SELECTION_OFFICER}),
    # Record a partner's pre-scan answer (objection / no objection, never content): the
    # facility team on the partner's behalf, or the probation officer for probation.
    "facilities.prescan": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD, Role.PROBATION_OFFICER}),
    # Configuration: capacity history, criterion versions, route (own facilities; all for the
    # functional administrator).
    "facilities.configure": frozenset({Role.UNIT_HEAD, Role.FUNCTIONAL_ADMIN}),
    # Import candidate lists (INTERCHANGE §2.5) for the own facilities (all: the functional
    # administrator).
    "facilities.import": frozenset({Role.CASEMANAGER, Role.UNIT_HEAD, Role.FUNCTIONAL_ADMIN}),
    # The facility figures (reports §3.1–§3.3 and the dashboard): aggregates only.
    "facilities.figures": PRISON_STAFF | {Role.RESEARCHER, Role.FUNCTIONAL_ADMIN,
                                          Role.SELECTION_OFFICER},
}

# The basic conditions a municipality may exchange with the prison (art. 18a lid 4 Pbw: the
# five basic conditions; the social network, children and family are not among them).
MUNICIPAL_BASIC_CONDITIONS = ("id", "housing", "work_income", "debts", "care")

# Permissions a signed-in user still holds before completing two-factor verification, so that
# they can enrol a device when two-factor authentication is required.
UNVERIFIED_ALLOWED = frozenset({"account.manage_own"})


class UnknownPermission(ImproperlyConfigured):
    pass


def _check_known(perm: str) -> None:
    if perm != PUBLIC and perm not in PERMISSIONS:
        raise UnknownPermission(f"Unknown permission {perm!r}: declare it in herstelpad.policy")


def roles_with(perm: str) -> frozenset[Role]:
    _check_known(perm)
    return ALL_ROLES if perm == PUBLIC else PERMISSIONS[perm]


def has_perm(user: "User | Any", perm: str) -> bool:
    """May this user use this permission at all (before any object-level scoping)?"""
    _check_known(perm)
    if perm == PUBLIC:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.role:
        return False
    return Role(user.role) in PERMISSIONS[perm]


def require(user: "User | Any", perm: str) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(perm)


# --- Declarations on views ------------------------------------------------------------------

VIEW_ATTRIBUTE = "herstelpad_permission"


def requires(perm: str) -> Callable:
    """Declare the permission a function view needs. The middleware enforces it."""
    _check_known(perm)

    def decorate(view: Callable) -> Callable:
        setattr(view, VIEW_ATTRIBUTE, perm)
        return view

    return decorate


def public(view: Callable) -> Callable:
    return requires(PUBLIC)(view)


def declare(view: Callable, perm: str) -> Callable:
    """Declare the permission of a view we do not own (a library's view), without changing it."""
    _check_known(perm)

    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    for attr in ("csrf_exempt", "view_class", "view_initkwargs", "__name__", "__doc__",
                 "__module__"):
        if hasattr(view, attr):
            setattr(wrapped, attr, getattr(view, attr))
    setattr(wrapped, VIEW_ATTRIBUTE, perm)
    return wrapped


def declared_permission(view_func: Callable) -> str | None:
    """The permission a resolved view declares, wherever it declares it."""
    perm = getattr(view_func, VIEW_ATTRIBUTE, None)
    if perm:
        return perm
    for attr in ("view_class", "cls"):  # Django class-based views and DRF API views
        klass = getattr(view_func, attr, None)
        if klass is not None and getattr(klass, "permission", None):
            return klass.permission
    return None


def is_api_view(view_func: Callable) -> bool:
    from rest_framework.views import APIView

    klass = getattr(view_func, "cls", None)
    return klass is not None and issubclass(klass, APIView)


class PermissionMixin:
    """For class-based views: `permission = "..."`. Enforced by the middleware."""

    permission: str | None = None


# --- Scoping of querysets -------------------------------------------------------------------

def visible_institutions(user: "User | Any") -> models.QuerySet:
    """Institutions whose people and figures this user may see: national roles see all, others
    the institutions they work at and the facilities that belong to those."""
    from herstelpad.organisations.models import Institution

    if not has_perm(user, "home.view"):
        return Institution.objects.none()
    if Role(user.role) in NATIONAL_ROLES:
        return Institution.objects.all()
    own = _own_institution_ids(user)
    return Institution.objects.filter(models.Q(pk__in=own) | models.Q(parent__in=own))


def _own_institution_ids(user) -> list[int]:
    """The user's institutions, read once per user object (a request's user lives for one
    request), so that a page scoping several querysets asks only once. A change of the user's
    institutions through the ORM clears it (see `_forget_institutions`)."""
    cached = getattr(user, "_policy_institution_ids", None)
    if cached is None:
        cached = list(user.institutions.values_list("pk", flat=True))
        user._policy_institution_ids = cached
    return cached


def _forget_institutions(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        for attr in ("_policy_institution_ids", "_policy_visible_institution_ids"):
            instance.__dict__.pop(attr, None)


def _connect_signals() -> None:
    from django.db.models.signals import m2m_changed

    from herstelpad.accounts.models import User

    m2m_changed.connect(_forget_institutions, sender=User.institutions.through,
                        dispatch_uid="policy-forget-institutions")


_connect_signals()


def _scope_reference(user, qs: models.QuerySet) -> models.QuerySet:
    # Reference data is not person data: every signed-in role may read all of it.
    return qs if has_perm(user, "reference.view") else qs.none()


def _scope_users(user, qs: models.QuerySet) -> models.QuerySet:
    if has_perm(user, "accounts.manage"):
        return qs
    if has_perm(user, "home.view"):
        return qs.filter(pk=user.pk)
    return qs.none()


def _scope_import_runs(user, qs: models.QuerySet) -> models.QuerySet:
    # A run's errors quote cells of the file: only the person who imported it sees the run,
    # and functional administrators see every run.
    if not has_perm(user, "imports.use"):
        return qs.none()
    if has_perm(user, "reference.manage"):
        return qs
    return qs.filter(actor=user)


def _scope_audit(user, qs: models.QuerySet) -> models.QuerySet:
    return qs if has_perm(user, "audit.view") else qs.none()


# --- Participant dossier --------------------------------------------------------------------
#
# Prison staff (casemanager, mentor, herstelconsulent, unit head) see a participant when
#   (a) the participant's latest episode (the current detention period, or the last one after
#       release) has a stay — current or past — at an institution in `visible_institutions`, or
#   (b) the user is assigned to the participant (caseload) today.
# So after a transfer both the sending and the receiving institution see the dossier for the
# rest of that episode (handover), after release the last institutions keep it until the person
# is admitted again, and a re-admission elsewhere moves the dossier — all of it, earlier
# episodes included: the dossier follows the person.
# The municipal aftercare coordinator sees participants whose latest episode has a stay with
# the coordinator's municipality as aftercare municipality, and of those only the goals (with
# their actions and status history) in domains of the five basic conditions, plus the stays of
# that episode. Everything else of the dossier is refused to them.
# All other roles (probation officer, mediator, course provider, volunteer coordinator,
# researcher, functional administrator, auditor) see no dossier.


def visible_institution_ids(user) -> list[int]:
    """`visible_institutions(user)` as a list of ids, read once per user object (a request's
    user lives for one request). Scope rules use it as a literal, so that the database looks
    stays up by index instead of evaluating a nested subquery for every row."""
    cached = getattr(user, "_policy_visible_institution_ids", None)
    if cached is None:
        cached = list(visible_institutions(user).values_list("pk", flat=True))
        user._policy_visible_institution_ids = cached
    return cached


def _participant_condition(user) -> models.Q | None:
    """The filter on `participants.Participant` for this user, or None for no access. Written as
    correlated EXISTS clauses, so that checking one participant (every dossier page) costs an
    index lookup whatever the size of the database."""
    from django.db.models import Exists, OuterRef, Q
    from django.utils import timezone

    from herstelpad.participants.models import Assignment, Stay

    if has_perm(user, "participants.view"):
        at_institution = Stay.objects.filter(
            participant_id=OuterRef("pk"), episode_id=OuterRef("current_episode_id"),
            institution_id__in=visible_institution_ids(user))
        today = timezone.localdate()
        assigned = Assignment.objects.filter(
            participant_id=OuterRef("pk"), user_id=user.pk, starts_on__lte=today,
        ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        return Q(Exists(at_institution)) | Q(Exists(assigned))
    if has_perm(user, "aftercare.view"):
        municipality_id = getattr(user.organisation, "municipality_id", None)
        if municipality_id is None:
            return None
        return Q(Exists(Stay.objects.filter(
            participant_id=OuterRef("pk"), episode_id=OuterRef("current_episode_id"),
            municipality_id=municipality_id)))
    return None


def visible_participants(user) -> models.QuerySet:
    from herstelpad.participants.models import Participant

    condition = _participant_condition(user)
    if condition is None:
        return Participant.objects.none()
    return Participant.objects.filter(condition)


def _through_participant(user, qs: models.QuerySet, path: str) -> models.QuerySet:
    """Rows whose participant (at `path`) the user may see: a correlated EXISTS per row."""
    from django.db.models import Exists, OuterRef

    condition = _participant_condition(user)
    if condition is None:
        return qs.none()
    from herstelpad.participants.models import Participant

    return qs.filter(Exists(Participant.objects.filter(condition, pk=OuterRef(path))))


def _staff_only(path: str):
    """A dossier part only prison staff see (through the participant at `path`)."""

    def rule(user, qs: models.QuerySet) -> models.QuerySet:
        if not has_perm(user, "participants.view"):
            return qs.none()
        return _through_participant(user, qs, path)

    return rule


def _scope_participants(user, qs):
    condition = _participant_condition(user)
    if condition is None and has_perm(user, "mediation.work"):
        # Mediators see who a case of their organisation is about (name and number, on the
        # mediation pages); they have no dossier access (no `participants.view`).
        from django.db.models import Exists, OuterRef

        from herstelpad.mediation.models import MediationCase

        organisation_id = _mediation_organisation_id(user)
        if organisation_id is None:
            return qs.none()
        return qs.filter(Exists(MediationCase.objects.filter(
            participant_id=OuterRef("pk"), organisation_id=organisation_id)))
    return qs.none() if condition is None else qs.filter(condition)


def _scope_stays(user, qs):
    if has_perm(user, "participants.view"):
        return _through_participant(user, qs, "participant_id")
    if has_perm(user, "aftercare.view"):
        from django.db.models import F

        return _through_participant(user, qs, "participant_id").filter(
            episode_id=F("participant__current_episode_id"))
    return qs.none()


def _municipal_domains() -> models.QuerySet:
    from herstelpad.reference.models import Code

    return Code.objects.filter(code_list__name="domains",
                               attributes__basic_condition__in=MUNICIPAL_BASIC_CONDITIONS
                               ).values("code")


def _scope_goals(user, qs, path: str = ""):
    prefix = f"{path}__" if path else ""
    if has_perm(user, "plans.view"):
        return _through_participant(user, qs, f"{prefix}participant_id")
    if has_perm(user, "aftercare.view"):
        return _through_participant(user, qs, f"{prefix}participant_id").filter(
            **{f"{prefix}domain__in": _municipal_domains()})
    return qs.none()


def _scope_shift_notes(user, qs):
    # The team on shift: notes written at the user's institutions, of participants the user may
    # see. Staff elsewhere (after a transfer) do not read another team's notes.
    if not has_perm(user, "participants.notes"):
        return qs.none()
    return _through_participant(user, qs, "participant_id").filter(
        institution_id__in=visible_institution_ids(user))


def _scope_consent(user, qs):
    if not has_perm(user, "consent.view"):
        return qs.none()
    return _through_participant(user, qs, "participant_id")


# --- Interventions ------------------------------------------------------------------------------
#
# Who runs an edition ("manages" it, and sees its records in full — "the provider always sees
# its own records"):
# - a course provider: editions of interventions whose provider is the user's organisation, at
#   every institution;
# - a herstelconsulent: editions at the own institutions (and the facilities under them) of
#   interventions without a provider organisation on the platform — given by the institution
#   itself, the court or another party; the herstelconsulent is the institution's point of
#   contact for those (000 §7: "een duidelijk aanspreekpunt").
# A waiting-list enrolment (no edition yet) is managed by whoever manages editions of its
# intervention at its institution.
#
# What prison staff see of the other enrolments of participants they may see: nothing when the
# intervention's reporting level is `none` or when the participant objects to registration of
# this intervention in the D&R-plan (a `consent` objection, purpose `intervention_registration`,
# subject empty or the intervention's code, in force today); otherwise the fields the level
# allows (`enrolment_access`): `participation` — enrolled / completed / stopped; `process` —
# also the dates, the steps, the attendance and the certificate; `content_with_consent` —
# also the content (reasons, the provider's feedback) when the participant's consent for
# `intervention_content` with the provider (subject: the code) is in force, else as `process`.
# Providers see only the name and number of the participants in their own records, never the
# dossier. Editions (not person data) are seen by prison staff at their institutions, by the
# providers who run them and by functional administrators.

ACCESS_FULL, ACCESS_CONTENT, ACCESS_PROCESS, ACCESS_PARTICIPATION = (
    "full", "content", "process", "participation")


def managed_condition(user) -> models.Q | None:
    """The filter on `Edition` or `Enrolment` (both have `intervention` and `institution`) of
    the records this user runs, or None."""
    from django.db.models import Q

    if not has_perm(user, "interventions.editions"):
        return None
    if user.role == Role.COURSE_PROVIDER:
        if user.organisation_id is None:
            return None
        return Q(intervention__provider_id=user.organisation_id)
    return Q(institution_id__in=visible_institution_ids(user),
             intervention__provider__isnull=True)


def provider_organisation_id(user) -> int | None:
    """The organisation a course provider speaks for (figures of its own interventions), or
    None for every other user."""
    if getattr(user, "is_authenticated", False) and user.role == Role.COURSE_PROVIDER:
        return user.organisation_id
    return None


def may_manage_offer(user, intervention, institution_id: int) -> bool:
    """May this user run editions of `intervention` at the institution (the same rule as
    `managed_condition`, for one object)?"""
    if not has_perm(user, "interventions.editions"):
        return False
    if user.role == Role.COURSE_PROVIDER:
        return (user.organisation_id is not None
                and intervention.provider_id == user.organisation_id)
    return (intervention.provider_id is None
            and institution_id in visible_institution_ids(user))


def may_run_intervention(user, intervention) -> bool:
    """May this user run editions of `intervention` at some institution?"""
    if not has_perm(user, "interventions.editions"):
        return False
    if user.role == Role.COURSE_PROVIDER:
        return (user.organisation_id is not None
                and intervention.provider_id == user.organisation_id)
    return intervention.provider_id is None and bool(visible_institution_ids(user))


def may_manage(user, record) -> bool:
    """For an `Edition` or an `Enrolment`."""
    return may_manage_offer(user, record.intervention, record.institution_id)


def may_maintain_intervention(user, intervention) -> bool:
    """May this user edit the catalogue entry (description, evaluation status, requirements)
    and availability? Course providers: their organisation's interventions; herstelconsulenten:
    interventions the institution itself provides, when offered at (or not yet placed at) one
    of their institutions; functional administrators: all."""
    if not has_perm(user, "interventions.maintain"):
        return False
    if has_perm(user, "reference.manage"):
        return True
    if user.role == Role.COURSE_PROVIDER:
        return (user.organisation_id is not None
                and intervention.provider_id == user.organisation_id)
    if intervention.provider_kind != "institution":
        return False
    offered_at = {a.institution_id for a in intervention.availability.all()}
    return not offered_at or bool(offered_at & set(visible_institution_ids(user)))


def maintainable_institution_ids(user, intervention) -> list[int] | None:
    """The institutions whose availability of `intervention` this user may set: None for all
    (the provider, functional administrators), else the herstelconsulent's institutions."""
    if not may_maintain_intervention(user, intervention):
        return []
    if has_perm(user, "reference.manage") or user.role == Role.COURSE_PROVIDER:
        return None
    return visible_institution_ids(user)


def enrolment_access(user, enrolment, *, content_consent: bool = False) -> str | None:
    """How much of an enrolment in the user's scope the user sees (see above). `content_consent`
    is the answer of `consent.services` for the participant, the provider and the code."""
    if may_manage(user, enrolment):
        return ACCESS_FULL
    level = enrolment.intervention.reporting_level.code
    if level == "participation":
        return ACCESS_PARTICIPATION
    if level == "process":
        return ACCESS_PROCESS
    if level == "content_with_consent":
        return ACCESS_CONTENT if content_consent else ACCESS_PROCESS
    return None


def _registration_objections():
    """Objections to registering an intervention in the D&R-plan that are in force today, for
    the enrolment in the outer query (consent's own in-force rules, `consent.services`)."""
    from django.db.models import OuterRef, Q

    from herstelpad.consent import services as consent

    return consent.applicable("intervention_registration").filter(
        kind="objection", participant_id=OuterRef("participant_id")).filter(
        Q(subject="") | Q(subject=OuterRef("intervention__code")))


def _staff_enrolment_condition(user) -> models.Q | None:
    from django.db.models import Exists, OuterRef, Q

    from herstelpad.participants.models import Participant

    if not has_perm(user, "participants.view"):
        return None
    condition = _participant_condition(user)
    return (Q(Exists(Participant.objects.filter(condition, pk=OuterRef("participant_id"))))
            & ~Q(intervention__reporting_level__code="none")
            & ~Q(Exists(_registration_objections())))


def _scope_enrolments(user, qs, *, min_level: str = ACCESS_PARTICIPATION):
    if not has_perm(user, "interventions.enrolments"):
        return qs.none()
    condition = _staff_enrolment_condition(user)
    if condition is not None and min_level == ACCESS_PROCESS:
        condition &= ~models.Q(intervention__reporting_level__code="participation")
    managed = managed_condition(user)
    if managed is not None:
        condition = managed if condition is None else (condition | managed)
    return qs.none() if condition is None else qs.filter(condition)


def enrolments_at_process_level(user, qs):
    """The enrolments of `qs` this user sees at `process` level or more (their own records in
    full). Which edition an enrolment is in, its place on a waiting list and its status beyond
    enrolled / completed / stopped are process information: pages and the API list or count
    enrolments per edition or per status over this scope, not over `scope`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    return _scope_enrolments(user, qs, min_level=ACCESS_PROCESS)


def _through_enrolment(user, qs):
    """Steps and attendance: only of enrolments the user sees at process level or more."""
    from herstelpad.interventions.models import Enrolment

    return qs.filter(enrolment__in=_scope_enrolments(
        user, Enrolment.objects.all(), min_level=ACCESS_PROCESS).values("pk"))


def _scope_editions(user, qs):
    from django.db.models import Q

    if has_perm(user, "reference.manage"):
        return qs
    managed = managed_condition(user)
    if has_perm(user, "participants.view"):
        at_institutions = Q(institution_id__in=visible_institution_ids(user))
        return qs.filter(at_institutions | managed if managed is not None else at_institutions)
    return qs.none() if managed is None else qs.filter(managed)


def _scope_sessions(user, qs):
    from herstelpad.interventions.models import Edition

    return qs.filter(edition__in=_scope_editions(user, Edition.objects.all()).values("pk"))


def import_scope_values(user, kind: str) -> dict[str, set[str]] | None:
    """What a user may import (the KINDs' `scope_values`): None for no restriction."""
    from herstelpad.interventions.models import Edition, Intervention
    from herstelpad.organisations.models import Institution

    if user is None or has_perm(user, "reference.manage"):
        return None
    managed = managed_condition(user)
    if kind == "enrolments":
        editions = (Edition.objects.filter(managed) if managed is not None
                    else Edition.objects.none())
        return {"edition_ref": set(editions.values_list("ref", flat=True))}
    if user.role == Role.COURSE_PROVIDER:
        return {"intervention": set(Intervention.objects.filter(
            provider_id=user.organisation_id).values_list("code", flat=True))}
    return {"intervention": set(Intervention.objects.filter(provider__isnull=True)
                                .values_list("code", flat=True)),
            "institution": set(Institution.objects.filter(pk__in=visible_institution_ids(user))
                               .values_list("code", flat=True))}
# --- Victim–offender mediation (issue 6) ---------------------------------------------------
#
# Mediators (role mediator, in an organisation of type `mediation`) see the cases of their
# organisation: the process facts (dates, channel, codes, phase) of every case, so that they
# can register, spot duplicates, assign and take over. The **sealed compartment** of a case —
# parties (victim and surviving-relative identities, contact details), the conversation log,
# letters and messages, conditions, contact moments, the reasons given for steps and the
# case's own sealed notes — opens only for the mediators **on that case** (a `CaseMediator`
# without an end date). There is no coordinator who sees every compartment: a coordinator who
# needs one assigns themself, which is a recorded step.
# Prison staff (who see the participant, see `_participant_condition`) see a case only when
# the participant agreed to share it (`mediation_sharing` in force for the case's
# organisation and the case — the same rule as `consent.services.in_force`), or when they
# referred it themselves (then only that it was received). They see its steps only as phases
# (the prison-side service reads action, state and date, never the sealed reasons), and never
# the compartment. Court mediations: mediators, and prison staff who see the participant.
# Every other role sees nothing of mediation except the figures (reports, aggregates only).


def _mediation_organisation_id(user) -> int | None:
    """The user's organisation when it is a mediation organisation (read once per user)."""
    cached = getattr(user, "_policy_mediation_organisation", False)
    if cached is False:
        from herstelpad.organisations.models import Organisation

        cached = (Organisation.objects.filter(pk=user.organisation_id, type="mediation")
                  .values_list("pk", flat=True).first()
                  if getattr(user, "organisation_id", None) else None)
        user._policy_mediation_organisation = cached
    return cached


def _on_case(user, path: str):
    """Q: the user is a mediator on the case at `path` (the compartment's key)."""
    from django.db.models import Exists, OuterRef

    from herstelpad.mediation.models import CaseMediator

    return models.Q(Exists(CaseMediator.objects.filter(
        case_id=OuterRef(path), user_id=user.pk, ended_on__isnull=True)))


def _scope_mediation_cases(user, qs):
    if has_perm(user, "mediation.work"):
        organisation_id = _mediation_organisation_id(user)
        return qs.none() if organisation_id is None else qs.filter(
            organisation_id=organisation_id)
    if has_perm(user, "mediation.status"):
        from herstelpad.mediation.sharing import shared_with_prison

        return _through_participant(user, qs, "participant_id").filter(
            models.Q(referred_by_id=user.pk) | shared_with_prison())
    return qs.none()


def _mediation_compartment(path: str):
    def rule(user, qs):
        if not has_perm(user, "mediation.work") or _mediation_organisation_id(user) is None:
            return qs.none()
        return qs.filter(_on_case(user, path))

    return rule


def _scope_case_steps(user, qs):
    if has_perm(user, "mediation.work"):
        return _mediation_compartment("case_id")(user, qs)
    if has_perm(user, "mediation.status"):
        from django.db.models import Exists, OuterRef

        from herstelpad.mediation.models import MediationCase
        from herstelpad.mediation.sharing import shared_with_prison

        shared = _through_participant(user, MediationCase.objects.filter(pk=OuterRef("case_id")),
                                      "participant_id").filter(shared_with_prison())
        return qs.filter(Exists(shared))
    return qs.none()


def _scope_case_mediators(user, qs):
    if has_perm(user, "mediation.work"):
        organisation_id = _mediation_organisation_id(user)
        return qs.none() if organisation_id is None else qs.filter(
            case__organisation_id=organisation_id)
    return qs.none()


def _scope_court_mediations(user, qs):
    if has_perm(user, "mediation.work"):
        return qs if _mediation_organisation_id(user) is not None else qs.none()
    if has_perm(user, "mediation.court"):
        return _through_participant(user, qs, "participant_id")
    return qs.none()


# --- Small-scale facilities (issue 7) -------------------------------------------------------
#
# Candidates are person data. Who sees which:
# - the facility team (prison staff): candidates of the facilities in `visible_institutions`
#   (their own facility, or the facilities belonging to their prison);
# - the municipal aftercare coordinator: candidates whose municipality (of origin or intended
#   release) is the coordinator's municipality;
# - the DIZ selection officer: candidates whose selection advice was sent to DIZ
#   (`sent_to_diz_on` is set when the candidate enters a step DIZ decides);
# - everyone who referred a candidate (casemanager, municipality, probation): that candidate.
# Steps, exceptions and pre-scan answers follow their candidate. Facility stays
# (`FacilityStay`, `TemporaryReturn`) follow the participant dossier (`participants.view`).
# The configuration (profiles, capacity, route, criteria) is not person data.


def _candidate_condition(user) -> models.Q | None:
    from django.db.models import Q

    if not has_perm(user, "facilities.candidates"):
        return None
    condition = Q(referred_by_id=user.pk)
    if has_perm(user, "participants.view"):
        condition |= Q(facility_id__in=visible_institution_ids(user))
    if has_perm(user, "aftercare.view"):
        municipality_id = getattr(user.organisation, "municipality_id", None)
        if municipality_id is not None:
            condition |= Q(municipality_id=municipality_id)
    if has_perm(user, "facilities.decide_diz"):
        condition |= Q(sent_to_diz_on__isnull=False)
    return condition


def _scope_candidates(user, qs):
    condition = _candidate_condition(user)
    return qs.none() if condition is None else qs.filter(condition)


def _through_candidate(user, qs):
    from django.db.models import Exists, OuterRef

    from herstelpad.facilities.models import Candidate

    condition = _candidate_condition(user)
    if condition is None:
        return qs.none()
    return qs.filter(Exists(Candidate.objects.filter(condition, pk=OuterRef("candidate_id"))))


def may_manage_facility(user, facility_id: int) -> bool:
    """May this user record the facility team's steps for candidates and stays of this
    facility?"""
    return (has_perm(user, "facilities.manage")
            and facility_id in visible_institution_ids(user))


def may_configure_facility(user, facility_id: int) -> bool:
    if not has_perm(user, "facilities.configure"):
        return False
    return (has_perm(user, "reference.manage")
            or facility_id in visible_institution_ids(user))


def facility_ids_for_import(user) -> set[str] | None:
    """Facility codes this user may import candidate lists for (None: all)."""
    from herstelpad.organisations.models import Institution

    if user is None or has_perm(user, "reference.manage"):
        return None
    return set(Institution.objects.filter(pk__in=visible_institution_ids(user), type="facility")
               .values_list("code", flat=True))


SCOPES: dict[str, Callable[[Any, models.QuerySet], models.QuerySet]] = {
    "organisations.institution": _scope_reference,
    "organisations.organisation": _scope_reference,
    "organisations.municipality": _scope_reference,
    "reference.codelist": _scope_reference,
    "reference.code": _scope_reference,
    "interventions.intervention": _scope_reference,
    "interventions.availability": _scope_reference,
    "accounts.user": _scope_users,
    "audit.auditentry": _scope_audit,
    "participants.participant": _scope_participants,
    "participants.stay": _scope_stays,
    "participants.episode": _staff_only("participant_id"),
    "participants.regimechange": _staff_only("participant_id"),
    "participants.assignment": _staff_only("participant_id"),
    "participants.shiftnote": _scope_shift_notes,
    "plans.plan": _staff_only("participant_id"),
    "plans.planversion": _staff_only("plan__participant_id"),
    "plans.goal": _scope_goals,
    "plans.goalstatuschange": lambda user, qs: _scope_goals(user, qs, "goal"),
    "plans.goalaction": lambda user, qs: _scope_goals(user, qs, "goal"),
    "plans.strengthsentry": _staff_only("participant_id"),
    "plans.review": _staff_only("participant_id"),
    "consent.consent": _scope_consent,
    "mediation.mediationcase": _scope_mediation_cases,
    "mediation.casemediator": _scope_case_mediators,
    "mediation.casestep": _scope_case_steps,
    "mediation.party": _mediation_compartment("case_id"),
    "mediation.conversation": _mediation_compartment("case_id"),
    "mediation.message": _mediation_compartment("case_id"),
    "mediation.condition": _mediation_compartment("case_id"),
    "mediation.contactmoment": _mediation_compartment("case_id"),
    "mediation.courtmediation": _scope_court_mediations,
    "imports.importrun": _scope_import_runs,
    "interventions.edition": _scope_editions,
    "interventions.session": _scope_sessions,
    "interventions.enrolment": _scope_enrolments,
    "interventions.enrolmentstep": _through_enrolment,
    "interventions.attendance": _through_enrolment,
    "facilities.facilityprofile": _scope_reference,
    "facilities.capacityperiod": _scope_reference,
    "facilities.capacityplaces": _scope_reference,
    "facilities.routestep": _scope_reference,
    "facilities.criterionset": _scope_reference,
    "facilities.criterion": _scope_reference,
    "facilities.candidate": _scope_candidates,
    "facilities.candidatestep": _through_candidate,
    "facilities.screeningexception": _through_candidate,
    "facilities.prescananswer": _through_candidate,
    "facilities.facilitystay": _staff_only("stay__participant_id"),
    "facilities.temporaryreturn": _staff_only("stay__participant_id"),
}


def scope(user: "User | Any", qs: models.QuerySet) -> models.QuerySet:
    """The part of `qs` this user may see. Raises for a model without a rule (deny by default)."""
    label = qs.model._meta.label_lower
    rule = SCOPES.get(label)
    if rule is None:
        raise ImproperlyConfigured(f"No scope rule for {label}: add one to herstelpad.policy")
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    return rule(user, qs)


def get_object(user, qs: models.QuerySet, *, purpose: str = "", audit_read: bool = True,
               **lookup) -> models.Model:
    """Fetch one object through the user's scope. A miss that exists outside the scope is an
    access denial (403) and is recorded in the audit trail; a true miss is a 404. A hit is
    recorded as a read when the model is person-level."""
    from django.http import Http404

    from herstelpad.audit import services as audit

    scoped = scope(user, qs)
    try:
        obj = scoped.get(**lookup)
    except (ValueError, ValidationError):
        raise Http404 from None  # a lookup value of the wrong kind ("abc" for a number)
    except qs.model.DoesNotExist:
        existing = qs.filter(**lookup).first()
        if existing is None:
            raise Http404 from None
        audit.record_denied(existing, purpose=purpose)
        raise PermissionDenied("outside scope") from None
    if audit_read:
        audit.record_read(obj, purpose=purpose)
    return obj


def roles_for_permissions(perms: Iterable[str]) -> dict[str, list[str]]:
    """A readable table of the policy (used by docs and the matrix test)."""
    return {perm: sorted(str(role) for role in roles_with(perm)) for perm in perms}
