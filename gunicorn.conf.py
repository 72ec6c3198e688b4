"""gunicorn's settings for ``gunicorn config.wsgi`` (gunicorn reads this file from the directory
it starts in; command-line options override it).

Threaded workers (gthread) keep connections open between requests, a proxy's upstream
connections or a phone's, so a respondent's page and submit do not each pay for a new TCP
connection; sync workers close every connection after one request. On 2 cores, 2 workers of 4
threads answered about 45 % more submits per second than 2 sync workers (BENCHMARKS.md,
"Respondent pages"). Each thread holds its own database connection (CONN_MAX_AGE keeps it):
workers x threads connections per host.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))


def child_exit(server, worker) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, a worker that ends leaves its counters' file behind
    for /metrics to keep summing; its live gauges are dropped (prometheus_client's multiprocess
    mode, docs/deploying.md)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
