"""Dispatch throughput end to end: invitations sent per second through a real Celery worker
with a no-op channel, against a no-op Celery task's rate on the same broker and worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_delivery \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python benchmarks/distribution_dispatch.py \\
        [--invitations 5000] [--concurrency 2]

Three runs on one worker: N no-op tasks (each counts itself in Redis); N invitations with one
`invitation_send` task each (the single-send path); the same N invitations reset to due and
sent through the beat sweep's path (`invitations_dispatch_due`, which enqueues
DELIVERY_SEND_BATCH ids per task, as ingestion does for sends due at once); then the no-op
tasks again. Each figure is N divided by the time from the first enqueue until the last task
has run (the row is `sent`).
The worker is `celery -A config worker -Q distribution -c 2` with the project's settings
(acks_late, prefetch multiplier 1), DEBUG off, persistent database connections.
Target: 1,000 invitations/s or more, and at least half the no-op rate.
"""

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _setup import ROOT, clean, django_setup, events, machine, survey_with_rule


def wait(condition, *, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(every)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    n = args.invitations
    django_setup()
    import redis
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from config.celery import app
    from responses.distribution.delivery import invitations_dispatch_due
    from responses.distribution.ingestion import events_ingest
    from responses.models import Invitation
    from responses.tasks import invitation_send

    redis_url = os.environ["REDIS_URL"]
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(redis_url)
    for key in ("distribution", "unacked", "unacked_index"):
        client.delete(key)

    survey_with_rule(key="bench-dispatch", channels=["email"], delay_minutes=60)
    clean()
    prefix = f"d{uuid.uuid4().hex[:6]}"
    items = events(n, prefix=prefix)
    for start in range(0, n, 1000):
        events_ingest(source_system=None, items=items[start : start + 1000])
    ids = list(Invitation.objects.filter(event__source="bench").values_list("pk", flat=True))
    assert len(ids) == n
    # due now, and old enough for the sweep's grace period
    Invitation.objects.filter(pk__in=ids).update(
        due_at=timezone.now() - dt.timedelta(seconds=1), created_at=timezone.now() - dt.timedelta(hours=1)
    )

    log = Path(tempfile.mkdtemp()) / "worker.log"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DATABASE_CONN_MAX_AGE": "60",
        "DELIVERY_CHANNELS": json.dumps({"email": "benchmarks.distribution_noop.NoopChannel"}),
        "PYTHONPATH": str(ROOT),
    }
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "distribution",
            "-c", str(args.concurrency), "--pool", "prefork", "-l", "WARNING",
            "-I", "benchmarks.distribution_noop", "-n", f"bench-{prefix}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        noop = app.signature("responses.bench_noop")
        counter = "bench:noop:done"

        def noop_run(count: int) -> float:
            client.set(counter, 0)
            started = time.perf_counter()
            for number in range(count):
                noop.delay(number)
            wait(lambda: int(client.get(counter) or 0) >= count, timeout=300, what="no-op tasks")
            return count / (time.perf_counter() - started)

        # warm-up: the worker is ready when it has run a few no-op tasks
        noop_run(50)
        noop_rate = noop_run(n)

        def sent() -> int:
            return Invitation.objects.filter(event__source="bench", status=Invitation.Status.SENT).count()

        def reset() -> None:
            Invitation.objects.filter(pk__in=ids).update(
                status=Invitation.Status.SCHEDULED,
                due_at=timezone.now() - dt.timedelta(seconds=1),
                attempts=0,
            )

        # (a) one task per invitation, as ingestion enqueues sends that are due at once
        started = time.perf_counter()
        for invitation_id in ids:
            invitation_send.delay(invitation_id)
        wait(lambda: sent() == n, timeout=600, what="dispatch, one task per invitation", every=0.2)
        single_rate = n / (time.perf_counter() - started)

        # (b) the beat sweep's path: due rows found and enqueued in batches of DELIVERY_SEND_BATCH
        reset()
        started = time.perf_counter()
        for chunk in range(0, n, settings.DELIVERY_SWEEP_BATCH):
            invitations_dispatch_due(limit=settings.DELIVERY_SWEEP_BATCH)
            wait(
                lambda c=chunk: sent() >= min(n, c + settings.DELIVERY_SWEEP_BATCH), timeout=600, what="sweep"
            )
        batch_rate = n / (time.perf_counter() - started)
        noop_after = noop_run(n)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        clean()

    baseline = (noop_rate + noop_after) / 2
    report = {
        "benchmark": "distribution_dispatch",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "broker": "redis",
        "machine": machine(),
        "invitations": n,
        "worker": f"prefork -c {args.concurrency}",
        "send_batch": settings.DELIVERY_SEND_BATCH,
        "dispatch_per_s_one_task_per_invitation": round(single_rate),
        "dispatch_per_s_sweep_batches": round(batch_rate),
        "noop_task_per_s_before_after": [round(noop_rate), round(noop_after)],
        "ratio_to_noop": {
            "one_task_per_invitation": round(single_rate / baseline, 2),
            "sweep_batches": round(batch_rate / baseline, 2),
        },
        "target_per_s": 1000,
    }
    report["target_met"] = {
        "one_task_per_invitation": single_rate >= 1000 and single_rate >= baseline / 2,
        "sweep_batches": batch_rate >= 1000 and batch_rate >= baseline / 2,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
