from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from surveys.roles import roles_ensure_after_migrate

        # After migrate and after flush: the role groups always hold the map's grants.
        post_migrate.connect(roles_ensure_after_migrate, sender=self, dispatch_uid="surveys_roles_ensure")
