from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from herstelpad.admin import PolicyModelAdmin, admin_site
from herstelpad.accounts.models import User


@admin.register(User, site=admin_site)
class HerstelpadUserAdmin(PolicyModelAdmin, UserAdmin):
    permission = "accounts.manage"
    can_delete = False  # deactivate instead: the audit trail keeps referring to the account
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    filter_horizontal = ["institutions"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Persoon"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Rol en werkplek"), {"fields": ["role", "organisation", "institutions"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"],
                "fields": ["username", "password1", "password2", "role", "organisation",
                           "institutions"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(TokenProxy, site=admin_site)
class ApiTokenAdmin(PolicyModelAdmin, TokenAdmin):
    """API tokens for integrations: one per integration account."""

    permission = "accounts.manage"
