"""The admin site, for functional administrators only: reference data and user accounts.

It asks the policy for every permission (`PolicyModelAdmin`), signs in through the normal
two-factor login, and never lists the audit trail (no one edits that through the application).
"""

from __future__ import annotations

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from herstelpad import policy


class HerstelpadAdminSite(admin.AdminSite):
    site_header = _("Herstelpad — beheer")
    site_title = _("Herstelpad beheer")
    index_title = _("Referentiegegevens en gebruikers")
    enable_nav_sidebar = False

    def has_permission(self, request) -> bool:
        user = request.user
        if settings.REQUIRE_2FA and user.is_authenticated and not user.is_verified():
            return False
        return policy.has_perm(user, "reference.manage") or policy.has_perm(
            user, "accounts.manage")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # A signed-in user without the permission gets a 403 (and an audit entry), not the
            # admin's own login page.
            if request.user.is_authenticated and not self.has_permission(request):
                from herstelpad.audit import services as audit

                audit.record_denied_request(request, "reference.manage")
                raise PermissionDenied("admin")
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        # One way in: the two-factor login of the application.
        return redirect_to_login(request.GET.get("next", self.index_url()))

    def index_url(self) -> str:
        from django.urls import reverse

        return reverse("admin:index", current_app=self.name)


admin_site = HerstelpadAdminSite(name="admin")


class PolicyModelAdmin(admin.ModelAdmin):
    """Permissions come from the policy (`permission`), not from Django's per-model flags."""

    permission = "reference.manage"
    can_delete = True
    # Fields that are stable keys: set when the object is created, read-only afterwards.
    immutable_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.immutable_fields if obj is not None else readonly

    def _allowed(self, request) -> bool:
        return policy.has_perm(request.user, self.permission)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.can_delete and self._allowed(request)


class PolicyInline:
    permission = "reference.manage"

    def _allowed(self, request) -> bool:
        return policy.has_perm(request.user, self.permission)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)
