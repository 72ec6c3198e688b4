"""Exporting 1,000,000 responses as CSV and XLSX, against ``psql \\copy`` of the same rows in the
same run: rows per second and peak memory (RSS) of the exporting process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_exports_bench \\
    .venv/bin/python benchmarks/exports.py [--responses 1000000] [--keep-data]

The database is created if missing and its response and analysis tables are emptied first:
never point this at a database with data you want. Data is generated as
``benchmarks/painpoints_query.py`` does it (responses server-side with ``generate_series``, the
facts with ``COPY``, random seeded segments and topics over 180 days); each response also gets
its answers (nps, a reason for half of them, the comment for those with one) and 30 % of the
comments a stored analysis with topic polarity.

Each export runs in a fresh process (so its peak RSS is its own), through the service a
background export runs (``exports.services.export_run``: the query, the rows, the writer, the
progress updates, the file). The floor is ``psql \\copy (<the export's own SQL>) TO file CSV``:
the same query, the same rows, formatted by PostgreSQL and written by psql.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

SURVEY_KEY = "bench-exports"
DEFINITION_QUESTIONS = [
    {"key": "nps", "kind": "nps"},
    {"key": "reason", "kind": "single_choice"},
    {"key": "why", "kind": "long_text"},
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_data(survey, n: int, today) -> None:
    """Empty the response and analysis tables; write n responses, facts, answers, comments."""
    import random

    from django.db import connection
    from django.utils import timezone

    from benchmarks.painpoints_query import facts_rows
    from responses.models import OpenLink
    from surveys.models import SurveyVersion

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE analysis_dailyaggregate, analysis_commenttopic, analysis_commentanalysis, "
            "analysis_responsefacts, responses_answer, responses_response, exports_export CASCADE"
        )
    definition = {"key": survey.key, "primary_question": "nps", "questions": DEFINITION_QUESTIONS}
    version, _ = SurveyVersion.objects.get_or_create(
        survey=survey,
        number=1,
        defaults={"definition": definition, "checksum": "0" * 64, "published_at": timezone.now()},
    )
    link, _ = OpenLink.objects.get_or_create(survey=survey, slug="bench-exports", defaults={"name": "bench"})
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
    columns = (
        "response_id, survey_id, survey_version_id, completed_at, completed_day, metric, primary_score, "
        "is_detractor, is_promoter, has_comment, topics, topic_polarity, segments, locale, channel, "
        "respondent_type, counted_at"
    )
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY analysis_responsefacts ({columns}) FROM STDIN") as copy:
        for row in facts_rows(n, first_id, survey.pk, version.pk, today, random.Random(1)):
            copy.write_row(row)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO responses_answer (response_id, question_key, value, updated_at)
               SELECT response_id, 'nps', to_jsonb(primary_score::int), completed_at
               FROM analysis_responsefacts WHERE survey_id = %(s)s
               UNION ALL SELECT response_id, 'reason', '"late"', completed_at
               FROM analysis_responsefacts WHERE survey_id = %(s)s AND response_id %% 2 = 0
               UNION ALL SELECT response_id, 'why', '"送餐太慢了，饭都凉了"', completed_at
               FROM analysis_responsefacts WHERE survey_id = %(s)s AND has_comment""",
            {"s": survey.pk},
        )
        cursor.execute(
            """INSERT INTO analysis_commentanalysis (response_id, survey_id, completed_day, question_key,
                   text, language, tokens, phrases, topics, topic_polarity, clusters, segments, truncated,
                   pipeline_version, dictionary_version, is_mismatch, analysed_at)
               SELECT response_id, survey_id, completed_day, 'why', '送餐太慢了，饭都凉了', 'zh',
                   '["送餐", "太慢"]', '[]', topics,
                   (SELECT coalesce(jsonb_object_agg(t, -1), '{}') FROM jsonb_array_elements_text(topics) t),
                   '{}', segments, false, 'bench', 'bench', false, completed_at
               FROM analysis_responsefacts WHERE survey_id = %s AND has_comment AND response_id %% 10 < 3""",
            [survey.pk],
        )
        cursor.execute("ANALYZE")
    print(f"  data generated in {time.perf_counter() - started:.1f} s")


