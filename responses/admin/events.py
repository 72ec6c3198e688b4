"""Events and their decisions: invitations, suppressions, quota counters, the CSV/XLSX upload.

"Why did this event not lead to an invitation?" is answered on the event's page: its invitation
(with a quiet-hours deferral, if any) or its suppression with the reason and the numbers behind
it (the fatigue window, the quota, the sampling draw), in one sentence.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.access import admin_page
from config.permissions import admin_view_need, user_meets
from responses.admin.base import ReadOnlyAdminMixin
from responses.distribution.explain import reason_explain
from responses.models import Invitation, QuotaCounter, ServiceEvent, Suppression
from responses.selectors import event_outcome
from responses.services.imports import ImportFileError, event_rows_read, events_import


def suppression_explain(suppression: Suppression, *, event: ServiceEvent) -> str:
    """The suppression's reason in words, with the numbers the engine recorded."""
    return reason_explain(
        suppression.reason,
        suppression.detail,
        rule_name=suppression.rule.name if suppression.rule else "",
        event_type=event.type,
        source=event.source,
        audience=event.respondent.type,
    )


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
    readonly_fields = ["decision", *fields]
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

    def get_fields(self, request: HttpRequest, obj=None):
        return ["decision", *self.fields]

    @admin.display(description=_("decision"))
    def decision(self, obj: ServiceEvent) -> str:
        """One sentence answering "why did (or didn't) this event lead to an invitation?"."""
        invitation = Invitation.objects.filter(event=obj).select_related("survey").first()
        if invitation is not None:
            text = _("Invited to %(survey)s by %(channel)s, due %(due)s.") % {
                "survey": invitation.survey.key,
                "channel": invitation.channel,
                "due": invitation.due_at.isoformat(),
            }
            if invitation.deferred_reason == "quiet_hours":
                text += " " + str(_("Deferred out of the respondent's quiet hours."))
            return text
        suppression = Suppression.objects.filter(event=obj).select_related("rule").first()
        if suppression is None:
            return str(_("No decision recorded."))
        return suppression_explain(suppression, event=obj)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        can_upload = user_meets(request.user, admin_view_need("admin:responses_serviceevent_upload"))
        return super().changelist_view(request, {**(extra_context or {}), "can_upload": can_upload})

    def get_urls(self):
        name = "responses_serviceevent_upload"
        return [
            path("upload/", admin_page(self.admin_site, self.upload_view, name), name=name),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest):
        """Upload events from CSV/XLSX; answers with one result per row."""
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
