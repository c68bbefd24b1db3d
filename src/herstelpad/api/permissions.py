from rest_framework.permissions import BasePermission

from herstelpad import policy


class PolicyPermission(BasePermission):
    """Every API view declares `permission = "<name>"`; the policy decides. A view without a
    declaration is refused (deny by default). Runs after token authentication."""

    def has_permission(self, request, view) -> bool:
        perm = getattr(view, "permission", None)
        if not perm:
            return False
        if not policy.has_perm(request.user, perm):
            if request.user and request.user.is_authenticated:
                from herstelpad.audit import services as audit

                audit.record_denied_request(request._request, perm)
            return False
        return True
