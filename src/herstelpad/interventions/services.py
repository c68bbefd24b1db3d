"""Business rules of the intervention catalogue and its delivery: searching the catalogue,
"fits this participant", maintaining an offer, editions and their sessions, enrolments and their
workflow, attendance, certificates, links to plan goals, what each user sees of an enrolment,
and the institution overview.

Every door (pages, API, demo, and for the status rules also the import) calls these functions.
They raise `ValidationError` for bad input (a dict of field → messages), `ConflictError` for an
update based on a stale version, and `PermissionDenied` when the acting user may not do this.
`actor` is the signed-in user, or None for the system (demo, tests); which participant or
edition a user may reach is checked by the caller through `policy.get_object`/`policy.scope`,
and here again for the object-level rules of `policy` (who runs an edition, who may maintain an
offer).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.concurrency import check_version, save_versioned
from herstelpad.interventions import workflows
from herstelpad.interventions.models import (
    OFFERED_STATUSES,
    Attendance,
    AttendanceStatus,
    Availability,
    AvailabilityStatus,
    DecidedBy,
    Edition,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStep,
    Format,
    Intervention,
    Session,
    StepAction,
    TargetAge,
    TargetSex,
)
from herstelpad.interventions.workflows import TransitionError
from herstelpad.organisations.models import Institution
from herstelpad.participants import services as participants
from herstelpad.participants.models import REF_LENGTH, DutchProficiency, Participant, Sex
from herstelpad.reference import codes

__all__ = [
    "TransitionError", "CatalogueQuery", "search", "overlaps", "fit", "participant_facts",
    "update_intervention", "set_availability", "create_edition", "update_edition",
    "record_session", "refer", "transition", "record_certificate", "record_content",
    "link_goal", "replayed_state", "views_for", "institution_overview",
]

# Requirements and exclusions of the catalogue (`requires`, `excludes` in interventions.yaml)
# in words a staff member understands. Exclusions that are offence categories are labelled by
# the code list; the others name the offence categories they may concern.
REQUIREMENTS = {
    "dutch": gettext_lazy("spreekt voldoende Nederlands"),
    "plus_regime": gettext_lazy("zit in het plusprogramma"),
    "confidentiality_pledge": gettext_lazy("ondertekent een geheimhoudingsverklaring"),
    "reflector_questionnaire": gettext_lazy("vult vooraf de vragenlijst (Reflector) in"),
    "working": gettext_lazy("werkt (neemt deel aan de arbeid)"),
    "fit_for_work": gettext_lazy("is arbeidsgeschikt"),
}
# Requirements the fit check can decide from the dossier; the others are conditions to verify.
CHECKED_REQUIREMENTS = ("dutch", "plus_regime")
EXCLUSIONS = {
    "sexual_offence_against_minors": (gettext_lazy("zedendelicten tegen minderjarigen"),
                                      ("sexual",)),
    "child_abuse": (gettext_lazy("kindermishandeling"),
                    ("violence", "serious_violence", "sexual")),
    "drug_use": (gettext_lazy("drugsgebruik"), ()),
    "serious_psychiatric_problems": (gettext_lazy("ernstige psychiatrische problematiek"), ()),
}
JUVENILE_MAX_AGE = 23  # a JJI holds young people up to 23 (PIJ); adults are 18 and over
ADULT_AGE = 18


def today() -> dt.date:
    return participants.today()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, perm: str) -> None:
    if _user(actor) is not None:
        policy.require(actor, perm)


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _not_future(value, field: str, errors: dict) -> None:
    if value is not None and value > today():
        errors.setdefault(field, _("Deze datum ligt in de toekomst."))


def _check_ref(model, ref: str | None, prefix: str, errors: dict, field: str = "ref") -> str:
    if not ref:
        return participants.new_ref(prefix)
    ref = ref.strip()
    if not ref or len(ref) > REF_LENGTH or any(ch.isspace() or ch == "/" for ch in ref):
        errors[field] = _("Een sleutel heeft 1 tot %(n)s tekens, zonder spaties of '/'.") % {
            "n": REF_LENGTH}
    elif model.objects.filter(ref=ref).exists():
        errors[field] = _("De sleutel %(ref)s bestaat al.") % {"ref": ref}
    return ref


def _weeks(n: int) -> str:
    return ngettext("%(n)s week", "%(n)s weken", n) % {"n": n}


# --- The catalogue: search ----------------------------------------------------------------------

@dataclass
class CatalogueQuery:
    institution: Institution | None = None   # None: every institution
    layer: str = ""                          # restoration_layers code
    theme: str = ""                          # basic_conditions code (or "restoration")
    age: str = ""                            # adults | juveniles
    sex: str = ""                            # men | women
    format: str = ""
    provider: str = ""                       # organisation code, or institution/court/other
    statuses: tuple[str, ...] = OFFERED_STATUSES  # availability at the institution
    q: str = ""
    participant: Participant | None = None
    only_fitting: bool = False


@dataclass
class CatalogueRow:
    intervention: Intervention
    availability: Availability | None       # at the chosen institution
    fit: Fit | None = None


def default_institution(user) -> Institution | None:
    """The catalogue opens on the user's own institution (the first, for staff of several);
    users without an institution see every institution."""
    if not getattr(user, "is_authenticated", False):
        return None
    return user.institutions.order_by("name").first()


def catalogue_queryset():
    return (Intervention.objects.filter(active=True)
            .select_related("provider", "reporting_level")
            .prefetch_related(Prefetch("layers", to_attr="layer_codes")))


def search(user, query: CatalogueQuery) -> list[CatalogueRow]:
    """Interventions matching the filters, with their availability at the chosen institution
    and, when a participant is given, whether they fit. Constant queries: the interventions,
    their layers, the availability at the institution, and (with a participant) the regime."""
    qs = catalogue_queryset()
    if query.institution is not None:
        qs = qs.filter(availability__institution=query.institution,
                       availability__status__in=query.statuses)
    if query.layer:
        qs = qs.filter(layers__code=query.layer, layers__code_list__name="restoration_layers")
    if query.theme:
        # Themes are a JSON list of codes; match the quoted code in its text.
        qs = qs.filter(themes__icontains=f'"{query.theme}"')
    if query.age == "adults":
        qs = qs.filter(target_age__in=[TargetAge.ADULTS, TargetAge.BOTH, TargetAge.BAND])
    elif query.age == "juveniles":
        qs = qs.filter(Q(target_age__in=[TargetAge.JUVENILES, TargetAge.BOTH])
                       | Q(target_age=TargetAge.BAND, age_min__lt=ADULT_AGE))
    if query.sex in (TargetSex.MEN, TargetSex.WOMEN):
        qs = qs.filter(target_sex__in=[query.sex, TargetSex.ANY])
    if query.format:
        qs = qs.filter(format=query.format)
    if query.provider:
        if query.provider in ("institution", "court", "other"):
            qs = qs.filter(provider_kind=query.provider)
        else:
            qs = qs.filter(provider__code=query.provider)
    for word in (query.q or "").split()[:5]:
        qs = qs.filter(Q(name__icontains=word) | Q(description__icontains=word)
                       | Q(notes__icontains=word) | Q(code__icontains=word))
    interventions = list(qs.distinct().order_by("name"))
    availability: dict[int, Availability] = {}
    if query.institution is not None:
        availability = {a.intervention_id: a for a in Availability.objects.filter(
            institution=query.institution, intervention__in=[i.pk for i in interventions])}
    rows = [CatalogueRow(i, availability.get(i.pk)) for i in interventions]
    if query.participant is not None:
        facts = participant_facts(query.participant)
        for row in rows:
            row.fit = fit(row.intervention, query.participant, facts=facts)
        if query.only_fitting:
            rows = [row for row in rows if row.fit.verdict != Fit.NO]
    return rows


def overlaps(rows: list[CatalogueRow]) -> list[dict]:
    """Offers of one institution that overlap: the same restoration layer and target group
    (age and sex). Each group has two or more interventions, shown side by side."""
    groups: dict[tuple, list[Intervention]] = defaultdict(list)
    for row in rows:
        if row.availability is None or row.availability.status not in OFFERED_STATUSES:
            continue
        intervention = row.intervention
        for layer in intervention.layer_codes:
            groups[(layer.code, intervention.target_age, intervention.target_sex)].append(
                intervention)
    labels = codes.labels("restoration_layers")["restoration_layers"]
    result = []
    for (layer, age, sex), items in sorted(groups.items()):
        if len(items) < 2:
            continue
        result.append({
            "layer": layer, "layer_label": labels.get(layer, layer),
            "age_label": TargetAge(age).label, "sex_label": TargetSex(sex).label,
            "interventions": sorted(items, key=lambda i: i.name),
        })
    return result


def requirement_labels(intervention: Intervention) -> list[str]:
    return [str(REQUIREMENTS.get(token, token)) for token in intervention.requires]


def exclusion_labels(intervention: Intervention, offence_labels: dict | None = None) -> list[str]:
    offence_labels = offence_labels if offence_labels is not None else \
        codes.labels("offence_categories")["offence_categories"]
    result = []
    for token in intervention.excludes:
        if token in offence_labels:
            result.append(offence_labels[token])
        elif token in EXCLUSIONS:
            result.append(str(EXCLUSIONS[token][0]))
        else:
            result.append(token)
    return result


def course_weeks(intervention: Intervention) -> tuple[int | None, str]:
    """How many weeks the intervention takes, and how we know: its duration, or its sessions
    (one a week)."""
    if intervention.duration_weeks:
        return intervention.duration_weeks, _("de interventie duurt %(weeks)s") % {
            "weeks": _weeks(intervention.duration_weeks)}
    if intervention.sessions:
        return intervention.sessions, ngettext(
            "de cursus heeft %(n)s wekelijkse bijeenkomst",
            "de cursus heeft %(n)s wekelijkse bijeenkomsten", intervention.sessions) % {
            "n": intervention.sessions}
    return None, ""


# --- Fits this participant ----------------------------------------------------------------------

@dataclass(frozen=True)
class ParticipantFacts:
    """What the fit check needs to know about a participant, read once."""

    on: dt.date
    institution: Institution | None
    sentence_end_on: dt.date | None
    remaining_days: int | None
    age_low: int | None
    age_high: int | None
    sex: str
    dutch_proficiency: str
    language: str
    regime: str | None
    offence_category: str


def participant_facts(participant: Participant, on: dt.date | None = None) -> ParticipantFacts:
    """Needs `current_stay` (with its institution) loaded or loads it; one query for the
    regime."""
    on = on or today()
    stay = participant.current_stay
    remaining = participants.remaining_sentence(stay.sentence_end_on, on) if stay else None
    if participant.birth_date is not None:
        age = on.year - participant.birth_date.year - (
            (on.month, on.day) < (participant.birth_date.month, participant.birth_date.day))
        low = high = age
    elif participant.birth_year is not None:
        low, high = on.year - participant.birth_year - 1, on.year - participant.birth_year
    else:
        low = high = None
    regime = (participants.regime_state(participant.current_episode_id).regime
              if participant.current_episode_id else None)
    return ParticipantFacts(
        on=on, institution=stay.institution if stay else None,
        sentence_end_on=stay.sentence_end_on if stay else None,
        remaining_days=remaining[0] if remaining else None, age_low=low, age_high=high,
        sex=participant.sex, dutch_proficiency=participant.dutch_proficiency,
        language=participant.language, regime=regime,
        offence_category=participant.offence_category)


@dataclass(frozen=True)
class FitReason:
    verdict: str  # Fit.NO or Fit.CHECK
    text: str


@dataclass(frozen=True)
class Fit:
    YES, CHECK, NO = "yes", "check", "no"

    reasons: tuple[FitReason, ...] = ()

    @property
    def verdict(self) -> str:
        verdicts = {r.verdict for r in self.reasons}
        return self.NO if self.NO in verdicts else self.CHECK if verdicts else self.YES

    @property
    def label(self) -> str:
        return {self.YES: _("past"), self.CHECK: _("past als aan de voorwaarden is voldaan"),
                self.NO: _("past niet")}[self.verdict]

    @property
    def no(self) -> list[str]:
        return [r.text for r in self.reasons if r.verdict == self.NO]

    @property
    def check(self) -> list[str]:
        return [r.text for r in self.reasons if r.verdict == self.CHECK]

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "label": self.label,
                "reasons": [{"verdict": r.verdict, "text": r.text} for r in self.reasons]}


def fit(intervention: Intervention, participant: Participant, *,
        facts: ParticipantFacts | None = None, edition: Edition | None = None,
        offence_labels: dict | None = None) -> Fit:
    """Does the participant fit the intervention? Every reason it does not (`no`), and every
    condition to verify first (`check`), in plain words. Where the intervention is offered is
    not part of the fit (the catalogue shows it next to it): a participant may be moved."""
    facts = facts or participant_facts(participant)
    reasons: list[FitReason] = []

    def no(text):
        reasons.append(FitReason(Fit.NO, text))

    def check(text):
        reasons.append(FitReason(Fit.CHECK, text))

    _fit_remaining(intervention, facts, edition, no, check)
    _fit_sex(intervention, facts, no, check)
    _fit_age(intervention, facts, no, check)
    if "dutch" in intervention.requires:
        language = facts.language or _("onbekend")
        if facts.dutch_proficiency == DutchProficiency.NONE:
            no(_("Deze interventie vraagt voldoende Nederlands; de deelnemer spreekt geen "
                 "Nederlands (taal: %(language)s).") % {"language": language})
        elif facts.dutch_proficiency == DutchProficiency.LIMITED:
            check(_("Deze interventie vraagt voldoende Nederlands; de deelnemer spreekt "
                    "beperkt Nederlands (taal: %(language)s). Overleg met de trainer.")
                  % {"language": language})
        elif facts.dutch_proficiency != DutchProficiency.SUFFICIENT:
            check(_("Deze interventie vraagt voldoende Nederlands; hoe goed de deelnemer "
                    "Nederlands spreekt, is niet vastgelegd."))
    if "plus_regime" in intervention.requires:
        if facts.regime == "basic":
            no(_("Deze interventie is alleen voor deelnemers in het plusprogramma; de "
                 "deelnemer zit in het basisprogramma."))
        elif facts.regime != "plus":
            check(_("Deze interventie is alleen voor deelnemers in het plusprogramma; het "
                    "regime van de deelnemer is niet vastgelegd."))
    _fit_exclusions(intervention, facts, offence_labels, no, check)
    for token in intervention.requires:
        if token not in CHECKED_REQUIREMENTS:
            check(_("Voorwaarde: de deelnemer %(requirement)s.") % {
                "requirement": REQUIREMENTS.get(token, token)})
    return Fit(tuple(reasons))


def _fit_remaining(intervention, facts: ParticipantFacts, edition, no, check) -> None:
    if facts.institution is None:
        no(_("De deelnemer verblijft nu niet in een inrichting."))
        return
    minimum = intervention.min_remaining_weeks
    length, length_text = course_weeks(intervention)
    needed = max(minimum or 0, length or 0)
    end = facts.sentence_end_on
    if end is None:
        if needed:
            check(_("De einddatum van de detentie is niet bekend; ga na of de deelnemer nog "
                    "minstens %(weeks)s blijft.") % {"weeks": _weeks(needed)})
        return
    days = facts.remaining_days
    if days < 0:
        check(_("De verwachte einddatum van de detentie (%(date)s) is verstreken; werk die "
                "bij.") % {"date": date_format(end)})
        return
    if edition is not None and edition.starts_on > facts.on:
        # What counts is the detention left once the edition starts.
        days = (end - edition.starts_on).days
        if days < 0:
            no(_("De detentie eindigt naar verwachting op %(end)s, voor de start van deze "
                 "editie op %(start)s.") % {"end": date_format(end),
                                            "start": date_format(edition.starts_on)})
            return
        left = _("vanaf de start van de editie (%(start)s) nog %(weeks)s (%(days)s dagen, tot "
                 "%(date)s)") % {"start": date_format(edition.starts_on),
                                 "weeks": _weeks(days // 7), "days": days,
                                 "date": date_format(end)}
    else:
        left = _("nog %(weeks)s (%(days)s dagen, tot %(date)s)") % {
            "weeks": _weeks(days // 7), "days": days, "date": date_format(end)}
    if minimum and days < minimum * 7:
        no(_("De deelnemer zit %(left)s vast; deze interventie vraagt minstens %(weeks)s "
             "resterende detentie.") % {"left": left, "weeks": _weeks(minimum)})
    if length and days < length * 7 and not (minimum and days < minimum * 7
                                              and length <= minimum):
        no(_("Te kort voor de hele interventie: %(length)s, ongeveer %(weeks)s, en de "
             "deelnemer zit %(left)s vast.") % {"length": length_text, "weeks": _weeks(length),
                                              "left": left})
    if edition is not None and edition.ends_on is not None and end < edition.ends_on:
        no(_("Deze editie loopt tot %(edition_end)s; de detentie eindigt naar verwachting op "
             "%(end)s.") % {"edition_end": date_format(edition.ends_on),
                            "end": date_format(end)})
    elif edition is not None and edition.ends_on is None and length:
        edition_end = edition.starts_on + dt.timedelta(weeks=length)
        if end < edition_end:  # no end date: the start plus the course length
            no(_("Deze editie begint op %(start)s en loopt naar verwachting tot "
                 "%(edition_end)s (%(length)s); de detentie eindigt naar verwachting op "
                 "%(end)s.") % {"start": date_format(edition.starts_on),
                                "edition_end": date_format(edition_end),
                                "length": length_text, "end": date_format(end)})


def _fit_sex(intervention, facts: ParticipantFacts, no, check) -> None:
    target = intervention.target_sex
    if target == TargetSex.ANY:
        return
    wanted, other = ((Sex.MALE, Sex.FEMALE) if target == TargetSex.MEN
                     else (Sex.FEMALE, Sex.MALE))
    for_whom = _("mannen") if target == TargetSex.MEN else _("vrouwen")
    if facts.sex == other:
        no(_("Deze interventie is voor %(whom)s; de deelnemer is een %(sex)s.") % {
            "whom": for_whom, "sex": Sex(other).label})
    elif facts.sex != wanted:
        check(_("Deze interventie is voor %(whom)s; het geslacht van de deelnemer is %(sex)s.")
              % {"whom": for_whom,
                 "sex": Sex(facts.sex).label if facts.sex in Sex.values else facts.sex})


def _fit_age(intervention, facts: ParticipantFacts, no, check) -> None:
    target = intervention.target_age
    if target == TargetAge.BOTH:
        return
    if target == TargetAge.ADULTS:
        low, high, whom = ADULT_AGE, None, _("volwassenen (18 jaar en ouder)")
    elif target == TargetAge.JUVENILES:
        low, high, whom = None, JUVENILE_MAX_AGE - 1, _(
            "jeugdigen (in een justitiële jeugdinrichting, tot 23 jaar)")
    else:
        low, high = intervention.age_min, intervention.age_max
        whom = _("jongeren van %(low)s tot en met %(high)s jaar") % {"low": low, "high": high}
    if facts.age_low is None:
        check(_("Deze interventie is voor %(whom)s; de leeftijd van de deelnemer is niet "
                "bekend.") % {"whom": whom})
        return
    age = (str(facts.age_low) if facts.age_low == facts.age_high
           else f"{facts.age_low}–{facts.age_high}")
    too_young = low is not None and facts.age_high < low
    too_old = high is not None and facts.age_low > high
    if too_young or too_old:
        no(_("Deze interventie is voor %(whom)s; de deelnemer is %(age)s jaar.") % {
            "whom": whom, "age": age})
    elif (low is not None and facts.age_low < low) or (high is not None
                                                        and facts.age_high > high):
        check(_("Deze interventie is voor %(whom)s; de deelnemer is %(age)s jaar (alleen het "
                "geboortejaar is bekend).") % {"whom": whom, "age": age})


def _fit_exclusions(intervention, facts: ParticipantFacts, offence_labels, no, check) -> None:
    if not intervention.excludes:
        return
    offence_labels = offence_labels if offence_labels is not None else \
        codes.labels("offence_categories")["offence_categories"]
    offence = facts.offence_category
    for token in intervention.excludes:
        if token in offence_labels:
            label = offence_labels[token]
            if offence == token:
                no(_("Uitgesloten bij %(offence)s: het delict van de deelnemer valt daaronder.")
                   % {"offence": label.lower()})
            elif not offence:
                check(_("Uitgesloten bij %(offence)s; het delict van de deelnemer is niet "
                        "vastgelegd.") % {"offence": label.lower()})
            continue
        label, related = EXCLUSIONS.get(token, (token, ()))
        if related and offence in related:
            check(_("Uitgesloten bij %(what)s; het delict van de deelnemer (%(offence)s) kan "
                    "daaronder vallen: ga dit na.") % {
                "what": label, "offence": offence_labels.get(offence, offence).lower()})
        elif related and not offence:
            check(_("Uitgesloten bij %(what)s; het delict van de deelnemer is niet "
                    "vastgelegd.") % {"what": label})
        elif not related:
            check(_("Uitgesloten bij %(what)s: ga na of dit speelt.") % {"what": label})


# --- Maintaining the catalogue ------------------------------------------------------------------

def _require_maintain(actor, intervention) -> None:
    user = _user(actor)
    if user is not None and not policy.may_maintain_intervention(user, intervention):
        raise PermissionDenied("interventions.maintain")


def update_intervention(intervention: Intervention, *, actor, expected_version,
                        description: str, evaluation_status: str,
                        requires: Iterable[str]) -> Intervention:
    """The staff description, the evaluation status and the requirements of an offer.
    Requirements outside the known list that the catalogue already had are kept."""
    _require(actor, "interventions.maintain")
    _require_maintain(actor, intervention)
    check_version(intervention, expected_version)
    errors: dict = {}
    requires = list(dict.fromkeys(requires))
    unknown = [t for t in requires if t not in REQUIREMENTS and t not in intervention.requires]
    if unknown:
        errors["requires"] = _("Onbekende voorwaarde: %(tokens)s.") % {
            "tokens": ", ".join(unknown)}
    evaluation_status = (evaluation_status or "").strip()
    if len(evaluation_status) > 200:
        errors["evaluation_status"] = _("Hoogstens 200 tekens.")
    _raise(errors)
    changed = []
    for name, value in (("description", (description or "").strip()),
                        ("evaluation_status", evaluation_status), ("requires", requires)):
        if getattr(intervention, name) != value:
            setattr(intervention, name, value)
            changed.append(name)
    with transaction.atomic():
        save_versioned(intervention, expected_version, changed)
        audit.record(Action.UPDATE, obj=intervention, details={"fields": changed})
    return intervention


def set_availability(intervention: Intervention, institution: Institution, *, actor,
                     expected_version=None, status: str, starts_on=None, ends_on=None,
                     contact_person: str = "") -> Availability:
    """Set where the offer runs: status (active, incidental, starting, stopped), dates and a
    contact person. A new institution has no version yet; an existing row needs its version."""
    _require(actor, "interventions.maintain")
    _require_maintain(actor, intervention)
    user = _user(actor)
    errors: dict = {}
    if institution is None:
        errors["institution"] = _("Kies een inrichting.")
    elif user is not None:
        allowed = policy.maintainable_institution_ids(user, intervention)
        if allowed is not None and institution.pk not in allowed:
            errors["institution"] = _("U beheert het aanbod alleen op uw eigen inrichtingen.")
    if status not in AvailabilityStatus.values:
        errors["status"] = _("Kies een status.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("De einddatum ligt voor de begindatum.")
    if status == AvailabilityStatus.STOPPED and not ends_on:
        errors["ends_on"] = _("Vul in wanneer het aanbod stopte.")
    contact_person = (contact_person or "").strip()
    if len(contact_person) > 200:
        errors["contact_person"] = _("Hoogstens 200 tekens.")
    row = (Availability.objects.filter(intervention=intervention, institution=institution)
           .first() if institution is not None else None)
    if row is not None:
        check_version(row, expected_version)
    _raise(errors)
    values = {"status": status, "starts_on": starts_on, "ends_on": ends_on,
              "contact_person": contact_person}
    with transaction.atomic():
        if row is None:
            row = Availability.objects.create(intervention=intervention,
                                              institution=institution, **values)
            audit.record(Action.CREATE, obj=row)
            return row
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        save_versioned(row, expected_version, changed)
        audit.record(Action.UPDATE, obj=row, details={"fields": changed})
    return row


# --- Editions -----------------------------------------------------------------------------------

EDITION_FIELDS = ("starts_on", "ends_on", "capacity", "sessions", "leaders", "location", "notes")


class EditionPhase:
    PLANNED, RUNNING, FINISHED = "planned", "running", "finished"
    LABELS = {PLANNED: gettext_lazy("gepland"), RUNNING: gettext_lazy("loopt"),
              FINISHED: gettext_lazy("afgelopen")}


def edition_phase(edition: Edition, on: dt.date | None = None) -> str:
    on = on or today()
    if edition.starts_on > on:
        return EditionPhase.PLANNED
    if edition.ends_on is not None and edition.ends_on < on:
        return EditionPhase.FINISHED
    return EditionPhase.RUNNING


def _require_manage_offer(actor, intervention, institution) -> None:
    user = _user(actor)
    if user is not None and not policy.may_manage_offer(user, intervention, institution.pk):
        raise PermissionDenied("interventions.editions")


def _clean_edition(data: dict, errors: dict) -> dict:
    clean = dict(data)
    for name in ("leaders", "location", "notes"):
        if name in clean:
            clean[name] = (clean[name] or "").strip()
    if clean.get("starts_on") is None and "starts_on" in clean:
        errors["starts_on"] = _("Dit veld is verplicht.")
    if clean.get("starts_on") and clean.get("ends_on") and clean["ends_on"] < clean["starts_on"]:
        errors["ends_on"] = _("De einddatum ligt voor de begindatum.")
    for name in ("capacity", "sessions"):
        value = clean.get(name)
        if value is not None and not (1 <= value <= 500):
            errors[name] = _("Kies een aantal van 1 tot 500.")
    for name, limit in (("leaders", 300), ("location", 200)):
        if len(clean.get(name) or "") > limit:
            errors[name] = _("Hoogstens %(n)s tekens.") % {"n": limit}
    return clean


def create_edition(*, actor, intervention: Intervention, institution: Institution,
                   starts_on: dt.date, ends_on: dt.date | None = None,
                   capacity: int | None = None, sessions: int | None = None, leaders: str = "",
                   location: str = "", notes: str = "", ref: str | None = None) -> Edition:
    """A new run of an intervention at an institution. Capacity and sessions default to the
    catalogue's group size and number of sessions."""
    _require(actor, "interventions.editions")
    errors: dict = {}
    if intervention is None:
        errors["intervention"] = _("Kies een interventie.")
    if institution is None:
        errors["institution"] = _("Kies een inrichting.")
    _raise(errors)
    _require_manage_offer(actor, intervention, institution)
    ref = _check_ref(Edition, ref, "ED", errors)
    clean = _clean_edition({"starts_on": starts_on, "ends_on": ends_on,
                            "capacity": capacity or intervention.group_max,
                            "sessions": sessions or intervention.sessions, "leaders": leaders,
                            "location": location, "notes": notes}, errors)
    _raise(errors)
    return Edition.objects.create(ref=ref, intervention=intervention, institution=institution,
                                  created_by=_user(actor), **clean)


