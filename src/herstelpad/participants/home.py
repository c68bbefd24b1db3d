"""The "needs attention" panel on the home page of casemanagers, mentors and unit heads:
D&R-plans not made within four weeks, reviews overdue or due this week, actions past their date.
Casemanagers and mentors see their caseload, unit heads their institutions. Three queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from herstelpad import policy
from herstelpad.accounts.models import Role
from herstelpad.participants import services

PANEL_ROLES = {Role.CASEMANAGER: True, Role.MENTOR: True, Role.UNIT_HEAD: False}
LIMIT = 10


def attention_panel(request) -> dict | None:
    from herstelpad.plans.models import GoalAction

    user = request.user
    if user.role not in PANEL_ROLES or not policy.has_perm(user, "participants.view"):
        return None
    mine = PANEL_ROLES[Role(user.role)]
    on = services.today()
    present = services.caseload(user, services.CaseloadQuery(mine=mine, presence="present"))
    plan_overdue = Q(current_episode__plan_established_on__isnull=True,
                     current_episode__plan_due_on__lt=on)
    review_overdue = Q(current_episode__next_review_on__lt=on)
    review_soon = Q(current_episode__next_review_on__gte=on,
                    current_episode__next_review_on__lte=on + dt.timedelta(days=7))
    counts = present.order_by().aggregate(
        total=Count("pk"), plan_overdue=Count("pk", filter=plan_overdue),
        review_overdue=Count("pk", filter=review_overdue),
        review_soon=Count("pk", filter=review_soon))
    actions_overdue = GoalAction.objects.filter(
        goal__participant__in=present.values("pk"), goal__status="open",
        done_on__isnull=True, due_on__lt=on).count()
    urgent = list(present.filter(plan_overdue | review_overdue | review_soon)
                  .order_by("current_episode__plan_due_on")[:LIMIT])
    rows = [{"participant": p, "deadlines": services.deadlines(p, on)} for p in urgent]
    return {"template": "participants/_home_panel.html", "mine": mine, "counts": counts,
            "actions_overdue": actions_overdue, "rows": rows}
