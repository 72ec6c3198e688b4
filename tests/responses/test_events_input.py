"""POST /api/v1/events/ with hostile input: characters PostgreSQL refuses, deep nesting, duplicates.

One bad item is rejected on its own (never a 500 that fails the whole batch, which a retrying
source system would then post forever), and a duplicate changes nothing at all.
"""

import datetime as dt
import json
import time

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from config.wsgi_input import INPUT_OVER_LIMIT
from responses.models import Invitation, Respondent, ServiceEvent, SourceSystem, Suppression
from tests.responses.factories import DistributionRuleFactory, event, source_system

URL = "/api/v1/events/"


def recent(minutes_ago: int = 5) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def fresh_event(external_id: str = "e-1", **kwargs) -> dict:
    return event(external_id, occurred_at=recent(), **kwargs)


@pytest.fixture
def api(postgres) -> tuple[APIClient, SourceSystem]:
    system, key = source_system("order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, system


def post_text(client: APIClient, text: str):
    """Post a JSON text as is (json.dumps escapes a lone surrogate as \\ud800, as a client would)."""
    return client.post(URL, data=text.encode(), content_type="application/json")


def post(client: APIClient, body):
    return post_text(client, json.dumps(body))


def snapshot() -> dict:
    """Every row ingestion may write, with the values a duplicate must leave alone."""
    return {
        "events": sorted(
            ServiceEvent.objects.values_list("source", "external_id", "type", "respondent_id", "attributes")
        ),
        "respondents": sorted(
            Respondent.objects.values_list(
                "id",
                "type",
                "ref",
                "email",
                "phone",
                "locale",
                "timezone",
                "contact_updated_at",
                "updated_at",
            )
        ),
        "invitations": sorted(
            Invitation.objects.values_list("id", "event_id", "respondent_id", "status", "due_at", "context")
        ),
        "suppressions": sorted(Suppression.objects.values_list("id", "event_id", "reason")),
    }


# --- characters PostgreSQL refuses, one item at a time -----------------------------------------------


def with_value(path: str, value) -> dict:
    item = fresh_event("e-bad")
    target = item
    *parents, last = path.split(".")
    for name in parents:
        target = target[name]
    target[last] = value
    return item


CHARACTER_CASES = [
    ("external_id", "e-\x00-1", "control_character", "external_id contains a control character (U+0000)."),
    ("respondent.ref", "c\x00", "control_character", "respondent.ref contains a control character (U+0000)."),
    (
        "attributes.city",
        "上海\x00",
        "control_character",
        "attributes.city contains a control character (U+0000).",
    ),
    ("type", "order.\x07delivered", "control_character", "type contains a control character (U+0007)."),
    ("source", "order-\x1bplatform", "control_character", "source contains a control character (U+001B)."),
    (
        "respondent.email",
        "a\x00@example.com",
        "control_character",
        "respondent.email contains a control character (U+0000).",
    ),
    ("external_id", "e-\ud800", "invalid_unicode", "external_id contains a lone surrogate (U+D800)."),
    ("respondent.ref", "\udfffc", "invalid_unicode", "respondent.ref contains a lone surrogate (U+DFFF)."),
    (
        "attributes.city",
        "上海\ud83d",
        "invalid_unicode",
        "attributes.city contains a lone surrogate (U+D83D).",
    ),
    (
        "respondent.timezone",
        "Asia/\ud800",
        "invalid_unicode",
        "respondent.timezone contains a lone surrogate (U+D800).",
    ),
]


@pytest.mark.parametrize(("path", "value", "code", "message"), CHARACTER_CASES)
def test_a_character_postgresql_refuses_rejects_only_its_item(api, path, value, code, message) -> None:
    # given a batch whose middle item carries a NUL, a control character or a lone surrogate
    client, _system = api
    DistributionRuleFactory()
    batch = {"events": [fresh_event("e-1"), with_value(path, value), fresh_event("e-3")]}
    # when it is posted
    response = post(client, batch)
    # then only that item is rejected, naming the field and the character; the others are stored
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["errors"] == [{"field": path, "code": code, "message": message}]
    expected_id = None if path == "external_id" else "e-bad"
    assert results[1]["external_id"] == expected_id
    assert sorted(ServiceEvent.objects.values_list("external_id", flat=True)) == ["e-1", "e-3"]
    assert Invitation.objects.count() == 2


def test_free_text_keeps_tabs_and_line_breaks_but_identifiers_do_not(api) -> None:
    client, _system = api
    response = post(
        client,
        {
            "events": [
                fresh_event("e-1", attributes={"note": "第一行\n\t第二行\r\n"}),
                fresh_event("e-2\tx"),
            ]
        },
    )
    first, second = response.json()["results"]
    assert first["status"] == "accepted"
    assert ServiceEvent.objects.get(external_id="e-1").attributes == {"note": "第一行\n\t第二行"}
    assert second["errors"] == [
        {
            "field": "external_id",
            "code": "control_character",
            "message": "external_id contains a control character (U+0009).",
        }
    ]


def test_an_attribute_name_with_a_surrogate_is_named_escaped(api) -> None:
    # the field path echoes the name; a lone surrogate cannot be written as UTF-8, so it is escaped
    client, _system = api
    response = post(client, {"events": [fresh_event("e-1", attributes={"ci\ud800ty": "上海"})]})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("attributes.ci\\ud800ty", "invalid")]
    assert not ServiceEvent.objects.exists()


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_an_attribute_number_beyond_json_range_rejects_its_item(api, number) -> None:
    # 1e400 parses to infinity, which jsonb cannot store
    client, _system = api
    good = json.dumps(fresh_event("e-1"))
    bad = json.dumps(fresh_event("e-2", attributes={"distance": 0})).replace(
        '"distance": 0', f'"distance": {number}'
    )
    response = post_text(client, f'{{"events": [{good}, {bad}]}}')
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["errors"] == [
        {
            "field": "attributes.distance",
            "code": "number_out_of_range",
            "message": "attributes.distance is not a finite number.",
        }
    ]
    assert list(ServiceEvent.objects.values_list("external_id", flat=True)) == ["e-1"]