def update_edition(edition: Edition, *, actor, expected_version, **fields) -> Edition:
    _require(actor, "interventions.editions")
    _require_manage_offer(actor, edition.intervention, edition.institution)
    check_version(edition, expected_version)
    unknown = set(fields) - set(EDITION_FIELDS)
    if unknown:
        raise TypeError(f"unknown edition fields: {sorted(unknown)}")
    errors: dict = {}
    merged = {name: getattr(edition, name) for name in EDITION_FIELDS}
    merged.update(fields)
    clean = _clean_edition(merged, errors)
    if clean.get("capacity") is not None:
        errors.update(_too_small(clean["capacity"], occupied(edition)) or {})
    _raise(errors)
    changed = [name for name in EDITION_FIELDS if getattr(edition, name) != clean[name]]
    with transaction.atomic():
        # Counted again under the edition's lock: an approval may have taken a place since.
        too_small = _too_small(clean.get("capacity"), occupied(_locked_edition(edition.pk)))
        if too_small:
            raise ValidationError(too_small)
        for name in changed:
            setattr(edition, name, clean[name])
        save_versioned(edition, expected_version, changed)
    return edition


def occupied(edition: Edition) -> int:
    """Places taken: approved or started enrolments in the edition."""
    return edition.enrolments.filter(
        status__in=[EnrolmentStatus.APPROVED, EnrolmentStatus.STARTED]).count()


