"""The plans app's timeline sources: plan versions and sign-off, goal changes (set, status,
actions) and reviews. Each uses one or two queries."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.participants import timeline
from herstelpad.plans.models import (
    GoalAction,
    GoalStatus,
    GoalStatusChange,
    PlanVersion,
    Review,
    SignOff,
)
from herstelpad.reference import codes


def _name(user) -> str:
    return user.display_name if user is not None else ""


class PlanSource:
    key = "plan"
    label = gettext_lazy("D&R-plan")

    def events(self, participant, user):
        versions = policy.scope(user, PlanVersion.objects.filter(plan__participant=participant)
                                ).select_related("established_by", "sign_off_recorded_by")
        for version in versions:
            url = reverse("plans:version", args=[participant.ref, version.pk])
            yield timeline.Event(
                on=version.established_on, kind=self.key, url=url, order=version.pk * 2,
                title=_("D&R-plan versie %(n)s vastgesteld") % {"n": version.number},
                detail=version.summary, actor=_name(version.established_by))
            if version.sign_off != SignOff.PENDING and version.sign_off_on:
                title = (_("D&R-plan versie %(n)s ondertekend door de deelnemer")
                         if version.sign_off == SignOff.SIGNED else
                         _("Deelnemer wil versie %(n)s van het D&R-plan niet ondertekenen"))
                yield timeline.Event(on=version.sign_off_on, kind=self.key, url=url,
                                     order=version.pk * 2 + 1, title=title % {
                                         "n": version.number},
                                     detail=version.sign_off_note,
                                     actor=_name(version.sign_off_recorded_by))


class GoalSource:
    key = "goals"
    label = gettext_lazy("Doelen")

    def events(self, participant, user):
        domains = codes.labels("domains")["domains"]
        changes = policy.scope(user, GoalStatusChange.objects.filter(
            goal__participant=participant)).select_related("goal", "recorded_by")
        for change in changes:
            goal = change.goal
            domain = domains.get(goal.domain, goal.domain)
            url = reverse("plans:goal", args=[participant.ref, goal.ref])
            if not change.from_status:
                title = _("Nieuw doel (%(domain)s)") % {"domain": domain}
                detail = goal.description
            else:
                title = _("Doel (%(domain)s): %(status)s") % {
                    "domain": domain, "status": GoalStatus(change.status).label}
                detail = "\n".join(x for x in (goal.description, change.reason) if x)
            yield timeline.Event(on=change.changed_on, kind=self.key, title=title,
                                 detail=detail, url=url, actor=_name(change.recorded_by),
                                 at=change.recorded_at, order=change.pk)
        actions = policy.scope(user, GoalAction.objects.filter(goal__participant=participant)
                               ).select_related("goal", "created_by")
        for action in actions:
            url = reverse("plans:goal", args=[participant.ref, action.goal.ref])
            domain = domains.get(action.goal.domain, action.goal.domain)
            yield timeline.Event(
                on=timezone.localtime(action.created_at).date(), kind=self.key, url=url,
                at=action.created_at, order=action.pk,
                title=_("Actie bij doel (%(domain)s): %(action)s") % {
                    "domain": domain, "action": action.description},
                detail=action.responsible, actor=_name(action.created_by))
            if action.done_on:
                yield timeline.Event(on=action.done_on, kind=self.key, url=url, order=action.pk,
                                     title=_("Actie gedaan: %(action)s") % {
                                         "action": action.description})


class ReviewSource:
    key = "reviews"
    label = gettext_lazy("Trajectgesprekken en MDO")

    def events(self, participant, user):
        reviews = policy.scope(user, Review.objects.filter(participant=participant)
                               ).select_related("recorded_by")
        url = reverse("plans:reviews", args=[participant.ref])
        for review in reviews:
            yield timeline.Event(
                on=review.held_on, kind=self.key, url=url, order=review.pk,
                title=_("%(kind)s gehouden") % {"kind": capfirst(review.get_kind_display())},
                detail=review.decisions, actor=_name(review.recorded_by))


for source in (PlanSource(), GoalSource(), ReviewSource()):
    timeline.register(source)
