"""Load on the respondent pages: page GETs and submit POSTs per second, p50/p99 latency.

Starts gunicorn (2 workers; sync, or gthread with --threads N) on 127.0.0.1 against
PostgreSQL (DATABASE_URL) and Redis (REDIS_URL, the cache that counts the throttles), makes
one invitation per submit, then drives four phases with a small asyncio + httpx client, each
a bounded number of requests:

  baseline   GET Django's minimal view (no database), the same server and settings
  page       GET /s/<token>/ (token lookup, response lookup, template, CSP, throttle counters)
  submit     POST /s/<token>/ with a valid answer (validate, save, complete, funnel mark) -> 302
  open       GET /o/<slug>/ (open link: cookie, latest version)

Throttle rates are raised so the client (one IP) is not refused; the counters still run, so
their Redis round trips are measured. Only 127.0.0.1; everything stops by itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_respondent \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python benchmarks/respondent_load.py --requests 3000
"""

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURVEY_KEY = "bench-after-delivery"
# 32 characters: Django accepts the unmasked secret as the form token.
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"  # noqa: S105 - a loopback benchmark value


def _env(args) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/survey_respondent")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
    env["DATABASE_CONN_MAX_AGE"] = "600"
    env["RESPONDENT_THROTTLE_RATES"] = json.dumps(
        {"page_ip": "10000000/min", "post_ip": "10000000/min", "post_token": "100/min"}
    )
    return env


def prepare(count: int) -> tuple[list[str], str]:
    """Migrate, then make ``count`` fresh invitations and one open link; returns their tokens."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from responses.models import Answer, Invitation, OpenLink, Respondent, Response, ServiceEvent
    from responses.tokens import invitation_token_for, token_hash
    from surveys.models import Survey, SurveyVersion

    call_command("migrate", "--noinput", verbosity=0)
    definition = json.loads(
        (ROOT / "surveys/starter_templates/customer-after-delivery.json").read_text("utf-8")
    )
    definition = {**definition, "key": SURVEY_KEY, "version": 1}
    with transaction.atomic():
        survey = Survey.objects.filter(key=SURVEY_KEY).first()
        if survey is not None:  # a previous run: start clean
            Answer.objects.filter(response__survey=survey).delete()
            Response.objects.filter(survey=survey).delete()
            OpenLink.objects.filter(survey=survey).delete()
            events = list(Invitation.objects.filter(survey=survey).values_list("event_id", flat=True))
            Invitation.objects.filter(survey=survey).delete()
            ServiceEvent.objects.filter(pk__in=events).delete()
            Respondent.objects.filter(ref__startswith="bench-").delete()
            SurveyVersion.objects.filter(survey=survey).delete()
            survey.delete()
        now = timezone.now()
        survey = Survey.objects.create(
            key=SURVEY_KEY, audience="customer", title=definition["title"], status=Survey.Status.PUBLISHED
        )
        version = SurveyVersion.objects.create(
            survey=survey, number=1, definition=definition, checksum="0" * 64, published_at=now
        )
        respondents = Respondent.objects.bulk_create(
            [Respondent(type="customer", ref=f"bench-{i}", locale="zh-hans") for i in range(count)]
        )
        events = ServiceEvent.objects.bulk_create(
            [
                ServiceEvent(
                    source="bench",
                    external_id=f"bench-{uuid.uuid4().hex}",
                    type="order.delivered",
                    occurred_at=now,
                    received_at=now,
                    respondent=respondent,
                    attributes={"city": "上海"},
                    batch_id=uuid.uuid4(),
                )
                for respondent in respondents
            ]
        )
        ids = [uuid.uuid4() for _ in range(count)]
        tokens = [invitation_token_for(public_id) for public_id in ids]
        Invitation.objects.bulk_create(
            [
                Invitation(
                    public_id=public_id,
                    token_hash=token_hash(token),
                    survey=survey,
                    survey_version=version,
                    event=event,
                    respondent=event.respondent,
                    channel="link",
                    channels=["link"],
                    status="sent",
                    context={"attributes": {"city": "上海"}, "locale": "zh-hans"},
                    locale="zh-hans",
                    due_at=now,
                    sent_at=now,
                    expires_at=now + timezone.timedelta(days=7),
                )
                for public_id, token, event in zip(ids, tokens, events, strict=True)
            ]
        )
        link = OpenLink.objects.create(survey=survey, name="bench", attributes={"channel": "qr"})
    return tokens, link.slug


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def phase(base: str, requests: list[tuple[str, str, dict | None]], concurrency: int) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = list(reversed(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, follow_redirects=False) as client:

        async def worker() -> None:
            while queue:
                method, url, data = queue.pop()
                started = time.perf_counter()
                if method == "GET":
                    reply = await client.get(url)
                else:
                    reply = await client.post(url, data=data, cookies={"csrftoken": CSRF_SECRET})
                latencies.append(time.perf_counter() - started)
                statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "statuses": statuses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase (at most 20000)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)"
    )
    args = parser.parse_args()
    count = max(100, min(args.requests, 20000))
    env = _env(args)
    os.environ.update(env)

    tokens, slug = prepare(count)
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Warm both workers (imports, connections, template cache) before measuring.
        asyncio.run(phase(base, [("GET", "/bench/minimal/", None)] * 200, args.concurrency))
        asyncio.run(phase(base, [("GET", f"/s/{tokens[i]}/", None) for i in range(100)], args.concurrency))
        results = {
            "baseline": asyncio.run(
                phase(base, [("GET", "/bench/minimal/", None)] * count, args.concurrency)
            ),
            "page": asyncio.run(
                phase(base, [("GET", f"/s/{token}/", None) for token in tokens], args.concurrency)
            ),
            "submit": asyncio.run(
                phase(
                    base,
                    [
                        (
                            "POST",
                            f"/s/{token}/",
                            {"q_nps": "9", "locale": "zh-hans", "csrfmiddlewaretoken": CSRF_SECRET},
                        )
                        for token in tokens
                    ],
                    args.concurrency,
                )
            ),
            "open": asyncio.run(phase(base, [("GET", f"/o/{slug}/", None)] * count, args.concurrency)),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    import django  # noqa: F401  (set up by prepare)

    from responses.models import Response

    completed = Response.objects.filter(survey__key=SURVEY_KEY, status="completed").count()
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "python": platform.python_version(),
        "gunicorn_workers": args.workers,
        "gunicorn_threads": args.threads,
        "client_concurrency": args.concurrency,
        "responses_completed": completed,
        **results,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
