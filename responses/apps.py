from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsesConfig(AppConfig):
    name = "responses"
    verbose_name = _("Responses")

    def ready(self) -> None:
        from django.core import checks

        # Registers the Celery tasks in every process (not only workers): the distribution
        # engine publishes them by name (responses/distribution/queue.py).
        from responses import admin_funnel, admin_retention, tasks  # noqa: F401
        from responses.client_address import trusted_proxies_check

        admin_funnel.register()
        from ops.metrics import scrape_source_register
        from responses.metrics import responses_gauges

        scrape_source_register("responses", responses_gauges)
        admin_retention.register()
        checks.register(trusted_proxies_check)
