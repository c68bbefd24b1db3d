"""Business rules of the participant dossier: participants, stays and episodes, transfers and
release, the regime, the team (caseload assignments), shift notes and the caseload list.

Every door (pages, API, command line, demo, and — for `assign_episodes` — the import engine)
calls these functions. They validate their input and raise `ValidationError` (a dict of field →
messages) for bad input, `TransitionError` for an invalid workflow step, `ConflictError` for an
update based on a stale version, and `PermissionDenied` when the acting user's role lacks the
permission. `actor` is the signed-in user (None for the system: imports, demo, migrations);
scoping (which participant) is the caller's job through `policy.get_object`/`policy.scope`.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad import policy
from herstelpad.concurrency import check_version, save_versioned
from herstelpad.organisations.models import Institution, Municipality
from herstelpad.participants.models import (
    REF_LENGTH,
    Assignment,
    AssignmentRole,
    DutchProficiency,
    Episode,
    KindCheck,
    Participant,
    RegimeChange,
    RegimeKind,
    Sex,
    ShiftNote,
    Stay,
)
from herstelpad.participants.workflows import (
    RegimeState,
    TransitionError,
    apply_regime,
    replay_regime,
)
from herstelpad.reference import codes

PLAN_DUE = dt.timedelta(weeks=4)        # D&R-plan within four weeks of arrival (art. 18a Pbw)
REVIEW_INTERVAL = dt.timedelta(weeks=6)  # trajectgesprek / MDO about every six weeks
# Outflow types after which a stay starting the same or the next day continues the episode.
# An empty outflow type counts too: prison registrations only name the outflow of facilities.
CONTINUING_OUTFLOWS = frozenset({"transferred", "returned", ""})
NOTE_MAX_LENGTH = 1000

__all__ = [
    "TransitionError", "new_ref", "today", "create_participant", "update_participant",
    "admit", "transfer", "release", "update_stay", "assign_episodes", "group_stays",
    "regime_state", "change_regime", "assign", "end_assignment", "add_note", "search_notes",
    "caseload", "remaining_sentence", "resolve_municipality",
]


# --- Small helpers ----------------------------------------------------------------------------

def new_ref(prefix: str) -> str:
    """A new external key: prefix + 16 random base32 characters (80 bits; not guessable, and
    stored, so stable)."""
    return f"{prefix}-{base64.b32encode(secrets.token_bytes(10)).decode('ascii')}"


def today() -> dt.date:
    return timezone.localdate()


def _require(actor, perm: str) -> None:
    if actor is not None and getattr(actor, "is_authenticated", False):
        policy.require(actor, perm)


def _actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _check_ref(model, ref: str | None, prefix: str, errors: dict, field: str = "ref") -> str:
    if ref is None or ref == "":
        return new_ref(prefix)
    ref = ref.strip()
    if not ref or len(ref) > REF_LENGTH or any(ch.isspace() or ch == "/" for ch in ref):
        errors[field] = _("Een sleutel heeft 1 tot %(n)s tekens, zonder spaties of '/'.") % {
            "n": REF_LENGTH}
    elif model.objects.filter(ref=ref).exists():
        errors[field] = _("De sleutel %(ref)s bestaat al.") % {"ref": ref}
    return ref


def _not_future(value: dt.date | None, field: str, errors: dict) -> None:
    if value is not None and value > today():
        errors.setdefault(field, _("Deze datum ligt in de toekomst."))


def _code(list_name: str, value: str, field: str, errors: dict, *, required=False) -> str:
    try:
        return codes.validate(list_name, value, field=field, required=required)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return value


def _choice(choices, value: str, field: str, errors: dict) -> str:
    if value not in choices.values:
        errors[field] = _("Kies een van: %(values)s.") % {"values": ", ".join(choices.values)}
    return value


def remaining_sentence(sentence_end_on: dt.date | None, on: dt.date | None = None):
    """(days, months, days_after_months) until the expected end of detention, or None.
    Negative days mean the date has passed."""
    if sentence_end_on is None:
        return None
    on = on or today()
    days = (sentence_end_on - on).days
    if days < 0:
        return days, 0, 0
    delta = relativedelta(sentence_end_on, on)
    return days, delta.years * 12 + delta.months, delta.days


def resolve_municipality(value: str) -> Municipality | None:
    """The municipality named by code or name (case-insensitive), if known."""
    value = (value or "").strip()
    if not value:
        return None
    return (Municipality.objects.filter(code__iexact=value).first()
            or Municipality.objects.filter(name__iexact=value).first())


# --- Participants -----------------------------------------------------------------------------

PERSON_FIELDS = ("given_name", "family_name", "birth_date", "birth_year", "sex", "language",
                 "dutch_proficiency", "lvb_indication", "kind_check", "kind_check_on",
                 "offence_category")


def _clean_person(data: dict, errors: dict) -> dict:
    clean = dict(data)
    for field in ("given_name", "family_name", "language"):
        if field in clean:
            clean[field] = (clean[field] or "").strip()
    if "sex" in clean:
        _choice(Sex, clean["sex"], "sex", errors)
    if "dutch_proficiency" in clean:
        _choice(DutchProficiency, clean["dutch_proficiency"], "dutch_proficiency", errors)
    if "kind_check" in clean:
        _choice(KindCheck, clean["kind_check"], "kind_check", errors)
    if "offence_category" in clean:
        clean["offence_category"] = _code("offence_categories", clean["offence_category"],
                                          "offence_category", errors)
    birth_date = clean.get("birth_date")
    birth_year = clean.get("birth_year")
    _not_future(birth_date, "birth_date", errors)
    if birth_date is not None and birth_date.year < 1900:
        errors["birth_date"] = _("Deze geboortedatum is niet mogelijk.")
    if birth_year is not None and not (1900 <= birth_year <= today().year):
        errors["birth_year"] = _("Een geboortejaar heeft vier cijfers en ligt niet in de "
                                 "toekomst.")
    if birth_date is not None:
        if birth_year is not None and birth_year != birth_date.year:
            errors["birth_year"] = _("Het geboortejaar past niet bij de geboortedatum.")
        clean["birth_year"] = birth_date.year
    if "kind_check" in clean:
        if clean["kind_check"] == KindCheck.UNKNOWN:
            clean["kind_check_on"] = None
        elif not clean.get("kind_check_on"):
            clean["kind_check_on"] = today()
        _not_future(clean.get("kind_check_on"), "kind_check_on", errors)
    return clean


def create_participant(*, actor, ref: str | None = None, **fields) -> Participant:
    """Register a person. Name, birth date and the flags are optional; a ref is generated
    unless given."""
    _require(actor, "participants.manage")
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown participant fields: {sorted(unknown)}")
    errors: dict = {}
    ref = _check_ref(Participant, ref, "P", errors)
    data = {"sex": Sex.UNKNOWN, "dutch_proficiency": DutchProficiency.UNKNOWN,
            "kind_check": KindCheck.UNKNOWN, **fields}
    data = _clean_person(data, errors)
    _raise(errors)
    return Participant.objects.create(ref=ref, **data)


def update_participant(participant: Participant, *, actor, expected_version,
                       **fields) -> Participant:
    _require(actor, "participants.manage")
    check_version(participant, expected_version)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown participant fields: {sorted(unknown)}")
    errors: dict = {}
    if "kind_check" in fields and "kind_check_on" not in fields:
        # Keep the recorded date when the answer did not change.
        if fields["kind_check"] == participant.kind_check:
            fields["kind_check_on"] = participant.kind_check_on
    merged = {name: getattr(participant, name) for name in PERSON_FIELDS}
    merged.update(fields)
    if "birth_date" in fields and fields["birth_date"] is None and "birth_year" not in fields:
        merged["birth_year"] = participant.birth_year
    clean = _clean_person(merged, errors)
    _raise(errors)
    changed = [name for name in PERSON_FIELDS if getattr(participant, name) != clean[name]]
    for name in changed:
        setattr(participant, name, clean[name])
    save_versioned(participant, expected_version, changed)
    return participant


# --- Stays and episodes -----------------------------------------------------------------------

def _overlapping(participant_id: int, entered_on: dt.date, left_on: dt.date | None,
                 exclude_pk=None) -> Stay | None:
    """A stay of the participant that overlaps [entered_on, left_on) (half-open, as occupancy
    is counted: leaving and entering on the same day is a transfer, not an overlap)."""
    qs = Stay.objects.filter(participant_id=participant_id).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=entered_on))
    if left_on is not None:
        qs = qs.filter(entered_on__lt=left_on)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("institution").order_by("entered_on").first()


def _clean_stay_fields(data: dict, institution: Institution | None, errors: dict) -> dict:
    clean = dict(data)
    if "legal_status" in clean:
        clean["legal_status"] = _code("legal_statuses", clean["legal_status"], "legal_status",
                                      errors)
    if "unit" in clean:
        clean["unit"] = (clean["unit"] or "").strip()
    if "aftercare_municipality" in clean:
        text = (clean["aftercare_municipality"] or "").strip()
        clean["aftercare_municipality"] = text
        clean["municipality"] = resolve_municipality(text)
    entered_on = clean.get("entered_on")
    if clean.get("sentence_end_on") and entered_on and clean["sentence_end_on"] < entered_on:
        errors["sentence_end_on"] = _("De einddatum van de detentie ligt voor de binnenkomst.")
    return clean


def admit(participant: Participant, *, actor, institution: Institution, entered_on: dt.date,
          legal_status: str = "", sentence_end_on: dt.date | None = None, unit: str = "",
          aftercare_municipality: str = "", regime: str = "basic", ref: str | None = None,
          transferred_from: Stay | None = None) -> Stay:
    """A stay begins: an arrival (a new episode, or a re-admission) or the receiving side of a
    transfer. A new episode starts in `regime` (the basic programme unless said otherwise)."""
    _require(actor, "participants.manage")
    errors: dict = {}
    ref = _check_ref(Stay, ref, "S", errors)
    if institution is None:
        errors["institution"] = _("Kies een inrichting.")
    elif not institution.active:
        errors["institution"] = _("Deze inrichting is niet meer in gebruik.")
    elif (transferred_from is None and _actor_user(actor) is not None
          and not policy.visible_institutions(actor).filter(pk=institution.pk).exists()):
        # Staff register arrivals at their own institutions; a transfer may go anywhere.
        errors["institution"] = _("U kunt alleen inschrijven op de inrichtingen waar u "
                                  "werkt.")
    if entered_on is None:
        errors["entered_on"] = _("Dit veld is verplicht.")
    _not_future(entered_on, "entered_on", errors)
    # The expected end belongs to the detention, not to one stay: a transfer takes it over
    # as it is (even when it has passed), an arrival must not end before it begins.
    clean = _clean_stay_fields({"legal_status": legal_status, "sentence_end_on": sentence_end_on,
                                "unit": unit, "aftercare_municipality": aftercare_municipality,
                                "entered_on": None if transferred_from else entered_on},
                               institution, errors)
    if regime and regime not in ("basic", "plus"):
        errors["regime"] = _("Kies het basisprogramma of het plusprogramma.")
    if entered_on is not None and "entered_on" not in errors:
        other = _overlapping(participant.pk, entered_on, None)
        if other is not None:
            if other.left_on is None:
                errors["entered_on"] = _(
                    "De deelnemer verblijft nog in %(institution)s (sinds %(date)s). Leg eerst het "
                    "vertrek vast, of gebruik Overplaatsen.") % {
                        "institution": other.institution.name, "date": other.entered_on}
            else:
                errors["entered_on"] = _(
                    "Dit valt samen met het verblijf in %(institution)s van %(start)s tot "
                    "%(end)s.") % {"institution": other.institution.name,
                                   "start": other.entered_on, "end": other.left_on}
    _raise(errors)
    with transaction.atomic():
        stay = Stay.objects.create(
            ref=ref, participant=participant, institution=institution, entered_on=entered_on,
            legal_status=clean["legal_status"], sentence_end_on=sentence_end_on,
            unit=clean["unit"], aftercare_municipality=clean["aftercare_municipality"],
            municipality=clean["municipality"], transferred_from=transferred_from,
        )
        assign_episodes([participant.pk])
        stay.refresh_from_db()
        participant.refresh_from_db()
        if regime and not RegimeChange.objects.filter(stay__episode=stay.episode_id).exists():
            RegimeChange.objects.create(
                participant=participant, stay=stay, kind=RegimeKind.START, regime=regime,
                changed_on=entered_on, reason="", recorded_by=_actor_user(actor))
    return stay


def update_stay(stay: Stay, *, actor, expected_version, **fields) -> Stay:
    """Correct the details of a stay: unit, legal status, expected end, aftercare municipality."""
    _require(actor, "participants.manage")
    check_version(stay, expected_version)
    allowed = {"unit", "legal_status", "sentence_end_on", "aftercare_municipality"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown stay fields: {sorted(unknown)}")
    errors: dict = {}
    clean = _clean_stay_fields({**fields, "entered_on": stay.entered_on}, stay.institution, errors)
    _raise(errors)
    changed = []
    for name in [*fields, *(["municipality"] if "aftercare_municipality" in fields else [])]:
        if getattr(stay, name) != clean[name]:
            setattr(stay, name, clean[name])
            changed.append(name)
    save_versioned(stay, expected_version, changed)
    return stay


def _end_assignments(participant: Participant, on: dt.date, keep_institution=None) -> None:
    """End the team's active assignments (at release, or at a transfer for those who do not
    work at the receiving institution)."""
    active = Assignment.objects.filter(participant=participant, ends_on__isnull=True)
    for assignment in active.select_related("user"):
        if keep_institution is not None and policy.visible_institutions(assignment.user).filter(
                pk=keep_institution.pk).exists():
            continue
        assignment.ends_on = max(on, assignment.starts_on)
        assignment.version += 1
        assignment.save(update_fields=["ends_on", "version", "updated_at"])


def transfer(stay: Stay, *, actor, expected_version, to_institution: Institution,
             on: dt.date, unit: str = "", outflow_type: str = "transferred",
             return_reason: str = "", ref: str | None = None) -> Stay:
    """End the current stay by transfer and start the next one in the same episode. The new stay
    takes over legal status, expected end and aftercare municipality; the regime continues."""
    _require(actor, "participants.manage")
    check_version(stay, expected_version)
    errors: dict = {}
    if stay.left_on is not None:
        errors["__all__"] = _("Dit verblijf is al beëindigd.")
    if to_institution is None:
        errors["to_institution"] = _("Kies een inrichting.")
    elif to_institution.pk == stay.institution_id:
        errors["to_institution"] = _("Kies een andere inrichting dan de huidige; een andere "
                                     "afdeling legt u vast bij het verblijf.")
    if on is None:
        errors["on"] = _("Dit veld is verplicht.")
    else:
        _not_future(on, "on", errors)
        if on < stay.entered_on:
            errors["on"] = _("De datum ligt voor de binnenkomst (%(date)s).") % {
                "date": stay.entered_on}
    if outflow_type not in ("transferred", "returned"):
        errors["outflow_type"] = _("Bij een overplaatsing is de uitstroom 'overgeplaatst' of "
                                   "'teruggeplaatst naar de PI'.")
    if outflow_type == "returned":
        return_reason = _code("return_reasons", return_reason, "return_reason", errors,
                              required=True)
    else:
        return_reason = ""
    _raise(errors)
    with transaction.atomic():
        stay.left_on, stay.outflow_type, stay.return_reason = on, outflow_type, return_reason
        save_versioned(stay, expected_version, ["left_on", "outflow_type", "return_reason"])
        new_stay = admit(stay.participant, actor=actor, institution=to_institution, entered_on=on,
                         legal_status=stay.legal_status, sentence_end_on=stay.sentence_end_on,
                         unit=unit, aftercare_municipality=stay.aftercare_municipality,
                         regime="", transferred_from=stay, ref=ref)
        _end_assignments(stay.participant, on, keep_institution=to_institution)
    return new_stay


def release(stay: Stay, *, actor, expected_version, on: dt.date, outflow_type: str = "",
            return_reason: str = "") -> Stay:
    """The person leaves detention (or the facility without a next stay): ends the stay and the
    episode, and the team's assignments. The outflow type is required."""
    _require(actor, "participants.manage")
    check_version(stay, expected_version)
    errors: dict = {}
    if stay.left_on is not None:
        errors["__all__"] = _("Dit verblijf is al beëindigd.")
    if on is None:
        errors["on"] = _("Dit veld is verplicht.")
    else:
        _not_future(on, "on", errors)
        if on < stay.entered_on:
            errors["on"] = _("De datum ligt voor de binnenkomst (%(date)s).") % {
                "date": stay.entered_on}
    # How the person leaves is always asked in the app (an empty type would let a re-admission
    # the next day continue the ended episode, see `group_stays`); imports from prison
    # registrations may leave it empty except for facilities (INTERCHANGE §2.1).
    outflow_type = _code("outflow_types", outflow_type, "outflow_type", errors, required=True)
    if outflow_type in ("transferred",):
        errors["outflow_type"] = _("Een overplaatsing legt u vast met Overplaatsen.")
    if outflow_type == "returned":
        return_reason = _code("return_reasons", return_reason, "return_reason", errors,
                              required=True)
    elif return_reason:
        errors["return_reason"] = _("Een reden van terugplaatsing hoort alleen bij "
                                    "terugplaatsing naar de PI.")
    _raise(errors)
    with transaction.atomic():
        stay.left_on, stay.outflow_type, stay.return_reason = on, outflow_type, return_reason
        save_versioned(stay, expected_version, ["left_on", "outflow_type", "return_reason"])
        assign_episodes([stay.participant_id])
        _end_assignments(stay.participant, on)
    return stay


