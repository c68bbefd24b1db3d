"""The herstelbemiddeling workflow as a pure state machine (no database), shared by the service
layer, the replay of a case's recorded steps and the property-based tests.

    registered ──assign──▶ assigned ──contact_referrer──▶ referrer_contacted ──intake──▶ intake
        │                     └───────────────intake (no referrer to contact)──────────▶ │
        └─not_assigned (duplicate, no victim data, withdrawn, other)──▶ closed            │
    intake ──approach (letter)──▶ approached ──converse──▶ conversations                   ◀┘
    approached | conversations ──answer──▶ preparation (yes)
                                        ├─▶ not_yet (optionally: approach again on a date)
                                        └─▶ closed (no; with a stop reason)
    not_yet ──approach──▶ approached
    preparation | contact ──contact (letter, meeting, shuttle, group)──▶ contact
    contact ──follow_up (call)──▶ follow_up ──close──▶ closed (with contact)
    any active step ──pause──▶ paused ──resume──▶ the step it was paused in
    any active step or paused ──end_early──▶ closed (a stop reason unless contact took place)
    any active step or paused ──reassign──▶ (same step; other mediators)

Active steps are those after assignment and before closure. A closed case is not reopened in
place: `services.reopen` starts a new case linked to it (offering the same mediator).
Steps are dated and in date order (never before the registration); pause, early end and
reassignment need a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad.participants.workflows import TransitionError

REGISTERED = "registered"
ASSIGNED = "assigned"
REFERRER_CONTACTED = "referrer_contacted"
INTAKE = "intake"
APPROACHED = "approached"
CONVERSATIONS = "conversations"
NOT_YET = "not_yet"
PREPARATION = "preparation"
CONTACT = "contact"
FOLLOW_UP = "follow_up"
PAUSED = "paused"
CLOSED = "closed"

ACTIVE = (ASSIGNED, REFERRER_CONTACTED, INTAKE, APPROACHED, CONVERSATIONS, NOT_YET,
          PREPARATION, CONTACT, FOLLOW_UP)
STATES = (REGISTERED, *ACTIVE, PAUSED, CLOSED)
OPEN_STATES = (REGISTERED, *ACTIVE, PAUSED)

STATE_LABELS = {
    REGISTERED: gettext_lazy("aangemeld, nog niet toegewezen"),
    ASSIGNED: gettext_lazy("toegewezen aan een bemiddelaar"),
    REFERRER_CONTACTED: gettext_lazy("verwijzer benaderd"),
    INTAKE: gettext_lazy("intake met de aanvrager"),
    APPROACHED: gettext_lazy("andere partij benaderd (brief)"),
    CONVERSATIONS: gettext_lazy("in gesprek met de andere partij"),
    NOT_YET: gettext_lazy("andere partij: nog niet"),
    PREPARATION: gettext_lazy("voorbereiding van het contact"),
    CONTACT: gettext_lazy("contact tussen de partijen"),
    FOLLOW_UP: gettext_lazy("nagesprek"),
    PAUSED: gettext_lazy("gepauzeerd"),
    CLOSED: gettext_lazy("afgesloten"),
}

# Actions
REGISTER = "register"
ASSIGN = "assign"
NOT_ASSIGNED = "not_assigned"
CONTACT_REFERRER = "contact_referrer"
DO_INTAKE = "intake"
APPROACH = "approach"
CONVERSE = "converse"
ANSWER = "answer"
RECORD_CONTACT = "contact"
DO_FOLLOW_UP = "follow_up"
CLOSE = "close"
PAUSE = "pause"
RESUME = "resume"
END_EARLY = "end_early"
REASSIGN = "reassign"

ACTIONS = (REGISTER, ASSIGN, NOT_ASSIGNED, CONTACT_REFERRER, DO_INTAKE, APPROACH, CONVERSE,
           ANSWER, RECORD_CONTACT, DO_FOLLOW_UP, CLOSE, PAUSE, RESUME, END_EARLY, REASSIGN)

ACTION_LABELS = {
    REGISTER: gettext_lazy("Aanmelding geregistreerd"),
    ASSIGN: gettext_lazy("Toewijzen aan bemiddelaar"),
    NOT_ASSIGNED: gettext_lazy("Afsluiten zonder toewijzing"),
    CONTACT_REFERRER: gettext_lazy("Verwijzer benaderd"),
    DO_INTAKE: gettext_lazy("Intake gehouden"),
    APPROACH: gettext_lazy("Andere partij benaderd (brief)"),
    CONVERSE: gettext_lazy("In gesprek met de andere partij"),
    ANSWER: gettext_lazy("Antwoord van de andere partij"),
    RECORD_CONTACT: gettext_lazy("Contact vastleggen"),
    DO_FOLLOW_UP: gettext_lazy("Nagesprek gevoerd"),
    CLOSE: gettext_lazy("Zaak afsluiten"),
    PAUSE: gettext_lazy("Pauzeren"),
    RESUME: gettext_lazy("Hervatten"),
    END_EARLY: gettext_lazy("Voortijdig beëindigen"),
    REASSIGN: gettext_lazy("Andere bemiddelaar(s)"),
}

YES, NOT_YET_ANSWER, NO = "yes", "not_yet", "no"
ANSWERS = (YES, NOT_YET_ANSWER, NO)
NOT_ASSIGNED_REASONS = ("duplicate", "no_victim_data", "withdrawn", "other")
REASON_REQUIRED = (PAUSE, END_EARLY, REASSIGN)

# What the mediator does next, per state (the workbench's "next action").
NEXT_ACTION = {
    REGISTERED: ASSIGN, ASSIGNED: CONTACT_REFERRER, REFERRER_CONTACTED: DO_INTAKE,
    INTAKE: APPROACH, APPROACHED: CONVERSE, CONVERSATIONS: ANSWER, NOT_YET: APPROACH,
    PREPARATION: RECORD_CONTACT, CONTACT: DO_FOLLOW_UP, FOLLOW_UP: CLOSE, PAUSED: RESUME,
}


@dataclass(frozen=True)
class CaseState:
    state: str
    received_on: dt.date
    last_on: dt.date
    state_since: dt.date
    paused_from: str = ""
    assigned_on: dt.date | None = None
    closed_on: dt.date | None = None
    not_assigned_reason: str = ""
    stop_reason: str = ""
    contact_forms: tuple[str, ...] = field(default_factory=tuple)
    approach_again_on: dt.date | None = None

    @property
    def contact_form(self) -> str:
        """The case's contact form for the figures: the first form of contact recorded."""
        return self.contact_forms[0] if self.contact_forms else ""

    @property
    def had_contact(self) -> bool:
        return bool(self.contact_forms)

    @property
    def is_closed(self) -> bool:
        return self.state == CLOSED


