from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsesConfig(AppConfig):
    name = "responses"
    verbose_name = _("Responses")

    def ready(self) -> None:
        from django.core import checks

        from responses import admin_funnel, admin_retention
        from responses.client_address import trusted_proxies_check

        admin_funnel.register()
        from ops.metrics import scrape_source_register
        from responses.metrics import responses_gauges

        scrape_source_register("responses", responses_gauges)
        admin_retention.register()
        checks.register(trusted_proxies_check)
