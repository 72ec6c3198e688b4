"""The ops view of distribution: every event's decision, respondents, invitations, rules.

"Why did this event not lead to an invitation?" is answered on the event's page: its invitation
(with a quiet-hours deferral, if any) or its suppression with the reason and the numbers behind
it (the fatigue window, the quota, the sampling draw).

DistributionRule belongs to ``surveys`` but is registered here: its validation needs the
distribution engine's knowledge (known channels, fatigue scopes), and imports may only flow
surveys <- responses.
"""

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from responses.models import Invitation, QuotaCounter, Respondent, ServiceEvent, SourceSystem, Suppression
from responses.selectors import event_outcome
from responses.services.imports import ImportFileError, event_rows_read, events_import
from responses.services.respondents import respondent_opt_out
from responses.services.rules import rule_validate
from responses.services.sources import source_system_create, source_system_rotate_key
from surveys.models import DistributionRule


class ReadOnlyAdminMixin:
    """Rows written only by services: viewable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- source systems -------------------------------------------------------------------------


class SourceSystemForm(forms.ModelForm):
    class Meta:
        model = SourceSystem
        fields = ["name", "description", "is_active"]


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
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


# --- respondents --------------------------------------------------------------------------


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
class RespondentAdmin(admin.ModelAdmin):
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


# --- events, invitations, suppressions -------------------------------------------------------


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = [
        "survey",
        "status",
        "channel",
        "due_at",
        "deferred_reason",
        "sent_at",
        "expires_at",
        "last_error",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SuppressionInline(admin.TabularInline):
    model = Suppression
    fields = ["reason_label", "survey", "rule", "detail", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("reason"))
    def reason_label(self, obj: Suppression) -> str:
        return format_html("<strong>{}</strong> ({})", obj.get_reason_display(), obj.reason)


class EventUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    default_source = forms.CharField(label=_("Source for rows without one"), required=False, max_length=64)


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["external_id", "source", "type", "occurred_at", "respondent", "outcome"]
    list_filter = ["source", "type", "suppressions__reason", "received_at"]
    search_fields = ["external_id", "respondent__ref"]
    date_hierarchy = "occurred_at"
    fields = [
        "source",
        "external_id",
        "type",
        "occurred_at",
        "received_at",
        "respondent",
        "attributes",
        "batch_id",
    ]
    readonly_fields = fields
    inlines = [InvitationInline, SuppressionInline]
    change_list_template = "admin/responses/serviceevent/change_list.html"

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("respondent")
            .prefetch_related(
                Prefetch(
                    "invitations", queryset=Invitation.objects.only("id", "event_id", "deferred_reason")
                ),
                Prefetch("suppressions", queryset=Suppression.objects.only("id", "event_id", "reason")),
            )
        )

    @admin.display(description=_("outcome"))
    def outcome(self, obj: ServiceEvent) -> str:
        kind, reason = event_outcome(obj)
        labels = {"invited": _("invited"), "suppressed": _("suppressed"), "pending": _("no decision")}
        return f"{labels[kind]}: {reason}" if reason else str(labels[kind])

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="responses_serviceevent_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest):
        """Upload events from CSV/XLSX; answers with one result per row."""
        if not request.user.has_perm("responses.add_serviceevent") and not request.user.is_superuser:
            raise PermissionDenied
        results = None
        counts = None
        form = EventUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = list(
                    event_rows_read(
                        stream=upload.file,
                        filename=upload.name,
                        default_source=form.cleaned_data["default_source"],
                    )
                )
            except ImportFileError as exc:
                form.add_error("file", ValidationError(str(exc), code=exc.code))
            else:
                results = events_import(rows=rows)
                counts = dict.fromkeys(("accepted", "duplicate", "rejected"), 0)
                for row in results:
                    counts[row.result.status] += 1
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload service events"),
            "form": form,
            "results": results,
            "counts": counts,
        }
        return TemplateResponse(request, "admin/responses/serviceevent/upload.html", context)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "public_id",
        "survey",
        "respondent",
        "channel",
        "status",
        "due_at",
        "deferred_reason",
        "sent_at",
    ]
    list_filter = ["status", "channel", "deferred_reason", "survey"]
    search_fields = ["respondent__ref", "event__external_id"]
    date_hierarchy = "due_at"
    list_select_related = ["survey", "respondent"]
    # Never the token hash: it is enough to look an invitation up.
    fields = [
        "public_id",
        "survey",
        "survey_version",
        "rule",
        "event",
        "respondent",
        "status",
        "channel",
        "channels",
        "locale",
        "due_at",
        "deferred_reason",
        "sent_at",
        "opened_at",
        "started_at",
        "completed_at",
        "expires_at",
        "reminders_sent",
        "next_reminder_at",
        "attempts",
        "last_error",
        "context",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["event", "respondent", "survey", "rule", "reason", "created_at"]
    list_filter = ["reason", "survey", "created_at"]
    search_fields = ["event__external_id", "respondent__ref"]
    date_hierarchy = "created_at"
    list_select_related = ["event", "respondent", "survey", "rule"]
    fields = ["event", "respondent", "survey", "rule", "reason", "detail", "created_at"]
    readonly_fields = fields


@admin.register(QuotaCounter)
class QuotaCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["rule", "day", "value", "count"]
    list_filter = ["rule", "day"]


# --- distribution rules -------------------------------------------------------------------------


class DistributionRuleForm(forms.ModelForm):
    """Parses the JSON fields and checks the rule as a whole with ``rule_validate``."""

    class Meta:
        model = DistributionRule
        fields = [
            "name",
            "survey",
            "is_active",
            "priority",
            "active_from",
            "active_until",
            "event_types",
            "source",
            "attribute_filters",
            "audience",
            "sampling_rate",
            "quota_attribute",
            "quota_min_per_day",
            "quota_max_per_day",
            "fatigue_days",
            "fatigue_scope",
            "delay_minutes",
            "max_event_age_hours",
            "quiet_hours_start",
            "quiet_hours_end",
            "link_expiry_hours",
            "reminder_count",
            "reminder_after_hours",
            "channels",
        ]
        widgets = {
            "event_types": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "attribute_filters": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "channels": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }

    def clean(self):
        cleaned = super().clean()
        candidate = copy.copy(self.instance)
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        for name in ("event_types", "attribute_filters", "channels"):
            if name in self.errors:
                return cleaned  # not JSON: the field already says so
        try:
            rule_validate(rule=candidate)
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return cleaned


@admin.register(DistributionRule)
class DistributionRuleAdmin(admin.ModelAdmin):
    form = DistributionRuleForm
    list_display = [
        "name",
        "survey",
        "audience",
        "priority",
        "is_active",
        "sampling_rate",
        "channels_display",
    ]
    list_filter = ["is_active", "audience", "survey"]
    search_fields = ["name", "survey__key"]
    list_select_related = ["survey"]
    fieldsets = [
        (None, {"fields": ["name", "survey", "is_active", "priority", "active_from", "active_until"]}),
        (_("Matching"), {"fields": ["event_types", "source", "attribute_filters", "audience"]}),
        (
            _("Sampling and quotas"),
            {"fields": ["sampling_rate", "quota_attribute", "quota_min_per_day", "quota_max_per_day"]},
        ),
        (_("Fatigue"), {"fields": ["fatigue_days", "fatigue_scope"]}),
        (
            _("Timing"),
            {
                "fields": [
                    "delay_minutes",
                    "max_event_age_hours",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "link_expiry_hours",
                    "reminder_count",
                    "reminder_after_hours",
                ]
            },
        ),
        (_("Channels"), {"fields": ["channels"]}),
    ]

    @admin.display(description=_("channel order"))
    def channels_display(self, obj: DistributionRule) -> str:
        return " → ".join(obj.channels) if isinstance(obj.channels, list) else ""


# Responses and open links are registered in their own module.
from responses import admin_answers  # noqa: E402, F401
