"""Pain-point and metrics queries over 1,000,000 analysed responses on PostgreSQL, from the
aggregates (daily and weekly rows) or, filtered on two keys or more, from the facts' narrow copy
(migration analysis 0016; on a key that is not aggregated, the facts through their GIN index),
grouped in SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_insights_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 \\
    .venv/bin/python benchmarks/painpoints_query.py [--responses 1000000] [--raw-scan filtered]

The database is created if missing and its analysis tables are emptied first: never point this
at a database with data you want. Responses are generated server-side (``generate_series``),
ResponseFacts are written with ``COPY`` (random segments and topics, seeded), the aggregates are
built from the facts with one SQL ``GROUP BY`` (what ``aggregates_rebuild`` computes: totals,
single keys and pairs of keys) and summed per week, and 30 % of responses get a stored comment
(with the response's segments) so the keyword/example sample has rows to read. The segments'
GIN indexes (migration 0007) are dropped for the load and built again after it, timed; the
tables are then put in day order (as the platform writes them). ``--keep-data`` reuses the data
of an earlier run when the survey has exactly ``--responses`` facts.

Each query is timed cold (``ANALYSIS_COUNTS_CACHE_SECONDS=0``: every count read from
PostgreSQL) and with its count tables cached in Redis (after one request). The floor of every
row, in the same run: PostgreSQL reading the scope's facts once and counting responses and
topic mentions (``FLOOR_SQL``). The raw scan (the rows read and counted in Python, as on
SQLite) answers the same questions and must give the same numbers (``--raw-scan``: every
query, those with two filters or more, or none; unfiltered it takes minutes at 1,000,000).
"""

import argparse
import datetime as dt
import importlib
import json
import os
import random
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

CITIES = [f"city-{i:02d}" for i in range(20)]
DISTRICTS = ["office", "residential", "business_district", "campus"]
MERCHANTS = ["fast_food", "tea_drinks", "hotpot", "bakery", "grocery", "pharmacy"]
SCENARIOS = ["peak", "night", "rain", "normal"]
CHANNELS = ["app", "sms", "email"]
TOPICS = [
    "delivery_time",
    "food_temperature",
    "missing_wrong_items",
    "rider_attitude",
    "taste",
    "portion_price",
    "packaging_spill",
    "app_ordering",
]
DAYS = 180


def timed(function, repeat: int) -> tuple[float, float, object]:
    """Median wall ms, median process CPU ms (this process: Python, not PostgreSQL), last result."""
    samples, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(samples), statistics.median(cpu), result


# The floor of every row: PostgreSQL reading the scope's facts once (found as the fallback finds
# them: the day range, and the GIN index for filters) and counting the responses and each
# topic's mentions. Any answer computed from the responses themselves does at least this.
FLOOR_SQL = """
SELECT t.topic, count(*), sum(f.primary_score)
FROM analysis_responsefacts f
CROSS JOIN LATERAL (SELECT '' AS topic UNION ALL SELECT jsonb_array_elements_text(f.topics)) t
WHERE f.survey_id = %s AND f.completed_day BETWEEN %s AND %s AND f.segments @> %s::jsonb
GROUP BY t.topic
"""


def floor_scan(survey_id: int, date_from: dt.date, date_to: dt.date, filters: dict) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [survey_id, date_from, date_to, json.dumps(filters)])
        return cursor.fetchall()


