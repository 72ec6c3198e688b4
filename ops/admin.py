"""The audit trail, read-only: entries are written by services only (ops.services.audit_record)."""

from django.contrib import admin

from ops.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_label", "object_id", "object_repr")
    list_filter = ("action", "object_label")
    search_fields = ("object_id", "object_repr", "actor__username")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "action", "object_label", "object_id", "object_repr", "before", "after")
    fields = readonly_fields
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
