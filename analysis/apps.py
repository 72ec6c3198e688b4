from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def enqueue_response_analysis(*, response_id: int) -> None:
    """responses' completion hook: already called after the submit committed, so enqueue now."""
    from analysis import services
    from analysis.tasks import pending_drain, response_analyse

    # Coalesced through Redis when the broker is Redis: one publish per burst, not per submit.
    if not services.pending_add(
        response_id=response_id, schedule_drain=lambda delay: pending_drain.apply_async(countdown=delay)
    ):
        response_analyse.delay(response_id)


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = _("Analysis")

    def ready(self) -> None:
        from responses import hooks

        if enqueue_response_analysis not in hooks.response_completed:
            hooks.response_completed.append(enqueue_response_analysis)
