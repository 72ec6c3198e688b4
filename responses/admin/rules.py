"""DistributionRule's admin.

DistributionRule belongs to ``surveys`` but is registered here: its validation needs the
distribution engine's knowledge (known channels, fatigue scopes), and imports may only flow
surveys <- responses.
"""

import copy

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from responses.services.rule_validation import rule_validate
from surveys.models import DistributionRule


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
