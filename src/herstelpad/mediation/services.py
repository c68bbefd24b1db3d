"""Herstelbemiddeling: the business rules behind every door (pages, API, command line).

- **Referral and registration** (`refer`, `register_case`): prison staff refer a participant
  from the dossier; the mediation organisation registers requests from any channel and either
  party. A self-referral names a contact person in the prison. A running court mediation for
  the same matter refuses a new case (`CourtMediationRunning`, with an explanation); possible
  duplicates (same participant and offence, an open case) are flagged before saving
  (`PossibleDuplicates`; the caller confirms to save anyway, and the case keeps the flag).
- **The workflow** (`take_step`): every step through `workflows.apply` on the locked case,
  recorded as a `CaseStep` (who, when, why) with optimistic concurrency on the case;
  `case_state` replays the record.
- **The sealed compartment** (`add_party`, `update_party`, `add_conversation`, `add_message`,
  `add_condition`, contact details with the contact step): only mediators on the case.
- **Reopening** (`reopen`): a closed case continues as a new case linked to it, offering the
  same mediator(s).
- **Court mediations** (`register_court_mediation`, `end_court_mediation`).
- **The workbench** (`my_cases`, `unassigned_cases`, `due_reminders`, `register_list`).

Error messages never quote the values of sealed fields (they name the field); every variable
of these functions (and of what they call) is kept out of Django's error reports
(`sensitive_variables()`: the filter hides the locals of every frame below the wrapper).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.concurrency import check_version, save_versioned
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import (
    CaseMediator,
    CaseStep,
    Condition,
    ContactMoment,
    Conversation,
    ConversationMode,
    CourtMediation,
    InitiatingParty,
    MediationCase,
    Message,
    MessageForm,
    Party,
    PartyKind,
    ReferrerFunction,
    Side,
    Source,
)
from herstelpad.participants.models import Participant
from herstelpad.participants.services import new_ref
from herstelpad.reference import codes

MEDIATION_ORGANISATION = "PERSPECTIEF"
# Channels that name the institution the request came from (INTERCHANGE §2.3).
INSTITUTION_CHANNELS = ("pi", "self", "jji")
SEALED_LIMITS = {
    "referrer_name": 200, "referrer_contact": 300, "contact_person": 300, "matter": 64,
    "request_note": 2000, "reason": 2000, "name": 200, "address": 300, "phone": 64,
    "email": 200, "notes": 4000, "content": 20000, "text": 1000, "location": 300,
    "attendees": 1000, "support_persons": 1000, "interpreter_language": 64, "note": 1000,
}
# What each step needs besides a date (for forms and the API).
CONTACT_DETAILS = ("location", "attendees", "support_persons", "interpreter",
                   "interpreter_language", "message_kind", "notes")


class PossibleDuplicates(ValidationError):
    """Open cases for the same participant and offence exist; the caller may confirm."""

    def __init__(self, cases: list[MediationCase], visible: list[MediationCase]):
        self.cases = cases
        self.visible = visible
        super().__init__({"__all__": [_(
            "Er loopt al een bemiddelingszaak voor deze deelnemer en dit delict. Controleer of "
            "dit een dubbele aanmelding is; bevestig om toch te registreren.")]},
            code="possible_duplicate")


class CourtMediationRunning(ValidationError):
    """A running court mediation for the same matter takes precedence."""

    def __init__(self, court: CourtMediation):
        self.court = court
        super().__init__({"__all__": [_(
            "Voor deze zaak loopt een mediation in strafzaken (sinds %(date)s). Zolang de "
            "strafzaak bij de rechter ligt, gaat die voor: er kan nu geen herstelbemiddeling "
            "voor dezelfde zaak starten. Meld opnieuw aan als de mediation in strafzaken is "
            "afgerond, of leg vast dat zij is afgerond.") % {
            "date": court.started_on.strftime("%d-%m-%Y")}]}, code="court_mediation")


# --- Helpers ------------------------------------------------------------------------------------

def today() -> dt.date:
    return timezone.localdate()


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _require(actor, perm: str) -> None:
    if _is_user(actor):
        policy.require(actor, perm)


def _actor_user(actor):
    return actor if _is_user(actor) else None


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


@sensitive_variables()
def _text(value, field: str, errors: dict, *, required: bool = False) -> str:
    """A sealed free-text field: stripped, within its length. Errors name the field only."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    limit = SEALED_LIMITS.get(field, 2000)
    if required and not value:
        errors.setdefault(field, _("Dit veld is verplicht."))
    elif len(value) > limit:
        errors.setdefault(field, _("Hooguit %(n)s tekens.") % {"n": limit})
    return value