def group_stays(stays: list) -> list[list]:
    """Split one participant's stays (sorted by entered_on) into episodes: a stay continues the
    episode when it was explicitly transferred from the previous stay, or when it starts on the
    day (or the day after) the previous stay ended with a transfer-like outflow
    (`CONTINUING_OUTFLOWS`); otherwise it starts a new episode."""
    groups: list[list] = []
    previous = None
    for stay in stays:
        continues = False
        if previous is not None:
            if stay.transferred_from_id is not None and stay.transferred_from_id == previous.pk:
                continues = True
            elif (previous.left_on is not None
                  and 0 <= (stay.entered_on - previous.left_on).days <= 1
                  and (previous.outflow_type or "") in CONTINUING_OUTFLOWS):
                continues = True
        if continues:
            groups[-1].append(stay)
        else:
            groups.append([stay])
        previous = stay
    return groups


def assign_episodes(participant_ids: Iterable[int]) -> None:
    """(Re)derive the episodes of these participants from their stays, and their
    `current_episode`/`current_stay`. Idempotent; writes only what changed. Existing episodes
    are kept (and renumbered) where their stays still belong together, so the plans and reviews
    attached to them stay attached; an episode that disappears (two merged) hands its plan and
    reviews to the episode that took its stays — refused if both have a plan.

    The import engine calls this once per batch with the participants it touched."""
    ids = sorted(set(participant_ids))
    if not ids:
        return
    with transaction.atomic():
        participants = {p.pk: p for p in Participant.objects.select_for_update().filter(
            pk__in=ids)}
        stays_of: dict[int, list[Stay]] = defaultdict(list)
        for stay in Stay.objects.filter(participant_id__in=ids).order_by(
                "participant_id", "entered_on", "id"):
            stays_of[stay.participant_id].append(stay)
        episodes_of: dict[int, list[Episode]] = defaultdict(list)
        for episode in Episode.objects.filter(participant_id__in=ids).order_by("number"):
            episodes_of[episode.participant_id].append(episode)
        for pid in ids:
            _assign_for_participant(participants[pid], stays_of[pid], episodes_of[pid])
        _check_regime_histories(ids)


