"""Maintenance of the facility configuration by the functional administrator (`/beheer/`):
profiles, capacity history, inflow routes and criterion versions. Not person data; every change
is also written to the audit trail. Criterion versions that screened candidates are kept
(PROTECT): a change of criteria is a new version with a later date."""

from django.contrib import admin

from herstelpad.admin import PolicyInline, PolicyModelAdmin, admin_site
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.facilities.models import (
    CapacityPeriod,
    CapacityPlaces,
    Criterion,
    CriterionSet,
    FacilityProfile,
    RouteStep,
)


class AuditedAdmin(PolicyModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(Action.UPDATE if change else Action.CREATE, obj=obj,
                     details={"fields": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        audit.record(Action.DELETE, obj=obj)
        super().delete_model(request, obj)


@admin.register(FacilityProfile, site=admin_site)
class FacilityProfileAdmin(AuditedAdmin):
    list_display = ["institution", "legal_frame", "region_label"]
    filter_horizontal = ["municipalities"]
    can_delete = False


class CapacityPlacesInline(PolicyInline, admin.TabularInline):
    model = CapacityPlaces
    extra = 0


@admin.register(CapacityPeriod, site=admin_site)
class CapacityPeriodAdmin(AuditedAdmin):
    list_display = ["facility", "effective_from", "places", "reason"]
    list_filter = ["facility"]
    inlines = [CapacityPlacesInline]


@admin.register(RouteStep, site=admin_site)
class RouteStepAdmin(AuditedAdmin):
    list_display = ["facility", "order", "code", "name", "kind", "decider"]
    list_filter = ["facility"]
    immutable_fields = ("facility", "code")


class CriterionInline(PolicyInline, admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(CriterionSet, site=admin_site)
class CriterionSetAdmin(AuditedAdmin):
    list_display = ["facility", "effective_from", "note"]
    list_filter = ["facility"]
    inlines = [CriterionInline]
    immutable_fields = ("facility", "effective_from")
    can_delete = False