def _date(value, field: str, errors: dict, *, required: bool = True, future: bool = False):
    if value is None:
        if required:
            errors.setdefault(field, _("Vul een datum in."))
        return None
    if not future and value > today():
        errors.setdefault(field, _("Deze datum ligt in de toekomst."))
    return value


def _code(list_name: str, value: str, field: str, errors: dict, *, required=False) -> str:
    try:
        return codes.validate(list_name, value, field=field, required=required)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return value or ""


def _choice(choices, value: str, field: str, errors: dict, *, required=True) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if value not in choices.values:
        errors[field] = _("Kies een van: %(values)s.") % {"values": ", ".join(choices.values)}
    return value


def _organisation(actor):
    from herstelpad.organisations.models import Organisation

    organisation_id = policy._mediation_organisation_id(actor) if _is_user(actor) else None
    if organisation_id is not None:
        return Organisation.objects.get(pk=organisation_id)
    if _is_user(actor) and policy.has_perm(actor, "mediation.work"):
        # A mediator account outside a mediation organisation would write cases into one it
        # cannot see. Prison staff's referrals (and the system) go to the national one.
        raise PermissionDenied("mediation organisation")
    return Organisation.objects.get(code=MEDIATION_ORGANISATION)


def is_on_case(user, case: MediationCase) -> bool:
    """Does the sealed compartment of `case` open for `user`?"""
    if not _is_user(user) or not policy.has_perm(user, "mediation.work"):
        return False
    if policy._mediation_organisation_id(user) != case.organisation_id:
        return False
    return CaseMediator.objects.filter(case=case, user=user, ended_on__isnull=True).exists()


def require_on_case(user, case: MediationCase) -> None:
    """Refuse (403, audited) a mediator who is not on the case; the system (None) may."""
    if user is None or not _is_user(user):
        return
    if not is_on_case(user, case):
        audit.record_denied(case, purpose="compartment")
        raise PermissionDenied("mediation compartment")


def mediators_of(organisation_id: int):
    from herstelpad.accounts.models import Role, User

    return User.objects.filter(role=Role.MEDIATOR, organisation_id=organisation_id,
                               is_active=True).order_by("last_name", "first_name", "username")


# --- Court mediations ---------------------------------------------------------------------------

def _same_matter(court: CourtMediation, offence_category: str, matter: str) -> bool:
    if court.matter and matter:
        return court.matter.strip().lower() == matter.strip().lower()
    if court.offence_category and offence_category:
        return court.offence_category == offence_category
    return True  # not enough known to tell the matters apart: the court mediation goes first


def running_court_mediation(participant, offence_category: str = "",
                            matter: str = "", on: dt.date | None = None):
    """The running court mediation for the same matter, if any (few per participant, so the
    sealed matter numbers are compared after decryption)."""
    if participant is None:
        return None
    on = on or today()
    for court in CourtMediation.objects.filter(participant=participant,
                                               started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=on)).order_by("-started_on", "-id"):
        if _same_matter(court, offence_category, matter):
            return court
    return None


def _require_court(actor) -> None:
    """Prison staff (mediation.court) and mediators of a mediation organisation record court
    mediations; a mediator account outside one does not."""
    if not _is_user(actor) or policy.has_perm(actor, "mediation.court"):
        return
    if policy.has_perm(actor, "mediation.work") \
            and policy._mediation_organisation_id(actor) is not None:
        return
    raise PermissionDenied("mediation.court")


@sensitive_variables()
def register_court_mediation(participant, *, actor, started_on: dt.date,
                             offence_category: str = "", matter: str = "",
                             note: str = "") -> CourtMediation:
    _require_court(actor)
    errors: dict = {}
    _date(started_on, "started_on", errors)
    offence_category = _code("offence_categories", offence_category, "offence_category",
                             errors)
    matter = _text(matter, "matter", errors)
    note = _text(note, "note", errors)
    if participant is None:
        errors["participant"] = _("Kies de deelnemer.")
    _raise(errors)
    return CourtMediation.objects.create(
        participant=participant, started_on=started_on, offence_category=offence_category,
        matter=matter, note=note, registered_by=_actor_user(actor))


