"""Follow-up of responses that need a person: teams, alert rules and the cases they open.

Rows are written by ``cases.services`` only. One case per (response, rule) is a database
constraint, so a re-analysis of the response never opens a second one; every state change is a
conditional ``UPDATE ... WHERE status IN (...)`` (docs/cases.md).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analysis.models import Topic
from cases import matching
from responses.distribution.models import DistributionRule
from responses.models import Respondent, Response, ServiceEvent
from surveys.models import Survey

LOCALES = ("zh-hans", "en")


def empty_name() -> dict:
    return {"zh-hans": "", "en": ""}


def bilingual_clean(value, field: str) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(locale), str) and value[locale].strip() for locale in LOCALES
    ):
        raise ValidationError({field: _('Give the name in both languages: {"zh-hans": "…", "en": "…"}.')})


class Team(models.Model):
    """People who work cases; ``key`` matches ``Topic.team`` (a topic's owning team)."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=empty_name, help_text=_('{"zh-hans": "…", "en": "…"}'))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="case_teams"
    )
    # The member who got the last round-robin case (moved under the team row's lock).
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("A chat tool's incoming webhook: each new case of the team is posted there as JSON."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        bilingual_clean(self.name, "name")


class StaffProfile(models.Model):
    """A staff user's language (and time zone) for the mail the platform sends them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", primary_key=True
    )
    locale = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES, default="zh-hans")
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    digest_enabled = models.BooleanField(
        _("weekly digest"),
        default=True,
        help_text=_("Mail the weekly digest (Monday 09:00 in the user's time zone)."),
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("Posted to (JSON) when a case is assigned to this user, besides the mail."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.locale})"


class WeeklyDigest(models.Model):
    """One weekly digest of one user: the row is claimed before the mail goes out, so two beats
    (or a task delivered twice) never send a week's digest twice (``digest_one_per_user_and_week``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    # The Monday of the ISO week, in the user's time zone.
    week = models.DateField(_("week"))
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        ordering = ["-week", "user_id"]
        permissions = [("receive_digest", _("Can receive the weekly digest"))]
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="digest_one_per_user_and_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.week}"


class AlertRule(models.Model):
    class Kind(models.TextChoices):
        DETRACTOR = matching.DETRACTOR, _("Detractor score")
        TOPIC = matching.TOPIC, _("Severe topic")
        SEGMENT = matching.SEGMENT, _("Segment")
        MISMATCH = matching.MISMATCH, _("High score, complaining comment")
        WORD = matching.WORD, _("Word")

    class Assignment(models.TextChoices):
        LEAD = "lead", _("Team lead")
        ROUND_ROBIN = "round_robin", _("Round robin among members")

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=empty_name, help_text=_('{"zh-hans": "…", "en": "…"}'))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every survey."),
    )
    metric = models.CharField(
        _("metric"), max_length=16, blank=True, help_text=_("Detractor rules: nps, csat, ces…; empty: any.")
    )
    topic_keys = models.JSONField(
        _("topics"), default=list, blank=True, help_text=_('Topic rules: taxonomy keys, e.g. ["hygiene"].')
    )
    segment_key = models.CharField(_("segment attribute"), max_length=64, blank=True)
    segment_value = models.CharField(_("segment value"), max_length=255, blank=True)
    words = models.JSONField(
        _("words"), default=list, blank=True, help_text=_('Word rules: ["投诉", "12315"].')
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="rules")
    routes = models.JSONField(
        _("routing"),
        default=list,
        blank=True,
        help_text=_(
            'First match wins: [{"topic": "hygiene", "team": "food_safety"}, '
            '{"segment": "city", "value": "上海", "team": "sh_ops"}]; else the rule\'s team.'
        ),
    )
    route_by_topic_owner = models.BooleanField(
        _("route to the topic's owning team"),
        default=False,
        help_text=_("When no route matches: the team whose key is the complained-about topic's team."),
    )
    assignment = models.CharField(
        _("assignment"), max_length=16, choices=Assignment.choices, default=Assignment.LEAD
    )
    sla_hours = models.PositiveIntegerField(_("SLA (hours)"), default=24)
    resurvey_survey = models.ForeignKey(
        Survey,
        verbose_name=_("re-survey after resolution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "When a case of this rule is resolved, a case.resolved event is posted for the respondent "
            "(who agreed to be contacted); this survey's distribution rule decides whether to invite."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["key"]
        constraints = [models.CheckConstraint(condition=Q(sla_hours__gte=1), name="alert_rule_sla_positive")]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        bilingual_clean(self.name, "name")
        errors = {}
        if self.kind == self.Kind.TOPIC and not _strings(self.topic_keys):
            errors["topic_keys"] = _("A topic rule needs at least one topic key.")
        if self.kind == self.Kind.SEGMENT and not (self.segment_key and self.segment_value):
            errors["segment_key"] = _("A segment rule needs an attribute and a value.")
        if self.kind == self.Kind.WORD and not _strings(self.words):
            errors["words"] = _("A word rule needs at least one word.")
        for name in ("topic_keys", "words"):
            if not isinstance(getattr(self, name), list) or not all(
                isinstance(v, str) for v in getattr(self, name)
            ):
                errors[name] = _("Give a list of texts.")
        if not isinstance(self.routes, list) or not all(
            isinstance(r, dict) and isinstance(r.get("team"), str) and r["team"] for r in self.routes
        ):
            errors["routes"] = _('Give a list of objects, each with a "team" key.')
        if self.resurvey_survey_id is not None and not _takes_resurvey_events(self.resurvey_survey_id):
            errors["resurvey_survey"] = _(
                "No active distribution rule of this survey takes case.resolved events; add "
                '"case.resolved" to one\'s event types first.'
            )
        if errors:
            raise ValidationError(errors)


RESURVEY_EVENT_TYPE = "case.resolved"


def _takes_resurvey_events(survey_id: int) -> bool:
    return any(
        RESURVEY_EVENT_TYPE in (types or [])
        for types in DistributionRule.objects.filter(survey_id=survey_id, is_active=True).values_list(
            "event_types", flat=True
        )
    )


def _strings(value) -> bool:
    return isinstance(value, list) and any(isinstance(v, str) and v.strip() for v in value)


class Case(models.Model):
    class Status(models.TextChoices):
        # A context of their own: "In progress" is also a response's status (作答中).
        OPEN = "open", pgettext_lazy("case status", "Open")
        IN_PROGRESS = "in_progress", pgettext_lazy("case status", "In progress")
        RESOLVED = "resolved", pgettext_lazy("case status", "Resolved")
        CLOSED = "closed", pgettext_lazy("case status", "Closed")

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="cases"
    )
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="cases"
    )
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="+")
    respondent = models.ForeignKey(
        Respondent,
        verbose_name=_("respondent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    reason = models.JSONField(_("what matched"), default=dict, blank=True)
    root_cause = models.CharField(
        _("root cause (stage)"), max_length=32, choices=Topic.Stage.choices, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    due_at = models.DateTimeField(_("due at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened = models.PositiveIntegerField(_("times reopened"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # The case.resolved event posted for the re-survey (at most one per case) and what the
    # distribution engine decided: {"survey", "status": scheduled | suppressed, "reason"?}.
    resurvey_event = models.ForeignKey(
        ServiceEvent,
        verbose_name=_("re-survey event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resurvey = models.JSONField(_("re-survey"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["due_at", "id"]
        constraints = [
            # A re-analysis of the response never opens a second case for the same rule.
            models.UniqueConstraint(fields=["response", "rule"], name="case_one_per_response_and_rule"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due_idx"),
            models.Index(fields=["team", "status"], name="case_team_status_idx"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.rule_id} ({self.status})"


class CaseNote(models.Model):
    """A note on a case; notes are never edited, so they are the case's history of work."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.text[:40]}"


class ImprovementAction(models.Model):
    """Something done about a pain point (a taxonomy topic key, or ``~<id>`` for a discovered
    topic) in some segments, reviewed by comparing equal windows before and after ``start_date``
    (``cases.selectors.action_review``)."""

    title = models.JSONField(_("title"), default=empty_name, help_text=_('{"zh-hans": "…", "en": "…"}'))
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="+")
    topic_key = models.CharField(
        _("pain point"),
        max_length=64,
        help_text=_('A taxonomy topic key, or "~<id>" for a discovered topic.'),
    )
    segments = models.JSONField(
        _("segments"),
        default=dict,
        blank=True,
        help_text=_('Attribute = value filters, e.g. {"city": "上海"}; empty: every response.'),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    window_days = models.PositiveSmallIntegerField(
        _("review window (days)"),
        default=28,
        help_text=_("The length of each window before and after the start."),
    )
    expected_effect = models.JSONField(
        _("expected effect"), default=empty_name, help_text=_('{"zh-hans": "…", "en": "…"}')
    )
    expected_change = models.FloatField(
        _("expected change"),
        null=True,
        blank=True,
        help_text=_("E.g. -0.05: the topic share 5 points lower."),
    )
    cases = models.ManyToManyField(Case, verbose_name=_("linked cases"), blank=True, related_name="actions")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_days__gte=1, window_days__lte=366), name="action_window_days_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic_key} @ {self.start_date}"

    def clean(self) -> None:
        bilingual_clean(self.title, "title")
        errors = {}
        if not isinstance(self.segments, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in self.segments.items()
        ):
            errors["segments"] = _('Give attribute = value filters as texts, e.g. {"city": "上海"}.')
        if not isinstance(self.expected_effect, dict) or not all(
            isinstance(self.expected_effect.get(locale, ""), str) for locale in LOCALES
        ):
            errors["expected_effect"] = _('Give the text in both languages: {"zh-hans": "…", "en": "…"}.')
        if errors:
            raise ValidationError(errors)


class ResponseEvaluation(models.Model):
    """When a response's analysis was last matched against the active alert rules.

    Written by the evaluation itself; the sweep (``cases.responses_evaluate_sweep``) evaluates
    the recent analysed responses that have no row, so a hand-over lost while the broker was
    down still gets its cases. A table of its own: the analysis' facts stay the analysis' own.
    """

    response = models.OneToOneField(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("evaluated at"))

    class Meta:
        verbose_name = _("response evaluation")
        verbose_name_plural = _("response evaluations")

    def __str__(self) -> str:
        return f"{self.response_id} at {self.evaluated_at.isoformat()}"
