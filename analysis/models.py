"""What the analysis stores: the taxonomy ops staff edit, the per-response results of the text
pipeline (written once per response on the ``analysis`` queue), the per-response facts, the
daily aggregates dashboards read, discovered (emerging) topics and the detractor model.

Rows are written by ``analysis.services`` only; see docs/scaling.md for why aggregates exist.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from responses.models import Response
from surveys.models import Audience, Survey, SurveyVersion


def empty_terms() -> dict:
    return {"zh-hans": [], "en": []}


def empty_label() -> dict:
    return {"zh-hans": "", "en": ""}


class Taxonomy(models.Model):
    """A pain-point taxonomy (a starter from analysis/data/taxonomies, then edited in the admin)."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=empty_label, help_text=_('{"zh-hans": "…", "en": "…"}'))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, blank=True)
    domain = models.CharField(_("domain"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Topic(models.Model):
    class Stage(models.TextChoices):
        ORDERING = "ordering", _("Ordering")
        MERCHANT_PREPARATION = "merchant_preparation", _("Merchant preparation")
        PICKUP = "pickup", _("Pickup")
        DELIVERY = "delivery", _("Delivery")
        AFTER_SALES = "after_sales", _("After-sales")
        INFORMATION_COLLECTION = "information_collection", _("Information collection")
        REVIEW = "review", _("Review")
        GOING_LIVE = "going_live", _("Going live")
        OPERATIONS_SUPPORT = "operations_support", _("Operations support")
        # riders
        DISPATCH = "dispatch", _("Dispatch")
        AFTER_DELIVERY = "after_delivery", _("After delivery")
        SETTLEMENT = "settlement", _("Settlement")
        # car rental (pickup as above)
        USAGE = "usage", _("Usage")
        RETURN = "return", _("Return")
        PAYMENT = "payment", _("Payment")
        AFTER_RENTAL = "after_rental", _("After rental")
        OTHER = "other", _("Other")

    taxonomy = models.ForeignKey(
        Taxonomy, verbose_name=_("taxonomy"), on_delete=models.CASCADE, related_name="topics"
    )
    key = models.SlugField(_("key"), max_length=64)
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.JSONField(_("label"), default=empty_label)
    stage = models.CharField(_("process stage"), max_length=32, choices=Stage.choices, default=Stage.OTHER)
    team = models.CharField(_("owning team"), max_length=64, blank=True)
    terms = models.JSONField(
        _("seed terms and phrases"),
        default=empty_terms,
        help_text=_('Per language: {"zh-hans": ["出餐慢", "态度…差"], "en": ["late", "not hot"]}'),
    )
    exclusions = models.JSONField(_("exclusions"), default=empty_terms, blank=True)
    ambiguous = models.JSONField(
        _("ambiguous terms"),
        default=empty_terms,
        blank=True,
        help_text=_(
            "Seed terms that name a thing rather than a complaint (rider, 店员): they tag the topic "
            "only where their clause is negative."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["taxonomy", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "key"], name="topic_key_unique_per_taxonomy")
        ]

    def __str__(self) -> str:
        return f"{self.taxonomy_id}:{self.key}"

    def clean(self) -> None:
        terms = self.terms if isinstance(self.terms, dict) else {}
        ambiguous = self.ambiguous or {}
        if not isinstance(ambiguous, dict):
            raise ValidationError({"ambiguous": _("Give an object keyed by language, as for the terms.")})
        stray = [
            term
            for locale, items in ambiguous.items()
            for term in (items if isinstance(items, list) else [items])
            if term not in (terms.get(locale) or [])
        ]
        if stray:
            raise ValidationError(
                {
                    "ambiguous": _("Ambiguous terms must also be seed terms of the same language: %(terms)s")
                    % {"terms": ", ".join(map(str, stray))}
                }
            )


class DictionaryTerm(models.Model):
    """A domain term segmentation must keep whole (added to jieba's dictionary)."""

    class Language(models.TextChoices):
        ZH = "zh", _("Chinese")
        EN = "en", _("English")

    term = models.CharField(_("term"), max_length=64)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH)
    frequency = models.PositiveIntegerField(_("frequency"), null=True, blank=True)
    pos = models.CharField(_("part of speech"), max_length=8, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dictionary term")
        verbose_name_plural = _("dictionary terms")
        ordering = ["term"]
        constraints = [models.UniqueConstraint(fields=["term", "language"], name="dictionary_term_unique")]

    def __str__(self) -> str:
        return self.term


class SurveyAnalysisSettings(models.Model):
    """How a survey is analysed: its taxonomy, which text questions, which score question."""

    survey = models.OneToOneField(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="analysis_settings"
    )
    taxonomy = models.ForeignKey(
        Taxonomy,
        verbose_name=_("taxonomy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text_question_keys = models.JSONField(
        _("text questions to analyse"),
        default=list,
        blank=True,
        help_text=_("Question keys; empty means every short or long text question."),
    )
    primary_question_key = models.SlugField(
        _("score question override"),
        max_length=80,
        blank=True,
        help_text=_("Empty: the survey's primary question."),
    )

    class Meta:
        verbose_name = _("survey analysis settings")
        verbose_name_plural = _("survey analysis settings")
        permissions = [("view_painpoints", _("Can view metrics and pain points"))]

    def __str__(self) -> str:
        return str(self.survey_id)


class CommentAnalysis(models.Model):
    """The text pipeline's result for one text answer, stored once."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="comment_analyses"
    )
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="+")
    question_key = models.CharField(_("question"), max_length=80)
    # The response's completed day (as in ResponseFacts), so a scope's comments are read by index.
    completed_day = models.DateField(_("completed day"), null=True)
    text = models.TextField(_("normalised text"))
    language = models.CharField(_("language"), max_length=8)
    tokens = models.JSONField(_("tokens"), default=list)
    phrases = models.JSONField(_("phrases"), default=list)
    topics = models.JSONField(_("topics"), default=list)
    # topic key -> -1 complaint, 0 neutral, 1 praise, from the clause each topic sits in
    topic_polarity = models.JSONField(_("topic polarity"), default=dict, blank=True)
    # A copy of the response's segments (ResponseFacts.segments), so the comment sample of a
    # filtered scope reads the comments alone (PostgreSQL: GIN index, migration 0007).
    segments = models.JSONField(_("segments"), default=dict, blank=True)
    # The discovered (emerging) topics this comment belongs to: topic key in the discovered
    # namespace (``discovered_topic_key``) -> polarity, written by ``cluster_discover`` and
    # counted into the facts beside the taxonomy topics.
    clusters = models.JSONField(_("discovered topics"), default=dict, blank=True)
    # Taxonomy coverage of the comment's clauses (``analysis.text.clauses``): how many clauses it
    # has and how many hold a matched taxonomy term; null for comments analysed before both were
    # stored (left out of the clause coverage).
    clauses = models.PositiveIntegerField(_("clauses"), null=True, blank=True)
    covered_clauses = models.PositiveIntegerField(_("clauses a taxonomy topic covers"), null=True, blank=True)
    truncated = models.BooleanField(_("truncated"), default=False)
    # What produced the tokens (jieba dictionaries, dictionary terms, pipeline code) ...
    pipeline_version = models.CharField(_("segmentation version"), max_length=32)
    # ... and the tags (the above plus the taxonomy's content): stale rows are re-analysed.
    dictionary_version = models.CharField(_("dictionary version"), max_length=32)
    detractor_likelihood = models.FloatField(_("detractor likelihood"), null=True, blank=True)
    is_mismatch = models.BooleanField(_("score and text disagree"), default=False)
    analysed_at = models.DateTimeField(_("analysed at"))

    class Meta:
        verbose_name = _("comment analysis")
        verbose_name_plural = _("comment analyses")
        ordering = ["-analysed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question_key"], name="comment_analysis_unique"),
            models.CheckConstraint(
                condition=Q(detractor_likelihood__isnull=True)
                | (Q(detractor_likelihood__gte=0) & Q(detractor_likelihood__lte=1)),
                name="comment_likelihood_0_1",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "dictionary_version"], name="comment_survey_version_idx"),
            models.Index(fields=["survey", "completed_day", "id"], name="comment_survey_day_idx"),
            # A scope's coverage (``analysis.selectors.coverage``) counted from these alone, without
            # reading the comments' rows: those with content (with their clause counts), and
            # those a taxonomy topic tagged.
            models.Index(
                fields=["survey", "completed_day", "clauses", "covered_clauses"],
                condition=~Q(tokens=[]),
                name="comment_content_idx",
            ),
            models.Index(
                fields=["survey", "completed_day"],
                condition=~Q(tokens=[]) & ~Q(topics=[]),
                name="comment_covered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}.{self.question_key}"


class CommentTopic(models.Model):
    """A taxonomy topic on a comment, with the terms that matched (the explanation)."""

    comment = models.ForeignKey(CommentAnalysis, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comment_links")
    matched_terms = models.JSONField(_("matched terms"), default=list)

    class Meta:
        verbose_name = _("comment topic")
        verbose_name_plural = _("comment topics")
        constraints = [models.UniqueConstraint(fields=["comment", "topic"], name="comment_topic_unique")]

    def __str__(self) -> str:
        return f"{self.comment_id}:{self.topic_id}"


# The event attributes saying whether a delivery was on time, the first one a fact holds counted.
ON_TIME_KEYS = ("on_time", "is_on_time", "delivered_on_time")


class ResponseFacts(models.Model):
    """One analysed response, flat: what aggregates and the fallback queries read."""

    response = models.OneToOneField(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, primary_key=True, related_name="facts"
    )
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="+")
    survey_version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(_("completed at"))
    completed_day = models.DateField(_("completed day"))
    metric = models.CharField(_("metric"), max_length=16, blank=True)
    primary_score = models.FloatField(_("score"), null=True, blank=True)
    is_detractor = models.BooleanField(_("detractor"), default=False)
    is_promoter = models.BooleanField(_("promoter"), default=False)
    has_comment = models.BooleanField(_("has a comment"), default=False)
    topics = models.JSONField(_("topics"), default=list)
    # topic key -> -1 complaint, 0 neutral, 1 praise over the response's comments
    # (``analysis.text.polarity.polarity_combine``); a topic it does not name is a complaint.
    topic_polarity = models.JSONField(_("topic polarity"), default=dict, blank=True)
    segments = models.JSONField(_("segments"), default=dict)
    locale = models.CharField(_("locale"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    respondent_type = models.CharField(_("respondent type"), max_length=16, blank=True)
    # Set by a conditional UPDATE when the response is added to DailyAggregate: counted once.
    counted_at = models.DateTimeField(_("counted in aggregates at"), null=True, blank=True)

    class Meta:
        verbose_name = _("response facts")
        verbose_name_plural = _("response facts")
        # PostgreSQL also has a GIN index (jsonb_path_ops) on segments, made by migration 0007
        # (not declared here: SQLite has no GIN); a filtered scope is found by containment.
        indexes = [
            models.Index(fields=["survey", "completed_day"], name="facts_survey_day_idx"),
            # The facts whose event says whether the delivery was on time (the process views'
            # on-time share): a scope without any is answered from this index alone.
            models.Index(
                fields=["survey", "completed_day"],
                name="facts_on_time_idx",
                condition=Q(segments__has_any_keys=list(ON_TIME_KEYS)),
            ),
        ]

    def __str__(self) -> str:
        return str(self.response_id)


class DailyAggregate(models.Model):
    """Counts per (survey, day, segment, topic). ``segment_key=""`` and ``topic_key=""`` are the
    totals; a pair of segment keys is a segment of its own (the cross-tabulation). On a topic
    row ``mentions`` counts every response that mentions the topic, ``complaint_mentions`` and
    ``praise_mentions`` those whose mention is a complaint or praise (a neutral one is in
    neither), and the other counts are over the complaint mentions only: a pain point's counts,
    as ``manage.py painpoints`` reduces its rows (``analysis.painpoints``)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    # A pair of keys ("city|scenario") holds both values, escaped (analysis.services.aggregates).
    segment_key = models.CharField(_("segment"), max_length=129, blank=True)
    segment_value = models.CharField(_("segment value"), max_length=1024, blank=True)
    topic_key = models.CharField(_("topic"), max_length=64, blank=True)
    responses = models.IntegerField(default=0)
    scored = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    passives = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    score_sum = models.FloatField(default=0.0)
    score_sum_squares = models.FloatField(default=0.0)
    comments = models.IntegerField(default=0)
    scored_comments = models.IntegerField(default=0)
    mentions = models.IntegerField(default=0)
    detractor_mentions = models.IntegerField(default=0)
    # A database default too, so rows written by raw SQL that predates the columns still insert.
    complaint_mentions = models.IntegerField(default=0, db_default=0)
    praise_mentions = models.IntegerField(default=0, db_default=0)
    # On the rows without a topic: responses complaining about a taxonomy topic
    # (``analysis.services.aggregates.is_complaining``); 0 on topic rows.
    complaining = models.IntegerField(_("complaining responses"), default=0, db_default=0)

    class Meta:
        verbose_name = _("daily aggregate")
        verbose_name_plural = _("daily aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "segment_key", "segment_value", "topic_key", "day"],
                name="daily_aggregate_unique",
            )
        ]
        indexes = [models.Index(fields=["survey", "day"], name="aggregate_survey_day_idx")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.day} {self.segment_key}={self.segment_value} {self.topic_key}"


class WeeklyAggregate(models.Model):
    """The daily aggregates summed per ISO week (``week`` is its Monday): the same cells and
    counts, written beside them by every path that writes DailyAggregate (one response, a batch,
    a rebuild; ``analysis.services.aggregates``), so each row is exactly the sum of its week's
    daily rows. A long scope reads its weeks here, and from the daily rows only the days of a
    partial week with rows outside the scope (``analysis.selectors.scope.aggregate_parts``): 90
    days ending today are 13 weekly row sets and at most 6 daily ones, not 90."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(_("week"))
    segment_key = models.CharField(_("segment"), max_length=129, blank=True)
    segment_value = models.CharField(_("segment value"), max_length=1024, blank=True)
    topic_key = models.CharField(_("topic"), max_length=64, blank=True)
    responses = models.IntegerField(default=0)
    scored = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    passives = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    score_sum = models.FloatField(default=0.0)
    score_sum_squares = models.FloatField(default=0.0)
    comments = models.IntegerField(default=0)
    scored_comments = models.IntegerField(default=0)
    mentions = models.IntegerField(default=0)
    detractor_mentions = models.IntegerField(default=0)
    complaint_mentions = models.IntegerField(default=0)
    praise_mentions = models.IntegerField(default=0)
    complaining = models.IntegerField(_("complaining responses"), default=0, db_default=0)

    class Meta:
        verbose_name = _("weekly aggregate")
        verbose_name_plural = _("weekly aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "segment_key", "segment_value", "topic_key", "week"],
                name="weekly_aggregate_unique",
            )
        ]
        indexes = [models.Index(fields=["survey", "week"], name="weekly_aggregate_week_idx")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.week} {self.segment_key}={self.segment_value} {self.topic_key}"


# Topic keys of discovered (emerging) topics in the facts and aggregates: ``~`` and the
# EmergingTopic's id. A taxonomy key is a slug, so it never starts with ``~``.
DISCOVERED_TOPIC_PREFIX = "~"


def discovered_topic_key(emerging_id: int) -> str:
    return f"{DISCOVERED_TOPIC_PREFIX}{emerging_id}"


def discovered_topic_id(topic_key: str) -> int | None:
    """The EmergingTopic id of a discovered topic key; None for a taxonomy key."""
    if not topic_key.startswith(DISCOVERED_TOPIC_PREFIX):
        return None
    number = topic_key[len(DISCOVERED_TOPIC_PREFIX) :]
    return int(number) if number.isdigit() else None


class EmergingTopic(models.Model):
    """A topic discovered in the clauses of comments no taxonomy topic covers
    (``analysis.services.emerging.cluster_discover``, the ``painpoints`` command's algorithm);
    ops staff promote, merge, rename, dismiss.

    A cluster too broad to act on is stored as its sub-topics, each naming the broader cluster.
    A comment mentions every topic one of its clauses mentions (a clause in the cluster holding
    one of its keywords), so one long comment can belong to several.

    Its comments carry it (``CommentAnalysis.clusters``) and their responses' facts count it
    like a taxonomy topic, under the key ``~<id>`` (``discovered_topic_key``): the daily
    aggregates, the filters, the trend and the segment lifts then treat it as any topic, with no
    table of its own. The id, not the key, names it there: the key can be long and a rename or a
    re-discovery that keeps the row keeps the counts. Only a new or renamed topic is ranked; a
    dismissed, promoted or merged one stays counted but is left out when read.
    """

    class Status(models.TextChoices):
        NEW = "new", _("New")
        PROMOTED = "promoted", _("Promoted to the taxonomy")
        MERGED = "merged", _("Merged into a topic")
        RENAMED = "renamed", _("Renamed")
        DISMISSED = "dismissed", _("Dismissed")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=80)
    label = models.CharField(_("label"), max_length=120, blank=True)
    keywords = models.JSONField(_("keywords"), default=list)
    mentions = models.IntegerField(_("mentions"), default=0)
    example_comment_ids = models.JSONField(_("example comments"), default=list)
    # A sub-topic names the broader cluster it was split from (not stored as a topic itself).
    parent_key = models.CharField(
        _("broader topic"),
        max_length=80,
        blank=True,
        help_text=_("The cluster this sub-topic was split from; empty for a topic found at the first level."),
    )
    parent_keywords = models.JSONField(_("broader topic keywords"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    is_edited_by_person = models.BooleanField(_("edited by a person"), default=False)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    discovered_at = models.DateTimeField(_("discovered at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("emerging topic")
        verbose_name_plural = _("emerging topics")
        ordering = ["survey", "-mentions", "key"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="emerging_topic_unique")]

    def __str__(self) -> str:
        return self.label or self.key


class DetractorModelVersion(models.Model):
    """A trained detractor model, pickled by the platform itself (never uploaded: see docs)."""

    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    payload = models.BinaryField(_("model (joblib)"))
    trained_on = models.IntegerField(_("scored comments"))
    dictionary_version = models.CharField(_("dictionary version"), max_length=32)
    trained_at = models.DateTimeField(_("trained at"))

    class Meta:
        verbose_name = _("detractor model")
        verbose_name_plural = _("detractor models")
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"{self.survey_id or 'all'} v{self.version}"


class PainPointReport(Survey):
    """The admin's "Pain points" entry (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("pain points")
        verbose_name_plural = _("pain points")
        default_permissions = ()
