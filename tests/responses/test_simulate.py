"""`manage.py simulate`: seeded order events, a steady rate, posted through the real events API."""

import datetime as dt
import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from responses.demo import demo_distribution_load
from responses.models import Invitation, ServiceEvent, Suppression
from responses.simulation import Simulation, Tally, batches, order_event
from tests.responses.factories import published_survey

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def test_an_order_event_is_seeded_and_in_the_events_api_shape() -> None:
    sim = Simulation(source="order-platform", prefix="t")
    first = order_event(sim, random.Random(7), 1, NOW)
    again = order_event(sim, random.Random(7), 1, NOW)
    assert first == again
    assert first["source"] == "order-platform"
    assert first["external_id"] == "t-1"
    assert first["type"] == "order.delivered"
    assert set(first) == {"source", "external_id", "type", "occurred_at", "respondent", "attributes"}
    assert set(first["attributes"]) == {"city", "district_type", "scenario", "merchant_type", "channel"}
    occurred = dt.datetime.fromisoformat(first["occurred_at"])
    assert dt.timedelta(minutes=1) <= NOW - occurred <= dt.timedelta(minutes=15)
    assert first["respondent"]["type"] == "customer"
    assert first["respondent"]["ref"].startswith("t-c-")


def test_every_tenth_respondent_or_so_has_no_contact_and_a_fifth_answers_in_english() -> None:
    sim = Simulation(source="s", prefix="t")
    rng = random.Random(1)
    events = [order_event(sim, rng, n, NOW) for n in range(2000)]
    locales = Counter(e["respondent"]["locale"] for e in events)
    contactless = sum(1 for e in events if not ({"email", "phone"} & set(e["respondent"])))
    assert 0.17 < locales["en"] / 2000 < 0.23
    assert 0.01 < contactless / 2000 < 0.05


def test_batches_keep_a_steady_rate_carrying_the_fraction() -> None:
    rates = batches(2.5)
    assert [next(rates) for _ in range(4)] == [2, 3, 2, 3]
    third = batches(0.5)
    assert [next(third) for _ in range(4)] == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="rate must be positive"):
        next(batches(0))


def test_the_tally_counts_statuses_and_decisions() -> None:
    tally = Tally()
    tally.add(
        [
            {"status": "accepted", "invitations": [{"status": "scheduled"}]},
            {"status": "accepted", "invitations": [{"status": "suppressed", "reason": "fatigue"}]},
            {"status": "duplicate"},
            {"status": "accepted", "invitations": [{"status": "scheduled", "reason": "quiet_hours"}]},
        ]
    )
    assert tally.line() == (
        "events: accepted 3, duplicate 1 | "
        "invitations: scheduled 1, scheduled:quiet_hours 1, suppressed:fatigue 1"
    )


@pytest.mark.django_db(transaction=True)
def test_simulate_posts_through_the_events_api_and_a_replay_changes_nothing(live_server, postgres) -> None:
    published_survey(key="customer-after-delivery")
    demo_distribution_load()
    before = ServiceEvent.objects.count()
    out = io.StringIO()
    call_command(
        "simulate", "--rate", "40", "--count", "60", "--url", live_server.url, "--prefix", "sim-t", stdout=out
    )
    events = ServiceEvent.objects.filter(external_id__startswith="sim-t-")
    assert events.count() == 60
    assert ServiceEvent.objects.count() == before + 60
    # The status line is what the database holds: each event got one decision.
    invited = Invitation.objects.filter(event__in=events).count()
    suppressed = Counter(Suppression.objects.filter(event__in=events).values_list("reason", flat=True))
    assert invited + sum(suppressed.values()) == 60
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("60 events posted. events: accepted 60 | invitations: ")
    for reason, count in suppressed.items():
        assert f"suppressed:{reason} {count}" in last
    # The same prefix and seed again: duplicates, nothing written.
    replay = io.StringIO()
    call_command(
        "simulate",
        "--rate",
        "40",
        "--count",
        "60",
        "--url",
        live_server.url,
        "--prefix",
        "sim-t",
        stdout=replay,
    )
    assert replay.getvalue().strip().splitlines()[-1] == (
        "60 events posted. events: duplicate 60 | invitations: none"
    )
    assert ServiceEvent.objects.count() == before + 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "--rate must be a positive number of events per second"),
        (["--count", "-1"], "--count must be 0 (no limit) or more"),
        (["--url", "ftp://x"], "--url must be an http(s) address"),
    ],
)
def test_simulate_names_a_bad_option(args, message) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("simulate", *args, stdout=io.StringIO())


@pytest.mark.django_db
def test_simulate_says_when_the_site_is_not_running() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CommandError, match=r"Cannot reach .*Is `make run` running\?"):
        call_command("simulate", "--count", "1", "--url", f"http://127.0.0.1:{port}", stdout=io.StringIO())