def test_the_character_message_is_translated(api) -> None:
    client, _system = api
    response = client.post(
        URL,
        data=json.dumps(with_value("respondent.ref", "c\x00")).encode(),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    (result,) = response.json()["results"]
    assert result["errors"] == [
        {
            "field": "respondent.ref",
            "code": "control_character",
            "message": "respondent.ref 含有控制字符（U+0000）。",
        }
    ]


# --- nesting and size, refused at parse time ----------------------------------------------------------


def test_json_nested_100000_levels_is_400_too_deep(api) -> None:
    client, _system = api
    text = '{"events": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    response = post_text(client, text)
    assert response.status_code == 400
    assert response.json() == {
        "code": "too_deep",
        "message": "The JSON is nested more than 32 levels deep.",
        "details": {"max_depth": 32},
    }
    assert not ServiceEvent.objects.exists()


def test_nesting_inside_strings_does_not_count(api) -> None:
    client, _system = api
    item = fresh_event("e-1", attributes={"note": "[[[[{{{{" * 40 + '\\"[' * 50})
    response = post(client, item)
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "accepted"


def test_json_at_the_depth_limit_is_parsed() -> None:
    from config.parsers import json_depth

    assert json_depth("[" * 32 + "]" * 32) == 32
    assert json_depth('{"a": "[[[[\\"[[", "b": [{}]}') == 3
    assert json_depth('"no containers"') == 0


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_without_content_length_is_413(api) -> None:
    # a chunked body cut at the limit by the WSGI middleware (tests/responses/test_events_chunked.py)
    client, _system = api
    body = json.dumps({"events": [fresh_event(f"e-{n}") for n in range(10)]}).encode()[:1001]
    response = client.post(URL, data=body, content_type="application/json", **{INPUT_OVER_LIMIT: True})
    assert response.status_code == 413
    assert response.json() == {
        "code": "payload_too_large",
        "message": "The body has more than 1000 bytes; at most 1000 are accepted.",
        "details": {"max_bytes": 1000},
    }
    assert not ServiceEvent.objects.exists()


# --- a duplicate changes nothing ------------------------------------------------------------------------


def test_a_replay_with_another_email_changes_nothing(api) -> None:
    # given an accepted event of customer c-1 with her email
    client, _system = api
    DistributionRuleFactory(channels=["email"])
    original = fresh_event("e-1", respondent={"type": "customer", "ref": "c-1", "email": "li@example.com"})
    assert post(client, original).json()["results"][0]["status"] == "accepted"
    before = snapshot()
    # when the same (source, external_id) is replayed, newer, with another email, another
    # respondent and other attributes
    for respondent in (
        {"type": "customer", "ref": "c-1", "email": "attacker@example.com", "phone": "13812345678"},
        {"type": "customer", "ref": "c-2", "email": "other@example.com"},
    ):
        replay = event("e-1", occurred_at=recent(1), respondent=respondent, attributes={"city": "北京"})
        response = post(client, replay)
        # then it is a duplicate and no row changed
        assert response.json() == {"results": [{"external_id": "e-1", "status": "duplicate"}]}
    assert snapshot() == before
    assert Respondent.objects.get().email == "li@example.com"
    assert Respondent.objects.count() == 1


def test_a_duplicate_inside_one_batch_changes_nothing(api) -> None:
    # given a batch with one new event posted twice with different contact data
    client, _system = api
    DistributionRuleFactory()
    first = fresh_event("e-1", respondent={"type": "customer", "ref": "c-1", "email": "li@example.com"})
    second = event(
        "e-1",
        occurred_at=recent(1),
        respondent={"type": "customer", "ref": "c-9", "email": "other@example.com", "locale": "en"},
    )
    response = post(client, {"events": [first, second]})
    # then the first is accepted and the second, a duplicate, wrote nothing
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "duplicate"]
    assert list(Respondent.objects.values_list("ref", "email", "locale")) == [("c-1", "li@example.com", "")]
    assert ServiceEvent.objects.count() == 1
    assert Invitation.objects.count() == 1


