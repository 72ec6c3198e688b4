"""What the analysis worker spends per completed response, against the pure text work alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_insights_bench \\
    .venv/bin/python benchmarks/response_analyse.py [--responses 500]

Baseline, measured in the same run on the same comments: ``TextPipeline.process`` plus
``TopicTagger.tag`` (no database). The service adds the answers read, the upserts of the
comment, its topics and the facts, and the aggregate increments ((1 + keys + pairs of keys) x
(1 + topics) rows; 7 keys: 29 x (1 + topics)). The increments are also timed alone, with and
without the pair rows, on the same responses' facts (rolled back). Writes to its own survey;
the database must be a scratch one.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from analysis.demo_history import COMMENTS, _comment, _issues
    from analysis.models import Taxonomy
    from analysis.services import response_analyse, survey_taxonomy_link, taxonomy_load_starter
    from analysis.services.context import analysis_context_for_survey
    from responses.models import Answer, OpenLink, Response
    from surveys.models import Survey, SurveyVersion

    call_command("migrate", verbosity=0)
    key = f"bench-analyse-{int(time.time())}"
    survey = Survey.objects.create(key=key, audience="customer", title={"zh-hans": "基准", "en": "Bench"})
    definition = {
        "key": key,
        "primary_question": "nps",
        "questions": [{"key": "nps", "kind": "nps"}, {"key": "why", "kind": "long_text"}],
    }
    version = SurveyVersion.objects.create(
        survey=survey, number=1, definition=definition, checksum="0" * 64, published_at=timezone.now()
    )
    link = OpenLink.objects.create(survey=survey, slug=key[:40], name="bench")
    taxonomy_load_starter(names=["food_delivery"])
    survey_taxonomy_link(survey=survey, taxonomy=Taxonomy.objects.get(key="food_delivery"))
    rng = random.Random(7)
    ids, texts = [], []
    now = timezone.now()
    for index in range(args.responses):
        attributes = {
            "city": rng.choice(["上海", "北京"]),
            "district_type": rng.choice(["office", "residential"]),
            "scenario": rng.choice(["peak", "rain", "normal"]),
            "merchant_type": rng.choice(["fast_food", "tea_drinks"]),
        }
        issues = _issues(rng, attributes) or ["praise"]
        text = _comment(rng, issues, rng.random() < 0.2)
        response = Response.objects.create(
            survey=survey,
            survey_version=version,
            open_link=link,
            client_key=f"{key}-{index}",
            locale="zh-hans",
            status="completed",
            context={"attributes": attributes, "channel": "app", "respondent_type": "customer"},
            started_at=now,
            updated_at=now,
            completed_at=now,
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_key="nps", value=rng.randrange(11), updated_at=now),
                Answer(response=response, question_key="why", value=text, updated_at=now),
            ]
        )
        ids.append(response.pk)
        texts.append(text)
    assert COMMENTS

    context = analysis_context_for_survey(survey_id=survey.pk)  # builds jieba once, as a worker does
    baseline = []
    for text in texts:
        start = time.perf_counter()
        context.tagger.tag(context.pipeline.process(text))
        baseline.append((time.perf_counter() - start) * 1000)
    service = []
    for pk in ids:
        start = time.perf_counter()
        response_analyse(response_id=pk)
        service.append((time.perf_counter() - start) * 1000)

    from django.db import transaction

    from analysis.models import ResponseFacts
    from analysis.services import aggregates

    facts = [aggregates.FactValues.of(f) for f in ResponseFacts.objects.filter(response_id__in=ids)]

    def increments() -> tuple[list[float], float]:
        samples, rows = [], 0
        with transaction.atomic():
            for values in facts:
                rows += len(aggregates.aggregate_rows(values))
                start = time.perf_counter()
                aggregates.aggregates_apply(survey_id=survey.pk, values=values, sign=1)
                samples.append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)
        return samples, rows / len(facts)

    with_pairs, rows_with_pairs = increments()
    every_row = aggregates.aggregate_rows
    aggregates.aggregate_rows = lambda values: [
        r for r in every_row(values) if not aggregates.is_pair_key(r[0])
    ]
    single, rows_single = increments()
    aggregates.aggregate_rows = every_row

    def row(name, samples):
        total = sum(samples) / 1000
        print(
            f"| {name} | {len(samples)} | {statistics.median(samples):.2f} | "
            f"{sorted(samples)[int(len(samples) * 0.99) - 1]:.2f} | {len(samples) / total:,.0f} |"
        )

    print("| step | responses | p50 ms | p99 ms | per second (one process) |")
    print("| --- | --- | --- | --- | --- |")
    row("baseline: pipeline + tagging, no database", baseline)
    row("`response_analyse` (everything stored, aggregates counted)", service)
    row(f"aggregate increments alone, single keys ({rows_single:.1f} rows per response)", single)
    row(f"aggregate increments alone, with pairs ({rows_with_pairs:.1f} rows per response)", with_pairs)


if __name__ == "__main__":
    main()