def _check_regime_histories(participant_ids: list[int]) -> None:
    """The regime steps follow their stays into the (re)derived episodes; every episode's
    history must still replay (two merged episodes with a `start` each, or a split one whose
    second half has a promotion without a start, would not). One query for all of them."""
    steps: dict[int, list] = defaultdict(list)
    numbers: dict[int, tuple[str, int]] = {}
    for episode_id, ref, number, kind, on, regime in RegimeChange.objects.filter(
            stay__participant_id__in=participant_ids).order_by(
            "stay__episode_id", "changed_on", "id").values_list(
            "stay__episode_id", "stay__participant__ref", "stay__episode__number", "kind",
            "changed_on", "regime"):
        steps[episode_id].append((kind, on, regime))
        numbers[episode_id] = (ref, number)
    for episode_id, history in steps.items():
        try:
            replay_regime(history)
        except TransitionError as exc:
            ref, number = numbers[episode_id]
            raise ValidationError(_(
                "De regimegeschiedenis van detentieperiode %(number)s van %(ref)s past niet bij "
                "de nieuwe indeling in detentieperiodes (%(reason)s); pas de verblijven aan of "
                "corrigeer eerst het regime.") % {"number": number, "ref": ref,
                                                  "reason": exc}) from None


def _assign_for_participant(participant: Participant, stays: list[Stay],
                            episodes: list[Episode]) -> None:
    groups = group_stays(stays)
    by_id = {e.pk: e for e in episodes}
    claimed: dict[int, Episode] = {}
    chosen: list[Episode | None] = []
    for group in groups:
        votes = Counter(s.episode_id for s in group if s.episode_id in by_id
                        and s.episode_id not in claimed)
        episode = by_id[votes.most_common(1)[0][0]] if votes else None
        if episode is not None:
            claimed[episode.pk] = episode
        chosen.append(episode)

    # Hand what hangs on an episode that no longer exists to the one that took its stays.
    leftovers = [e for e in episodes if e.pk not in claimed]
    for old in leftovers:
        old_stays = [i for i, group in enumerate(groups) if any(s.episode_id == old.pk
                                                                for s in group)]
        target = chosen[old_stays[0]] if old_stays else None
        _move_dependents(old, target)
        old.delete()

    # Renumber without tripping over the unique (participant, number) constraint.
    wanted = {}
    for number, (group, episode) in enumerate(zip(groups, chosen), start=1):
        if episode is not None and episode.number != number:
            wanted[episode.pk] = number
    if wanted:
        Episode.objects.filter(pk__in=list(wanted)).update(number=F("number") + 1_000_000)

    for number, (group, episode) in enumerate(zip(groups, chosen), start=1):
        started_on = group[0].entered_on
        ended_on = group[-1].left_on
        if episode is None:
            episode = Episode.objects.create(
                participant=participant, number=number, started_on=started_on,
                ended_on=ended_on, plan_due_on=started_on + PLAN_DUE,
                next_review_on=started_on + REVIEW_INTERVAL)
        else:
            changed = []
            if episode.pk in wanted:
                changed.append("number")
            episode.number = number
            if episode.started_on != started_on:
                if episode.next_review_on == episode.started_on + REVIEW_INTERVAL:
                    episode.next_review_on = started_on + REVIEW_INTERVAL
                    changed.append("next_review_on")
                episode.started_on = started_on
                episode.plan_due_on = started_on + PLAN_DUE
                changed += ["started_on", "plan_due_on"]
            if episode.ended_on != ended_on:
                episode.ended_on = ended_on
                changed.append("ended_on")
            if changed:
                episode.save(update_fields=[*changed, "updated_at"])
        for stay in group:
            if stay.episode_id != episode.pk:
                stay.episode = episode
                stay.save(update_fields=["episode", "updated_at"])
        chosen[number - 1] = episode

    current_episode = chosen[-1] if chosen else None
    current_stay = stays[-1] if stays and stays[-1].left_on is None else None
    changed = []
    if participant.current_episode_id != (current_episode.pk if current_episode else None):
        participant.current_episode = current_episode
        changed.append("current_episode")
    if participant.current_stay_id != (current_stay.pk if current_stay else None):
        participant.current_stay = current_stay
        changed.append("current_stay")
    if changed:
        participant.save(update_fields=[*changed, "updated_at"])