def _locked_edition(pk: int) -> Edition:
    """The edition, its row locked until the transaction ends (PostgreSQL; SQLite has one
    writer): whoever takes or limits its places does so one at a time."""
    return Edition.objects.select_for_update().get(pk=pk)


def _full(edition: Edition, action: str) -> dict | None:
    """The error (field: message) when a step `action` that takes a place finds the edition
    full, else None. Checked with the step's other errors, and again under the edition's lock
    (`_refuse_when_full`)."""
    if edition.capacity is None or occupied(edition) < edition.capacity:
        return None
    if action == "place":
        return {"edition": _("Deze editie is vol (%(n)s plaatsen); de deelnemer blijft op de "
                             "wachtlijst.") % {"n": edition.capacity}}
    return {"__all__": _("Deze editie is vol (%(n)s plaatsen). Plaats de deelnemer in een "
                         "andere editie, of wijs af met een reden.") % {"n": edition.capacity}}


def _refuse_when_full(edition_id: int, action: str) -> None:
    """Inside the step's transaction: lock the edition and count its places again, so two
    approvals (or placements) at the same time cannot both take the last place."""
    error = _full(_locked_edition(edition_id), action)
    if error is not None:
        raise ValidationError(error)


def _too_small(capacity, taken: int) -> dict | None:
    """The error when an edition's new capacity is below the places already taken."""
    if capacity is None or capacity >= taken:
        return None
    return {"capacity": _("Er nemen al %(n)s deelnemers deel of zijn toegelaten.") % {
        "n": taken}}


