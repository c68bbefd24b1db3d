from rest_framework.permissions import BasePermission

from herstelpad import policy


def view_permission(view) -> str | None:
    """The permission a view needs for the current request: `permission_by_action[action]`
    when a viewset declares one for this action (writes), else `permission`."""
    by_action = getattr(view, "permission_by_action", None) or {}
    return by_action.get(getattr(view, "action", None)) or getattr(view, "permission", None)


class PolicyPermission(BasePermission):
    """Every API view declares `permission = "<name>"` (and a viewset may name a stricter one
    per action in `permission_by_action`); the policy decides. A view without a declaration is
    refused (deny by default). Runs after token authentication."""

    def has_permission(self, request, view) -> bool:
        perm = view_permission(view)
        if not perm:
            return False
        if not policy.has_perm(request.user, perm):
            if request.user and request.user.is_authenticated:
                from herstelpad.audit import services as audit

                audit.record_denied_request(request._request, perm)
            return False
        return True
