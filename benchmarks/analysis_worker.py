"""Responses per second one analysis worker process analyses: one response at a time
(``response_analyse``, what each id of a batch cost before) against a batch per transaction
(``responses_analyse``, what the ``analysis.responses_analyse`` task runs), in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch db> \\
    .venv/bin/python benchmarks/analysis_worker.py [--responses 2000] [--batch 50] [--single-only]
        [--data ../shared/data]

Comments are real: waimai_10k reviews (Chinese) and UCI Yelp sentences (English, one in five),
with an NPS score drawn from the review's label (negative 0-6, positive 7-10) and seven segment
keys (city, district type, scenario, merchant type, channel, respondent type, locale), so each
response adds (1 + 7 + 21) x (1 + topics) aggregate rows. A detractor model is trained first on
a separate survey's comments (not timed), so comments are scored as in production.

Two surveys get the same ``--responses`` responses; one is analysed one response at a time, the
other in batches of ``--batch``. On PostgreSQL a third gets them too, analysed in batches with the
triggers that keep the facts' narrow copy (migration analysis 0016) turned off: their cost.
Each path is timed twice: the first analysis, then the same
responses delivered again (nothing changes, nothing is counted twice). The baseline of the same
run is the text work alone on the same comments (pipeline, tagging, ``score_many``; no database).
Afterwards the two surveys' rows are compared value for value. ``--single-only`` times one
response at a time alone (it also runs on code from before the batch path). The detractor model
is trained on every analysed comment in the database. Writes to its own surveys; the database
must be a scratch one.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._setup import django_setup, machine

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data beside the checkout, or beside the directory of worktrees
DATA_DIRS = (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data")
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都"]
DISTRICTS = ["office", "residential", "business_district", "campus"]
SCENARIOS = ["peak", "night", "rain", "normal"]
MERCHANTS = ["fast_food", "tea_drinks", "hotpot", "bakery"]


def comments(data: Path, n: int, seed: int) -> list[tuple[str, bool]]:
    """``n`` (text, negative) pairs: waimai_10k reviews, every fifth a Yelp sentence."""
    with open(data / "zh" / "waimai_10k.csv", encoding="utf-8") as handle:
        chinese = [(row["review"].strip(), row["label"] == "0") for row in csv.DictReader(handle)]
    with open(data / "en" / "uci_yelp_labelled.txt", encoding="utf-8") as handle:
        english = [(line.rsplit("\t", 1)[0].strip(), line.rstrip().endswith("0")) for line in handle]
    chinese = [row for row in chinese if row[0]]
    english = [row for row in english if row[0]]
    rng = random.Random(seed)
    rng.shuffle(chinese)
    rng.shuffle(english)
    zh, en = iter(chinese), iter(english)
    return [next(en) if index % 5 == 4 else next(zh) for index in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--training", type=int, default=600)
    parser.add_argument(
        "--single-only",
        action="store_true",
        help="time one response at a time only (runs on code from before the batch path, too)",
    )
    parser.add_argument("--data", type=Path, default=next((p for p in DATA_DIRS if p.is_dir()), None))
    args = parser.parse_args()
    if args.data is None or not args.data.is_dir():
        sys.exit(
            "no shared/data directory beside the checkout: give --data (see its README for the datasets)"
        )

    django_setup()
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from analysis import services
    from analysis.models import CommentAnalysis, CommentTopic, DailyAggregate, ResponseFacts, Taxonomy
    from analysis.services import (
        detractor_model_train,
        response_analyse,
        survey_taxonomy_link,
        taxonomy_load_starter,
    )
    from analysis.services.context import analysis_context_for_survey
    from analysis.services.detractor import detractor_model_for_survey
    from analysis.sql import slices
    from responses.models import Answer, OpenLink, Response
    from surveys.models import Survey, SurveyVersion

    stamp = int(time.time())
    taxonomy_load_starter(names=["food_delivery"])
    taxonomy = Taxonomy.objects.get(key="food_delivery")
    now = timezone.now()

    def survey_with(key: str, rows: list[tuple[str, bool]], seed: int) -> tuple[Survey, list[int]]:
        survey = Survey.objects.create(key=key, audience="customer", title={"zh-hans": "基准", "en": "Bench"})
        definition = {
            "key": key,
            "primary_question": "nps",
            "questions": [{"key": "nps", "kind": "nps"}, {"key": "why", "kind": "long_text"}],
        }
        version = SurveyVersion.objects.create(
            survey=survey, number=1, definition=definition, checksum="0" * 64, published_at=now
        )
        link = OpenLink.objects.create(survey=survey, slug=key[:40], name="bench")
        survey_taxonomy_link(survey=survey, taxonomy=taxonomy)
        rng = random.Random(seed)
        responses, answers = [], []
        for index, (text, negative) in enumerate(rows):
            english = index % 5 == 4
            score = rng.randrange(0, 7) if negative else rng.randrange(7, 11)
            when = now - dt.timedelta(days=rng.randrange(7), minutes=rng.randrange(600))
            attributes = {
                "city": rng.choice(CITIES),
                "district_type": rng.choice(DISTRICTS),
                "scenario": rng.choice(SCENARIOS),
                "merchant_type": rng.choice(MERCHANTS),
            }
            responses.append(
                Response(
                    survey=survey,
                    survey_version=version,
                    open_link=link,
                    client_key=f"{key}-{index}",
                    locale="en" if english else "zh-hans",
                    status="completed",
                    context={
                        "attributes": attributes,
                        "channel": "app",
                        "respondent_type": "customer",
                        "locale": "en" if english else "zh-hans",
                    },
                    started_at=when,
                    updated_at=when,
                    completed_at=when,
                )
            )
            answers.append((score, text, when))
        Response.objects.bulk_create(responses, batch_size=1000)
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_key=key, value=value, updated_at=when)
                for response, (score, text, when) in zip(responses, answers, strict=True)
                for key, value in (("nps", score), ("why", text))
            ],
            batch_size=2000,
        )
        return survey, [r.pk for r in responses]

    data = comments(args.data, args.training + args.responses, seed=7)
    _training, training_ids = survey_with(f"bench-train-{stamp}", data[: args.training], seed=1)
    if args.single_only:
        for pk in training_ids:
            response_analyse(response_id=pk)
    else:
        for start in range(0, len(training_ids), args.batch):
            services.responses_analyse(response_ids=training_ids[start : start + args.batch])
    trained = detractor_model_train(survey_id=None)
    rows = data[args.training :]
    single, single_ids = survey_with(f"bench-single-{stamp}", rows, seed=2)
    surveys = [single]
    if not args.single_only:
        batch, batch_ids = survey_with(f"bench-batch-{stamp}", rows, seed=2)
        surveys.append(batch)
    # PostgreSQL: the same batches once more with the triggers that keep the facts' narrow copy
    # (migration analysis 0016) turned off: what keeping it costs, in the same run.
    keeps_copy = slices.chosen() is slices.PostgreSQL and not args.single_only
    copy_triggers = list(slices.TRIGGERS) if keeps_copy else []
    if copy_triggers:
        plain, plain_ids = survey_with(f"bench-plain-{stamp}", rows, seed=2)
        surveys.append(plain)

    # Warm up as a worker is warm: pipeline, tagger and model built and loaded before timing.
    for survey in surveys:
        context = analysis_context_for_survey(survey_id=survey.pk)
        model = detractor_model_for_survey(survey.pk)
    assert model is not None, "no detractor model could be trained"
    texts = [text for text, _negative in rows]
    started, cpu = time.perf_counter(), time.process_time()
    docs = [context.pipeline.process(text) for text in texts]
    for doc in docs:
        context.tagger.tag(doc)
    for start in range(0, len(docs), args.batch):
        model.score_many(docs[start : start + args.batch])
    baseline = (time.perf_counter() - started, time.process_time() - cpu)

    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    def one_at_a_time() -> None:
        for pk in single_ids:
            response_analyse(response_id=pk)

    def in_batches() -> None:
        for start in range(0, len(batch_ids), args.batch):
            result = services.responses_analyse(response_ids=batch_ids[start : start + args.batch])
            assert result.batched and not result.failed

    def without_copy() -> None:
        with connection.cursor() as cursor:
            for name in copy_triggers:
                cursor.execute(f"ALTER TABLE analysis_responsefacts DISABLE TRIGGER {name}")
        try:
            for start in range(0, len(plain_ids), args.batch):
                services.responses_analyse(response_ids=plain_ids[start : start + args.batch])
        finally:
            with connection.cursor() as cursor:
                for name in copy_triggers:
                    cursor.execute(f"ALTER TABLE analysis_responsefacts ENABLE TRIGGER {name}")

    def timed(run) -> tuple[float, float, int]:
        queries[0] = 0
        started, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            run()
        return time.perf_counter() - started, time.process_time() - cpu, queries[0]

    load_before = machine()["load"]
    figures = {"single, first analysis": timed(one_at_a_time)}
    if not args.single_only:
        figures["batch, first analysis"] = timed(in_batches)
    if copy_triggers:
        figures["batch, first analysis, the facts' narrow copy not kept"] = timed(without_copy)
    figures["single, delivered again"] = timed(one_at_a_time)
    if not args.single_only:
        figures["batch, delivered again"] = timed(in_batches)
    load_after = machine()["load"]

    def positions(survey) -> dict[int, int]:
        ids = Response.objects.filter(survey=survey).order_by("pk").values_list("pk", flat=True)
        return {pk: index for index, pk in enumerate(ids)}

    def snapshot(survey) -> list:
        where = positions(survey)
        comment_fields = [
            f.name
            for f in CommentAnalysis._meta.concrete_fields
            if f.name not in ("id", "response", "survey", "analysed_at")
        ]
        fact_fields = [
            f.name
            for f in ResponseFacts._meta.concrete_fields
            if f.name not in ("response", "survey", "survey_version", "counted_at")
        ]
        aggregate_fields = [
            f.name for f in DailyAggregate._meta.concrete_fields if f.name not in ("id", "survey")
        ]
        return [
            sorted(
                (where[r[0]], *r[1:])
                for r in CommentAnalysis.objects.filter(survey=survey).values_list(
                    "response_id", *comment_fields
                )
            ),
            sorted(
                (where[r[0]], *r[1:])
                for r in CommentTopic.objects.filter(comment__survey=survey).values_list(
                    "comment__response_id", "comment__question_key", "topic_id", "matched_terms"
                )
            ),
            sorted(
                (where[r[0]], *r[1:])
                for r in ResponseFacts.objects.filter(survey=survey).values_list("response_id", *fact_fields)
            ),
            sorted(
                DailyAggregate.objects.filter(survey=survey).values_list(*aggregate_fields),
                key=lambda r: tuple(str(v) for v in r),
            ),
        ]

    expected = snapshot(single)
    same = None if args.single_only else snapshot(batch) == expected
    info = machine()
    print(
        f"machine: {info['cpu']}, nproc {info['nproc']}, {info['memory']}, Python {info['python']}; "
        f"load average before {load_before}, after {load_after}"
    )
    print(
        f"{args.responses} responses, batches of {args.batch}; detractor model trained on "
        f"{trained.scored} comments; {len(expected[0])} comments, {len(expected[1])} topic links, "
        f"{len(expected[3])} aggregate rows; batch rows identical to one at a time: {same}"
    )
    print()
    print("| path | wall s | responses/s (wall) | CPU s | responses/s (CPU) | queries per response |")
    print("| --- | --- | --- | --- | --- | --- |")
    n = args.responses
    for name, (wall, cpu, count_) in {
        "baseline: text work alone, no database": (*baseline, 0),
        **figures,
    }.items():
        print(f"| {name} | {wall:.2f} | {n / wall:,.0f} | {cpu:.2f} | {n / cpu:,.0f} | {count_ / n:.2f} |")
    if same is False:
        sys.exit("the batch path wrote other rows than one response at a time")


if __name__ == "__main__":
    main()
