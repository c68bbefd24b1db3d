from django.contrib import admin

from herstelpad.admin import PolicyModelAdmin, admin_site
from herstelpad.organisations.models import Institution, Municipality, Organisation


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(PolicyModelAdmin):
    list_display = ["code", "name", "type", "active"]
    list_filter = ["type", "active"]
    search_fields = ["code", "name"]
    can_delete = False

    immutable_fields = ("code",)


@admin.register(Institution, site=admin_site)
class InstitutionAdmin(PolicyModelAdmin):
    list_display = ["code", "name", "type", "parent", "places", "active"]
    list_filter = ["type", "active"]
    search_fields = ["code", "name"]
    can_delete = False

    immutable_fields = ("code",)


@admin.register(Municipality, site=admin_site)
class MunicipalityAdmin(PolicyModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    can_delete = False
