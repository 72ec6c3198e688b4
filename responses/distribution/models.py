"""The distribution rule: which service events lead to a survey invitation, to whom, how often.

Read by the engine in this package (``rules.RuleSpec`` is its plain-data form), edited in its
admin (``admin.py``) and checked by ``rule_validation.py``.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models import Audience, Survey


class DistributionRule(models.Model):
    """When to send a survey after a service event, to whom, and how often at most."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WEBHOOK = "webhook", _("Webhook (in-app push)")
        LINK = "link", _("Link only (returned to the source system)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="rules")
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.IntegerField(
        _("priority"), default=100, help_text=_("When several rules match one event, the lowest number wins.")
    )
    event_types = models.JSONField(
        _("event types"), default=list, help_text=_('Dotted event types, e.g. ["order.delivered"].')
    )
    source = models.CharField(
        _("source system"), max_length=64, blank=True, help_text=_("Empty: events from any source.")
    )
    attribute_filters = models.JSONField(
        _("attribute filters"),
        default=dict,
        blank=True,
        help_text=_('Event attributes to match, e.g. {"district_type": ["office", "residential"]}.'),
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    delay_minutes = models.PositiveIntegerField(_("delay after the event (minutes)"), default=30)
    sampling_rate = models.FloatField(_("sampling rate (0 to 1)"), default=1.0)
    quota_attribute = models.CharField(
        _("quota attribute"), max_length=64, blank=True, help_text=_("e.g. scenario or district_type.")
    )
    quota_min_per_day = models.PositiveIntegerField(_("at least N per value per day"), null=True, blank=True)
    quota_max_per_day = models.PositiveIntegerField(_("at most N per value per day"), null=True, blank=True)
    fatigue_days = models.PositiveIntegerField(
        _("fatigue (days)"),
        default=14,
        help_text=_("At most one invitation per respondent in this many days."),
    )
    fatigue_scope = models.CharField(
        _("fatigue scope"),
        max_length=16,
        choices=[("all", _("All surveys")), ("family", _("Survey family")), ("survey", _("This survey"))],
        default="all",
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    quiet_hours_timezone = models.CharField(
        _("quiet hours time zone"),
        max_length=64,
        blank=True,
        help_text=_("IANA name, e.g. Asia/Shanghai. Empty: each respondent's own time zone."),
    )
    max_event_age_hours = models.PositiveIntegerField(_("maximum event age (hours)"), default=72)
    link_expiry_hours = models.PositiveIntegerField(_("link expires after (hours)"), default=168)
    reminder_count = models.PositiveIntegerField(_("reminders"), default=1)
    reminder_after_hours = models.PositiveIntegerField(_("reminder after (hours)"), default=48)
    channels = models.JSONField(
        _("channel order"), default=list, help_text=_('Tried in order, e.g. ["sms", "email"].')
    )
    active_from = models.DateTimeField(_("active from"), null=True, blank=True)
    active_until = models.DateTimeField(_("active until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        # Still the surveys app's model for Django: its table, permissions ("surveys.*_distributionrule"),
        # content type and admin URLs ("admin:surveys_distributionrule_*") are unchanged. The
        # class lives here, beside the engine that reads it, because imports flow surveys <- responses.
        app_label = "surveys"
        verbose_name = _("distribution rule")
        verbose_name_plural = _("distribution rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sampling_rate__gte=0) & Q(sampling_rate__lte=1),
                name="rule_sampling_rate_0_to_1",
            ),
            models.CheckConstraint(
                condition=Q(quota_min_per_day__isnull=True)
                | Q(quota_max_per_day__isnull=True)
                | Q(quota_min_per_day__lte=models.F("quota_max_per_day")),
                name="rule_quota_min_not_above_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name
