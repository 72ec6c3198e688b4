"""Ingestion throughput: events/s through events_ingest in batches of 1,000, against a naive
one-row-at-a-time ORM loop doing the same writes, in the same process on the same database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/survey_delivery \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python benchmarks/distribution_ingest.py \\
        [--events 10000] [--repeat 3] [--baseline-events 2000]

The batched figure is the median of --repeat runs (the machine is shared; each run is listed).
With --known-respondents every event's respondent is already known from an earlier event (half
an hour older, ingested before the clock starts, under another source), so each batch also
locks and updates 1,000 known respondents: the steady state of customers who order again.

The rule defers every invitation by an hour, so nothing is enqueued: the figure is the
ingestion itself (validation, respondents, events, rules, invitations, one transaction per
batch). Target: 5,000 events/s or more on 2 cores.
"""

import argparse
import datetime as dt
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--baseline-events", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--known-respondents", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    from responses.models import Invitation
    from responses.services.events import events_ingest

    rule = survey_with_rule(key="bench-ingest", channels=["email"], delay_minutes=60)
    clean()

    # warm-up (imports, caches, prepared plans), not counted
    events_ingest(source_system=None, items=events(200, prefix="warm"))
    clean()

    runs = []
    for _repeat in range(args.repeat):
        prefix = f"b{uuid.uuid4().hex[:6]}"
        items = events(args.events, prefix=prefix)
        if args.known_respondents:
            _known(events(args.events, prefix=prefix, source=KNOWN_SOURCE), ingest=events_ingest)
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
