from django.contrib import admin

from herstelpad.admin import PolicyInline, PolicyModelAdmin, admin_site
from herstelpad.reference.models import Code, CodeList


class CodeInline(PolicyInline, admin.TabularInline):
    model = Code
    extra = 0
    fields = ["code", "label_nl", "label_en", "position", "active"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are stable keys: they can be added and deactivated, not renamed.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CodeList, site=admin_site)
class CodeListAdmin(PolicyModelAdmin):
    list_display = ["name", "label_nl", "label_en"]
    search_fields = ["name", "label_nl", "label_en"]
    inlines = [CodeInline]
    can_delete = False

    immutable_fields = ("name",)


@admin.register(Code, site=admin_site)
class CodeAdmin(PolicyModelAdmin):
    list_display = ["code", "code_list", "label_nl", "label_en", "position", "active"]
    list_filter = ["code_list", "active"]
    search_fields = ["code", "label_nl", "label_en"]
    can_delete = False

    immutable_fields = ("code_list", "code")