def _move_dependents(old: Episode, target: Episode | None) -> None:
    for relation in Episode._meta.related_objects:
        if relation.related_model in (Stay, Participant):
            continue
        manager = relation.related_model._default_manager
        rows = manager.filter(**{relation.field.name: old})
        if not rows.exists():
            continue
        if target is None:
            raise ValidationError(_("Een detentieperiode met een plan of gesprekken kan niet "
                                    "verdwijnen; corrigeer de verblijven anders."))
        if relation.one_to_one and manager.filter(**{relation.field.name: target}).exists():
            raise ValidationError(_("Deze verblijven zouden twee detentieperiodes met elk een "
                                    "eigen D&R-plan samenvoegen; dat kan niet automatisch."))
        for row in rows:
            setattr(row, relation.field.name, target)
            row.save(update_fields=[relation.field.name])


# --- Regime -----------------------------------------------------------------------------------

def _episode_steps(episode_id) -> list[RegimeChange]:
    return list(RegimeChange.objects.filter(stay__episode_id=episode_id)
                .order_by("changed_on", "id"))


def regime_state(episode_id) -> RegimeState:
    """The regime of an episode, rebuilt from its recorded steps."""
    return replay_regime((s.kind, s.changed_on, s.regime) for s in _episode_steps(episode_id))


