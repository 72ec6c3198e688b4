import logging

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# ops.outages kind of the hand-off from a submit to the analysis queue.
HANDOFF_OUTAGE = "analysis_handoff"


def enqueue_response_analysis(*, response_id: int) -> None:
    """responses' completion hook: already called after the submit committed, so enqueue now.

    Fails open: when Redis (the pending set or the broker) cannot be reached, the submit goes on,
    the failure is logged once per outage and counted, and the response is left to
    ``analysis.unanalysed_sweep``, which finds completed responses without facts.
    """
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    from analysis import services
    from analysis.tasks import pending_drain, response_analyse
    from ops.outages import outage_failed, outage_recovered, outage_skips

    if outage_skips(HANDOFF_OUTAGE):
        return
    try:
        # Coalesced through Redis when the broker is Redis: one publish per burst, not per submit.
        if not services.pending_add(
            response_id=response_id, schedule_drain=lambda delay: pending_drain.apply_async(countdown=delay)
        ):
            response_analyse.delay(response_id)
    except (RedisError, OperationalError, OSError) as exc:
        if pending_drain.app.conf.task_always_eager:
            raise
        outage_failed(HANDOFF_OUTAGE, exc, retry_after=settings.REDIS_RETRY_SECONDS)
        return
    outage_recovered(HANDOFF_OUTAGE)


def slice_keys_sync(sender, using: str = "default", **kwargs) -> None:
    """After ``migrate``: the facts' narrow copy follows ``ANALYSIS_SEGMENT_KEYS`` (rewritten only
    when the keys changed; ``analysis.services.aggregates.slice_keys_sync``)."""
    if using != "default":
        return
    from analysis.services.aggregates import slice_keys_sync as keys_sync

    if keys_sync():
        log.info("the facts' narrow copy rewritten for the keys %s", settings.ANALYSIS_SEGMENT_KEYS)


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = _("Analysis")

    def ready(self) -> None:
        from analysis import checks  # noqa: F401  (registers the app's system checks)
        from responses import hooks

        if enqueue_response_analysis not in hooks.response_completed:
            hooks.response_completed.append(enqueue_response_analysis)
        from analysis.services.erasure import comments_text_erase

        if comments_text_erase not in hooks.personal_data_erase:
            hooks.personal_data_erase.append(comments_text_erase)
        post_migrate.connect(slice_keys_sync, sender=self, dispatch_uid="analysis_slice_keys_sync")
