from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def enqueue_rules_evaluation(*, response_ids: list[int]) -> None:
    """analysis' hook, called after its transaction committed: evaluate the alert rules."""
    from cases.tasks import responses_evaluate

    responses_evaluate.delay(list(response_ids))


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Follow-up cases")

    def ready(self) -> None:
        from analysis import hooks

        if enqueue_rules_evaluation not in hooks.response_analysed:
            hooks.response_analysed.append(enqueue_rules_evaluation)

        from cases.services.erasure import cases_text_erase
        from responses import hooks as response_hooks

        if cases_text_erase not in response_hooks.personal_data_erase:
            response_hooks.personal_data_erase.append(cases_text_erase)
