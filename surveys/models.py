"""What to ask: surveys, their draft questions, published versions.

Every text a respondent reads is a locale map, ``{"zh-hans": "...", "en": "..."}``, stored in a
JSON field, so adding a locale is a settings change and never a schema change. The draft
(``Survey`` + ``Question`` + ``Choice``) is what ops staff edit; publishing freezes it into an
immutable ``SurveyVersion`` whose ``definition`` is the JSON snapshot that respondents answer
(its shape is documented in docs/survey-definition.md).
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def default_locales() -> list[str]:
    return list(settings.SURVEY_LOCALES)


def empty_text() -> dict:
    return {}


class Audience(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    MERCHANT = "merchant", _("Merchant")
    RIDER = "rider", _("Rider")


class RetentionMode(models.TextChoices):
    # Anonymise keeps the scores, segments and topics (every count stays); delete removes the
    # responses (the daily aggregates already counted them and keep the counts).
    ANONYMISE = "anonymise", _("Anonymise (remove contact data and free text)")
    DELETE = "delete", _("Delete the responses")


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (never published)")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.SlugField(
        _("key"),
        max_length=80,
        unique=True,
        help_text=_("Stable identifier used in the API and in exports, e.g. after-delivery."),
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    family = models.SlugField(
        _("family"),
        max_length=80,
        blank=True,
        help_text=_("Surveys of one family share fatigue limits (e.g. all delivery surveys)."),
    )
    locales = models.JSONField(
        _("locales"),
        default=default_locales,
        help_text=_('Locales every text must be written in, e.g. ["zh-hans", "en"].'),
    )
    default_locale = models.CharField(_("default locale"), max_length=16, default="zh-hans")
    title = models.JSONField(_("title"), default=empty_text)
    introduction = models.JSONField(_("introduction"), default=empty_text, blank=True)
    thank_you = models.JSONField(_("thank-you text"), default=empty_text, blank=True)
    primary_question_key = models.SlugField(
        _("primary metric question"),
        max_length=64,
        blank=True,
        help_text=_("Key of the NPS, CSAT, CES or rating question the survey is measured by."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    has_unpublished_changes = models.BooleanField(_("draft differs from the last version"), default=True)
    # Retention (responses.services.retention, run daily by beat): responses completed more than
    # ``retention_days`` ago are deleted or anonymised, with their respondents' contact data once
    # those have no newer event. Off until switched on, after the admin's dry-run count.
    retention_days = models.PositiveIntegerField(
        _("keep responses for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Responses completed longer ago are deleted or anonymised; empty keeps them."),
    )
    retention_mode = models.CharField(
        _("after that"), max_length=16, choices=RetentionMode.choices, default=RetentionMode.ANONYMISE
    )
    retention_enabled = models.BooleanField(
        _("retention on"),
        default=False,
        help_text=_("Check the dry-run count on the survey's retention page before switching it on."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["key"]
        permissions = [("publish_survey", _("Can publish a survey (freeze its draft as a new version)"))]

    def __str__(self) -> str:
        title = self.title.get(self.default_locale) or next(iter(self.title.values()), "")
        return f"{self.key} · {title}" if title else self.key


class Question(models.Model):
    class Kind(models.TextChoices):
        NPS = "nps", _("NPS (0-10)")
        CSAT = "csat", _("CSAT (1-5)")
        CES = "ces", _("CES (1-7)")
        RATING = "rating", _("Star rating (1-5)")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        MATRIX = "matrix", _("Rating matrix")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"), default=0)
    key = models.SlugField(_("key"), max_length=64)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    text = models.JSONField(_("text"), default=empty_text)
    help_text = models.JSONField(_("help text"), default=empty_text, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Scale bounds: fixed for NPS, CSAT, CES and star rating (the publish check enforces them);
    # a matrix chooses its own (1-5 by default).
    scale_min = models.IntegerField(_("scale minimum"), null=True, blank=True)
    scale_max = models.IntegerField(_("scale maximum"), null=True, blank=True)
    min_label = models.JSONField(_("label of the low end"), default=empty_text, blank=True)
    max_label = models.JSONField(_("label of the high end"), default=empty_text, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    condition = models.JSONField(
        _("display condition"),
        null=True,
        blank=True,
        help_text=_(
            'Show only when earlier answers match, e.g. {"question": "nps", "op": "lte", '
            '"value": 6}. See docs/survey-definition.md.'
        ),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="question_key_unique_in_survey"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.key}.{self.key}"


class Choice(models.Model):
    """An option of a single/multiple choice question, or an item (row) of a rating matrix."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(_("position"), default=0)
    key = models.SlugField(_("key"), max_length=64)
    label = models.JSONField(_("label"), default=empty_text)

    class Meta:
        verbose_name = _("choice or matrix item")
        verbose_name_plural = _("choices and matrix items")
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="choice_key_unique_in_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question}.{self.key}"


class SurveyVersion(models.Model):
    """A published, immutable snapshot of a survey. Responses point to the version answered."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("change note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["survey", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="survey_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.key} v{self.number}"