def server_settings() -> str:
    """What the figures depend on besides the code: PostgreSQL's buffers, and the side reads."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        (buffers,) = cursor.fetchone()
    side = "on" if settings.DATABASE_SIDE_READS else "off"
    return f"PostgreSQL shared_buffers {buffers}; side reads {side} (DATABASE_SIDE_READS)"


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            conn.execute(f'create database "{name}"')


def facts_rows(n: int, first_id: int, survey_id: int, version_id: int, today: dt.date, rng: random.Random):
    for i in range(n):
        day = today - dt.timedelta(days=int(rng.random() ** 1.3 * DAYS))
        score = rng.choices(range(11), weights=[3, 2, 3, 3, 4, 5, 6, 9, 14, 20, 21])[0]
        topics = sorted(rng.sample(TOPICS, k=rng.choices([0, 1, 2], weights=[55, 35, 10])[0]))
        has_comment = bool(topics) or rng.random() < 0.2
        segments = {
            "city": rng.choice(CITIES),
            "district_type": rng.choice(DISTRICTS),
            "merchant_type": rng.choice(MERCHANTS),
            "scenario": rng.choice(SCENARIOS),
            "channel": rng.choice(CHANNELS),
            "respondent_type": "customer",
            "locale": "en" if rng.random() < 0.15 else "zh-hans",
            "store_id": str(rng.randrange(50_000)),
        }
        completed = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        yield (
            first_id + i,
            survey_id,
            version_id,
            completed,
            day,
            "nps",
            float(score),
            score <= 6,
            score >= 9,
            has_comment,
            json.dumps(topics),
            "{}",  # topic_polarity: every mention a complaint
            json.dumps(segments, ensure_ascii=False),
            segments["locale"],
            segments["channel"],
            "customer",
            completed,
        )


AGGREGATE_SQL = """
INSERT INTO analysis_dailyaggregate (survey_id, day, segment_key, segment_value, topic_key, responses,
    scored, promoters, passives, detractors, score_sum, score_sum_squares, comments, scored_comments,
    mentions, detractor_mentions, complaint_mentions, praise_mentions, complaining)
WITH f AS (SELECT * FROM analysis_responsefacts WHERE survey_id = %(survey)s),
seg AS (SELECT f.*, s.key AS seg_key, s.value AS seg_value FROM f
        CROSS JOIN LATERAL jsonb_each_text(f.segments::jsonb) s WHERE s.key = ANY(%(keys)s)
        UNION ALL SELECT f.*, '' AS seg_key, '' AS seg_value FROM f
        UNION ALL SELECT f.*, a.key || '|' || b.key AS seg_key,
            replace(replace(a.value, '\\', '\\\\'), '|', '\\|') || '|'
            || replace(replace(b.value, '\\', '\\\\'), '|', '\\|') AS seg_value FROM f
        CROSS JOIN LATERAL jsonb_each_text(f.segments::jsonb) a
        CROSS JOIN LATERAL jsonb_each_text(f.segments::jsonb) b
        WHERE a.key = ANY(%(keys)s) AND b.key = ANY(%(keys)s) AND a.key < b.key
            AND a.value <> '' AND b.value <> ''),
rows AS (SELECT seg.*, '' AS topic, false AS is_topic FROM seg
         UNION ALL SELECT seg.*, t.value AS topic, true AS is_topic FROM seg
         CROSS JOIN LATERAL jsonb_array_elements_text(seg.topics::jsonb) t)
SELECT %(survey)s, completed_day, seg_key, seg_value, topic, count(*),
    count(primary_score), sum(is_promoter::int), sum((NOT is_promoter AND NOT is_detractor)::int),
    sum(is_detractor::int), sum(primary_score), sum(primary_score * primary_score),
    sum(CASE WHEN is_topic THEN 1 ELSE has_comment::int END),
    sum(CASE WHEN is_topic THEN 1 ELSE has_comment::int END),
    sum(is_topic::int), sum(CASE WHEN is_topic OR has_comment THEN is_detractor::int ELSE 0 END),
    sum(is_topic::int), 0, sum((NOT is_topic AND jsonb_array_length(topics::jsonb) > 0)::int)
FROM rows GROUP BY completed_day, seg_key, seg_value, topic
"""


# The platform writes facts, comments and aggregate rows as responses come in: by day. The
# generated rows are put in that order (the random days of the generator scatter a day's rows
# over the whole table, which no real survey does).
CLUSTERED = (
    ("analysis_responsefacts", "facts_survey_day_idx"),
    ("analysis_commentanalysis", "comment_survey_day_idx"),
    ("analysis_dailyaggregate", "aggregate_survey_day_idx"),
    ("analysis_weeklyaggregate", "weekly_aggregate_week_idx"),
    # the facts' narrow copy, written by the facts' triggers during the COPY (migration 0016)
    ("analysis_slicefacts", "analysis_slicefacts_day"),
)


def weekly_sql() -> str:
    """The weekly rows: the daily rows summed per ISO week (what every write path keeps them)."""
    from analysis.services.aggregates import COUNT_FIELDS

    return f"""
