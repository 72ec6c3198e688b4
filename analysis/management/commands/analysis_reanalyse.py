"""Analyse again the stored comments made with other dictionaries or another taxonomy."""

from django.core.management.base import BaseCommand, CommandError

from analysis.services import comments_reanalyse
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Re-run the analysis of stale comments only (re-tag from stored tokens when only the "
        "taxonomy changed), and of completed responses never analysed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--survey", help="Survey key (default: every survey).")

    def handle(self, *args, **options) -> None:
        survey_id = None
        if options["survey"]:
            survey = Survey.objects.filter(key=options["survey"]).first()
            if survey is None:
                raise CommandError(f"no survey with key {options['survey']!r}")
            survey_id = survey.pk
        result = comments_reanalyse(survey_id=survey_id)
        self.stdout.write(
            f"{result.responses} responses analysed again: {result.segmented} comments segmented, "
            f"{result.retagged} re-tagged from stored tokens."
        )