def end_court_mediation(court: CourtMediation, *, actor, expected_version,
                        on: dt.date) -> CourtMediation:
    _require_court(actor)
    check_version(court, expected_version)
    errors: dict = {}
    _date(on, "on", errors)
    if court.ended_on is not None:
        errors["__all__"] = _("Deze mediation in strafzaken is al afgerond.")
    elif on is not None and on < court.started_on:
        errors["on"] = _("De datum ligt voor het begin van de mediation in strafzaken.")
    _raise(errors)
    court.ended_on = on
    with transaction.atomic():
        save_versioned(court, expected_version, ["ended_on"])
    return court


# --- Duplicates ---------------------------------------------------------------------------------

def possible_duplicates(participant, offence_category: str, organisation_id: int,
                        exclude_pk: int | None = None) -> list[MediationCase]:
    """Open cases of the same organisation for the same participant and offence (an unknown
    offence on either side counts as possibly the same)."""
    if participant is None:
        return []
    qs = MediationCase.objects.filter(participant=participant, organisation_id=organisation_id,
                                      closed_on__isnull=True)
    if offence_category:
        qs = qs.filter(Q(offence_category=offence_category) | Q(offence_category=""))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.order_by("received_on", "id"))


# --- Registration -------------------------------------------------------------------------------

@sensitive_variables()
def register_case(*, actor, received_on: dt.date, channel: str, initiating_party: str,
                  participant=None, institution=None, offence_category: str = "",
                  matter: str = "", referrer_function: str = "", referrer_name: str = "",
                  referrer_contact: str = "", contact_person: str = "", request_note: str = "",
                  referred_by=None, organisation=None, reopens: MediationCase | None = None,
                  confirm_duplicate: bool = False, ref: str | None = None) -> MediationCase:
    """Register a request for mediation (any channel, either party)."""
    if _is_user(actor) and not (policy.has_perm(actor, "mediation.work")
                                or policy.has_perm(actor, "mediation.refer")):
        raise PermissionDenied("mediation.work")
    errors: dict = {}
    _date(received_on, "received_on", errors)
    channel = _code("mediation_channels", channel, "channel", errors, required=True)
    initiating_party = _choice(InitiatingParty, initiating_party, "initiating_party", errors)
    referrer_function = _choice(ReferrerFunction, referrer_function, "referrer_function",
                                errors, required=False)
    offence_category = _code("offence_categories", offence_category, "offence_category",
                             errors)
    referrer_name = _text(referrer_name, "referrer_name", errors)
    referrer_contact = _text(referrer_contact, "referrer_contact", errors)
    contact_person = _text(contact_person, "contact_person", errors,
                           required=channel == "self")
    matter = _text(matter, "matter", errors)
    request_note = _text(request_note, "request_note", errors)
    if channel in INSTITUTION_CHANNELS and institution is None:
        errors.setdefault("institution", _("Bij deze aanmeldroute hoort de inrichting waar de "
                                           "aanvraag vandaan komt."))
    if channel == "self" and initiating_party and initiating_party != InitiatingParty.OFFENDER:
        errors.setdefault("initiating_party", _("Een zelfaanmelding van een gedetineerde komt "
                                                "van de dader."))
    if ref:
        ref = ref.strip()
        if MediationCase.objects.filter(ref=ref).exists():
            errors["ref"] = _("Het zaaknummer %(ref)s bestaat al.") % {"ref": ref}
    _raise(errors)
    organisation = organisation or _organisation(actor)
    # The court mediation running now blocks the case (not one that ran on the date the
    # request came in: a request entered late is not blocked by a court mediation that has
    # ended since, and is blocked by one that started since).
    court = running_court_mediation(participant, offence_category, matter, today())
    if court is not None:
        raise CourtMediationRunning(court)
    duplicates = possible_duplicates(participant, offence_category, organisation.pk)
    if duplicates and not confirm_duplicate:
        # Warn only about cases the user may know exist: prison staff must not learn of a
        # case that is not shared with them (one the victim started, say). The mediation
        # organisation sees the flag on the new case either way.
        visible = visible_cases(actor, duplicates)
        if visible:
            raise PossibleDuplicates(duplicates, visible)
    with transaction.atomic():
        case = MediationCase.objects.create(
            ref=ref or new_ref("HB"), organisation=organisation, participant=participant,
            institution=institution, received_on=received_on, channel=channel,
            initiating_party=initiating_party, referrer_function=referrer_function,
            referred_by=referred_by, referrer_name=referrer_name,
            referrer_contact=referrer_contact, contact_person=contact_person,
            offence_category=offence_category, matter=matter, request_note=request_note,
            state=wf.REGISTERED, state_since=received_on, reopens=reopens,
            possible_duplicate_of=duplicates[0] if duplicates else None)
        _record_step(case, actor, wf.REGISTER, "", wf.REGISTERED, received_on)
    return case


