"""Enforces the access policy on every request (deny by default).

A view must declare a permission (see `herstelpad.policy`). A view that declares none is refused
with 403 and logged as a configuration error. The Django admin (functional administrators only)
enforces the same policy through its `has_permission`; API views enforce it in
`herstelpad.api.permissions.PolicyPermission`, after token authentication has run.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from herstelpad import policy

logger = logging.getLogger(__name__)


def needs_second_factor(user) -> bool:
    return bool(settings.REQUIRE_2FA and user.is_authenticated and not user.is_verified())


class AccessPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.app_name == "admin":
            return None  # HerstelpadAdminSite.has_permission asks the policy
        perm = policy.declared_permission(view_func)
        if perm is None:
            logger.error("View %s declares no permission; refused", match and match.view_name)
            raise PermissionDenied("undeclared view")
        if perm == policy.PUBLIC or policy.is_api_view(view_func):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if needs_second_factor(user) and perm not in policy.UNVERIFIED_ALLOWED:
            return redirect("two_factor:setup")
        if not policy.has_perm(user, perm):
            from herstelpad.audit import services as audit

            audit.record_denied_request(request, perm)
            raise PermissionDenied(perm)
        return None
