"""The facility panels on the home page. The facility team: per facility of the user, the
candidates in selection, those waiting longer than two weeks in their step, those approved and
waiting for placement, and participants whose planned return from a temporary return has
passed (two queries). The DIZ selection officer: the advices waiting for the DIZ decision per
facility (one query)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from herstelpad import policy
from herstelpad.facilities import services
from herstelpad.facilities import workflows as wf
from herstelpad.facilities.models import Candidate, Decider, TemporaryReturn

LONG_IN_STEP_DAYS = 14


def facility_panel(request) -> dict | None:
    user = request.user
    if policy.has_perm(user, "facilities.decide_diz"):
        return _diz_panel(user)
    if not policy.has_perm(user, "facilities.manage") or user.role in policy.NATIONAL_ROLES:
        return None
    facilities = {f.pk: f for f in services.facilities_for(user).order_by("name")}
    if not facilities:
        return None
    today = services.today()
    long_since = today - dt.timedelta(days=LONG_IN_STEP_DAYS)
    counts = {row["facility_id"]: row for row in (
        policy.scope(user, Candidate.objects.filter(facility_id__in=list(facilities),
                                                    state__in=(wf.OPEN, wf.APPROVED)))
        .order_by().values("facility_id")
        .annotate(open=Count("pk", filter=Q(state=wf.OPEN)),
                  waiting=Count("pk", filter=Q(state=wf.OPEN, step_since__lt=long_since)),
                  approved=Count("pk", filter=Q(state=wf.APPROVED))))}
    overdue = dict(policy.scope(user, TemporaryReturn.objects.filter(
        stay__institution_id__in=list(facilities), stay__left_on__isnull=True,
        returned_on__isnull=True,
        planned_return_on__lt=today)).order_by().values("stay__institution_id")
        .annotate(n=Count("pk")).values_list("stay__institution_id", "n"))
    rows = [{"facility": facility, "open": counts.get(pk, {}).get("open", 0),
             "waiting": counts.get(pk, {}).get("waiting", 0),
             "approved": counts.get(pk, {}).get("approved", 0), "overdue": overdue.get(pk, 0)}
            for pk, facility in facilities.items()]
    return {"template": "facilities/_home_panel.html", "rows": rows,
            "long_days": LONG_IN_STEP_DAYS}


def _diz_panel(user) -> dict | None:
    """The selection officer: per facility, the advices waiting for the DIZ decision. One
    query."""
    rows = list(policy.scope(user, Candidate.objects.filter(
        state=wf.OPEN, step__decider=Decider.DIZ)).order_by().values(
        "facility__code", "facility__name", "step__code").annotate(n=Count("pk"))
        .order_by("facility__name"))
    return {"template": "facilities/_home_panel_diz.html", "rows": rows}
