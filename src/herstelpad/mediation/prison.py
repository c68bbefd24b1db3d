"""What the prison sees of herstelbemiddeling: facts only, in plain words.

For a participant the user may see (prison staff), per case:
- when the participant agreed to share it (`sharing.shared_with_prison`): that the case
  exists, when it was received, its phase in plain words (and the phases it went through, with
  dates) and whether contact between the parties took place;
- otherwise, only to the staff member who referred it: that the referral was received, and
  when;
- otherwise nothing at all — not even that a case exists.

Never the victim's side: no names, no answers, no reasons, no letters; not even the workflow's
own words ("not yet", "no") — the phases are coarse on purpose. The pages, the API and the
timeline use this module only; it reads cases and steps through `policy.scope` and selects
nothing but dates, states and the contact flag. A constant number of queries (two).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.mediation import workflows as wf
from herstelpad.mediation.models import CaseStep, MediationCase
from herstelpad.mediation.sharing import shared_with_prison

RECEIVED = "received"
INTAKE = "intake"
EXPLORING = "exploring"
PREPARATION = "preparation"
CONTACT = "contact"
PAUSED = "paused"
CLOSED = "closed"

PUBLIC_PHASE = {
    wf.REGISTERED: RECEIVED,
    wf.ASSIGNED: INTAKE, wf.REFERRER_CONTACTED: INTAKE, wf.INTAKE: INTAKE,
    wf.APPROACHED: EXPLORING, wf.CONVERSATIONS: EXPLORING, wf.NOT_YET: EXPLORING,
    wf.PREPARATION: PREPARATION,
    wf.CONTACT: CONTACT, wf.FOLLOW_UP: CONTACT,
    wf.PAUSED: PAUSED,
    wf.CLOSED: CLOSED,
}
PHASE_LABELS = {
    RECEIVED: _("Aanmelding ontvangen door de bemiddelingsorganisatie"),
    INTAKE: _("Een bemiddelaar is toegewezen: kennismaking en intake"),
    EXPLORING: _("De bemiddelaar verkent of contact mogelijk is"),
    PREPARATION: _("Het contact wordt voorbereid"),
    CONTACT: _("Er is contact tussen de partijen"),
    PAUSED: _("Tijdelijk gepauzeerd"),
    CLOSED: _("Afgesloten"),
}
PHASE_ORDER = (RECEIVED, INTAKE, EXPLORING, PREPARATION, CONTACT, PAUSED, CLOSED)


@dataclass
class Referral:
    """One case as the prison may see it."""

    ref: str
    participant_ref: str
    received_on: dt.date
    shared: bool  # the participant agreed to share: phase and contact are known
    referred_by_me: bool
    phase: str = RECEIVED
    closed_on: dt.date | None = None
    contact_took_place: bool | None = None
    phases: list[tuple[dt.date, str]] = field(default_factory=list)

    @property
    def phase_label(self):
        return PHASE_LABELS[self.phase]

    def as_dict(self) -> dict:
        if not self.shared:
            return {"case": self.ref, "participant": self.participant_ref,
                    "status": "received", "received_on": self.received_on.isoformat(),
                    "shared": False}
        return {"case": self.ref, "participant": self.participant_ref, "status": self.phase,
                "status_label": str(self.phase_label),
                "received_on": self.received_on.isoformat(), "shared": True,
                "contact_took_place": self.contact_took_place,
                "closed_on": self.closed_on.isoformat() if self.closed_on else None,
                "phases": [{"on": on.isoformat(), "status": phase} for on, phase in self.phases]}


def referrals(user, participant=None, *, qs=None) -> list[Referral]:
    """The cases the user may know of (for one participant, or all in the user's scope)."""
    if not policy.has_perm(user, "mediation.status"):
        return []
    cases = policy.scope(user, qs if qs is not None else MediationCase.objects.all())
    if participant is not None:
        cases = cases.filter(participant=participant)
    rows = list(cases.annotate(shared=_shared_expression()).order_by("received_on", "id")
                .values("pk", "ref", "participant__ref", "received_on", "state", "closed_on",
                        "contact_form", "referred_by_id", "shared"))
    shared_ids = [r["pk"] for r in rows if r["shared"]]
    history: dict[int, list[tuple[dt.date, str]]] = {pk: [] for pk in shared_ids}
    if shared_ids:
        for case_id, on, to_state in (policy.scope(user, CaseStep.objects.filter(
                case_id__in=shared_ids)).order_by("on", "id")
                .values_list("case_id", "on", "to_state")):
            phase = PUBLIC_PHASE.get(to_state)
            if phase and (not history[case_id] or history[case_id][-1][1] != phase):
                history[case_id].append((on, phase))
    result = []
    for row in rows:
        referral = Referral(ref=row["ref"], participant_ref=row["participant__ref"],
                            received_on=row["received_on"], shared=bool(row["shared"]),
                            referred_by_me=row["referred_by_id"] == user.pk)
        if referral.shared:
            referral.phase = PUBLIC_PHASE.get(row["state"], RECEIVED)
            referral.closed_on = row["closed_on"]
            referral.contact_took_place = bool(row["contact_form"])
            referral.phases = history.get(row["pk"]) or [(row["received_on"], RECEIVED)]
        result.append(referral)
    return result


def _shared_expression():
    from django.db.models import BooleanField, ExpressionWrapper

    return ExpressionWrapper(shared_with_prison(), output_field=BooleanField())
