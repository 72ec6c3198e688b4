"""DistributionRule's admin: a form ops can fill, overlap warnings and the dry run.

DistributionRule is registered beside the engine: its validation needs the engine's knowledge
(registered channels, fatigue scopes, event type syntax). ``responses/admin/__init__.py`` imports
this module, since Django's admin discovers ``<app>.admin`` modules only.

The form shows structured fields (a percentage, numbers with units, rows of attribute filters,
one select per channel, quiet hours with their time zone) that clean to the stored form the
engine and the API read; every check runs on every save and all problems are shown at once,
each beside its field and listed above the form with the field's name.
"""

import copy
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.access import admin_page
from config.permissions import admin_view_need, user_meets
from responses import selectors
from responses.distribution.admin_fields import (
    AttributeFiltersField,
    ChannelOrderField,
    DurationField,
    EventTypesField,
    PercentField,
    quiet_hours_timezone_choices,
)
from responses.distribution.dry_run import DryRunInvalid, event_dry_run
from responses.distribution.explain import dry_run_explain, overlap_explain
from responses.distribution.models import DistributionRule
from responses.distribution.rule_validation import rule_validate
from responses.distribution.rules import rules_overlapping

# Checked by rule_validate with a message that names the field; the database constraint's
# "Constraint … is violated" would only repeat it.
_CONSTRAINTS_CHECKED_BY_FORM = {"sampling_rate", "quota_min_per_day", "quota_max_per_day"}


class DistributionRuleForm(forms.ModelForm):
    """Structured fields in, the stored form out; checked as a whole with ``rule_validate``."""

    event_types = EventTypesField(
        label=gettext_lazy("event types"),
        help_text=gettext_lazy("Dotted event types, separated by commas, e.g. order.delivered."),
    )
    attribute_filters = AttributeFiltersField(
        label=gettext_lazy("attribute filters"),
        help_text=gettext_lazy(
            "Only events whose attributes pass every filter; an event without the attribute never "
            "passes. “is one of”: values separated by commas."
        ),
    )
    sampling_rate = PercentField(
        label=gettext_lazy("sampling (%)"),
        initial=1.0,
        help_text=gettext_lazy("Share of matching events that get a survey, 0 to 100."),
    )
    delay_minutes = DurationField(
        base="minutes",
        units=("minutes", "hours", "days"),
        label=gettext_lazy("delay after the event"),
        initial=30,
    )
    max_event_age_hours = DurationField(
        base="hours",
        units=("hours", "days"),
        label=gettext_lazy("maximum event age"),
        initial=72,
        help_text=gettext_lazy("Older events are recorded as stale and never invite."),
    )
    fatigue_days = DurationField(
        base="days",
        units=("days", "weeks"),
        label=gettext_lazy("fatigue"),
        initial=14,
        help_text=gettext_lazy("At most one invitation per respondent in this period; 0: no limit."),
    )
    link_expiry_hours = DurationField(
        base="hours", units=("hours", "days", "weeks"), label=gettext_lazy("link expires after"), initial=168
    )
    reminder_after_hours = DurationField(
        base="hours", units=("hours", "days"), label=gettext_lazy("reminder after"), initial=48
    )
    channels = ChannelOrderField(
        label=gettext_lazy("channel order"),
        help_text=gettext_lazy(
            "The first channel the respondent can be reached on is used; the others are fallbacks."
        ),
    )
    quiet_hours_timezone = forms.ChoiceField(
        label=gettext_lazy("quiet hours time zone"),
        choices=quiet_hours_timezone_choices,
        required=False,
    )

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
            "quiet_hours_timezone",
            "link_expiry_hours",
            "reminder_count",
            "reminder_after_hours",
            "channels",
        ]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)

    def clean(self):
        cleaned = super().clean()
        candidate = copy.copy(self.instance)
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        try:
            rule_validate(rule=candidate)
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                if name in self.errors:
                    continue  # the field could not be read: its own message says why
                if name in self.fields and name not in cleaned:
                    continue
                self.add_error(name if name in self.fields else None, errors)
        return cleaned

    def validate_constraints(self) -> None:
        exclude = self._get_validation_exclusions() | _CONSTRAINTS_CHECKED_BY_FORM
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)

    def error_summary(self) -> list[tuple[str, str]]:
        """(the field's label, the message) for every problem, in the form's order."""
        summary = []
        order = list(self.fields)
        for name, errors in sorted(self.errors.items(), key=lambda item: _position(order, item[0])):
            label = str(self.fields[name].label) if name in self.fields else ""
            summary += [(label, str(message)) for message in errors]
        return summary


