"""Recompute the daily aggregates of one survey (or all) from ResponseFacts, after taking the
topics of the stored comments (taxonomy and discovered, with their polarity) into the facts
again: after an upgrade, the facts of responses analysed before the polarity was stored in them
get it from their comments."""

from django.core.management.base import BaseCommand, CommandError

from analysis.models import ResponseFacts
from analysis.services import aggregates_rebuild
from analysis.services.comments import facts_topics_refresh
from surveys.models import Survey

CHUNK = 2000


class Command(BaseCommand):
    help = (
        "Take the stored comments' topics and polarity into ResponseFacts, rebuild DailyAggregate "
        "from them and copy their segments onto the comments (run while the survey's analysis is quiet)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--survey", help="Survey key (default: every survey with facts).")

    def handle(self, *args, **options) -> None:
        if options["survey"]:
            ids = list(Survey.objects.filter(key=options["survey"]).values_list("pk", flat=True))
            if not ids:
                raise CommandError(f"no survey with key {options['survey']!r}")
        else:
            ids = sorted(set(ResponseFacts.objects.values_list("survey_id", flat=True)))
        for survey_id in ids:
            responses = list(
                ResponseFacts.objects.filter(survey_id=survey_id).order_by("pk").values_list("pk", flat=True)
            )
            for start in range(0, len(responses), CHUNK):
                facts_topics_refresh(response_ids=responses[start : start + CHUNK], move_counts=False)
            result = aggregates_rebuild(survey_id=survey_id)
            self.stdout.write(
                f"survey {survey_id}: {result.responses} responses, {result.rows} aggregate rows, "
                f"{result.comments} comments."
            )