def change_regime(stay: Stay, *, actor, kind: str, on: dt.date, reason: str = "",
                  regime: str = "") -> RegimeChange:
    """Record a step in the regime of the stay's episode (see `workflows.apply_regime`)."""
    _require(actor, "participants.regime")
    errors: dict = {}
    reason = (reason or "").strip()
    if kind not in RegimeKind.values:
        errors["kind"] = _("Kies een soort stap.")
    if on is None:
        errors["on"] = _("Dit veld is verplicht.")
    else:
        _not_future(on, "on", errors)
        if on < stay.entered_on or (stay.left_on is not None and on > stay.left_on):
            errors["on"] = _("De datum valt buiten het verblijf.")
    if kind != RegimeKind.START and not reason:
        errors["reason"] = _("Geef de reden van deze stap.")
    if kind == RegimeKind.START:
        regime = _code("regimes", regime, "regime", errors, required=True)
    _raise(errors)
    with transaction.atomic():
        # Serialise steps of one participant (PostgreSQL row lock; SQLite has one writer).
        Participant.objects.select_for_update().filter(pk=stay.participant_id).first()
        state = regime_state(stay.episode_id)
        try:
            after = apply_regime(state, kind, on, regime)
        except TransitionError as exc:
            raise ValidationError({"kind": str(exc)}) from exc
        return RegimeChange.objects.create(
            participant_id=stay.participant_id, stay=stay, kind=kind, regime=after.regime,
            changed_on=on, reason=reason, recorded_by=_actor_user(actor))