def test_a_batch_mixing_duplicates_and_new_events_writes_only_the_new(api) -> None:
    # given two accepted events
    client, _system = api
    DistributionRuleFactory()
    post(
        client,
        {"events": [fresh_event("e-1"), fresh_event("e-2", respondent={"type": "customer", "ref": "c-2"})]},
    )
    before = snapshot()
    # when a batch replays both (with changed contact data) around one new event
    changed = {"type": "customer", "ref": "c-1", "email": "new@example.com"}
    batch = [
        event("e-1", occurred_at=recent(1), respondent=changed),
        fresh_event("e-3", respondent={"type": "customer", "ref": "c-3", "email": "c3@example.com"}),
        event("e-2", occurred_at=recent(1), respondent={"type": "merchant", "ref": "m-1"}),
    ]
    response = post(client, {"events": batch})
    # then only e-3 and its respondent are new; c-1 keeps its data and no merchant exists
    assert [r["status"] for r in response.json()["results"]] == ["duplicate", "accepted", "duplicate"]
    after = snapshot()
    assert after["respondents"][:2] == before["respondents"]
    assert [row[1:4] for row in after["respondents"][2:]] == [("customer", "c-3", "c3@example.com")]
    assert [row[1] for row in after["events"]] == ["e-1", "e-2", "e-3"]
    assert len(after["invitations"]) == 3


@pytest.mark.django_db(transaction=True)
def test_a_parallel_duplicate_that_loses_the_race_writes_nothing(postgres) -> None:
    # given post A has stored event e-1 (customer c-1) but not committed yet
    import threading

    from django.db import connection, connections, transaction

    from responses.distribution.ingestion import events_ingest

    first = fresh_event("e-1", respondent={"type": "customer", "ref": "c-1", "email": "li@example.com"})
    second = event(
        "e-1", occurred_at=recent(1), respondent={"type": "customer", "ref": "c-2", "email": "x@example.com"}
    )
    stored, release, outcome = threading.Event(), threading.Event(), {}

    def post_a() -> None:
        try:
            with transaction.atomic():
                outcome["a"] = [r.status for r in events_ingest(source_system=None, items=[first])]
                stored.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def post_b() -> None:
        try:
            outcome["b"] = [r.status for r in events_ingest(source_system=None, items=[second])]
        finally:
            connections.close_all()

    a = threading.Thread(target=post_a)
    a.start()
    assert stored.wait(timeout=60)
    # when post B of the same event (another respondent) looks before A commits, so it writes its
    # respondent and then waits on A's unique key
    b = threading.Thread(target=post_b)
    b.start()
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("post B never waited on post A")
    release.set()
    a.join(timeout=60)
    b.join(timeout=60)
    # then B is a duplicate and its respondent was rolled back with it
    assert outcome == {"a": ["accepted"], "b": ["duplicate"]}
    assert list(Respondent.objects.values_list("ref", "email")) == [("c-1", "li@example.com")]
    assert list(ServiceEvent.objects.values_list("external_id", "respondent__ref")) == [("e-1", "c-1")]