@dataclass(frozen=True)
class Step:
    """The input of one transition, as recorded in `CaseStep`."""

    action: str
    on: dt.date
    code: str = ""  # a reason code (not assigned, stop reason) or a contact form
    until: dt.date | None = None  # "not yet": approach again on
    reason: str = ""
    answer: str = ""  # the other party's answer: yes, not_yet, no


def start(received_on: dt.date) -> CaseState:
    return CaseState(REGISTERED, received_on, received_on, received_on)


def allowed_actions(state: CaseState) -> list[str]:
    """The actions that may follow (for the case page's buttons)."""
    s = state.state
    result: list[str] = []
    if s == REGISTERED:
        result = [ASSIGN, NOT_ASSIGNED]
    elif s == ASSIGNED:
        result = [CONTACT_REFERRER, DO_INTAKE]
    elif s == REFERRER_CONTACTED:
        result = [DO_INTAKE]
    elif s == INTAKE:
        result = [APPROACH]
    elif s == APPROACHED:
        result = [CONVERSE, ANSWER]
    elif s == CONVERSATIONS:
        result = [ANSWER]
    elif s == NOT_YET:
        result = [APPROACH]
    elif s == PREPARATION:
        result = [RECORD_CONTACT]
    elif s == CONTACT:
        result = [RECORD_CONTACT, DO_FOLLOW_UP]
    elif s == FOLLOW_UP:
        result = [CLOSE]
    elif s == PAUSED:
        result = [RESUME]
    if s in ACTIVE:
        result += [PAUSE, END_EARLY, REASSIGN]
    elif s == PAUSED:
        result += [END_EARLY, REASSIGN]
    return result


def _refuse(message: str):
    raise TransitionError(message)


# The steps that carry a code: why not assigned, the stop reason (an answer "no", an early
# end) and the form of contact.
CODED = frozenset({NOT_ASSIGNED, ANSWER, RECORD_CONTACT, END_EARLY})