def visible_cases(user, cases: list[MediationCase]) -> list[MediationCase]:
    """Of `cases`, those the user may know exist (prison staff do not learn of a case that
    is not shared with them — e.g. one the victim started)."""
    if not _is_user(user):
        return list(cases)
    ids = set(policy.scope(user, MediationCase.objects.filter(pk__in=[c.pk for c in cases]))
              .values_list("pk", flat=True))
    return [c for c in cases if c.pk in ids]


def referral_channel(participant: Participant) -> tuple[str, object]:
    """The channel and institution of a referral by prison staff: the participant's current
    institution (a facility counts as its prison's; a JJI refers through `jji`)."""
    stay = participant.current_stay
    institution = stay.institution if stay is not None else None
    if institution is not None and institution.type == "jji":
        return "jji", institution
    return "pi", institution


@sensitive_variables()
def refer(participant: Participant, *, actor, participant_agrees: bool,
          offence_category: str = "", matter: str = "", request_note: str = "",
          referrer_function: str = "", confirm_duplicate: bool = False) -> MediationCase:
    """Prison staff refer a participant from the dossier (participation is voluntary: the
    participant must want it)."""
    _require(actor, "mediation.refer")
    channel, institution = referral_channel(participant)
    errors: dict = {}
    if not participant_agrees:
        errors["participant_agrees"] = _("Meld alleen aan als de deelnemer dat wil.")
    if institution is None:
        errors["__all__"] = _("De deelnemer verblijft nu niet in een inrichting; de "
                              "reclassering of de deelnemer zelf kan aanmelden.")
    _raise(errors)
    user = _actor_user(actor)
    default_function = {"casemanager": ReferrerFunction.CASEMANAGER,
                        "herstelconsulent": ReferrerFunction.HERSTELCONSULENT,
                        "mentor": ReferrerFunction.MENTOR}.get(getattr(user, "role", ""), "")
    return register_case(
        actor=actor, received_on=today(), channel=channel,
        initiating_party=InitiatingParty.OFFENDER, participant=participant,
        institution=institution, offence_category=offence_category, matter=matter,
        referrer_function=referrer_function or default_function,
        referrer_name=(f"{user.display_name} ({user.role_label})" if user else ""),
        referrer_contact=(user.email if user else ""), request_note=request_note,
        referred_by=user, confirm_duplicate=confirm_duplicate)


# --- The workflow -------------------------------------------------------------------------------

def _record_step(case, actor, action, from_state, to_state, on, *, code="", answer="",
                 until=None, reason="") -> CaseStep:
    user = _actor_user(actor)
    label = getattr(actor, "username", "") if actor is not None else \
        getattr(audit.current_actor(), "username", "")
    return CaseStep.objects.create(
        case=case, action=action, from_state=from_state, to_state=to_state, on=on, code=code,
        answer=answer, until=until, reason=reason, actor=user, actor_label=(label or "")[:150])


def steps_of(case: MediationCase) -> list[wf.Step]:
    return [wf.Step(s.action, s.on, s.code, s.until, "", s.answer)
            for s in CaseStep.objects.filter(case=case).order_by("on", "id")
            .only("action", "on", "code", "until", "answer")]


def case_state(case: MediationCase) -> wf.CaseState:
    """The case's state rebuilt from its record: the steps recorded in Herstelpad, or, for a
    case managed in the external register, the facts of its latest import."""
    if case.source == Source.IMPORT:
        return from_facts(case)
    return wf.replay(case.received_on, steps_of(case))


