"""What every page of a dossier needs: the participant fetched through the policy (an audited
read; 403 and an audit entry outside the user's scope) and the header (name, where, remaining
sentence, regime, deadlines) with a constant number of queries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from herstelpad import policy
from herstelpad.concurrency import ConflictError
from herstelpad.participants import services
from herstelpad.participants.models import Participant
from herstelpad.reference import codes

TABS = [
    ("overview", _("Overzicht"), "participants:detail", "participants.view"),
    ("plan", _("D&R-plan en doelen"), "plans:plan", "plans.view"),
    ("reviews", _("Gesprekken"), "plans:reviews", "plans.view"),
    ("strengths", _("Krachten"), "plans:strengths", "plans.view"),
    ("notes", _("Notities"), "participants:notes", "participants.notes"),
    ("timeline", _("Tijdlijn"), "participants:timeline", "participants.view"),
    ("action_plan", _("Actieplan"), "plans:action_plan", "plans.view"),
]

def register_tab(key: str, label, url_name: str, permission: str, *,
                 before: str | None = None) -> None:
    """Add a tab to every dossier (another app's part of the dossier). The URL takes the
    participant's ref; the tab shows only to users who hold `permission`. Registering a key
    again replaces the tab."""
    from herstelpad import policy as _policy

    _policy.roles_with(permission)  # an unknown permission is a programming error
    TABS[:] = [tab for tab in TABS if tab[0] != key]
    entry = (key, label, url_name, permission)
    keys = [tab[0] for tab in TABS]
    TABS.insert(keys.index(before) if before in keys else len(TABS), entry)


PERMISSIONS = ("participants.manage", "participants.regime", "participants.assign",
               "participants.notes", "plans.manage", "plans.goals", "plans.view")

LABEL_LISTS = ("legal_statuses", "regimes", "outflow_types", "return_reasons", "domains",
               "offence_categories")


def get_participant(request, ref: str, *, purpose: str = "") -> Participant:
    return policy.get_object(
        request.user,
        Participant.objects.select_related("current_stay__institution", "current_episode"),
        purpose=purpose, ref=ref)


def context(request, participant: Participant, tab: str, **extra) -> dict:
    """The header and navigation of a dossier page."""
    from django.urls import reverse

    from herstelpad.plans.models import PlanVersion

    user = request.user
    labels = codes.labels(*LABEL_LISTS)
    stay = participant.current_stay
    episode = participant.current_episode
    try:
        regime = services.regime_state(episode.pk) if episode is not None else None
    except services.TransitionError:
        # A history that no longer replays (the services refuse to create one; data from
        # before that check) must not close the whole dossier: the steps are still listed.
        regime = None
    latest_version = (PlanVersion.objects.filter(plan__episode=episode).order_by("-number")
                      .first() if episode is not None else None)
    tabs = [{"key": key, "label": label, "url": reverse(url_name, args=[participant.ref]),
             "current": key == tab}
            for key, label, url_name, perm in TABS if policy.has_perm(user, perm)]
    return {
        "participant": participant,
        "stay": stay,
        "episode": episode,
        "regime": regime,
        "remaining": services.remaining_sentence(stay.sentence_end_on) if stay else None,
        "deadlines": services.deadlines(participant),
        "latest_version": latest_version,
        "labels": labels,
        "tabs": tabs,
        "tab": tab,
        "can": {perm.replace(".", "_"): policy.has_perm(user, perm) for perm in PERMISSIONS},
        "today": services.today(),
        **extra,
    }


def run_service(form, call):
    """Call a service with the form's data; put its errors on the form. Returns
    (result, status): status 409 for a conflict, 400 for invalid input, 200 when done."""
    from django.core.exceptions import ValidationError

    try:
        return call(), 200
    except ConflictError as exc:
        form.add_error(None, exc.message)
        return None, 409
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None, 400
