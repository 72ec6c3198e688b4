"""Source systems: create one (its API key is shown once), rotate keys."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.access import MappedActionsAdminMixin
from responses.models import SourceSystem
from responses.services.sources import source_system_create, source_system_rotate_key


class SourceSystemForm(forms.ModelForm):
    class Meta:
        model = SourceSystem
        fields = ["name", "description", "is_active"]


@admin.register(SourceSystem)
class SourceSystemAdmin(MappedActionsAdminMixin, admin.ModelAdmin):
    form = SourceSystemForm
    list_display = ["name", "description", "key_prefix", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["key_prefix", "created_at", "updated_at"]
    actions = ["rotate_key"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: SourceSystem, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created, key = source_system_create(name=obj.name, description=obj.description)
        obj.pk = created.pk
        messages.warning(
            request,
            _("API key of %(name)s, shown only now: %(key)s") % {"name": created.name, "key": key},
        )

    @admin.action(description=_("Replace the API key (the old one stops working)"))
    def rotate_key(self, request: HttpRequest, queryset) -> None:
        for system in queryset:
            key = source_system_rotate_key(source_system=system)
            messages.warning(
                request,
                _("New API key of %(name)s, shown only now: %(key)s") % {"name": system.name, "key": key},
            )
