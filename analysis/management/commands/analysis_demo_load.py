"""Link the starter taxonomies to the demo surveys, load an analysed demo history and the story."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from analysis.demo_history import RESPONSES, UNCOVERED_RESPONSES, demo_history_load
from analysis.demo_story import demo_story_load
from config.demo import demo_data_refuse_unless_allowed


class Command(BaseCommand):
    help = "Load the starter taxonomies, an analysed demo history and the demo's story (idempotent)."

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
        # The story: orders, merchant onboardings, riders' shifts, support tickets and car-rental
        # returns of the last weeks, through the ingestion, delivery and answering services.
        started = time.perf_counter()
        story = demo_story_load()
        seconds = time.perf_counter() - started
        if story.events:
            self.stdout.write(
                f"Demo story: {story.events} events, {story.invitations} invitations, "
                f"{story.responses} responses in {seconds:.1f} s."
            )
        else:
            self.stdout.write(f"Demo story: already there ({story.duplicates} events).")
