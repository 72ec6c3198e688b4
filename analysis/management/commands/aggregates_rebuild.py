"""Recompute the daily aggregates of one survey (or all) from ResponseFacts."""

from django.core.management.base import BaseCommand, CommandError

from analysis.models import ResponseFacts
from analysis.services import aggregates_rebuild
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Rebuild DailyAggregate from ResponseFacts and copy their segments onto the comments "
        "(run while the survey's analysis is quiet)."
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
            result = aggregates_rebuild(survey_id=survey_id)
            self.stdout.write(
                f"survey {survey_id}: {result.responses} responses, {result.rows} aggregate rows, "
                f"{result.comments} comments."
            )