def session_participants(edition: Edition, on: dt.date):
    """The edition's participants on `on` (who a session that day registers): enrolments that
    had started on or before that day and had not ended before it. One that never started
    (outcome `not_started`) is never among them."""
    started = EnrolmentStep.objects.filter(enrolment=OuterRef("pk"),
                                           to_status=EnrolmentStatus.STARTED, on__lte=on)
    return (edition.enrolments.filter(Exists(started))
            .filter(Q(outcome_on__isnull=True) | Q(outcome_on__gte=on))
            .exclude(outcome=workflows.NOT_STARTED))


def record_session(edition: Edition, *, actor, number: int, held_on: dt.date, topic: str = "",
                   attendance: dict[int, str], expected_version=None) -> Session:
    """Record (or correct) a session and who attended. `attendance` maps enrolment ids of the
    edition's participants on `held_on` (`session_participants`) to present / excused /
    absent."""
    _require(actor, "interventions.editions")
    _require_manage_offer(actor, edition.intervention, edition.institution)
    errors: dict = {}
    if number is None or number < 1:
        errors["number"] = _("Kies het nummer van de bijeenkomst.")
    if held_on is None:
        errors["held_on"] = _("Dit veld is verplicht.")
    else:
        _not_future(held_on, "held_on", errors)
        if held_on < edition.starts_on:
            errors["held_on"] = _("De bijeenkomst ligt voor het begin van de editie.")
    started = {e.pk: e for e in edition.enrolments.filter(
        steps__to_status=EnrolmentStatus.STARTED).select_related("participant").distinct()}
    for enrolment_id, status in attendance.items():
        if enrolment_id not in started:
            errors["__all__"] = _("Aanwezigheid geldt alleen voor deelnemers van deze editie "
                                  "die zijn begonnen.")
        elif status not in AttendanceStatus.values:
            errors["__all__"] = _("Kies aanwezig, afgemeld of afwezig.")
    session = Session.objects.filter(edition=edition, number=number).first() if number else None
    if session is not None:
        check_version(session, expected_version)
    if held_on is not None and "held_on" not in errors:
        # Also the attendance already recorded, when a correction moves the session's date.
        recorded = set(attendance) | (set(session.attendance.values_list("enrolment_id",
                                                                          flat=True))
                                      if session is not None else set())
        running = set(session_participants(edition, held_on).values_list("pk", flat=True))
        absent = sorted((started[pk].participant.display_name for pk in recorded
                         if pk in started and pk not in running))
        if absent:
            errors["held_on"] = [
                _("%(name)s nam op %(date)s geen deel aan deze editie (nog niet begonnen of al "
                  "gestopt).") % {"name": name, "date": date_format(held_on)}
                for name in absent]
    _raise(errors)
    with transaction.atomic():
        if session is None:
            session = Session.objects.create(edition=edition, number=number, held_on=held_on,
                                             topic=(topic or "").strip())
        else:
            session.held_on, session.topic = held_on, (topic or "").strip()
            save_versioned(session, expected_version, ["held_on", "topic"])
        existing = {a.enrolment_id: a for a in session.attendance.all()}
        for enrolment_id, status in attendance.items():
            row = existing.get(enrolment_id)
            if row is None:
                Attendance.objects.create(session=session, enrolment_id=enrolment_id,
                                          status=status)
            elif row.status != status:
                row.status = status
                row.save(update_fields=["status"])
    return session


