from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from exports.erasure import exports_erase
        from responses import hooks

        if exports_erase not in hooks.personal_data_erase:
            hooks.personal_data_erase.append(exports_erase)