def from_facts(case: MediationCase) -> wf.CaseState:
    """The state of an imported case (INTERCHANGE §2.3 gives facts, not steps)."""
    if case.closed_on is not None:
        state, since = wf.CLOSED, case.closed_on
    elif case.assigned_on is not None:
        state, since = wf.ASSIGNED, case.assigned_on
    else:
        state, since = wf.REGISTERED, case.received_on
    return wf.CaseState(
        state=state, received_on=case.received_on, last_on=since, state_since=since,
        assigned_on=case.assigned_on, closed_on=case.closed_on,
        not_assigned_reason=case.not_assigned_reason, stop_reason=case.stop_reason,
        contact_forms=(case.contact_form,) if case.contact_form else ())


ANYONE_IN_ORGANISATION = (wf.ASSIGN, wf.NOT_ASSIGNED, wf.REASSIGN)


@sensitive_variables()
def take_step(case: MediationCase, *, actor, expected_version, action: str, on: dt.date,
              code: str = "", answer: str = "", until: dt.date | None = None, reason: str = "",
              mediators=None, contact: dict | None = None) -> CaseStep:
    """Record one step of the workflow (see `workflows`). `mediators` (users) for assign and
    reassign; `contact` (location, attendees, support persons, interpreter, message kind,
    notes) for a contact step."""
    _require(actor, "mediation.work")
    check_version(case, expected_version)
    if case.source == Source.IMPORT:
        raise ValidationError({"__all__": _(
            "Deze zaak wordt bijgehouden in het zaakregister van de bemiddelingsorganisatie en "
            "bijgewerkt door de import; stappen worden daar vastgelegd.")})
    if action not in ANYONE_IN_ORGANISATION:
        require_on_case(actor, case)
    errors: dict = {}
    _date(on, "on", errors)
    reason = _text(reason, "reason", errors)
    code = (code or "").strip()
    answer = (answer or "").strip()
    if action == wf.ANSWER and answer == wf.NOT_YET_ANSWER:
        _date(until, "until", errors, required=False, future=True)
    else:
        until = None
    chosen = []
    if action in (wf.ASSIGN, wf.REASSIGN):
        chosen = list(mediators or [])
        allowed = set(mediators_of(case.organisation_id).values_list("pk", flat=True))
        if not chosen:
            errors["mediators"] = _("Kies ten minste één bemiddelaar.")
        elif any(getattr(m, "pk", None) not in allowed for m in chosen):
            errors["mediators"] = _("Kies bemiddelaars van de bemiddelingsorganisatie van "
                                    "deze zaak.")
    contact_values = {}
    if action == wf.RECORD_CONTACT:
        contact = contact or {}
        for name in ("location", "attendees", "support_persons", "interpreter_language",
                     "notes"):
            contact_values[name] = _text(contact.get(name, ""), name, errors)
        contact_values["interpreter"] = bool(contact.get("interpreter"))
        kind = (contact.get("message_kind") or "").strip()
        if kind not in ("", "oral", "video"):
            errors["message_kind"] = _("Kies mondeling of video.")
        if code == "shuttle" and not kind:
            errors["message_kind"] = _("Bij pendelbemiddeling: mondelinge of videoboodschappen?")
        contact_values["message_kind"] = kind if code == "shuttle" else ""
        if code == "meeting" and not contact_values["location"]:
            errors["location"] = _("Waar vond het gesprek plaats?")
    _raise(errors)
    with transaction.atomic():
        locked = MediationCase.objects.select_for_update().get(pk=case.pk)
        check_version(locked, expected_version)
        state = case_state(locked)
        try:
            new = wf.apply(state, wf.Step(action, on, code, until, reason, answer),
                           contact_forms=codes.active_codes("mediation_contact_forms"),
                           stop_reasons=codes.active_codes("mediation_stop_reasons"))
        except wf.TransitionError as exc:
            raise ValidationError({"__all__": [str(exc)]}) from exc
        step = _record_step(locked, actor, action, state.state, new.state, on, code=code,
                            answer=answer, until=until, reason=reason)
        if action in (wf.ASSIGN, wf.REASSIGN):
            _set_mediators(locked, chosen, on)
        if action == wf.RECORD_CONTACT:
            ContactMoment.objects.create(case=locked, step=step, form=code, on=on,
                                         **contact_values)
        _apply_state(locked, new)
        save_versioned(locked, expected_version, STATE_FIELDS)
        audit.record(Action.TRANSITION, obj=locked, details={"step": step.pk,
                                                             "action": action})
    case.__dict__.update({f: getattr(locked, f) for f in (*STATE_FIELDS, "version")})
    return step