# --- Enrolments ---------------------------------------------------------------------------------

def _state_of(enrolment: Enrolment) -> workflows.EnrolmentState:
    last = enrolment.steps.order_by("-id").values_list("on", flat=True).first()
    return workflows.EnrolmentState(enrolment.status, enrolment.edition_id, enrolment.outcome,
                                    enrolment.outcome_on, last)


def replayed_state(enrolment: Enrolment) -> workflows.EnrolmentState:
    """The enrolment's state rebuilt from its recorded steps."""
    return workflows.replay(
        {"action": s.action, "on": s.on, "reason": s.reason, "outcome": s.outcome,
         "decided_by": s.decided_by, "edition": s.edition_id, "to_status": s.to_status}
        for s in enrolment.steps.order_by("id"))


def _record_step(enrolment: Enrolment, before: workflows.EnrolmentState,
                 after: workflows.EnrolmentState, *, action: str, on: dt.date, reason: str,
                 outcome: str = "", decided_by: str = "", actor=None) -> EnrolmentStep:
    step = EnrolmentStep.objects.create(
        enrolment=enrolment, action=action, from_status=before.status, to_status=after.status,
        on=on, reason=reason, outcome=outcome, decided_by=decided_by,
        edition_id=after.edition, recorded_by=_user(actor))
    audit.record(Action.TRANSITION, obj=enrolment, details={
        "action": action, "from": before.status, "to": after.status})
    return step