# --- The team: caseload assignments -----------------------------------------------------------

def assign(participant: Participant, *, actor, user, role: str,
           starts_on: dt.date | None = None) -> Assignment:
    """Put a staff member on the participant's case. A new casemanager takes over from the
    previous one (whose assignment ends the day before); mentors accumulate."""
    _require(actor, "participants.assign")
    errors: dict = {}
    starts_on = starts_on or today()
    _not_future(starts_on, "starts_on", errors)
    if role not in AssignmentRole.values:
        errors["role"] = _("Kies casemanager of mentor.")
    elif user is None or not user.is_active:
        errors["user"] = _("Kies een actieve medewerker.")
    elif user.role != role:
        errors["user"] = _("%(name)s heeft niet de rol %(role)s.") % {
            "name": user.display_name, "role": AssignmentRole(role).label}
    stay = participant.current_stay
    if stay is None:
        errors["__all__"] = _("De deelnemer verblijft nu niet in een inrichting.")
    elif user is not None and "user" not in errors and not policy.visible_institutions(
            user).filter(pk=stay.institution_id).exists():
        errors["user"] = _("%(name)s werkt niet bij %(institution)s.") % {
            "name": user.display_name, "institution": stay.institution.name}
    if user is not None and "user" not in errors and Assignment.objects.filter(
            participant=participant, user=user, ends_on__isnull=True).exists():
        errors["user"] = _("%(name)s staat al op deze zaak.") % {"name": user.display_name}
    _raise(errors)
    with transaction.atomic():
        if role == AssignmentRole.CASEMANAGER:
            for previous in Assignment.objects.filter(participant=participant,
                                                      role=AssignmentRole.CASEMANAGER,
                                                      ends_on__isnull=True):
                previous.ends_on = max(previous.starts_on, starts_on - dt.timedelta(days=1))
                previous.version += 1
                previous.save(update_fields=["ends_on", "version", "updated_at"])
        return Assignment.objects.create(participant=participant, user=user, role=role,
                                         starts_on=starts_on)