def export_once(export_format: str, days: int) -> None:
    """Child process: one background export through the service; prints its figures as JSON."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from exports import services
    from exports.models import Export
    from surveys.models import Survey

    baseline = peak_rss_mb()
    user, _ = get_user_model().objects.get_or_create(username="bench-exports", defaults={"is_staff": True})
    survey = Survey.objects.get(key=SURVEY_KEY)
    today = timezone.localdate()
    export = services.export_record(
        user=user,
        kind=Export.Kind.RESPONSES,
        survey=survey,
        format=export_format,
        mode=Export.Mode.BACKGROUND,
        filters={
            "from": (today - dt.timedelta(days=days)).isoformat(),
            "to": today.isoformat(),
            "attributes": {},
        },
        with_contact=True,
    )
    started, cpu = time.perf_counter(), time.process_time()
    done = services.export_run(export_id=export.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    path = services.exports_root() / done.file_name
    print(
        json.dumps(
            {
                "status": done.status,
                "rows": done.rows,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_rss_mb": peak_rss_mb(),
                "baseline_rss_mb": baseline,
                "bytes": path.stat().st_size if done.file_name else 0,
            }
        )
    )
    services.export_delete(export=done)


def copy_sql(days: int) -> str:
    """The SQL of the responses export, with its parameters bound, on one line."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from analysis.selectors.scope import Scope
    from exports.selectors import responses_table
    from surveys.models import Survey

    today = timezone.localdate()
    scope = Scope(Survey.objects.get(key=SURVEY_KEY), today - dt.timedelta(days=days), today, {})
    table = responses_table(scope=scope, with_contact=True)
    sql, params = table.queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        bound = cursor.mogrify(sql, params)
    return " ".join(bound.split())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--keep-data", action="store_true", help="reuse an earlier run's data if it fits")
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()
    days = 200  # every generated day (painpoints_query spreads them over 180)
    if args.child:
        export_once(args.child, days)
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a database of its own: it is emptied)")
    from benchmarks._setup import machine
    from benchmarks.painpoints_query import ensure_database

    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from analysis.models import ResponseFacts
    from surveys.models import Survey

    call_command("migrate", verbosity=0)
    survey, _ = Survey.objects.get_or_create(
        key=SURVEY_KEY, defaults={"audience": "customer", "title": {"zh-hans": "导出", "en": "Exports"}}
    )
    n = args.responses
    if args.keep_data and ResponseFacts.objects.filter(survey=survey).count() == n:
        print(f"data: kept from an earlier run ({n:,} responses)")
    else:
        load_data(survey, n, timezone.localdate())
    print(f"machine: {machine()}")

    out = Path(tempfile.gettempdir()) / "bench-exports-psql.csv"
    sql = copy_sql(days)
    started = time.perf_counter()
    subprocess.run(
        ["psql", url, "-q", "-c", f"\\copy ({sql}) TO '{out}' WITH (FORMAT csv, HEADER)"], check=True
    )
    floor = time.perf_counter() - started
    floor_rate = n / floor
    size = out.stat().st_size
    out.unlink()
    print(f"floor: psql \\copy (same rows): {floor:.1f} s, {floor_rate:,.0f} rows/s, {size / 1e6:.0f} MB")
    print("| format | rows | s (CPU s) | rows/s | floor rows/s | ratio | peak RSS MB (start) | MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for export_format in args.formats.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--child", export_format],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ},
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        rate = figures["rows"] / figures["seconds"]
        print(
            f"| {export_format} | {figures['rows']:,} | {figures['seconds']:.1f} "
            f"({figures['cpu_seconds']:.1f}) | {rate:,.0f} | "
            f"{floor_rate:,.0f} | {floor_rate / rate:.1f}x slower | {figures['peak_rss_mb']:.0f} "
            f"({figures['baseline_rss_mb']:.0f}) | {figures['bytes'] / 1e6:.0f} |"
        )


if __name__ == "__main__":
    main()
