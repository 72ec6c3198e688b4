"""Load the demo improvement action and follow-up cases (``cases.demo``); called by ``demo_load``."""

from django.core.management.base import BaseCommand

from cases.demo import demo_action_load, demo_cases_load
from config.demo import demo_data_refuse_unless_allowed


class Command(BaseCommand):
    help = "Load the demo improvement action, alert rules and cases (idempotent)."

    def handle(self, *args, **options) -> None:
        demo_data_refuse_unless_allowed()  # never under production settings
        action = demo_action_load()
        if action is None:
            self.stdout.write("No after-delivery survey or no demo owner yet: no demo action.")
            return
        self.stdout.write(f"Improvement action {action.pk}: /api/v1/actions/{action.pk}/review/")
        cases = demo_cases_load()
        self.stdout.write(f"Demo cases: {len(cases)}")