def end_assignment(assignment: Assignment, *, actor, expected_version,
                   on: dt.date | None = None) -> Assignment:
    _require(actor, "participants.assign")
    check_version(assignment, expected_version)
    on = on or today()
    errors: dict = {}
    if assignment.ends_on is not None:
        errors["__all__"] = _("Deze toewijzing is al beëindigd.")
    elif on < assignment.starts_on:
        errors["on"] = _("De einddatum ligt voor de begindatum (%(date)s).") % {
            "date": assignment.starts_on}
    _raise(errors)
    assignment.ends_on = on
    save_versioned(assignment, expected_version, ["ends_on"])
    return assignment


# --- Shift notes ------------------------------------------------------------------------------

# Shift notes are for the team on shift. Conversations with the chaplaincy (geestelijke
# verzorging) and with volunteers are confidential: their content is never recorded, so a note
# that names them is refused (a safety net next to the writer's explicit confirmation; it errs
# on the side of refusing, and the message says how to write the note instead).
CONFIDENTIAL_TERMS = re.compile(
    r"\b(geestelijke?\s+verzorg\w*|geestelijk\s+raadsm\w*|pastor\w*|pastoor\w*|imam\w*|"
    r"dominee\w*|aalmoezenier\w*|rabbijn\w*|pandit\w*|humanistisch\w*\s+raads\w*|"
    r"vrijwillig(?:er|ster)\w*|bezoekvrijwillig\w*|gevangenenzorg|exodus|kerkdienst\w*|"
    r"biecht\w*)\b",
    re.IGNORECASE,
)


def confidential_terms(text: str) -> list[str]:
    return sorted({match.group(0).lower() for match in CONFIDENTIAL_TERMS.finditer(text or "")})


def _note_institution(participant: Participant, actor) -> Institution | None:
    """Where the note is written: the participant's current institution, or — for staff of an
    earlier stay in the same episode — the writer's own institution of that episode."""
    stays = list(Stay.objects.filter(participant=participant,
                                     episode_id=participant.current_episode_id)
                 .order_by("-entered_on"))
    if _actor_user(actor) is None:
        return stays[0].institution if stays else None
    visible = set(policy.visible_institutions(actor).values_list("pk", flat=True))
    for stay in stays:
        if stay.institution_id in visible:
            return stay.institution
    return None


def add_note(participant: Participant, *, actor, text: str, confirmed: bool,
             written_at: dt.datetime | None = None) -> ShiftNote:
    """Add a shift note. `confirmed` is the writer's statement that the note holds no content of
    conversations with the chaplaincy or volunteers; notes naming them are refused."""
    _require(actor, "participants.notes")
    errors: dict = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Schrijf een notitie.")
    elif len(text) > NOTE_MAX_LENGTH:
        errors["text"] = _("Een dienstnotitie is kort: hoogstens %(n)s tekens (nu %(len)s).") % {
            "n": NOTE_MAX_LENGTH, "len": len(text)}
    else:
        found = confidential_terms(text)
        if found:
            errors["text"] = _(
                "Dienstnotities gaan nooit over gesprekken met de geestelijke verzorging of met "
                "vrijwilligers: die zijn vertrouwelijk en worden niet vastgelegd (gevonden: "
                "%(terms)s). Laat dit onderwerp weg.") % {"terms": ", ".join(found)}
    if not confirmed:
        errors["confirmed"] = _("Bevestig dat de notitie geen inhoud van gesprekken met de "
                                "geestelijke verzorging of vrijwilligers bevat.")
    institution = _note_institution(participant, actor)
    if institution is None:
        errors.setdefault("__all__", _("U kunt alleen notities schrijven over deelnemers die in "
                                       "deze detentieperiode op uw inrichting verblijven of "
                                       "verbleven."))
    _raise(errors)
    stay = participant.current_stay if (participant.current_stay_id and
                                        participant.current_stay.institution_id
                                        == institution.pk) else None
    return ShiftNote.objects.create(
        participant=participant, institution=institution, stay=stay,
        written_at=written_at or timezone.now(), author=_actor_user(actor), text=text)