def _position(order: list[str], name: str) -> int:
    return order.index(name) if name in order else -1  # non-field errors first


def _overlaps_for(rule: DistributionRule | None = None) -> list:
    """Overlaps among the stored rules (involving ``rule`` when given)."""
    overlaps = rules_overlapping(selectors.rule_specs_load(), now=timezone.now())
    if rule is not None:
        overlaps = [o for o in overlaps if rule.pk in (o.winner.id, o.loser.id)]
    return overlaps


class DryRunForm(forms.Form):
    """An event to try on the rules: pasted as the API's JSON, or filled in field by field."""

    event_json = forms.CharField(
        label=gettext_lazy("event (JSON, as posted to /api/v1/events/)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "spellcheck": "false"}),
        help_text=gettext_lazy("When given, the fields below are ignored."),
    )
    source = forms.CharField(label=gettext_lazy("source"), required=False, initial="order-platform")
    external_id = forms.CharField(label=gettext_lazy("external id"), required=False, initial="dry-run-1")
    type = forms.CharField(label=gettext_lazy("event type"), required=False, initial="order.delivered")
    occurred_at = forms.CharField(
        label=gettext_lazy("occurred at"),
        required=False,
        help_text=gettext_lazy("ISO 8601 with offset, e.g. 2026-05-01T12:30:00+08:00. Empty: now."),
    )
    respondent_type = forms.ChoiceField(
        label=gettext_lazy("respondent type"),
        choices=DistributionRule._meta.get_field("audience").choices,
        required=False,
    )
    respondent_ref = forms.CharField(label=gettext_lazy("respondent ref"), required=False)
    respondent_email = forms.CharField(label=gettext_lazy("email"), required=False)
    respondent_phone = forms.CharField(label=gettext_lazy("phone"), required=False)
    respondent_locale = forms.ChoiceField(
        label=gettext_lazy("locale"),
        choices=[("", "—"), ("zh-hans", "zh-hans"), ("en", "en")],
        required=False,
    )
    respondent_timezone = forms.CharField(label=gettext_lazy("time zone"), required=False)
    attributes = forms.CharField(
        label=gettext_lazy("attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text=gettext_lazy("One per line: name=value, e.g. district_type=office."),
    )

    # Where an error of the event's field is shown when the event was filled in.
    FIELD_OF = {
        "source": "source",
        "external_id": "external_id",
        "type": "type",
        "occurred_at": "occurred_at",
        "respondent": "respondent_ref",
        "respondent.type": "respondent_type",
        "respondent.ref": "respondent_ref",
        "respondent.email": "respondent_email",
        "respondent.phone": "respondent_phone",
        "respondent.locale": "respondent_locale",
        "respondent.timezone": "respondent_timezone",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = capfirst(field.label)

    def event(self) -> dict | None:
        """The event as the API would receive it; None (with a form error) when it cannot be read."""
        data = self.cleaned_data
        if data.get("event_json", "").strip():
            try:
                return json.loads(data["event_json"])
            except json.JSONDecodeError as exc:
                self.add_error(
                    "event_json",
                    ValidationError(
                        _("This is not JSON: %(problem)s (line %(line)s, column %(column)s).")
                        % {"problem": exc.msg, "line": exc.lineno, "column": exc.colno},
                        code="parse_error",
                    ),
                )
                return None
        attributes = {}
        for number, line in enumerate((data.get("attributes") or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                self.add_error(
                    "attributes",
                    ValidationError(_("Line %(line)s: write name=value.") % {"line": number}, code="invalid"),
                )
                return None
            attributes[name.strip()] = value.strip()
        respondent = {"type": data.get("respondent_type"), "ref": data.get("respondent_ref")}
        for name in ("email", "phone", "locale", "timezone"):
            if data.get(f"respondent_{name}"):
                respondent[name] = data[f"respondent_{name}"]
        return {
            "source": data.get("source"),
            "external_id": data.get("external_id"),
            "type": data.get("type"),
            "occurred_at": data.get("occurred_at") or timezone.now().isoformat(timespec="seconds"),
            "respondent": respondent,
            "attributes": attributes,
        }

    def add_event_errors(self, errors) -> None:
        pasted = bool(self.cleaned_data.get("event_json", "").strip())
        for error in errors:
            name = "event_json" if pasted else self.FIELD_OF.get(error.field)
            if name is None:
                name = "attributes" if error.field.startswith("attributes") else None
            message = error.message if name != "event_json" else f"{error.field}: {error.message}"
            self.add_error(name, ValidationError(message, code=error.code))


@admin.register(DistributionRule)
class DistributionRuleAdmin(admin.ModelAdmin):
    form = DistributionRuleForm
    change_list_template = "admin/surveys/distributionrule/change_list.html"
    change_form_template = "admin/surveys/distributionrule/change_form.html"
    list_display = [
        "name",
        "survey",
        "audience",
        "priority",
        "is_active",
        "sampling_display",
        "channels_display",
    ]
    list_filter = ["is_active", "audience", "survey"]
    search_fields = ["name", "survey__key"]
    list_select_related = ["survey"]
    fieldsets = [
        (None, {"fields": ["name", "survey", "is_active", "priority", "active_from", "active_until"]}),
        (
            gettext_lazy("Matching"),
            {"fields": ["event_types", "source", "audience", "attribute_filters"]},
        ),
        (
            gettext_lazy("Sampling and quotas"),
            {"fields": ["sampling_rate", "quota_attribute", "quota_min_per_day", "quota_max_per_day"]},
        ),
        (gettext_lazy("Fatigue"), {"fields": ["fatigue_days", "fatigue_scope"]}),
        (
            gettext_lazy("Timing"),
            {
                "fields": [
                    "delay_minutes",
                    "max_event_age_hours",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "quiet_hours_timezone",
                    "link_expiry_hours",
                    "reminder_count",
                    "reminder_after_hours",
                ]
            },
        ),
        (gettext_lazy("Channels"), {"fields": ["channels"]}),
    ]

    class Media:
        js = ["js/admin_rules.js"]
        css = {"all": ["css/admin_rules.css"]}

    @admin.display(description=gettext_lazy("sampling"))
    def sampling_display(self, obj: DistributionRule) -> str:
        return f"{PercentField().prepare_value(obj.sampling_rate)} %"

    @admin.display(description=gettext_lazy("channel order"))
    def channels_display(self, obj: DistributionRule) -> str:
        return " → ".join(obj.channels) if isinstance(obj.channels, list) else ""

    def save_model(self, request: HttpRequest, obj: DistributionRule, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for overlap in _overlaps_for(obj):
            self.message_user(request, overlap_explain(overlap), messages.WARNING)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        can_dry_run = user_meets(request.user, admin_view_need("admin:surveys_distributionrule_dry_run"))
        overlaps = [overlap_explain(overlap) for overlap in _overlaps_for()]
        context = {**(extra_context or {}), "can_dry_run": can_dry_run, "overlaps": overlaps}
        return super().changelist_view(request, context)

    def get_urls(self):
        name = "surveys_distributionrule_dry_run"
        return [
            path("dry-run/", admin_page(self.admin_site, self.dry_run_view, name), name=name),
            *super().get_urls(),
        ]

    def dry_run_view(self, request: HttpRequest):
        """Which rule and decision an event would get, with the same engine; writes nothing."""
        result = explanation = None
        form = DryRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            item = form.event()
            if item is not None:
                try:
                    result = event_dry_run(item=item)
                except DryRunInvalid as exc:
                    form.add_event_errors(exc.errors)
                else:
                    explanation = dry_run_explain(result)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Dry run: which rule would an event get?"),
            "form": form,
            "result": result,
            "explanation": explanation,
        }
        return TemplateResponse(request, "admin/surveys/distributionrule/dry_run.html", context)
