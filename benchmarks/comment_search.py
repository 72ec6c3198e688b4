"""Comment search (``analysis.selectors.search.comment_search``) over many stored comments on
PostgreSQL: the first page and the count of a common word, a rare word, a word in a score band
and a word with two segment filters, with the tokens' GIN index (migration 0010) and without it
(the same queries as a scan of the period's comments), in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_search_bench \\
    .venv/bin/python benchmarks/comment_search.py [--comments 300000]

The database is created if missing and its response and analysis tables are emptied first:
never point this at a database with data you want. Responses, facts and comments are generated
server-side (``generate_series``): each comment holds 3 to 6 tokens drawn from 2,000 words with
a skewed frequency (``w0`` in about one comment in six, ``w1500`` in about one in 1,500), over 90
days, with random segments and scores.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

DAYS = 90


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load(survey, n: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from responses.models import OpenLink
    from surveys.models import SurveyVersion

    definition = {"key": survey.key, "primary_question": "nps", "questions": [{"key": "nps", "kind": "nps"}]}
    version, _ = SurveyVersion.objects.get_or_create(
        survey=survey,
        number=1,
        defaults={"definition": definition, "checksum": "0" * 64, "published_at": timezone.now()},
    )
    link, _ = OpenLink.objects.get_or_create(survey=survey, slug="bench-search", defaults={"name": "bench"})
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE analysis_commenttopic, analysis_commentanalysis, analysis_responsefacts, "
            "responses_answer, responses_response CASCADE"
        )
        cursor.execute("DROP INDEX IF EXISTS comment_tokens_gin")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """INSERT INTO responses_response (public_id, survey_id, survey_version_id, open_link_id,
                   client_key, locale, status, context, started_at, updated_at, completed_at)
               SELECT gen_random_uuid(), %s, %s, %s, md5(g::text), 'zh-hans', 'completed', '{}',
                   now(), now(), now() - (g %% %s) * interval '1 day' FROM generate_series(1, %s) g""",
            [survey.pk, version.pk, link.pk, DAYS, n],
        )
        cursor.execute(
            """INSERT INTO analysis_responsefacts (response_id, survey_id, survey_version_id, completed_at,
                   completed_day, metric, primary_score, is_detractor, is_promoter, has_comment, topics,
                   segments, locale, channel, respondent_type)
               SELECT r.id, r.survey_id, r.survey_version_id, r.completed_at, r.completed_at::date, 'nps',
                   s.score, s.score <= 6, s.score >= 9, true, '[]',
                   jsonb_build_object('city', 'city-' || (r.id %% 20), 'district_type',
                       (ARRAY['office','residential','business_district','campus'])[1 + r.id %% 4],
                       'scenario', (ARRAY['peak','night','rain','normal'])[1 + (r.id / 4) %% 4],
                       'locale', 'zh-hans'),
                   'zh-hans', 'app', 'customer'
               FROM responses_response r CROSS JOIN LATERAL (SELECT floor(random() * 11) AS score
                   WHERE r.id > 0) s
               WHERE r.survey_id = %s""",
            [survey.pk],
        )
        cursor.execute(
            """INSERT INTO analysis_commentanalysis (response_id, survey_id, completed_day, question_key,
                   text, language, tokens, phrases, topics, topic_polarity, segments, truncated,
                   pipeline_version, dictionary_version, is_mismatch, analysed_at)
               SELECT f.response_id, f.survey_id, f.completed_day, 'why', 'bench', 'en', t.tokens, '[]',
                   '[]', '{}', f.segments, false, 'bench', 'bench', false, f.completed_at
               FROM analysis_responsefacts f CROSS JOIN LATERAL (
                   SELECT jsonb_agg('w' || floor(power(random(), 3) * 2000)::int) AS tokens
                   FROM generate_series(1, 3 + floor(random() * 4)::int) WHERE f.response_id > 0) t
               WHERE f.survey_id = %s""",
            [survey.pk],
        )
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX comment_tokens_gin ON analysis_commentanalysis USING gin (tokens jsonb_path_ops)"
        )
        cursor.execute("ANALYZE")
    indexed = time.perf_counter() - started
    print(f"  {n:,} comments generated in {loaded:.1f} s, tokens GIN index built in {indexed:.1f} s")


def timed(function, repeat: int) -> tuple[float, float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a database of its own: it is emptied)")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from analysis.selectors.scope import Scope
    from analysis.selectors.search import comment_search
    from surveys.models import Survey

    call_command("migrate", verbosity=0)
    survey, _ = Survey.objects.get_or_create(
        key="bench-search", defaults={"title": {"zh-hans": "搜索", "en": "Search"}, "audience": "customer"}
    )
    load(survey, args.comments)
    today = timezone.localdate()
    scope = Scope(survey, today - dt_days(DAYS), today, {})
    filtered = Scope(survey, today - dt_days(DAYS), today, {"district_type": "office", "scenario": "peak"})
    cases = [
        ("common word (w0)", scope, {"query": "w0"}),
        ("rare word (w1500)", scope, {"query": "w1500"}),
        ("two words (w3 w40)", scope, {"query": "w3 w40"}),
        ("word + detractors (w10)", scope, {"query": "w10", "score_band": "detractor"}),
        ("word + two segments (w1500)", filtered, {"query": "w1500"}),
    ]
    for label, with_index in (("with the tokens' GIN index", True), ("without it (scan)", False)):
        with connection.cursor() as cursor:
            if not with_index:
                cursor.execute("DROP INDEX IF EXISTS comment_tokens_gin")
        print(f"{label}:")
        for name, case_scope, arguments in cases:

            def run(case_scope=case_scope, arguments=arguments):
                hits = comment_search(scope=case_scope, **arguments)
                return hits.count(), len(hits[0:20])

            median, worst, (count, page) = timed(run, args.repeat)
            print(
                f"  {name:32s} {count:7,d} hits, page {page:2d}: median {median:7.1f} ms, max {worst:7.1f} ms"
            )


def dt_days(days: int):
    import datetime as dt

    return dt.timedelta(days=days - 1)


if __name__ == "__main__":
    main()