def search_notes(user, *, q: str = "", participant: Participant | None = None):
    """The shift notes this user's team may read, newest first, filtered by words and person."""
    qs = policy.scope(user, ShiftNote.objects.all())
    if participant is not None:
        qs = qs.filter(participant=participant)
    for word in (q or "").split()[:8]:
        qs = qs.filter(text__icontains=word)
    return qs.select_related("participant", "author", "institution").order_by(
        "-written_at", "-id")


# --- Caseload ---------------------------------------------------------------------------------

SORTS = {
    "name": ("family_name", "given_name", "ref"),
    "remaining": (F("current_stay__sentence_end_on").asc(nulls_last=True), "family_name"),
    "plan": (F("current_episode__plan_due_on").asc(nulls_last=True), "family_name"),
    "review": (F("current_episode__next_review_on").asc(nulls_last=True), "family_name"),
    "arrival": (F("current_stay__entered_on").desc(nulls_last=True), "family_name"),
}


@dataclass
class CaseloadQuery:
    mine: bool = True
    institution: Institution | None = None
    unit: str = ""
    presence: str = "present"     # present | left | all
    attention: str = ""           # "" | plan_overdue | review_overdue | actions_overdue
    q: str = ""
    sort: str = "name"


def caseload(user, query: CaseloadQuery | None = None):
    """The participants on this user's list: with `mine`, those assigned to the user; otherwise
    everyone the user may see. Annotated for the caseload table; constant queries."""
    from herstelpad.plans.models import GoalAction, PlanVersion

    query = query or CaseloadQuery()
    on = today()
    qs = policy.scope(user, Participant.objects.all())
    mine = Assignment.objects.filter(user_id=user.pk, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)).values("participant_id")
    if query.mine:
        qs = qs.filter(pk__in=mine)
    else:
        # "Everyone at my institutions": people with a stay there. A semi-join the database
        # answers from the index on stays by institution; the scope's EXISTS clauses then check
        # only these candidates (a single IN, not an OR, keeps PostgreSQL's estimate small).
        qs = qs.filter(pk__in=Stay.objects.filter(
            institution_id__in=policy.visible_institution_ids(user)).values("participant_id"))
    if query.presence == "present":
        qs = qs.filter(current_stay__isnull=False)
    elif query.presence == "left":
        qs = qs.filter(current_stay__isnull=True)
    if query.institution is not None:
        qs = qs.filter(current_stay__institution=query.institution)
    if query.unit:
        qs = qs.filter(current_stay__unit__iexact=query.unit)
    for word in (query.q or "").split()[:5]:
        qs = qs.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word)
                       | Q(ref__icontains=word))
    overdue_actions = (GoalAction.objects.filter(goal__participant=OuterRef("pk"),
                                                 goal__status="open", done_on__isnull=True,
                                                 due_on__lt=on)
                       .order_by().values("goal__participant")
                       .annotate(n=Count("pk")).values("n"))
    latest_sign_off = (PlanVersion.objects.filter(plan__episode=OuterRef("current_episode"))
                       .order_by("-number").values("sign_off")[:1])
    qs = qs.annotate(overdue_actions=Coalesce(Subquery(overdue_actions), 0),
                     latest_sign_off=Subquery(latest_sign_off))
    if query.attention == "plan_overdue":
        qs = qs.filter(current_stay__isnull=False,
                       current_episode__plan_established_on__isnull=True,
                       current_episode__plan_due_on__lt=on)
    elif query.attention == "review_overdue":
        qs = qs.filter(current_stay__isnull=False, current_episode__next_review_on__lt=on)
    elif query.attention == "actions_overdue":
        qs = qs.filter(overdue_actions__gt=0)
    order = SORTS.get(query.sort, SORTS["name"])
    return qs.select_related("current_stay__institution", "current_episode").order_by(*order)


@dataclass(frozen=True)
class Deadlines:
    """The deadlines of a participant's current episode, as the caseload and dossier show them."""

    plan_due_on: dt.date | None
    plan_established_on: dt.date | None
    plan_overdue: bool
    next_review_on: dt.date | None
    review_overdue: bool
    review_soon: bool


def deadlines(participant: Participant, on: dt.date | None = None) -> Deadlines:
    """Needs `current_episode` and `current_stay` loaded (select_related): no queries."""
    on = on or today()
    episode = participant.current_episode
    present = participant.current_stay_id is not None
    if episode is None:
        return Deadlines(None, None, False, None, False, False)
    plan_overdue = present and episode.plan_established_on is None and episode.plan_due_on < on
    next_review = episode.next_review_on if present else None
    return Deadlines(
        plan_due_on=episode.plan_due_on, plan_established_on=episode.plan_established_on,
        plan_overdue=plan_overdue, next_review_on=next_review,
        review_overdue=bool(next_review and next_review < on),
        review_soon=bool(next_review and on <= next_review <= on + dt.timedelta(days=7)),
    )
