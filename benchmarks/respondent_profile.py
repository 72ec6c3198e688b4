"""In-process cost of one respondent submit, beside Django's minimal view in the same process.

Calls the project's WSGI application directly (no server, no HTTP parsing, no client) with the
benchmark settings of respondent_load.py: PostgreSQL (DATABASE_URL, persistent connection) and
Redis (REDIS_URL) for the throttle counters. Makes fresh invitations, serves one page for the
CSRF cookie and form token, warms up, then measures

  minimal    GET /bench/minimal/ (a view returning ``ok``)
  submit     POST /s/<token>/ with a valid answer, CSRF checked, each token once -> 302

as CPU milliseconds of this process per request (``time.process_time``; PostgreSQL's and
Redis's own CPU is not in it) and wall milliseconds. CPU time of one process is far steadier
than requests/s on a shared machine, and the ratio to the minimal view steadier still.
``--profile`` adds a cProfile of the submit loop (top functions by own time and cumulative).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_respondent \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python benchmarks/respondent_profile.py --submits 2000
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.respondent_load import _env, prepare  # noqa: E402


def _environ(method: str, path: str, *, body: bytes = b"", cookie: str = "") -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "respondent_profile",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


class Caller:
    def __init__(self, app) -> None:
        self.app = app
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def _start(self, status, headers, exc_info=None):
        self.status, self.headers = status, headers

    def __call__(self, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
        result = self.app(environ, self._start)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(self.status.split(" ", 1)[0]), self.headers, body


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submits", type=int, default=2000, help="submits measured (each a fresh token)")
    parser.add_argument("--minimal", type=int, default=5000, help="minimal-view requests measured")
    parser.add_argument("--warmup", type=int, default=200, help="submits before measuring")
    parser.add_argument("--profile", action="store_true", help="cProfile the submit loop")
    parser.add_argument("--top", type=int, default=35, help="rows of each profile table")
    parser.add_argument("--profile-out", help="also write the raw cProfile stats to this file")
    args = parser.parse_args()
    os.environ.update(_env(args))

    tokens, _slug = prepare(args.submits + args.warmup + 1)
    from django.core.wsgi import get_wsgi_application

    call = Caller(get_wsgi_application())
    status, headers, body = call(_environ("GET", f"/s/{tokens[0]}/"))
    assert status == 200, (status, headers)
    cookies = [value.strip().split(";", 1)[0] for name, value in headers if name == "Set-Cookie"]
    cookie = next(c for c in cookies if c.startswith("csrftoken="))
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    post = f"q_nps=9&locale=zh-hans&csrfmiddlewaretoken={form_token}".encode()

    def submit(token: str) -> None:
        status, _headers, _body = call(_environ("POST", f"/s/{token}/", body=post, cookie=cookie))
        if status != 302:
            raise SystemExit(f"submit answered {status}: {_body[:300]!r}")

    def minimal() -> None:
        status, _headers, _body = call(_environ("GET", "/bench/minimal/"))
        assert status == 200, status

    rest = tokens[1:]
    for token in rest[: args.warmup]:
        submit(token)
    for _ in range(min(args.minimal, 1000)):
        minimal()
    measured = rest[args.warmup :]

    from django.db import connection

    with connection.cursor() as cursor:  # the persistent connection the requests use
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def backend_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL backend (same machine)."""
        fields = backend.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    backend_ms: list[float] = []

    def timed(fn, items) -> tuple[float, float]:
        cpu, wall, pg = time.process_time(), time.perf_counter(), backend_cpu()
        for item in items:
            fn(item)
        n = len(items)
        backend_ms.append((backend_cpu() - pg) * 1000 / n)
        return (time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n

    half = len(measured) // 2
    minimal_cpu, minimal_wall = timed(lambda _i: minimal(), range(args.minimal))
    submit_cpu, submit_wall = timed(submit, measured[:half])
    profile_text = ""
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU time: waits on the database are not counted
        profiler.enable()
        for token in measured[half:]:
            submit(token)
        profiler.disable()
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        profile_text = out.getvalue()
    else:
        cpu2, wall2 = timed(submit, measured[half:])
        submit_cpu, submit_wall = (submit_cpu + cpu2) / 2, (submit_wall + wall2) / 2

    from responses.models import Response

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "minimal_cpu_ms": round(minimal_cpu, 3),
        "minimal_wall_ms": round(minimal_wall, 3),
        "submit_cpu_ms": round(submit_cpu, 3),
        "submit_wall_ms": round(submit_wall, 3),
        "submit_over_minimal_cpu": round(submit_cpu / minimal_cpu, 1),
        # the submits' share of PostgreSQL: its backend's CPU per submit (clock ticks, so coarse)
        "submit_postgres_backend_cpu_ms": round(sum(backend_ms[1:]) / max(1, len(backend_ms) - 1), 3),
        "submits": len(measured),
        "responses_completed": Response.objects.filter(
            survey__key="bench-after-delivery", status="completed"
        ).count(),
    }
    if profile_text:
        print(profile_text)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
