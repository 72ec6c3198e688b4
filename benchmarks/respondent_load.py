"""Load on the respondent pages: page GETs and submit POSTs per second, p50/p99 latency.

Starts gunicorn (sync workers, or gthread with --threads N; the production setting of
gunicorn.conf.py is 2 workers x 4 threads on 2 cores) on 127.0.0.1 against PostgreSQL
(DATABASE_URL, persistent connections) and Redis (REDIS_URL, the cache that counts the
throttles), makes fresh invitations, then drives four phases one after another:

  baseline   GET Django's minimal view (no database), the same server and settings
  page       GET /s/<token>/ (token lookup, template, CSP, throttle counter, funnel mark)
  submit     POST /s/<token>/ with a valid answer (validate, save, complete, funnel mark) -> 302
  open       GET /o/<slug>/ (open link: cookie, latest version)

The load generator is wrk (C, epoll; `apt-get install -y wrk`), each phase bounded by
--duration seconds; the submit phase posts each pre-made token once (benchmarks/respondent_wrk.lua
reads a token file; a thread out of tokens stops), with the CSRF cookie and form token of one
served page. --client httpx is the earlier pure-Python client (bounded by --requests), kept as a
fallback where wrk cannot be installed; it shares the cores with the server and measures less.

Throttle rates are raised so the client (one IP) is not refused; the counters still run, so
their Redis round trips are measured. Only 127.0.0.1; everything stops by itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_respondent \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python benchmarks/respondent_load.py --workers 2
"""

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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
    from django.db import connection

    if connection.vendor == "postgresql":
        # Measure a settled database: without this, autovacuum (of the previous run's deleted
        # rows and these new ones) and a checkpoint of this bulk write run during the phases.
        tables = [model._meta.db_table for model in (Invitation, Response, Answer, Respondent, ServiceEvent)]
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
            cursor.execute("CHECKPOINT")
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


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(number) * _UNITS[unit], 2)


