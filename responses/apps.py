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
        admin_retention.register()
        checks.register(trusted_proxies_check)
