"""Faults during sending: lost and doubled invitations when a worker, Redis or the database's
connections go away mid-run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_faults \\
    .venv/bin/python benchmarks/faults.py [--invitations 2000] [--scenario all] [--timeout 180]

Everything on loopback: the database named by DATABASE_URL (its own; the script deletes what it
made), a redis-server of its own on a free port (tests/ops/redis_server.py, nothing on disk, so
a restart loses the queue), real `celery worker` processes (prefork, -c 2) and an SMTP server
(aiosmtpd) in this process that counts every message it accepts by Message-ID (one per
invitation: `<inv-<public id>@domain>`). This process plays the beat: it runs the sweep
(`invitations_dispatch_due`) every second.

Each scenario makes N due email invitations, enqueues them in batches as ingestion does, waits
until a third of them went out, then:

- `worker-kill`: SIGKILL the worker (main process and pool children), start a new one;
- `redis-restart`: stop the redis-server and start it again empty (queued tasks are gone);
- `pg-terminate`: `pg_terminate_backend` every connection of the workers to the database,
  every 0.5 s for 5 s.

It then waits (at most --timeout seconds) until every invitation is `sent`, one more second
for late copies, and counts: lost = invitations never received by the SMTP server; doubled =
invitations received more than once (and the extra copies). The claim lease
(DELIVERY_CLAIM_TIMEOUT_SECONDS) is 5 s here, so rows of a dead task come back quickly.
"""

import argparse
import datetime as dt
import email
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from email import policy
from pathlib import Path

from _setup import ROOT, clean, django_setup, events, machine, survey_with_rule

SCENARIOS = ("worker-kill", "redis-restart", "pg-terminate")
LEASE_SECONDS = 5
SOURCE = "bench-faults"


class Sink:
    """SMTP on 127.0.0.1: Message-ID -> copies accepted."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        from tests.ops.redis_server import free_port

        self.counts: Counter = Counter()
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.original_content, policy=policy.default)
                with sink.lock:
                    sink.counts[str(message["Message-ID"])] += 1
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def snapshot(self) -> Counter:
        with self.lock:
            return Counter(self.counts)

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()

    def stop(self) -> None:
        self.controller.stop()


class Worker:
    def __init__(self, *, env: dict, log: Path, concurrency: int) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "distribution",
                "-c", str(concurrency), "--pool", "prefork", "-l", "WARNING",
                "-n", f"faults-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_until(condition, *, timeout: float, tick=None, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    next_tick = 0.0
    while time.monotonic() < deadline:
        if condition():
            return True
        if tick is not None and time.monotonic() >= next_tick:
            tick()
            next_tick = time.monotonic() + 1.0
        time.sleep(every)
    return condition()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per scenario, at most")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    n = args.invitations

    # This process's settings: the sweep must not wait for ingestion's grace period.
    os.environ["DELIVERY_SWEEP_GRACE_SECONDS"] = "0"
    os.environ["DELIVERY_CLAIM_TIMEOUT_SECONDS"] = str(LEASE_SECONDS)
    sys.path.insert(0, str(ROOT))
    from tests.ops.redis_server import RedisServer

    work = Path(tempfile.mkdtemp(prefix="faults-"))
    redis_server = RedisServer(directory=work)
    redis_server.start()
    os.environ["REDIS_URL"] = os.environ["CELERY_BROKER_URL"] = redis_server.url
    django_setup()
    from django.db import connection
    from django.utils import timezone

    from config.celery import app
    from responses.distribution.delivery import invitations_dispatch_due, invitations_enqueue
    from responses.distribution.ingestion import events_ingest
    from responses.models import Invitation

    app.conf.task_always_eager = False
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    sink = Sink()
    worker_env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DATABASE_CONN_MAX_AGE": "60",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "false",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    survey_with_rule(key="bench-faults", channels=["email"], delay_minutes=60)

    def sweep() -> None:
        try:
            invitations_dispatch_due()
        except Exception as exc:  # the database or the broker is the fault under test
            print(f"sweep: {type(exc).__name__}: {exc}", file=sys.stderr)
            connection.close()

    def terminate_backends() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            return cursor.fetchone()[0]

    def run(scenario: str) -> dict:
        clean(SOURCE)
        sink.reset()
        redis_server.client().flushdb()
        prefix = f"f{uuid.uuid4().hex[:6]}"
        items = events(n, prefix=prefix, source=SOURCE)
        for start in range(0, n, 1000):
            events_ingest(source_system=None, items=items[start : start + 1000])
        rows = Invitation.objects.filter(event__source=SOURCE)
        expected = {f"<inv-{p}@voc.local>" for p in rows.values_list("public_id", flat=True)}
        assert len(expected) == n, len(expected)
        rows.update(due_at=timezone.now() - dt.timedelta(seconds=1))
        log = work / f"{scenario}.log"
        workers = [Worker(env=worker_env, log=log, concurrency=args.concurrency)]
        fault: dict = {"scenario": scenario}
        try:
            started = time.monotonic()
            invitations_enqueue(invitation_ids=list(rows.values_list("pk", flat=True)))
            third = wait_until(lambda: sum(sink.snapshot().values()) >= n // 3, timeout=args.timeout)
            if not third:
                raise SystemExit(f"{scenario}: not a third sent in {args.timeout} s; see {log}")
            fault["sent_before_fault"] = sum(sink.snapshot().values())
            if scenario == "worker-kill":
                workers[0].kill()
                workers.append(Worker(env=worker_env, log=log, concurrency=args.concurrency))
            elif scenario == "redis-restart":
                redis_server.stop()
                time.sleep(2.0)
                redis_server.start()
            else:
                terminated = 0
                until = time.monotonic() + 5.0
                while time.monotonic() < until:
                    terminated += terminate_backends()
                    time.sleep(0.5)
                fault["connections_terminated"] = terminated
            done = wait_until(
                lambda: rows.filter(status=Invitation.Status.SENT).count() == n,
                timeout=args.timeout,
                tick=sweep,
            )
            fault["seconds"] = round(time.monotonic() - started, 1)
            fault["completed_in_time"] = done
            time.sleep(1.0)  # a late copy would land here
        finally:
            for worker in workers:
                worker.stop()
        received = sink.snapshot()
        doubled = {mid: count for mid, count in received.items() if count > 1}
        fault.update(
            mails=n,
            lost=len(expected - set(received)),
            doubled=len(doubled),
            extra_copies=sum(count - 1 for count in doubled.values()),
            unexpected=len(set(received) - expected),
            doubled_percent=round(100 * len(doubled) / n, 2),
        )
        clean(SOURCE)
        return fault

    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    try:
        results = [run(scenario) for scenario in scenarios]
    finally:
        sink.stop()
        redis_server.stop()
    print(
        json.dumps(
            {
                "benchmark": "faults",
                "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine": machine(),
                "worker": f"prefork -c {args.concurrency}",
                "claim_lease_seconds": LEASE_SECONDS,
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
