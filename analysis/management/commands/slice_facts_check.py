"""Compare the facts' narrow copy (PostgreSQL, ``analysis_slicefacts``) with the facts it is
kept from, per survey, and with ``--repair`` write the surveys that differ again. Exits with
status 1 when rows differ (or the copy's triggers are off) and nothing was repaired, for a
monitoring job."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analysis.models import ResponseFacts
from analysis.services.aggregates import slice_facts_drift, slice_facts_refill, slice_triggers_off
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Compare the facts' narrow copy (filtered slices read it) with the facts, per survey; "
        "--repair writes the surveys that differ again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--survey", help="Survey key (default: every survey with facts).")
        parser.add_argument("--repair", action="store_true", help="Write the differing surveys again.")

    def handle(self, *args, **options) -> None:
        if options["survey"]:
            surveys = dict(Survey.objects.filter(key=options["survey"]).values_list("pk", "key"))
            if not surveys:
                raise CommandError(f"no survey with key {options['survey']!r}")
        else:
            ids = set(ResponseFacts.objects.values_list("survey_id", flat=True).distinct())
            surveys = dict(Survey.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "key"))
        off = slice_triggers_off()
        if off:
            self.stderr.write(
                "the copy's triggers are off or missing: " + ", ".join(off) + " (every write of the "
                "facts leaves the copy behind; enable them: ALTER TABLE analysis_responsefacts "
                "ENABLE TRIGGER <name>, or migrate analysis 0015 then forward)"
            )
        drifted = {}
        for survey_id, key in tqdm(surveys.items(), desc="surveys", unit="survey", disable=len(surveys) < 2):
            differ = slice_facts_drift(survey_id).get(survey_id, 0)
            if differ:
                drifted[survey_id] = key
                self.stdout.write(f"survey {key}: {differ} narrow rows differ from its facts")
        if not drifted:
            self.stdout.write(f"{len(surveys)} surveys: the narrow copy holds exactly their facts")
        elif options["repair"]:
            for survey_id, key in drifted.items():
                written = slice_facts_refill(survey_id=survey_id)
                self.stdout.write(f"survey {key}: {written} narrow rows written again")
            return
        if drifted:
            raise CommandError("the narrow copy differs from the facts: run with --repair", returncode=1)
        if off:
            raise CommandError("the narrow copy's triggers are off", returncode=1)