INSERT INTO analysis_weeklyaggregate (survey_id, week, segment_key, segment_value, topic_key,
    {", ".join(COUNT_FIELDS)})
SELECT survey_id, day - (extract(isodow FROM day)::int - 1), segment_key, segment_value, topic_key,
    {", ".join(f"sum({name})" for name in COUNT_FIELDS)}
FROM analysis_dailyaggregate WHERE survey_id = %s GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 (the column names are the aggregates' own constants)


def load_data(survey, n: int, today: dt.date) -> None:
    """Empty the analysis tables and write n responses, their facts, aggregates and comments."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from analysis.models import Taxonomy
    from analysis.services import survey_taxonomy_link, taxonomy_load_starter
    from responses.models import OpenLink
    from surveys.models import SurveyVersion

    gin = importlib.import_module("analysis.migrations.0007_segments_gin")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE analysis_dailyaggregate, analysis_weeklyaggregate, analysis_commenttopic, "
            "analysis_commentanalysis, analysis_responsefacts, responses_answer, responses_response CASCADE"
        )
        for name, _table in gin.INDEXES:  # built again after the load (faster than row by row)
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    definition = {"key": survey.key, "primary_question": "nps", "questions": [{"key": "nps", "kind": "nps"}]}
    version, _ = SurveyVersion.objects.get_or_create(
        survey=survey,
        number=1,
        defaults={"definition": definition, "checksum": "0" * 64, "published_at": timezone.now()},
    )
    link, _ = OpenLink.objects.get_or_create(survey=survey, slug="bench", defaults={"name": "bench"})
    taxonomy_load_starter(names=["food_delivery"])
    survey_taxonomy_link(survey=survey, taxonomy=Taxonomy.objects.get(key="food_delivery"))

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO responses_response (public_id, survey_id, survey_version_id, open_link_id,
                   client_key, locale, status, context, started_at, updated_at, completed_at)
               SELECT gen_random_uuid(), %s, %s, %s, md5(g::text), 'zh-hans', 'completed', '{}',
                   now(), now(), now() FROM generate_series(1, %s) g""",
            [survey.pk, version.pk, link.pk, n],
        )
        cursor.execute("SELECT min(id) FROM responses_response WHERE survey_id = %s", [survey.pk])
        first_id = cursor.fetchone()[0]
    generated = time.perf_counter() - started
    started = time.perf_counter()
    rng = random.Random(1)
    columns = (
        "response_id, survey_id, survey_version_id, completed_at, completed_day, metric, primary_score, "
        "is_detractor, is_promoter, has_comment, topics, topic_polarity, segments, locale, channel, "
        "respondent_type, "
        "counted_at"
    )
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor, cursor.copy(f"COPY analysis_responsefacts ({columns}) FROM STDIN") as copy:
        for row in facts_rows(n, first_id, survey.pk, version.pk, today, rng):
            copy.write_row(row)
    raw.commit() if not raw.autocommit else None
    copied = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(AGGREGATE_SQL, {"survey": survey.pk, "keys": list(settings.ANALYSIS_SEGMENT_KEYS)})
        cursor.execute(weekly_sql(), [survey.pk])
        cursor.execute(
            """INSERT INTO analysis_commentanalysis (response_id, survey_id, completed_day, question_key,
                   text, language, tokens, phrases, topics, topic_polarity, clusters, segments, clauses,
                   covered_clauses, truncated, pipeline_version, dictionary_version, is_mismatch, analysed_at)
               SELECT response_id, survey_id, completed_day, 'why', '送餐太慢了', 'zh', '["送餐", "太慢"]',
                   '[]', topics, '{}', '{}', segments, 1, 1, false, 'bench', 'bench', false, completed_at
               FROM analysis_responsefacts WHERE survey_id = %s AND has_comment AND response_id %% 10 < 3""",
            [survey.pk],
        )
    built = time.perf_counter() - started
    started = time.perf_counter()
    with connection.schema_editor(atomic=False) as editor:
        gin.create_indexes(None, editor)
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, index in CLUSTERED:
            cursor.execute(f"CLUSTER {table} USING {index}")
        cursor.execute("VACUUM ANALYZE")
    clustered = time.perf_counter() - started
    print(
        f"  responses generated in {generated:.1f} s, facts copied in {copied:.1f} s, "
        f"aggregates and comments built in {built:.1f} s, segment GIN indexes in {indexed:.1f} s, "
        f"tables in day order in {clustered:.1f} s"
    )