def _check_place(edition: Edition, enrolment_intervention, institution, status: str,
                 errors: dict, on: dt.date, field: str = "edition") -> None:
    if edition.intervention_id != enrolment_intervention.pk or \
            edition.institution_id != institution.pk:
        errors[field] = _("Deze editie is van een andere interventie of inrichting.")
    elif edition.ends_on is not None and edition.ends_on < on:
        errors[field] = _("Deze editie was op %(date)s al afgelopen.") % {
            "date": date_format(on)}
    elif status == EnrolmentStatus.APPROVED and (full := _full(edition, "place")):
        errors[field] = full["edition"]


def refer(participant: Participant, *, actor, intervention: Intervention | None = None,
          edition: Edition | None = None, on: dt.date | None = None, reason: str = "",
          objection: bool = False, ref: str | None = None) -> Enrolment:
    """Refer the participant to an edition, or to the waiting list of an intervention at the
    participant's institution. With `objection`, the participant's objection to registering
    this intervention in the D&R-plan is recorded too (through `consent.services`): prison
    staff then no longer see the enrolment; the provider does."""
    _require(actor, "interventions.refer")
    errors: dict = {}
    on = on or today()
    _not_future(on, "on", errors)
    if edition is not None:
        intervention = edition.intervention
    if intervention is None:
        errors["intervention"] = _("Kies een interventie of een editie.")
        _raise(errors)
    stay = participant.current_stay
    if stay is None:
        errors["__all__"] = _("De deelnemer verblijft nu niet in een inrichting; aanmelden kan "
                              "alleen tijdens een verblijf.")
        _raise(errors)
    institution = stay.institution
    if edition is not None:
        _check_place(edition, intervention, institution, EnrolmentStatus.REFERRED, errors,
                     on)
        if "edition" in errors and edition.institution_id != institution.pk:
            errors["edition"] = _("Deze editie is in %(edition)s; de deelnemer verblijft in "
                                  "%(institution)s.") % {"edition": edition.institution.name,
                                                          "institution": institution.name}
    elif not Availability.objects.filter(intervention=intervention, institution=institution,
                                         status__in=OFFERED_STATUSES).exists():
        errors["intervention"] = _("%(name)s wordt niet aangeboden in %(institution)s.") % {
            "name": intervention.name, "institution": institution.name}
    open_enrolments = Enrolment.objects.filter(
        participant=participant, intervention=intervention,
        status__in=[*workflows.BEFORE_START, EnrolmentStatus.STARTED])
    if open_enrolments.exists():
        user = _user(actor)
        if user is None or policy.scope(user, open_enrolments).exists():
            errors.setdefault("__all__", _("De deelnemer is al aangemeld voor %(name)s.") % {
                "name": intervention.name})
        else:  # one the referrer may not see (level `none`, an objection): do not reveal it
            errors.setdefault("__all__", _("Deze aanmelding kan niet worden vastgelegd; neem "
                                           "contact op met de aanbieder."))
    if objection and _user(actor) is not None and not policy.has_perm(actor, "consent.manage"):
        errors["objection"] = _("U kunt geen bezwaar vastleggen; vraag de casemanager.")
    ref = _check_ref(Enrolment, ref, "E", errors)
    _raise(errors)
    with transaction.atomic():
        if objection:
            from herstelpad.consent import services as consent

            if not consent.in_force(participant, "intervention_registration",
                                    subject=intervention.code, kind="objection", on=on):
                consent.record(participant, actor=actor, kind="objection",
                               purpose="intervention_registration", subject=intervention.code,
                               given_on=on, evidence=_("bij de aanmelding voor %(name)s") % {
                                   "name": intervention.name})
        enrolment = Enrolment.objects.create(
            ref=ref, participant=participant, intervention=intervention,
            institution=institution, edition=edition, status=EnrolmentStatus.REFERRED,
            enrolled_on=on, referred_by=_user(actor))
        after = workflows.apply(workflows.EnrolmentState(), "refer", on,
                                edition=edition.pk if edition else None)
        _record_step(enrolment, workflows.EnrolmentState(), after, action="refer", on=on,
                     reason=(reason or "").strip(), actor=actor)
    return enrolment


def may_act(user, enrolment: Enrolment, action: str) -> bool:
    """Who records which step: whoever runs the edition records every step; prison staff
    with `interventions.decide` record the MDO's decision (approve, reject)."""
    if user is None:
        return True
    if policy.may_manage(user, enrolment):
        return True
    return action in ("approve", "reject") and policy.has_perm(user, "interventions.decide") \
        and policy.has_perm(user, "participants.view")


