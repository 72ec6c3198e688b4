"""Exports of the process owners' workspace: one row per export, streamed or made in the
background, kept as the record of who took which respondents' data out (read-only in the
admin). Rows are written by ``exports.services`` only."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models import Survey


class Export(models.Model):
    class Kind(models.TextChoices):
        RESPONSES = "responses", _("Responses")
        PAIN_POINTS = "pain-points", _("Pain points")
        FUNNEL = "funnel", _("Funnel")
        COMMENTS = "comments", _("Comments")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Mode(models.TextChoices):
        STREAM = "stream", _("Streamed")
        BACKGROUND = "background", _("Background")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        # The file was removed (retention); the record stays.
        DELETED = "deleted", _("File deleted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept when the user is deleted: the record still says who it was.
    username = models.CharField(_("username"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    survey_key = models.CharField(_("survey key"), max_length=80)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    # The validated filters as given: from, to, attribute filters, q, group_by.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # Whether the respondents' email and phone were included (the user could read them).
    with_contact = models.BooleanField(_("with contact details"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # Relative to EXPORTS_ROOT; empty for a streamed export (nothing kept).
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        # No add/change/delete: the record is written by the services and read in the admin.
        default_permissions = ("view",)
        permissions = [
            ("export_data", _("Can export responses, comments, pain points and the funnel")),
            ("download_any_export", _("Can download exports made by other users")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_0_100"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="export_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.survey_key} ({self.format}, {self.status})"
