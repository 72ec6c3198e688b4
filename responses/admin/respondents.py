"""Respondents: contact data, opt-out state and the opt-out action."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.access import MappedActionsAdminMixin
from responses.models import Respondent
from responses.services.respondents import respondent_opt_out


class OptedOutFilter(admin.SimpleListFilter):
    title = _("opted out")
    parameter_name = "opted_out"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(opted_out_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(opted_out_at__isnull=True)
        return queryset


@admin.register(Respondent)
class RespondentAdmin(MappedActionsAdminMixin, admin.ModelAdmin):
    list_display = ["ref", "type", "email", "phone", "locale", "timezone", "opted_out_at", "updated_at"]
    list_filter = ["type", OptedOutFilter, "locale"]
    search_fields = ["ref", "email", "phone"]
    readonly_fields = [
        "public_id",
        "type",
        "ref",
        "opted_out_at",
        "contact_updated_at",
        "created_at",
        "updated_at",
    ]
    fields = [
        "public_id",
        "type",
        "ref",
        "email",
        "phone",
        "locale",
        "timezone",
        "opted_out_at",
        "contact_updated_at",
        "created_at",
        "updated_at",
    ]
    actions = ["opt_out"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # respondents come from events

    @admin.action(description=_("Opt out of all surveys"))
    def opt_out(self, request: HttpRequest, queryset) -> None:
        for respondent in queryset:
            respondent_opt_out(respondent=respondent)
        messages.success(request, _("%(count)s respondent(s) opted out.") % {"count": queryset.count()})