def transition(enrolment: Enrolment, *, actor, expected_version, action: str,
               on: dt.date | None = None, reason: str = "", outcome: str = "",
               decided_by: str = "", edition: Edition | None = None) -> Enrolment:
    """Record one step of the enrolment's workflow (see `workflows.py`). Invalid steps are
    refused with the reason; the step is recorded with actor, date and reason."""
    user = _user(actor)
    if user is not None and not may_act(user, enrolment, action):
        raise PermissionDenied("interventions.editions")
    check_version(enrolment, expected_version)
    errors: dict = {}
    on = on or today()
    _not_future(on, "on", errors)
    if on < enrolment.enrolled_on:
        errors["on"] = _("De datum ligt voor de aanmelding (%(date)s).") % {
            "date": date_format(enrolment.enrolled_on)}
    if action in ("approve", "reject") and user is not None \
            and not policy.may_manage(user, enrolment):
        decided_by = "mdo"  # prison staff record the MDO's decision, not the provider's
    if action == "end" and outcome:
        try:
            codes.validate("enrolment_outcomes", outcome, field="outcome")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if action == "place":
        if edition is None:
            errors["edition"] = _("Kies de editie.")
        else:
            _check_place(edition, enrolment.intervention, enrolment.institution,
                         enrolment.status, errors, on)
    if action == "approve" and enrolment.edition is not None and \
            (full := _full(enrolment.edition, action)):
        errors.update(full)
    if action == "start" and enrolment.edition is not None and \
            on < enrolment.edition.starts_on:
        errors["on"] = _("De editie begint op %(date)s.") % {
            "date": date_format(enrolment.edition.starts_on)}
    _raise(errors)
    with transaction.atomic():
        # Serialise steps of one enrolment (PostgreSQL row lock; SQLite has one writer).
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        before = _state_of(enrolment)
        try:
            after = workflows.apply(before, action, on, reason=reason, outcome=outcome,
                                    decided_by=decided_by,
                                    edition=edition.pk if edition is not None else None)
        except TransitionError as exc:
            raise ValidationError({"action": str(exc)}) from exc
        holding = (EnrolmentStatus.APPROVED, EnrolmentStatus.STARTED)
        if after.status in holding and after.edition is not None and not (
                before.status in holding and before.edition == after.edition):
            _refuse_when_full(after.edition, action)  # this step takes a place
        enrolment.status, enrolment.outcome = after.status, after.outcome
        enrolment.outcome_on, enrolment.edition_id = after.outcome_on, after.edition
        save_versioned(enrolment, expected_version,
                       ["status", "outcome", "outcome_on", "edition"])
        _record_step(enrolment, before, after, action=action, on=on,
                     reason=(reason or "").strip(),
                     outcome=after.outcome if action in ("complete", "end") else "",
                     decided_by=decided_by if action in ("approve", "reject") else "",
                     actor=actor)
    return enrolment


def _require_manager(actor, enrolment: Enrolment) -> None:
    user = _user(actor)
    if user is not None and not policy.may_manage(user, enrolment):
        raise PermissionDenied("interventions.editions")


def record_certificate(enrolment: Enrolment, *, actor, expected_version,
                       on: dt.date | None) -> Enrolment:
    """The certificate handed to a participant who completed the intervention (or None to
    correct a mistake)."""
    _require(actor, "interventions.editions")
    _require_manager(actor, enrolment)
    check_version(enrolment, expected_version)
    errors: dict = {}
    if enrolment.status != EnrolmentStatus.COMPLETED:
        errors["__all__"] = _("Een certificaat hoort bij een afgeronde deelname.")
    elif on is not None:
        _not_future(on, "on", errors)
        if enrolment.outcome_on and on < enrolment.outcome_on:
            errors["on"] = _("Het certificaat kan niet voor de afronding zijn uitgereikt.")
    _raise(errors)
    enrolment.certificate_on = on
    save_versioned(enrolment, expected_version, ["certificate_on"])
    return enrolment


def record_content(enrolment: Enrolment, *, actor, expected_version, text: str) -> Enrolment:
    """The provider's content feedback (e.g. the evaluation form, the written plan). It
    reaches the prison only when the reporting level is content with consent and the
    participant's consent is in force."""
    _require(actor, "interventions.editions")
    _require_manager(actor, enrolment)
    check_version(enrolment, expected_version)
    text = (text or "").strip()
    if len(text) > 5000:
        raise ValidationError({"text": _("Hoogstens 5000 tekens.")})
    enrolment.content_report = text
    save_versioned(enrolment, expected_version, ["content_report"])
    return enrolment


def link_goal(enrolment: Enrolment, *, actor, expected_version, goal) -> Enrolment:
    """Link a completed intervention to a goal of the participant's plan (None unlinks)."""
    _require(actor, "plans.goals")
    check_version(enrolment, expected_version)
    errors: dict = {}
    if enrolment.status != EnrolmentStatus.COMPLETED:
        errors["__all__"] = _("Alleen een afgeronde interventie wordt aan een doel gekoppeld.")
    elif goal is not None and goal.participant_id != enrolment.participant_id:
        errors["goal"] = _("Dit doel is van een andere deelnemer.")
    _raise(errors)
    enrolment.goal = goal
    save_versioned(enrolment, expected_version, ["goal"])
    return enrolment


# --- What a user sees of enrolments -------------------------------------------------------------

# At the `participation` level the prison learns only: enrolled, completed or stopped.
PARTICIPATION_STATUS = {
    EnrolmentStatus.REFERRED: "enrolled", EnrolmentStatus.INTAKE: "enrolled",
    EnrolmentStatus.APPROVED: "enrolled", EnrolmentStatus.STARTED: "enrolled",
    EnrolmentStatus.COMPLETED: "completed",
    EnrolmentStatus.ENDED: "stopped", EnrolmentStatus.REJECTED: "stopped",
}
PARTICIPATION_LABELS = {"enrolled": gettext_lazy("ingeschreven"),
                        "completed": gettext_lazy("afgerond"),
                        "stopped": gettext_lazy("gestopt")}


@dataclass
class StepView:
    action: str
    label: str
    on: dt.date
    to_status: str
    outcome_label: str
    decided_by: str
    reason: str          # empty unless the user sees content
    actor: str


