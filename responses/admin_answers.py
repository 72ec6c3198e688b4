"""Admin for what respondents said (read-only) and for open links with their QR codes.

Every respondent text is shown through ``format_html`` / ``format_html_join``, which escape
their arguments: a ``<script>`` typed into a long text shows as text, never runs.
"""

import json

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from responses.models import Answer, OpenLink, Response
from responses.respondent_views import open_link_url
from surveys.templatetags.survey_tags import loc


def _value_text(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "survey",
        "status",
        "locale",
        "origin",
        "started_at",
        "completed_at",
        "contact_consent",
    ]
    list_filter = ["survey", "status", "completed_at", "started_at", "locale", "contact_consent"]
    date_hierarchy = "started_at"
    search_fields = ["public_id"]
    list_select_related = ["survey"]
    fields = [
        "public_id",
        "survey",
        "survey_version",
        "origin_link",
        "status",
        "locale",
        "started_at",
        "updated_at",
        "completed_at",
        "contact_consent",
        "context_shown",
        "answers_table",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("origin"))
    def origin(self, obj: Response) -> str:
        return _("Invitation") if obj.invitation_id else _("Open link")

    @admin.display(description=_("invitation or open link"))
    def origin_link(self, obj: Response) -> str:
        if obj.invitation_id:
            invitation = obj.invitation
            return format_html(
                '<a href="{}">{}</a> · <a href="{}">{}</a>',
                reverse("admin:responses_invitation_change", args=[invitation.pk]),
                _("Invitation"),
                reverse("admin:responses_serviceevent_change", args=[invitation.event_id]),
                _("Event"),
            )
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:responses_openlink_change", args=[obj.open_link_id]),
            obj.open_link.name,
        )

    @admin.display(description=_("context"))
    def context_shown(self, obj: Response) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.context, ensure_ascii=False, indent=2, sort_keys=True)
        )

    @admin.display(description=_("answers"))
    def answers_table(self, obj: Response) -> str:
        definition = obj.survey_version.definition
        texts = {
            q["key"]: loc(q.get("text"), get_language() or "zh-hans")
            for q in definition.get("questions") or []
        }
        rows = [
            (
                texts.get(answer.question_key, answer.question_key),
                answer.question_key,
                _value_text(answer.value),
            )
            for answer in Answer.objects.filter(response=obj).order_by("id")
        ]
        if not rows:
            return _("No answers yet.")
        body = format_html_join(
            "", '<tr><th scope="row">{}<br><code>{}</code></th><td class="answer-value">{}</td></tr>', rows
        )
        return format_html("<table>{}</table>", body)


class OpenLinkForm(forms.ModelForm):
    class Meta:
        model = OpenLink
        fields = ["survey", "name", "attributes", "is_active", "expires_at"]

    def clean_attributes(self) -> dict:
        value = self.cleaned_data.get("attributes") or {}
        if not isinstance(value, dict) or any(
            isinstance(item, dict | list) or not isinstance(key, str) for key, item in value.items()
        ):
            raise forms.ValidationError(
                _('Attributes must be a flat JSON object, e.g. {"store_id": "1024", "channel": "qr"}.'),
                code="attributes_not_flat",
            )
        return value


@admin.register(OpenLink)
class OpenLinkAdmin(admin.ModelAdmin):
    form = OpenLinkForm
    list_display = ["name", "survey", "is_active", "expires_at", "link", "created_at"]
    list_filter = ["is_active", "survey"]
    search_fields = ["name"]
    list_select_related = ["survey"]
    readonly_fields = ["link", "qr_code", "created_at", "updated_at"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = ["survey", "name", "attributes", "is_active", "expires_at"]
        return fields + (["link", "qr_code", "created_at", "updated_at"] if obj else [])

    @admin.display(description=_("link"))
    def link(self, obj: OpenLink) -> str:
        url = open_link_url(obj)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("QR code"))
    def qr_code(self, obj: OpenLink) -> str:
        svg = reverse("open-link-qr", kwargs={"slug": obj.slug, "kind": "svg"})
        png = reverse("open-link-qr", kwargs={"slug": obj.slug, "kind": "png"})
        return format_html(
            '<img src="{}" width="200" height="200" alt="{}"><br><a href="{}" download>{}</a> · '
            '<a href="{}" download>{}</a>',
            svg,
            _("QR code of the link"),
            svg,
            _("Download SVG"),
            png,
            _("Download PNG"),
        )
