from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a periodic task ran on a worker (``ops.heartbeat_record``, sent by beat).

    Kept in the database, not in Redis, so a Redis restart neither loses it nor fakes it.
    """

    name = models.CharField(_("name"), max_length=64, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at.isoformat()}"


class AuditEntry(models.Model):
    """One change a person (or the system) made: who, when, what, before and after.

    Written by services in the transaction of the change (``ops.services.audit_record``), never by
    signals, so an entry exists exactly when the change committed. It lives in ``ops``, the
    lowest layer, so every app may record its changes here (cases and alert rules now;
    publishing, exports and erasures can follow without a new table). docs/cases.md says why a
    small model of our own and not django-simple-history or django-auditlog.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"))
    # "<app>.<model>.<verb>", e.g. "cases.case.resolved", "cases.alertrule.changed"
    action = models.CharField(_("action"), max_length=64)
    object_label = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_label", "object_id", "at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_label}#{self.object_id}"
