"""Loaded into the benchmark's worker (``celery worker -I benchmarks.distribution_noop``).

``NoopChannel`` accepts every send and does nothing, so the dispatch figure is the platform's
own cost (task, claim, message, mark). ``responses.bench_noop`` is the baseline: a task with
the same routing and options that only counts itself in Redis, so the benchmark knows when
all have run.
"""

import os

import redis

from config.celery import app
from responses.channels import SendResult

COUNTER = "bench:noop:done"
_client = None


class NoopChannel:
    name = "noop"

    def send(self, invitation, *, message) -> SendResult:
        return SendResult(channel=self.name, provider_ref=message.message_id)


@app.task(name="responses.bench_noop", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def bench_noop(number: int) -> None:
    global _client  # one connection per worker process
    if _client is None:
        _client = redis.Redis.from_url(os.environ["REDIS_URL"])
    _client.incr(COUNTER)
