from django.contrib import admin

from herstelpad.admin import PolicyInline, PolicyModelAdmin, admin_site
from herstelpad.interventions.models import Availability, Intervention


class AvailabilityInline(PolicyInline, admin.TabularInline):
    model = Availability
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(Intervention, site=admin_site)
class InterventionAdmin(PolicyModelAdmin):
    list_display = ["name", "code", "provider_kind", "provider", "format", "reporting_level",
                    "active"]
    list_filter = ["format", "provider_kind", "target_sex", "active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["layers"]
    inlines = [AvailabilityInline]
    can_delete = False

    immutable_fields = ("code",)
