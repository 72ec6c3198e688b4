"""Ingestion throughput: events/s through events_ingest in batches of 1,000, against a naive
one-row-at-a-time ORM loop doing the same writes, in the same process on the same database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_delivery \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python benchmarks/distribution_ingest.py \\
        [--events 10000] [--repeat 3] [--baseline-events 2000] [--clients 2]

The batched figure is the median of --repeat runs (the machine is shared; each run is listed).
With --known-respondents every event's respondent is already known from an earlier event (half
an hour older, ingested before the clock starts, under another source), so each batch also
locks and updates 1,000 known respondents: the steady state of customers who order again.
With --clients N the events are split into N streams posted at once by N processes, each with
its own connection (as the API's batches arrive at several web workers); the rate is all events
over the time from the first start to the last finish, and the naive loop gets as many clients.

The rule defers every invitation by an hour, so nothing is enqueued: the figure is the
ingestion itself (validation, respondents, events, rules, invitations, one transaction per
batch). Target: 5,000 events/s or more on 2 cores.
"""

import argparse
import datetime as dt
import gc
import json
import statistics
import time
import uuid

from _setup import clean, django_setup, events, machine, survey_with_rule


def naive_ingest(items: list[dict], *, rule) -> None:
    """What one writes without thinking about batches: a few ORM calls per event."""
    from django.db import transaction
    from django.utils import timezone

    from responses.models import Invitation, Respondent, ServiceEvent
    from responses.tokens import invitation_token_for, token_hash
    from surveys.models import SurveyVersion

    version = SurveyVersion.objects.filter(survey=rule.survey).latest()
    for item in items:
        with transaction.atomic():
            person = item["respondent"]
            respondent, _ = Respondent.objects.get_or_create(
                type=person["type"],
                ref=person["ref"],
                defaults={"email": person["email"], "locale": person["locale"]},
            )
            event, created = ServiceEvent.objects.get_or_create(
                source=item["source"],
                external_id=item["external_id"],
                defaults={
                    "type": item["type"],
                    "occurred_at": dt.datetime.fromisoformat(item["occurred_at"]),
                    "received_at": timezone.now(),
                    "respondent": respondent,
                    "attributes": item["attributes"],
                    "batch_id": uuid.uuid4(),
                },
            )
            if not created:
                continue
            public_id = uuid.uuid4()
            due = event.occurred_at + dt.timedelta(minutes=rule.delay_minutes)
            Invitation.objects.create(
                public_id=public_id,
                token_hash=token_hash(invitation_token_for(public_id)),
                survey=rule.survey,
                survey_version=version,
                rule=rule,
                event=event,
                respondent=respondent,
                channel=rule.channels[0],
                channels=rule.channels,
                locale=person["locale"],
                context={"attributes": item["attributes"], "locale": person["locale"]},
                due_at=due,
                expires_at=due + dt.timedelta(hours=rule.link_expiry_hours),
            )


KNOWN_SOURCE = "bench-known"


def _known(items: list[dict], *, ingest) -> None:
    """Ingest these events as if half an hour older (not due yet), so their respondents are known."""
    for item in items:
        item["occurred_at"] = (
            dt.datetime.fromisoformat(item["occurred_at"]) - dt.timedelta(minutes=30)
        ).isoformat()
    for start in range(0, len(items), 1000):
        ingest(source_system=None, items=items[start : start + 1000])


def _client(index: int, items: list[dict], barrier, results) -> None:
    """One source system's stream of batches in its own process (its own connection)."""
    from django.db import connections

    from responses.distribution.ingestion import events_ingest

    connections.close_all()  # never share the parent's socket
    gc.collect()
    gc.freeze()  # as config/wsgi.py does in every web process once it is loaded
    barrier.wait()
    started = time.monotonic()
    for start in range(0, len(items), 1000):
        batch = events_ingest(source_system=None, items=items[start : start + 1000])
        if not all(r.status == "accepted" for r in batch):
            results.put((index, None, None, repr(batch[0])))
            return
    results.put((index, started, time.monotonic(), ""))
    connections.close_all()