STATE_FIELDS = ["state", "state_since", "paused_from", "assigned_on", "closed_on",
                "not_assigned_reason", "stop_reason", "contact_form", "approach_again_on"]


def _apply_state(case: MediationCase, state: wf.CaseState) -> None:
    case.state = state.state
    case.state_since = state.state_since
    case.paused_from = state.paused_from
    case.assigned_on = state.assigned_on
    case.closed_on = state.closed_on
    case.not_assigned_reason = state.not_assigned_reason
    case.stop_reason = state.stop_reason
    case.contact_form = state.contact_form
    case.approach_again_on = state.approach_again_on


def _set_mediators(case: MediationCase, users, on: dt.date) -> None:
    wanted = {u.pk for u in users}
    current = {m.user_id: m for m in CaseMediator.objects.filter(case=case,
                                                                 ended_on__isnull=True)}
    for user_id, assignment in current.items():
        if user_id not in wanted:
            assignment.ended_on = on
            assignment.save(update_fields=["ended_on"])
    for user in users:
        if user.pk not in current:
            CaseMediator.objects.create(case=case, user=user, assigned_on=on)


def current_mediators(case: MediationCase):
    return [m.user for m in CaseMediator.objects.filter(case=case, ended_on__isnull=True)
            .select_related("user")]


# --- Editing the facts --------------------------------------------------------------------------

EDITABLE = ("offence_category", "matter", "institution", "referrer_function", "referrer_name",
            "referrer_contact", "contact_person", "request_note")


@sensitive_variables()
def update_case(case: MediationCase, *, actor, expected_version, **fields) -> MediationCase:
    """Correct a case's facts (the sealed ones only by a mediator on the case)."""
    _require(actor, "mediation.work")
    check_version(case, expected_version)
    require_on_case(actor, case)
    errors: dict = {}
    values = {}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise TypeError(name)
        if name == "offence_category":
            values[name] = _code("offence_categories", value, name, errors)
        elif name == "referrer_function":
            values[name] = _choice(ReferrerFunction, value, name, errors, required=False)
        elif name == "institution":
            values[name] = value
        else:
            values[name] = _text(value, name, errors, required=(
                name == "contact_person" and case.channel == "self"))
    if case.channel in INSTITUTION_CHANNELS and "institution" in values and \
            values["institution"] is None:
        errors["institution"] = _("Bij deze aanmeldroute hoort de inrichting waar de aanvraag "
                                  "vandaan komt.")
    _raise(errors)
    for name, value in values.items():
        setattr(case, name, value)
    with transaction.atomic():
        save_versioned(case, expected_version, list(values))
    return case


# --- Reopening ----------------------------------------------------------------------------------

@sensitive_variables()
def reopen(case: MediationCase, *, actor, on: dt.date, reason: str = "",
           initiating_party: str | None = None, channel: str | None = None,
           same_mediators: bool = True) -> MediationCase:
    """A closed case continues as a new case linked to it; the same mediator(s) are offered
    (and, with `same_mediators`, assigned straight away)."""
    _require(actor, "mediation.work")
    if case.closed_on is None:
        raise ValidationError({"__all__": _("Alleen een afgesloten zaak kan worden heropend.")})
    errors: dict = {}
    _date(on, "on", errors)
    if on is not None and on < case.closed_on:
        errors["on"] = _("De heropening ligt voor de afsluiting van de eerdere zaak.")
    reason = _text(reason, "reason", errors)
    _raise(errors)
    previous = [u for u in previous_mediators(case) if u.is_active]
    with transaction.atomic():
        # One reopening at a time: a double submit or two mediators at once would otherwise
        # make two open cases continuing the same one.
        MediationCase.objects.select_for_update().filter(pk=case.pk).first()
        if MediationCase.objects.filter(reopens=case, closed_on__isnull=True).exists():
            raise ValidationError({"__all__": _(
                "Deze zaak is al heropend; de nieuwe zaak loopt nog.")})
        new = register_case(
            actor=actor, received_on=on, channel=channel or case.channel,
            initiating_party=initiating_party or case.initiating_party,
            participant=case.participant, institution=case.institution,
            offence_category=case.offence_category, matter=case.matter,
            referrer_function=case.referrer_function, referrer_name=case.referrer_name,
            referrer_contact=case.referrer_contact, contact_person=case.contact_person,
            request_note=reason, referred_by=case.referred_by, organisation=case.organisation,
            reopens=case, confirm_duplicate=True)
        if same_mediators and previous:
            take_step(new, actor=actor, expected_version=new.version, action=wf.ASSIGN, on=on,
                      mediators=previous)
    return new


