"""Every workspace page requested through Django's test client (the whole request: middleware,
session, filters, selectors, charts, template) over the analysed responses of
``benchmarks/painpoints_query.py`` (the same database and survey), with varied filters: 28 and
90 days, no filter, one, two and three segment filters. Reports each page's p50/p95 server time
and its process CPU time (with ``--cache on``: the first round, each scope's first visit, apart
from the later rounds), against a floor measured in the same run: the same shell with its
filters (login, filter form, navigation, the filter values read from the aggregates) and no
figures (a request whose period is not a preset, so the page shows the error instead).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_insights_bench \\
    .venv/bin/python benchmarks/workspace_pages.py --responses 1000000 --keep-data [--rounds 3]

Without ``--keep-data`` (or when the data does not fit) the data is generated first as
``painpoints_query.py`` does (the database is emptied: never point this at data you want).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from benchmarks import painpoints_query as data
from benchmarks.latency import percentile

FILTER_SETS = [
    ("no filter", {}),
    ("1 filter", {"seg.district_type": "office"}),
    ("1 filter", {"seg.city": data.CITIES[7]}),
    ("1 filter", {"locale": "en"}),
    ("2 filters", {"seg.district_type": "office", "seg.scenario": "peak"}),
    ("2 filters", {"seg.city": data.CITIES[5], "seg.merchant_type": "hotpot"}),
    ("3 filters", {"seg.district_type": "office", "seg.scenario": "peak", "seg.city": data.CITIES[3]}),
    ("3 filters", {"seg.channel": "app", "seg.merchant_type": "tea_drinks", "seg.scenario": "night"}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="requests of each page and filter set")
    parser.add_argument("--keep-data", action="store_true", help="reuse an earlier run's data if it fits")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument(
        "--cache",
        choices=("off", "on"),
        default="off",
        help="off: every count table read from PostgreSQL; on: cached in Redis (REDIS_URL)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a database of its own: it may be emptied)")
    data.ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from analysis.models import ResponseFacts
    from surveys.models import Survey

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    data.use_redis_cache()
    if args.cache == "off":
        settings.ANALYSIS_COUNTS_CACHE_SECONDS = 0
    call_command("migrate", verbosity=0)
    survey, _ = Survey.objects.get_or_create(
        key="bench-after-delivery",
        defaults={"audience": "customer", "title": {"zh-hans": "基准", "en": "Bench"}},
    )
    today = timezone.localdate()
    facts = ResponseFacts.objects.filter(survey=survey).count()
    kept = facts == args.responses and ResponseFacts.objects.filter(completed_day=today).exists()
    if args.keep_data and kept:
        print(f"data: kept from an earlier run ({facts:,} facts)")
    else:
        data.load_data(survey, args.responses, today)
        facts = ResponseFacts.objects.filter(survey=survey).count()
    user = User.objects.filter(username="bench-root").first() or User.objects.create_superuser(
        "bench-root", "root@example.com", "bench-root-password"
    )
    client = Client()
    client.force_login(user)
    response_id = (
        ResponseFacts.objects.filter(survey=survey, has_comment=True, completed_day=today)
        .values_list("response_id", flat=True)
        .first()
    )
    pages = [
        ("overview", "/workspace/", {}),
        ("pain points", "/workspace/painpoints/", {}),
        ("topic", "/workspace/topics/delivery_time/", {}),
        ("segments", "/workspace/segments/", {"attr": "city"}),
        ("comments search", "/workspace/comments/", {"q": "太慢"}),
        ("key drivers", "/workspace/drivers/", {}),
        ("processes", "/workspace/processes/", {}),
        ("response", f"/workspace/responses/{response_id}/", {}),
    ]
    if args.pages:
        chosen = {name.strip() for name in args.pages.split(",")}
        pages = [page for page in pages if page[0] in chosen]
    base = {"survey": survey.key}

    def request(path: str, params: dict) -> tuple[float, float, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, params)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, response.status_code

    # Warm the process as a worker serving pages is warm (imports, templates, translations, the
    # word segmenter's dictionary for the comment search) before measuring: every page once, over
    # a period that is not measured (7 days: nothing of a measured scope is cached).
    for name, path, own in pages:
        if request(path, {**base, "days": "7", **own})[2] != 200:
            sys.exit(f"{name}: the warm-up request failed")
    floor: list[float] = []
    floor_cpu: list[float] = []
    results: dict[str, dict[str, list]] = {}
    started = time.perf_counter()
    for round_number in range(args.rounds):
        for days in (28, 90):
            for label, filters in FILTER_SETS:
                for name, path, own in pages:
                    params = {**base, "days": str(days), **filters, **own}
                    ms, cpu, status = request(path, params)
                    if status != 200:
                        sys.exit(f"{name} {params}: status {status}")
                    # with the cache on, the first round is each scope's first visit
                    group = name if args.cache == "off" or round_number else f"{name} (first visit)"
                    page = results.setdefault(group, {"all": [], "cpu": [], "by": {}})
                    page["all"].append(ms)
                    page["cpu"].append(cpu)
                    page["by"].setdefault(f"{days} days, {label}", []).append(ms)
                # the floor: the shell with these filters and no figures, interleaved
                ms, cpu, status = request("/workspace/", {**base, "days": "5", **filters})
                floor.append(ms)
                floor_cpu.append(cpu)
        print(f"  round {round_number + 1} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    floor_p50 = statistics.median(floor)
    sets = len(FILTER_SETS)
    print(
        f"data: {facts:,} facts; {args.rounds} rounds x 2 periods x {sets} filter sets per page; "
        f"count cache {args.cache}"
    )
    print("| page | requests | p50 ms | p95 ms | max ms | CPU p50 ms | floor p50 ms | p95 / floor |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, page in sorted(results.items(), key=lambda item: "first visit" in item[0]):
        p95 = percentile(page["all"], 0.95)
        print(
            f"| {name} | {len(page['all'])} | {statistics.median(page['all']):,.0f} | {p95:,.0f} | "
            f"{max(page['all']):,.0f} | {statistics.median(page['cpu']):,.0f} | {floor_p50:,.0f} | "
            f"{p95 / floor_p50:.1f}x |"
        )
    print(
        f"floor (the shell, no figures): p50 {floor_p50:,.0f} ms, p95 {percentile(floor, 0.95):,.0f} ms, "
        f"CPU p50 {statistics.median(floor_cpu):,.0f} ms"
    )
    print("slowest filter sets (median ms):")
    for name, page in results.items():
        worst = sorted(page["by"].items(), key=lambda item: -statistics.median(item[1]))[:3]
        print(f"  {name}: " + "; ".join(f"{key} {statistics.median(v):,.0f}" for key, v in worst))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"date {timezone.now().date().isoformat()}, load {load}; {data.server_settings()}")


if __name__ == "__main__":
    main()
