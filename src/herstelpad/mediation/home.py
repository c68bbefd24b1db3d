"""The mediator's panel on the home page: open cases, cases waiting for assignment and "not
yet — approach again on" reminders that are due. Three queries."""

from __future__ import annotations

from herstelpad import policy
from herstelpad.mediation import services


def mediator_panel(request) -> dict | None:
    user = request.user
    if not policy.has_perm(user, "mediation.work"):
        return None
    mine = services.my_cases(user)
    return {"template": "mediation/_home_panel.html", "open": len(mine),
            "due": [row for row in services.due_reminders(user, within_days=0)],
            "unassigned": len(services.unassigned_cases(user))}
