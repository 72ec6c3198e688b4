"""Who was asked: source systems, respondents, service events, invitations and suppressions.

Every event ends in exactly one recorded decision: an ``Invitation`` (scheduled, possibly
deferred) or a ``Suppression`` with its reason. Both carry a unique constraint on ``event`` so
the "one decision per event" invariant lives in the database, not only in the code.

Invariants are constraints first (HOUSE_STYLE 6): idempotency of events on
``(source, external_id)``, one respondent per ``(type, ref)``, unique token hashes, counters
never below zero.

``DistributionRule`` is defined beside its engine (``distribution/models.py``, still a model of
the surveys app for Django) and imported here, so it loads with the models that point to it.
"""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ops.contacts import EMAIL, PHONE, contact_hash
from ops.fields import EncryptedTextField
from responses.distribution.models import DistributionRule
from surveys.models import Audience, Survey, SurveyVersion


class SourceSystem(models.Model):
    """A system allowed to post events (order platform, merchant platform, ticketing ...).

    Why a model and not a Django user with a DRF token: a source system is not a person, never
    logs in and needs no permissions or groups; it needs exactly one thing, the right to post
    events whose ``source`` equals its ``name``. A dedicated row keeps that rule obvious
    (``event.source == caller.name``), lets ops rotate or disable a key in the admin, and
    stores only a SHA-256 hash of the API key (the key itself is shown once, when created).
    """

    name = models.SlugField(
        _("name"),
        max_length=64,
        unique=True,
        help_text=_("The value of the events' source field this system may post, e.g. order-platform."),
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    key_hash = models.CharField(_("API key hash"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("API key prefix"), max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("source system")
        verbose_name_plural = _("source systems")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF's IsAuthenticated asks request.user.is_authenticated; the authenticated principal of
    # the events API is the source system itself.
    @property
    def is_authenticated(self) -> bool:
        return True


class Respondent(models.Model):
    """A customer, merchant or rider, known by the source systems' reference."""

    class Locale(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=16, choices=Audience.choices)
    ref = models.CharField(_("reference"), max_length=128)
    # Encrypted at rest (ops.fields, ops.contacts): clear text here, Fernet ciphertext in the
    # table. Found by the keyed hashes beside them, never by the ciphertext.
    email = EncryptedTextField(_("email"), blank=True)
    phone = EncryptedTextField(_("phone (E.164)"), blank=True)
    email_hash = models.CharField(_("email hash"), max_length=64, blank=True, default="", editable=False)
    phone_hash = models.CharField(_("phone hash"), max_length=64, blank=True, default="", editable=False)
    locale = models.CharField(_("locale"), max_length=16, choices=Locale.choices, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)
    # occurred_at of the newest event whose contact data was applied: an older event replayed
    # later (a backfill) never overwrites newer contact data.
    contact_updated_at = models.DateTimeField(_("contact data as of"), null=True, blank=True)
    # Set by an erasure on request (responses.services.erasure): contact data and free text are
    # gone, later events never bring contact data back, the row stays for the counts.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["type", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["type", "ref"], name="respondent_type_ref_unique"),
        ]
        # Partial: most respondents have no email or no phone, and blanks are never looked up.
        indexes = [
            models.Index(
                fields=["email_hash"], condition=~Q(email_hash=""), name="respondent_email_hash_idx"
            ),
            models.Index(
                fields=["phone_hash"], condition=~Q(phone_hash=""), name="respondent_phone_hash_idx"
            ),
        ]
        permissions = [("erase_respondent", _("Can erase a respondent's personal data on request"))]

    def __str__(self) -> str:
        return f"{self.type}:{self.ref}"

    def save(self, *args, **kwargs) -> None:
        # The hashes follow the clear values on every ORM save (the bulk paths of ingestion
        # write both themselves).
        self.email_hash = contact_hash(EMAIL, self.email)
        self.phone_hash = contact_hash(PHONE, self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"email", "phone"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "email_hash", "phone_hash"}
        super().save(*args, **kwargs)


class ServiceEvent(models.Model):
    """Something that happened to a respondent, as posted by a source system."""

    source = models.CharField(_("source system"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128)
    type = models.CharField(_("type"), max_length=64)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.PROTECT, related_name="events"
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # The ingest call that created the row: lets a bulk insert with ON CONFLICT DO NOTHING
    # tell the rows it created from the ones that already existed.
    batch_id = models.UUIDField(_("ingest batch"), editable=False)

    class Meta:
        verbose_name = _("service event")
        verbose_name_plural = _("service events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="event_source_external_id_unique"),
        ]
        indexes = [
            models.Index(fields=["type", "occurred_at"], name="event_type_occurred_idx"),
            models.Index(fields=["received_at"], name="event_received_idx"),
            models.Index(fields=["batch_id"], name="event_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.external_id}"


class Invitation(models.Model):
    """One survey sent (or to be sent) to one respondent after one event."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        EXPIRED = "expired", _("Expired")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # sha256 hex of the token; the token itself is derived from public_id (responses/tokens.py)
    # and never stored.
    # Unique through Meta.constraints, not unique=True: a field's unique=True also adds a LIKE
    # (varchar_pattern_ops) index on PostgreSQL, which no query uses and every insert maintains.
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    # db_index=False on the foreign keys below that lead a composite or unique index of Meta:
    # that index serves their lookups; a second one would only slow down each insert.
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    survey_version = models.ForeignKey(
        SurveyVersion, verbose_name=_("survey version"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        DistributionRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.ForeignKey(
        ServiceEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="invitations",
        db_index=False,
    )
    respondent = models.ForeignKey(
        Respondent,
        verbose_name=_("respondent"),
        on_delete=models.PROTECT,
        related_name="invitations",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=16, choices=DistributionRule.Channel.choices)
    channels = models.JSONField(_("channel order"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    # Frozen when the invitation is made: attributes, locale, timezone, event type/source/time,
    # the rule's reminder settings. Never written again.
    context = models.JSONField(_("frozen event context"), default=dict)
    locale = models.CharField(_("locale"), max_length=16)
    due_at = models.DateTimeField(_("due at"))
    deferred_reason = models.CharField(_("deferred because"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    reminders_sent = models.IntegerField(_("reminders sent"), default=0)
    next_reminder_at = models.DateTimeField(_("next reminder at"), null=True, blank=True)
    attempts = models.IntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        permissions = [("view_funnel", _("Can view the invitation funnel"))]
        constraints = [
            # At most one invitation per event (the winning rule decides; see distribution/rules.py).
            models.UniqueConstraint(fields=["event"], name="invitation_one_per_event"),
            models.UniqueConstraint(fields=["token_hash"], name="invitation_token_hash_unique"),
            models.CheckConstraint(
                condition=Q(reminders_sent__gte=0), name="invitation_reminders_sent_gte_0"
            ),
            models.CheckConstraint(condition=Q(attempts__gte=0), name="invitation_attempts_gte_0"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="invitation_status_due_idx"),
            models.Index(fields=["status", "next_reminder_at"], name="invitation_status_remind_idx"),
            models.Index(fields=["respondent", "due_at"], name="invitation_respondent_due_idx"),
            models.Index(fields=["survey", "created_at"], name="invitation_survey_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}→{self.respondent_id} ({self.status})"


class Suppression(models.Model):
    """An event that did not lead to an invitation, and why."""

    class Reason(models.TextChoices):
        NO_RULE = "no_rule", _("No rule matches the event")
        INACTIVE_RULE = "inactive_rule", _("Only an inactive rule matches the event")
        STALE_EVENT = "stale_event", _("Event older than the rule's maximum age")
        OPTED_OUT = "opted_out", _("Respondent opted out")
        NO_CONTACT = "no_contact", _("No contact point for any channel of the rule")
        FATIGUE = "fatigue", _("Respondent invited recently (fatigue)")
        QUOTA_FULL = "quota_full", _("Daily quota of the segment reached")
        SAMPLED_OUT = "sampled_out", _("Not drawn by sampling")

    # No separate indexes for event and survey: suppression_one_per_event and suppression_survey_idx
    # lead with them.
    event = models.ForeignKey(
        ServiceEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="suppressions",
        db_index=False,
    )
    respondent = models.ForeignKey(
        Respondent, verbose_name=_("respondent"), on_delete=models.PROTECT, related_name="suppressions"
    )
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    rule = models.ForeignKey(
        DistributionRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event"], name="suppression_one_per_event"),
        ]
        indexes = [
            models.Index(fields=["reason", "created_at"], name="suppression_reason_idx"),
            models.Index(fields=["survey", "created_at"], name="suppression_survey_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.reason}"


class QuotaCounter(models.Model):
    """Invitations made by one rule for one value of its quota attribute on one local day.

    Counted under a row lock during ingestion (distribution/ingestion.py), so parallel batches never
    exceed a rule's ``quota_max_per_day``.
    """

    rule = models.ForeignKey(DistributionRule, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    value = models.CharField(_("segment value"), max_length=255)
    count = models.IntegerField(_("invitations"), default=0)

    class Meta:
        verbose_name = _("quota counter")
        verbose_name_plural = _("quota counters")
        constraints = [
            models.UniqueConstraint(fields=["rule", "day", "value"], name="quota_counter_unique"),
            models.CheckConstraint(condition=Q(count__gte=0), name="quota_counter_count_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.day} {self.value}: {self.count}"


def open_link_slug() -> str:
    """A random, unguessable slug for an open link (128 bits, url-safe)."""
    return secrets.token_urlsafe(16)


class OpenLink(models.Model):
    """An anonymous link to a survey (a QR code in a store, a banner in the rider app).

    Anyone holding the link may answer, once per browser (a signed cookie, see
    ``Response.client_key``). ``attributes`` are frozen into each response's context, so the
    analysis can segment open-link answers by store, city or channel.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="+")
    slug = models.CharField(
        _("link token"), max_length=64, unique=True, default=open_link_slug, editable=False
    )
    name = models.CharField(
        _("name"), max_length=120, help_text=_("For staff only, e.g. Store 1024 counter.")
    )
    attributes = models.JSONField(
        _("attributes"),
        default=dict,
        blank=True,
        help_text=_(
            'Copied into every response, e.g. {"store_id": "1024", "city": "上海", "channel": "qr"}.'
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("open link")
        verbose_name_plural = _("open links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Response(models.Model):
    """What one respondent answered: to an invitation, or through an open link.

    Exactly one response per invitation is a database constraint (the one-to-one), and so is one
    response per browser of an open link (``client_key`` unique per link). Completion is a
    conditional ``UPDATE ... WHERE status = 'in_progress'`` (services/answering.py), so two
    racing submits complete it once.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="+")
    survey_version = models.ForeignKey(
        SurveyVersion, verbose_name=_("survey version"), on_delete=models.PROTECT, related_name="+"
    )
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response",
    )
    open_link = models.ForeignKey(
        OpenLink,
        verbose_name=_("open link"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    # sha256 of the open-link browser cookie's random id; never the cookie value itself.
    client_key = models.CharField(_("browser key"), max_length=64, null=True, blank=True, editable=False)
    locale = models.CharField(_("locale"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    # Frozen when the response is created: the invitation's context (attributes, event, locale)
    # or the open link's attributes, plus channel and respondent type. Analysis reads segments
    # from here and nowhere else.
    context = models.JSONField(_("context"), default=dict)
    contact_consent = models.BooleanField(_("may be contacted about the answer"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    updated_at = models.DateTimeField(_("updated at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Set when retention anonymised the response (free text removed, scores and segments kept):
    # the daily run skips it, and the dry run counts only what is still to do.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(invitation__isnull=False) & Q(open_link__isnull=True))
                | (Q(invitation__isnull=True) & Q(open_link__isnull=False)),
                name="response_invitation_xor_open_link",
            ),
            models.UniqueConstraint(
                fields=["open_link", "client_key"],
                condition=Q(client_key__isnull=False),
                name="response_one_per_browser_per_open_link",
            ),
            models.CheckConstraint(
                condition=(Q(status="completed") & Q(completed_at__isnull=False))
                | (Q(status="in_progress") & Q(completed_at__isnull=True)),
                name="response_completed_at_iff_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "status", "completed_at"], name="response_survey_done_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.public_id} ({self.status})"


class Answer(models.Model):
    """One question's answer in a response; the value's shape is the kind's (survey-definition.md)."""

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question_key = models.CharField(_("question"), max_length=64)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question_key"], name="answer_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}.{self.question_key}"