def apply(state: CaseState, step: Step, *, contact_forms: Iterable[str] = (),
          stop_reasons: Iterable[str] = (), recorded: bool = False) -> CaseState:
    """The state after `step`, or TransitionError with a message that says why not.
    `contact_forms` and `stop_reasons` are the valid codes (from the code lists); when empty,
    any non-empty code is accepted. `recorded`: the step comes from the record (its reason was
    checked when it was taken and is not read back for a replay)."""
    action, on = step.action, step.on
    code = (step.code or "").strip()
    reason = (step.reason or "").strip()
    contact_forms, stop_reasons = tuple(contact_forms), tuple(stop_reasons)
    if action not in ACTIONS:
        _refuse(_("Onbekende stap: %(action)s.") % {"action": action})
    if action == REGISTER:
        _refuse(_("Een zaak wordt maar één keer geregistreerd."))
    if on < state.received_on:
        _refuse(_("De datum ligt voor de aanmelding (%(date)s).")
                % {"date": date_format(state.received_on)})
    if on < state.last_on:
        _refuse(_("De datum ligt voor de vorige stap in deze zaak (%(date)s).")
                % {"date": date_format(state.last_on)})
    if action not in allowed_actions(state):
        if state.state == CLOSED:
            _refuse(_("Deze zaak is afgesloten. Heropen haar als nieuwe zaak als de partijen "
                      "verder willen."))
        _refuse(_("'%(action)s' kan niet in de fase '%(state)s'.") % {
            "action": ACTION_LABELS[action], "state": STATE_LABELS[state.state]})
    if action in REASON_REQUIRED and not reason and not recorded:
        _refuse(_("Geef een reden voor deze stap."))
    if step.until is not None and not (action == ANSWER and step.answer == NOT_YET_ANSWER):
        _refuse(_("Een datum om opnieuw te benaderen hoort alleen bij het antwoord 'nog niet'."))
    if step.answer and action != ANSWER:
        _refuse(_("Een antwoord hoort alleen bij de stap 'antwoord van de andere partij'."))
    if code and action not in CODED:
        _refuse(_("Bij de stap '%(action)s' hoort geen code.") % {
            "action": ACTION_LABELS[action]})

    def moved(new_state: str, **changes) -> CaseState:
        since = on if new_state != state.state else state.state_since
        return replace(state, state=new_state, last_on=on, state_since=since, **changes)

    if action == ASSIGN:
        return moved(ASSIGNED, assigned_on=on)
    if action == NOT_ASSIGNED:
        if code not in NOT_ASSIGNED_REASONS:
            _refuse(_("Kies waarom de zaak niet wordt toegewezen: dubbel, geen gegevens van het "
                      "slachtoffer, ingetrokken of anders."))
        return moved(CLOSED, closed_on=on, not_assigned_reason=code)
    if action == CONTACT_REFERRER:
        return moved(REFERRER_CONTACTED)
    if action == DO_INTAKE:
        return moved(INTAKE)
    if action == APPROACH:
        return moved(APPROACHED, approach_again_on=None)
    if action == CONVERSE:
        return moved(CONVERSATIONS)
    if action == ANSWER:
        answer = step.answer
        if answer in (YES, NOT_YET_ANSWER) and code:
            _refuse(_("Een reden van beëindiging hoort alleen bij het antwoord nee."))
        if answer == YES:
            return moved(PREPARATION, approach_again_on=None)
        if answer == NOT_YET_ANSWER:
            if step.until is not None and step.until < on:
                _refuse(_("De datum om opnieuw te benaderen ligt voor de datum van het "
                          "antwoord."))
            return moved(NOT_YET, approach_again_on=step.until)
        if answer == NO:
            return _close_without_contact(state, step, moved, stop_reasons)
        _refuse(_("Kies het antwoord van de andere partij: ja, nog niet of nee."))
    if action == RECORD_CONTACT:
        if not code or (contact_forms and code not in contact_forms):
            _refuse(_("Kies de vorm van het contact: briefuitwisseling, gesprek op locatie, "
                      "pendelbemiddeling of groepsbijeenkomst."))
        return moved(CONTACT, contact_forms=(*state.contact_forms, code))
    if action == DO_FOLLOW_UP:
        return moved(FOLLOW_UP)
    if action == CLOSE:
        return moved(CLOSED, closed_on=on, approach_again_on=None)
    if action == PAUSE:
        return moved(PAUSED, paused_from=state.state)
    if action == RESUME:
        return replace(state, state=state.paused_from, paused_from="", last_on=on,
                       state_since=on)
    if action == END_EARLY:
        if state.had_contact:
            if code:
                _refuse(_("Er is al contact geweest tussen de partijen: dan hoort er geen "
                          "reden van beëindiging zonder contact bij."))
            return moved(CLOSED, closed_on=on, paused_from="", approach_again_on=None)
        return _close_without_contact(state, step, moved, stop_reasons)
    if action == REASSIGN:
        return replace(state, last_on=on)
    raise AssertionError(action)  # pragma: no cover - every action is handled above


def _close_without_contact(state, step, moved, stop_reasons) -> CaseState:
    code = (step.code or "").strip()
    if not code or (stop_reasons and code not in stop_reasons):
        _refuse(_("Kies de reden waarom de zaak zonder contact eindigt."))
    return moved(CLOSED, closed_on=step.on, stop_reason=code, paused_from="",
                 approach_again_on=None)


def replay(received_on: dt.date, steps: Iterable[Step]) -> CaseState:
    """Rebuild a case's state from its recorded steps (the `register` step first)."""
    state = start(received_on)
    for step in steps:
        if step.action == REGISTER:
            continue
        state = apply(state, step, recorded=True)
    return state