def _naive_client(index: int, items: list[dict], rule_id: int, barrier, results) -> None:
    from django.db import connections

    from responses.distribution.models import DistributionRule

    connections.close_all()
    rule = DistributionRule.objects.get(pk=rule_id)
    barrier.wait()
    started = time.monotonic()
    naive_ingest(items, rule=rule)
    results.put((index, started, time.monotonic(), ""))
    connections.close_all()


def _concurrent(streams: list[list[dict]], target, extra: tuple = ()) -> float:
    """Run one process per stream, started together; events/s from the first start to the last end."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(streams))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(index, items, *extra, barrier, results))
        for index, items in enumerate(streams)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    failed = [outcome for outcome in outcomes if outcome[1] is None]
    if failed:
        raise SystemExit(f"a client's batch was not accepted: {failed[0][3]}")
    first = min(outcome[1] for outcome in outcomes)
    last = max(outcome[2] for outcome in outcomes)
    return sum(len(items) for items in streams) / (last - first)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--baseline-events", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--known-respondents", action="store_true")
    parser.add_argument(
        "--clients",
        type=int,
        default=1,
        help="concurrent source systems, one process each (as API requests served by several "
        "web workers); the naive baseline runs with as many",
    )
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from responses.distribution.ingestion import events_ingest
    from responses.models import Invitation

    rule = survey_with_rule(key="bench-ingest", channels=["email"], delay_minutes=60)
    clean()

    # warm-up (imports, caches, prepared plans), not counted
    events_ingest(source_system=None, items=events(200, prefix="warm"))
    clean()
    gc.collect()
    gc.freeze()  # as config/wsgi.py does in every web process once it is loaded

    runs = []
    for _repeat in range(args.repeat):
        prefix = f"b{uuid.uuid4().hex[:6]}"
        items = events(args.events, prefix=prefix)
        if args.known_respondents:
            _known(events(args.events, prefix=prefix, source=KNOWN_SOURCE), ingest=events_ingest)
        if args.clients > 1:
            share = -(-len(items) // args.clients)
            runs.append(_concurrent([items[i : i + share] for i in range(0, len(items), share)], _client))
        else:
            started = time.perf_counter()
            for start in range(0, len(items), 1000):
                results = events_ingest(source_system=None, items=items[start : start + 1000])
                assert all(r.status == "accepted" for r in results), results[0]
            runs.append(args.events / (time.perf_counter() - started))
        made = Invitation.objects.filter(event__source="bench").count()
        assert made == args.events, made
        clean()
        clean(KNOWN_SOURCE)
    rate = statistics.median(runs)

    baseline_items = events(args.baseline_events, prefix=f"n{uuid.uuid4().hex[:6]}")
    if args.clients > 1:
        share = -(-len(baseline_items) // args.clients)
        streams = [baseline_items[i : i + share] for i in range(0, len(baseline_items), share)]
        naive = args.baseline_events / _concurrent(streams, _naive_client, (rule.pk,))
    else:
        started = time.perf_counter()
        naive_ingest(baseline_items, rule=rule)
        naive = time.perf_counter() - started
    assert Invitation.objects.filter(event__source="bench").count() == args.baseline_events
    clean()

    report = {
        "benchmark": "distribution_ingest",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "machine": machine(),
        "batched": {
            "events": args.events,
            "batch": 1000,
            "runs_events_per_s": [round(r) for r in runs],
            "events_per_s": round(rate),
            "known_respondents": args.known_respondents,
            "clients": args.clients,
        },
        "naive_baseline": {
            "events": args.baseline_events,
            "seconds": round(naive, 2),
            "events_per_s": round(args.baseline_events / naive),
        },
        "speedup": round(rate / (args.baseline_events / naive), 1),
        "target_events_per_s": 5000,
    }
    report["target_met"] = report["batched"]["events_per_s"] >= 5000
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
