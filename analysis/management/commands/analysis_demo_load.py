"""Link the starter taxonomies to the demo surveys and load an analysed demo history."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from analysis.demo_history import RESPONSES, UNCOVERED_RESPONSES, demo_history_load
from analysis.demo_processes import demo_processes_load
from config.demo import demo_data_refuse_unless_allowed


class Command(BaseCommand):
    help = "Load the starter taxonomies and an analysed demo history (idempotent)."

    def handle(self, *args, **options) -> None:
        demo_data_refuse_unless_allowed()
        started = time.perf_counter()
        with tqdm(
            total=RESPONSES + UNCOVERED_RESPONSES,
            desc="Analysing the demo history",
            unit=" answers",
            file=self.stderr,
            disable=None,  # off when the output is not a terminal (tests, logs)
        ) as bar:
            result = demo_history_load(progress=bar.update)
        seconds = time.perf_counter() - started
        if result.created:
            self.stdout.write(f"Demo history: {result.responses} responses analysed in {seconds:.1f} s.")
        else:
            self.stdout.write(f"Demo history: already there ({result.responses} responses).")
        # The merchant-onboarding and rider surveys, for the workspace's process views.
        written = demo_processes_load()
        if written:
            self.stdout.write(f"Demo process views: {written} merchant and rider responses analysed.")