def use_redis_cache() -> None:
    """The cached count tables in Redis (``REDIS_URL``), as deployed (the test settings keep
    them in memory); its entries are emptied first."""
    from django.core.cache import cache
    from django.test.utils import override_settings

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    ).enable()
    cache.clear()


def numbers(selector, result) -> list:
    """What must be the same whichever way a query is answered."""
    if selector.__name__ == "painpoints_for_scope":
        return [
            (
                t["key"],
                t["mentions"],
                round(t["impact"], 6),
                [(g["column"], g["value"], g["mentions"], round(g["p_value"], 9)) for g in t["segments"]],
                [(k["term"], k["count"]) for k in t["keywords"]],
                [e["comment_id"] for e in t["examples"]],
            )
            for t in result["topics"]
        ]
    return [
        round(result["overall"]["value"], 6),
        [(p["period"], p["result"]["n"], round(p["result"]["value"], 6)) for p in result["by_period"]],
        {
            key: [(r["value"], r["result"]["n"], round(r["p_adjusted"] or 0.0, 9)) for r in rows]
            for key, rows in result["by_segment"].items()
        },
    ]


def in_scope(selector, result) -> int:
    if selector.__name__ == "painpoints_for_scope":
        return result["summary"]["responses"]
    return result["overall"]["n"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep-data", action="store_true", help="reuse an earlier run's data if it fits")
    parser.add_argument(
        "--raw-scan",
        choices=("all", "filtered", "none"),
        default="all",
        help="check against the Python raw scan: every query, those with 2-3 filters, or none",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a database of its own: it is emptied)")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings
    from django.utils import timezone

    from analysis.models import DailyAggregate, ResponseFacts
    from analysis.selectors import metrics_for_scope, painpoints_for_scope
    from analysis.sql import slices
    from surveys.models import Survey

    use_redis_cache()
    call_command("migrate", verbosity=0)
    survey, _ = Survey.objects.get_or_create(
        key="bench-after-delivery",
        defaults={"audience": "customer", "title": {"zh-hans": "基准", "en": "Bench"}},
    )
    n = args.responses
    today = timezone.localdate()
    facts = ResponseFacts.objects.filter(survey=survey).count()
    if args.keep_data and facts == n and ResponseFacts.objects.filter(completed_day=today).exists():
        print(f"data: kept from an earlier run ({facts:,} facts)")
    else:
        load_data(survey, n, today)
    aggregates = DailyAggregate.objects.filter(survey=survey).count()
    facts = ResponseFacts.objects.filter(survey=survey).count()
    print(f"data: {facts:,} facts, {aggregates:,} aggregate rows over {DAYS} days")
    print(server_settings())

    import analysis.selectors.scope as scope_module

    office = {"district_type": "office"}
    office_peak = {"district_type": "office", "scenario": "peak"}
    office_peak_city = {**office_peak, "city": CITIES[3]}
    two, three = "office & scenario=peak", f"office & peak & city={CITIES[3]}"
    city, store = {"city": CITIES[7]}, {"store_id": "123"}
    city_hotpot = {"city": CITIES[5], "merchant_type": "hotpot"}
    app_tea_night = {"channel": "app", "merchant_type": "tea_drinks", "scenario": "night"}
    other_two, other_three = f"city={CITIES[5]} & hotpot", "channel=app & tea_drinks & night"
    cases = [
        ("pain points, 28 days, no filter", 28, {}, painpoints_for_scope),
        ("pain points, 90 days, no filter", 90, {}, painpoints_for_scope),
        ("pain points, 90 days, district_type=office", 90, office, painpoints_for_scope),
        (f"pain points, 90 days, {two}", 90, office_peak, painpoints_for_scope),
        (f"pain points, 90 days, {three}", 90, office_peak_city, painpoints_for_scope),
        (f"pain points, 90 days, city={CITIES[7]}", 90, city, painpoints_for_scope),
        ("pain points, 90 days, store_id=123 (not aggregated)", 90, store, painpoints_for_scope),
        (f"pain points, 90 days, {other_two}", 90, city_hotpot, painpoints_for_scope),
        (f"pain points, 90 days, {other_three}", 90, app_tea_night, painpoints_for_scope),
        ("metrics by week, 90 days, no filter", 90, {}, metrics_for_scope),
        ("metrics by week, 90 days, district_type=office", 90, office, metrics_for_scope),
        (f"metrics by week, 90 days, {two}", 90, office_peak, metrics_for_scope),
        (f"metrics by week, 90 days, {three}", 90, office_peak_city, metrics_for_scope),
        (f"metrics by week, 90 days, {other_two}", 90, city_hotpot, metrics_for_scope),
        (f"metrics by week, 90 days, {other_three}", 90, app_tea_night, metrics_for_scope),
    ]
    print(
        f"| query | source | responses in scope | median ms ({args.repeat} runs) | CPU ms | "
        "floor: facts read once, ms | ratio | cached counts ms | raw scan ms (1 run) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    aggregated = scope_module.Scope.from_aggregates
    in_database = scope_module.in_database
    for name, days, filters, selector in cases:
        date_from = today - dt.timedelta(days=days - 1)
        run = partial(selector, survey=survey, date_from=date_from, date_to=today, filters=filters)
        scope = scope_module.Scope(survey, date_from, today, filters)
        if scope.from_aggregates:
            source = "aggregates"
        elif set(filters) <= set(slices.chosen().columns()):
            source = "narrow copy of the facts"
        else:
            source = "facts (GIN index)"
        with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):  # cold: every count read
            ms, cpu, result = timed(run, args.repeat)
        run()  # the count tables cached (a first request), then read from the cache
        warm_ms, _cpu, warm = timed(run, args.repeat)
        if numbers(selector, warm) != numbers(selector, result):
            sys.exit(f"{name}: the cached count tables disagree with the rows")
        floor_ms, _cpu, _rows = timed(partial(floor_scan, survey.pk, date_from, today, filters), args.repeat)
        raw_ms = ""
        if args.raw_scan == "all" or (args.raw_scan == "filtered" and len(filters) >= 2):
            # the same question answered by reading the facts' rows and counting them in Python
            # (what SQLite runs): it must give the same numbers
            scope_module.Scope.from_aggregates = property(lambda self: False)
            scope_module.in_database = lambda: False
            try:
                raw_ms, _cpu, raw = timed(run, 1)
            finally:
                scope_module.Scope.from_aggregates = aggregated
                scope_module.in_database = in_database
            if numbers(selector, raw) != numbers(selector, result):
                sys.exit(f"{name}: the raw scan disagrees with the aggregates or the indexed facts")
            raw_ms = f"{raw_ms:,.0f}"
        print(
            f"| {name} | {source} | {in_scope(selector, result):,} | {ms:,.0f} | {cpu:,.0f} | "
            f"{floor_ms:,.0f} | {ms / floor_ms:.1f}x | {warm_ms:,.0f} | {raw_ms} |"
        )
    if args.raw_scan != "none":
        print(
            "the raw scans gave the same numbers as the aggregates and the indexed facts (mentions, "
            "impacts, lifts, keywords, examples, breakdowns)"
        )


if __name__ == "__main__":
    main()
