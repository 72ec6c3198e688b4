from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from ops import log_context, metrics, scrape  # noqa: F401 - log_context connects the task signals

        metrics.scrape_source_register("ops", scrape.ops_gauges)
        from ops import admin_token

        admin_token.register()
