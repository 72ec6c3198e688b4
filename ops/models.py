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