def previous_mediators(case: MediationCase):
    """The mediators on the case when it closed (not those taken off it earlier)."""
    return list({m.user.pk: m.user for m in CaseMediator.objects.filter(
        case=case, ended_on__isnull=True).select_related("user")
        .order_by("-assigned_on", "-id")}.values())


# --- The sealed compartment ---------------------------------------------------------------------

PARTY_FIELDS = ("name", "address", "phone", "email", "notes")


@sensitive_variables()
def add_party(case: MediationCase, *, actor, side: str, kind: str, **fields) -> Party:
    _require(actor, "mediation.work")
    require_on_case(actor, case)
    errors: dict = {}
    side = _choice(Side, side, "side", errors)
    kind = _choice(PartyKind, kind, "kind", errors)
    values = {name: _text(fields.get(name, ""), name, errors, required=name == "name")
              for name in PARTY_FIELDS}
    _raise(errors)
    return Party.objects.create(case=case, side=side, kind=kind, **values)


@sensitive_variables()
def update_party(party: Party, *, actor, expected_version, **fields) -> Party:
    _require(actor, "mediation.work")
    check_version(party, expected_version)
    require_on_case(actor, party.case)
    errors: dict = {}
    values = {}
    for name, value in fields.items():
        if name == "side":
            values[name] = _choice(Side, value, name, errors)
        elif name == "kind":
            values[name] = _choice(PartyKind, value, name, errors)
        elif name in PARTY_FIELDS:
            values[name] = _text(value, name, errors, required=name == "name")
        else:
            raise TypeError(name)
    _raise(errors)
    for name, value in values.items():
        setattr(party, name, value)
    with transaction.atomic():
        save_versioned(party, expected_version, list(values))
    return party


def _not_before_registration(case: MediationCase, on, errors: dict) -> None:
    if on is not None and "on" not in errors and on < case.received_on:
        errors["on"] = _("De datum ligt voor de aanmelding.")


@sensitive_variables()
def add_conversation(case: MediationCase, *, actor, side: str, on: dt.date, mode: str,
                     notes: str = "") -> Conversation:
    _require(actor, "mediation.work")
    require_on_case(actor, case)
    errors: dict = {}
    side = _choice(Side, side, "side", errors)
    mode = _choice(ConversationMode, mode, "mode", errors)
    _date(on, "on", errors)
    _not_before_registration(case, on, errors)
    notes = _text(notes, "notes", errors)
    _raise(errors)
    return Conversation.objects.create(case=case, side=side, on=on, mode=mode, notes=notes,
                                       recorded_by=_actor_user(actor))


@sensitive_variables()
def add_message(case: MediationCase, *, actor, from_side: str, form: str, on: dt.date,
                content: str) -> Message:
    _require(actor, "mediation.work")
    require_on_case(actor, case)
    errors: dict = {}
    from_side = _choice(Side, from_side, "from_side", errors)
    form = _choice(MessageForm, form, "form", errors)
    _date(on, "on", errors)
    _not_before_registration(case, on, errors)
    content = _text(content, "content", errors, required=True)
    _raise(errors)
    return Message.objects.create(case=case, from_side=from_side, form=form, on=on,
                                  content=content, recorded_by=_actor_user(actor))


@sensitive_variables()
def add_condition(case: MediationCase, *, actor, side: str, on: dt.date, text: str) -> Condition:
    _require(actor, "mediation.work")
    require_on_case(actor, case)
    errors: dict = {}
    side = _choice(Side, side, "side", errors)
    _date(on, "on", errors)
    _not_before_registration(case, on, errors)
    text = _text(text, "text", errors, required=True)
    _raise(errors)
    return Condition.objects.create(case=case, side=side, on=on, text=text,
                                    recorded_by=_actor_user(actor))