def wrk_phase(url: str, args, *, script_args: list[str] | None = None) -> dict:
    """One wrk run (--duration seconds); requests/s, p50/p99 (--latency) and error counts."""
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.concurrency), "-d", f"{args.duration}s"]
    command += ["--latency", "--timeout", "5s"]
    if script_args is not None:
        command += ["-s", str(ROOT / "benchmarks/respondent_wrk.lua"), url, "--", *script_args]
    else:
        command.append(url)
    env = {**os.environ, "WRK_THREADS": str(args.wrk_threads)}
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=args.duration + 60, env=env
    )
    text = out.stdout
    total = int(re.search(r"(\d+) requests in", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "requests": total,
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", text).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", text).group(1)),
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def _cpu_by_process() -> dict[str, float]:
    """CPU seconds used so far by each kind of process on the machine (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        kind = "postgres" if name.startswith("postgres") else name.split(":")[0]
        totals[kind] = totals.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return totals


def _with_cpu(run) -> dict:
    """Run one phase; add the CPU milliseconds per request of each kind of process during it."""
    before = _cpu_by_process()
    result = run()
    after = _cpu_by_process()
    used = {kind: after.get(kind, 0.0) - before.get(kind, 0.0) for kind in after}
    requests = max(1, result["requests"])
    result["cpu_ms_per_request"] = {
        kind: round(seconds * 1000 / requests, 3)
        for kind, seconds in sorted(used.items(), key=lambda item: -item[1])
        if seconds >= 0.05
    }
    return result


def csrf_pair(base: str, token: str) -> tuple[str, str]:
    """The csrftoken cookie and the form's masked token of one served survey page."""
    with urllib.request.urlopen(f"{base}/s/{token}/", timeout=60) as reply:  # noqa: S310 - loopback
        cookies = reply.headers.get_all("Set-Cookie") or []
        html = reply.read().decode()
    cookie = next(c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken="))
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return cookie, form_token


def run_wrk(base: str, args, tokens: list[str], slug: str) -> dict:
    # Warm every worker (imports, connections, template and definition caches) before measuring.
    warm = argparse.Namespace(**{**vars(args), "duration": 2})
    wrk_phase(f"{base}/bench/minimal/", warm)
    cookie, form_token = csrf_pair(base, tokens[0])
    page_tokens, submit_tokens = tokens[1 : args.page_tokens + 1], tokens[args.page_tokens + 1 :]
    with tempfile.TemporaryDirectory() as tmp:
        pages, submits = Path(tmp, "pages.txt"), Path(tmp, "submits.txt")
        pages.write_text("\n".join(page_tokens * 50) + "\n")  # repeated pages: opened once, then plain GETs
        submits.write_text("\n".join(submit_tokens) + "\n")
        wrk_phase(base, warm, script_args=["get", str(pages)])
        phases = {
            "baseline": lambda: wrk_phase(f"{base}/bench/minimal/", args),
            "page": lambda: wrk_phase(base, args, script_args=["get", str(pages)]),
            "submit": lambda: wrk_phase(base, args, script_args=["post", str(submits), cookie, form_token]),
            "open": lambda: wrk_phase(f"{base}/o/{slug}/", args),
        }
        return {name: _with_cpu(run) for name, run in phases.items() if name in args.phases}


def run_httpx(base: str, args, tokens: list[str], slug: str, count: int) -> dict:
    asyncio.run(phase(base, [("GET", "/bench/minimal/", None)] * 200, args.concurrency))
    asyncio.run(phase(base, [("GET", f"/s/{tokens[i]}/", None) for i in range(100)], args.concurrency))
    submit = {"q_nps": "9", "locale": "zh-hans", "csrfmiddlewaretoken": CSRF_SECRET}
    return {
        "baseline": asyncio.run(phase(base, [("GET", "/bench/minimal/", None)] * count, args.concurrency)),
        "page": asyncio.run(phase(base, [("GET", f"/s/{t}/", None) for t in tokens], args.concurrency)),
        "submit": asyncio.run(phase(base, [("POST", f"/s/{t}/", submit) for t in tokens], args.concurrency)),
        "open": asyncio.run(phase(base, [("GET", f"/o/{slug}/", None)] * count, args.concurrency)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--client", choices=["wrk", "httpx"], default="wrk")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk phase (at most 60)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--tokens", type=int, default=15000, help="invitations made for wrk (the submit phase stops when out)"
    )
    parser.add_argument("--page-tokens", type=int, default=1000, help="of --tokens, used by the page phase")
    parser.add_argument(
        "--requests", type=int, default=3000, help="httpx: requests per phase (at most 20000)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="connections (wrk) or client tasks (httpx)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--phases",
        default="baseline,page,submit,open",
        help="wrk: comma-separated phases to run (baseline, page, submit, open)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)"
    )
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))
    args.phases = [name.strip() for name in args.phases.split(",") if name.strip()]
    if args.client == "wrk" and shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (or use --client httpx)", file=sys.stderr)
        return 2
    if args.client == "wrk":
        count = max(args.page_tokens + 100, min(args.tokens, 50000))
    else:
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
            # gunicorn.conf.py asks for gthread: --threads 1 measures the sync worker
            "--worker-class",
            "gthread" if args.threads > 1 else "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
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
    load_before = os.getloadavg()
    try:
        # The port accepts connections before the workers have imported Django (seconds on a busy
        # machine): wait for an answer of the minimal view, not just for the socket.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/bench/minimal/", timeout=5):  # noqa: S310 - loopback
                    break
            except OSError:
                time.sleep(0.2)
        if args.client == "wrk":
            results = run_wrk(base, args, tokens, slug)
        else:
            results = run_httpx(base, args, tokens, slug, count)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    from responses.models import Response

    completed = Response.objects.filter(survey__key=SURVEY_KEY, status="completed").count()
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "client": args.client,
        "gunicorn_workers": args.workers,
        "gunicorn_threads": args.threads,
        "concurrency": args.concurrency,
        "wrk_threads": args.wrk_threads if args.client == "wrk" else None,
        "duration_s": args.duration if args.client == "wrk" else None,
        "responses_completed": completed,
        **results,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