@dataclass
class EnrolmentView:
    """An enrolment as this user may see it. Fields the level does not allow are None/empty;
    templates and serializers show only what is here."""

    enrolment: Enrolment
    access: str
    status: str                       # the status code at this level (participation: a word)
    status_label: str
    enrolled_on: dt.date
    dates: bool = False               # process or more
    content: bool = False             # content or full
    outcome_label: str = ""
    outcome_on: dt.date | None = None
    steps: list[StepView] = field(default_factory=list)
    attended: int | None = None
    sessions: int | None = None
    certificate_on: dt.date | None = None
    content_report: str = ""
    edition: Edition | None = None

    @property
    def is_full(self) -> bool:
        return self.access == policy.ACCESS_FULL

    def as_dict(self) -> dict:
        e = self.enrolment
        data = {"ref": e.ref, "participant": e.participant.ref,
                "participant_name": e.participant.display_name,
                "intervention": e.intervention.code, "institution": e.institution.code,
                "access": self.access, "status": self.status, "enrolled_on": self.enrolled_on,
                "goal": e.goal.ref if e.goal_id and e.goal else None}
        if self.dates:
            data.update({
                "edition": self.edition.ref if self.edition else None,
                "outcome": e.outcome or None, "outcome_on": self.outcome_on,
                "certificate_on": self.certificate_on,
                "attendance": ({"attended": self.attended, "sessions": self.sessions}
                               if self.sessions is not None else None),
                "steps": [{"action": s.action, "on": s.on, "to_status": s.to_status,
                           "outcome": s.outcome_label,
                           "decided_by": s.decided_by,
                           **({"reason": s.reason} if self.content else {})}
                          for s in self.steps]})
        if self.content:
            data["content_report"] = self.content_report
        if self.is_full:
            data["version"] = e.version
        return data


def enrolments_queryset():
    return Enrolment.objects.select_related(
        "participant", "intervention__reporting_level", "intervention__provider",
        "institution", "edition", "goal")


def views_for(user, enrolments: Iterable[Enrolment]) -> list[EnrolmentView]:
    """What `user` may see of each enrolment (already in the user's scope), with a constant
    number of queries: the consents (one per content-level intervention among them), the steps
    and the attendance counts."""
    from herstelpad.consent import services as consent

    enrolments = list(enrolments)
    # Consent for content: one question per (provider, intervention).
    wanted = defaultdict(set)
    for e in enrolments:
        if e.intervention.reporting_level.code == "content_with_consent" and \
                not policy.may_manage(user, e):
            wanted[(e.intervention.provider_id, e.intervention.code)].add(e.participant_id)
    consented: set[tuple[int, int | None, str]] = set()
    for (provider_id, code), ids in wanted.items():
        for pid in consent.participants_with(sorted(ids), "intervention_content",
                                             partner=provider_id, subject=code):
            consented.add((pid, provider_id, code))
    access = {e.pk: policy.enrolment_access(
        user, e, content_consent=(e.participant_id, e.intervention.provider_id,
                                  e.intervention.code) in consented) for e in enrolments}
    detailed = [e.pk for e in enrolments if access[e.pk] in (
        policy.ACCESS_FULL, policy.ACCESS_CONTENT, policy.ACCESS_PROCESS)]
    steps: dict[int, list[EnrolmentStep]] = defaultdict(list)
    attendance: dict[int, tuple[int, int]] = {}
    outcome_labels: dict[str, str] = {}
    if detailed:
        outcome_labels = codes.labels("enrolment_outcomes")["enrolment_outcomes"]
        for step in EnrolmentStep.objects.filter(enrolment_id__in=detailed).select_related(
                "recorded_by").order_by("id"):
            steps[step.enrolment_id].append(step)
        for row in (Attendance.objects.filter(enrolment_id__in=detailed)
                    .values("enrolment_id").order_by()
                    .annotate(total=Count("pk"),
                              present=Count("pk", filter=Q(status=AttendanceStatus.PRESENT)))):
            attendance[row["enrolment_id"]] = (row["present"], row["total"])
    result = []
    for e in enrolments:
        level = access[e.pk]
        if level is None:
            continue
        if level == policy.ACCESS_PARTICIPATION:
            status = PARTICIPATION_STATUS[e.status]
            result.append(EnrolmentView(e, level, status, str(PARTICIPATION_LABELS[status]),
                                        e.enrolled_on))
            continue
        content = level in (policy.ACCESS_FULL, policy.ACCESS_CONTENT)
        present, total = attendance.get(e.pk, (None, None))
        view = EnrolmentView(
            e, level, e.status, str(EnrolmentStatus(e.status).label), e.enrolled_on,
            dates=True, content=content, outcome_label=outcome_labels.get(e.outcome, ""),
            outcome_on=e.outcome_on, attended=present, sessions=total,
            certificate_on=e.certificate_on, content_report=e.content_report if content else "",
            edition=e.edition,
            steps=[StepView(s.action, str(StepAction(s.action).label), s.on, s.to_status,
                            outcome_labels.get(s.outcome, ""),
                            str(DecidedBy(s.decided_by).label)
                            if s.decided_by in DecidedBy.values else "",
                            s.reason if content else "",
                            s.recorded_by.display_name if s.recorded_by else "")
                   for s in steps[e.pk]])
        result.append(view)
    return result


def enrolments_of(user, participant: Participant) -> list[EnrolmentView]:
    """A participant's enrolments as the user may see them (the dossier tab, the timeline)."""
    qs = policy.scope(user, enrolments_queryset().filter(participant=participant))
    return views_for(user, qs.order_by("-enrolled_on", "-id"))


# --- Institution overview -----------------------------------------------------------------------

def institution_overview(user, institution: Institution, on: dt.date | None = None) -> dict:
    """The "clear point of contact" view of one institution: who to ask, the offer by
    restoration layer, editions planned, and the offers that stopped. (Participation this year
    is the `course-participation` report for this institution; see the view.)"""
    from herstelpad.accounts.models import Role, User

    on = on or today()
    rows = list(Availability.objects.filter(institution=institution)
                .select_related("intervention__provider", "intervention__reporting_level")
                .prefetch_related(Prefetch("intervention__layers", to_attr="layer_codes"))
                .order_by("intervention__name"))
    layer_labels = codes.labels("restoration_layers")["restoration_layers"]
    by_layer = {code: [] for code in layer_labels}
    for row in rows:
        if row.status in OFFERED_STATUSES:
            for layer in row.intervention.layer_codes:
                by_layer.setdefault(layer.code, []).append(row)
    stopped = [row for row in rows if row.status == AvailabilityStatus.STOPPED]
    planned = list(policy.scope(user, Edition.objects.filter(
        institution=institution, starts_on__gt=on)).select_related("intervention")
        .order_by("starts_on"))
    consultants = list(User.objects.filter(role=Role.HERSTELCONSULENT, is_active=True,
                                           institutions=institution).order_by("last_name"))
    return {
        "institution": institution,
        "by_layer": [{"code": code, "label": layer_labels.get(code, code), "rows": items}
                     for code, items in by_layer.items()],
        "offered_count": sum(1 for r in rows if r.status in OFFERED_STATUSES),
        "stopped": stopped,
        "planned": planned,
        "consultants": consultants,
        "contacts": [(r.intervention.name, r.contact_person) for r in rows
                     if r.contact_person and r.status in OFFERED_STATUSES],
    }


def formats() -> list[tuple[str, str]]:
    return list(Format.choices)