def compartment(user, case: MediationCase) -> dict | None:
    """The sealed compartment of a case for a mediator on it (None for anyone else); a
    constant number of queries; the read is audited."""
    if not is_on_case(user, case):
        return None
    base = {"case": case}
    parties = list(policy.scope(user, Party.objects.filter(**base)))
    conversations = list(policy.scope(user, Conversation.objects.filter(**base))
                         .select_related("recorded_by"))
    messages = list(policy.scope(user, Message.objects.filter(**base)))
    conditions = list(policy.scope(user, Condition.objects.filter(**base)))
    contacts = list(policy.scope(user, ContactMoment.objects.filter(**base)))
    steps = list(policy.scope(user, CaseStep.objects.filter(**base)).select_related("actor")
                 .order_by("on", "id"))
    audit.record(Action.READ, obj=case, purpose="compartment",
                 details={"parts": ["parties", "conversations", "messages", "conditions",
                                    "contact_moments", "steps"]})
    log = {side: [c for c in conversations if c.side == side] for side in Side.values}
    return {"parties": parties, "conversations": conversations, "log": log,
            "messages": messages, "conditions": conditions, "contacts": contacts,
            "steps": steps}


# --- The workbench ------------------------------------------------------------------------------

@dataclass
class WorkRow:
    case: MediationCase
    days_in_phase: int
    waiting_days: int
    next_action: str
    reminder_due: bool


def _rows(cases, on: dt.date) -> list[WorkRow]:
    return [WorkRow(case=c, days_in_phase=(on - c.state_since).days,
                    waiting_days=(on - c.received_on).days,
                    next_action=wf.NEXT_ACTION.get(c.state, ""),
                    reminder_due=(c.state == wf.NOT_YET and c.approach_again_on is not None
                                  and c.approach_again_on <= on))
            for c in cases]


def my_cases(user, *, include_closed: bool = False) -> list[WorkRow]:
    """The user's cases (on the case now), oldest phase first; two queries."""
    qs = policy.scope(user, MediationCase.objects.filter(
        Exists(CaseMediator.objects.filter(case_id=OuterRef("pk"), user_id=user.pk,
                                           ended_on__isnull=True))))
    if not include_closed:
        qs = qs.filter(closed_on__isnull=True)
    cases = list(qs.select_related("participant", "institution").order_by("state_since", "id"))
    return _rows(cases, today())


def unassigned_cases(user) -> list[WorkRow]:
    cases = list(policy.scope(user, MediationCase.objects.filter(state=wf.REGISTERED))
                 .select_related("participant", "institution", "possible_duplicate_of")
                 .order_by("received_on", "id"))
    return _rows(cases, today())


def due_reminders(user, *, within_days: int = 14) -> list[WorkRow]:
    """"Not yet — approach again on": the user's cases whose date is due or near."""
    on = today()
    qs = policy.scope(user, MediationCase.objects.filter(
        state=wf.NOT_YET, approach_again_on__isnull=False,
        approach_again_on__lte=on + dt.timedelta(days=within_days)).filter(
        Exists(CaseMediator.objects.filter(case_id=OuterRef("pk"), user_id=user.pk,
                                           ended_on__isnull=True))))
    return _rows(list(qs.select_related("participant").order_by("approach_again_on", "id")),
                 on)


def register_list(user, *, state: str = "", channel: str = "", q: str = "",
                  open_only: bool = False):
    """The organisation's case register (process facts), for the register page."""
    qs = policy.scope(user, MediationCase.objects.all()).select_related(
        "participant", "institution")
    if state:
        qs = qs.filter(state=state)
    if channel:
        qs = qs.filter(channel=channel)
    if open_only:
        qs = qs.filter(closed_on__isnull=True)
    for word in (q or "").split()[:5]:
        qs = qs.filter(Q(ref__icontains=word) | Q(participant__ref__icontains=word)
                       | Q(participant__family_name__icontains=word)
                       | Q(participant__given_name__icontains=word))
    return qs.order_by("-received_on", "-id")


__all__ = [
    "CourtMediationRunning", "PossibleDuplicates", "register_case", "refer", "take_step",
    "case_state", "reopen", "add_party", "update_party", "add_conversation", "add_message",
    "add_condition", "compartment", "my_cases", "unassigned_cases", "due_reminders",
    "register_list", "register_court_mediation", "end_court_mediation", "update_case",
]
