"""The export records, read-only: who exported what, with which filters, when."""

from django.contrib import admin

from exports.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "username", "kind", "survey_key", "format", "mode", "status", "rows")
    list_filter = ("kind", "format", "mode", "status", "with_contact")
    search_fields = ("username", "survey_key")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Export._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
