"""POST /api/v1/events/: authentication, batches, idempotency, per-item error codes, error bodies."""

import copy
import datetime as dt
import hashlib
import json

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from responses.models import Invitation, Respondent, ServiceEvent, SourceSystem, Suppression
from responses.services.sources import source_system_rotate_key
from responses.services.validation import ValidEvent, event_validate
from tests.responses.factories import DistributionRuleFactory, event, source_system

pytestmark = pytest.mark.django_db
URL = "/api/v1/events/"


def recent(minutes_ago: int = 5) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def fresh_event(external_id: str = "e-1", **kwargs) -> dict:
    return event(external_id, occurred_at=recent(), **kwargs)


@pytest.fixture
def api() -> tuple[APIClient, SourceSystem]:
    system, key = source_system("order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, system


def post(client: APIClient, body) -> object:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def nothing_written() -> bool:
    return not (
        ServiceEvent.objects.exists()
        or Respondent.objects.exists()
        or Invitation.objects.exists()
        or Suppression.objects.exists()
    )


# --- authentication -------------------------------------------------------------------------


def test_no_api_key_is_401_with_the_error_body() -> None:
    response = post(APIClient(), fresh_event())
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "details": {},
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="events"'
    assert nothing_written()


@pytest.mark.parametrize("header", ["Bearer voc_wrong", "Bearer", "Bearer a b"])
def test_a_wrong_api_key_is_401(header) -> None:
    source_system("order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = post(client, fresh_event())
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert nothing_written()


def test_a_disabled_source_system_or_a_rotated_key_is_refused(api) -> None:
    client, system = api
    source_system_rotate_key(source_system=system)
    assert post(client, fresh_event()).status_code == 401
    system.is_active = False
    system.save(update_fields=["is_active"])
    new_key = source_system_rotate_key(source_system=system)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new_key}")
    assert post(client, fresh_event()).status_code == 401
    assert nothing_written()


def test_only_the_key_hash_is_stored() -> None:
    system, key = source_system("merchant-platform")
    assert key.startswith("voc_")
    assert len(key) == 47
    assert key not in {system.key_hash, system.key_prefix}
    assert system.key_prefix == key[:12]


def test_a_source_system_may_post_only_its_own_source(api) -> None:
    client, _system = api
    response = post(client, fresh_event(source="merchant-platform"))
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "external_id": "e-1",
                "status": "rejected",
                "errors": [
                    {
                        "field": "source",
                        "code": "source_not_allowed",
                        "message": "This API key may post events for source order-platform only, "
                        "not merchant-platform.",
                    }
                ],
            }
        ]
    }
    assert nothing_written()


# --- request-level errors -------------------------------------------------------------------------


def test_malformed_json_is_400(api) -> None:
    client, _system = api
    response = client.post(URL, data='{"events": [', content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert body["message"].startswith("JSON parse error")
    assert body["details"] == {}
    assert nothing_written()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ([fresh_event()], "invalid_body", 'Send one event object or {"events": [...]}.'),
        ({}, "invalid_body", 'Send one event object or {"events": [...]}.'),
        ({"events": {"a": 1}}, "invalid_body", "events must be a list of event objects."),
        ({"events": []}, "batch_empty", "The batch holds no events; send 1 to 1,000."),
    ],
)
def test_a_body_that_is_not_an_event_or_a_batch_is_400(api, body, code, message) -> None:
    client, _system = api
    response = post(client, body)
    assert response.status_code == 400
    assert response.json() == {"code": code, "message": message, "details": {}}
    assert nothing_written()


def test_a_batch_over_1000_items_is_413(api) -> None:
    client, _system = api
    items = [fresh_event(f"e-{n}") for n in range(1001)]
    response = post(client, {"events": items})
    assert response.status_code == 413
    assert response.json() == {
        "code": "batch_too_large",
        "message": "The batch holds 1001 events; at most 1000 are accepted per request.",
        "details": {"max_items": 1000, "items": 1001},
    }
    assert nothing_written()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_size_limit_is_413(api) -> None:
    client, _system = api
    body = {"events": [fresh_event(f"e-{n}") for n in range(10)]}
    size = len(json.dumps(body))
    response = post(client, body)
    assert response.status_code == 413
    assert response.json() == {
        "code": "payload_too_large",
        "message": f"The body has {size} bytes; at most 1000 are accepted.",
        "details": {"max_bytes": 1000},
    }
    assert nothing_written()


# --- accepted, duplicate, rejected -----------------------------------------------------------------


def test_one_event_is_accepted_and_invited(api) -> None:
    client, _system = api
    rule = DistributionRuleFactory(channels=["link"])
    response = post(client, fresh_event())
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["external_id"] == "e-1"
    assert result["status"] == "accepted"
    (invitation,) = result["invitations"]
    assert invitation["survey"] == rule.survey.key
    assert invitation["status"] == "scheduled"
    assert invitation["link"].startswith("http://127.0.0.1:8000/s/")
    assert ServiceEvent.objects.get().source == "order-platform"


def test_a_repeat_is_a_duplicate_and_creates_nothing(api) -> None:
    # given an event already accepted
    client, _system = api
    DistributionRuleFactory()
    item = fresh_event()
    post(client, item)
    counts = (ServiceEvent.objects.count(), Invitation.objects.count(), Respondent.objects.count())
    # when it is posted again (a retry), in a batch with itself twice
    response = post(client, {"events": [item, item]})
    # then both are duplicates and nothing new exists
    assert response.json() == {
        "results": [
            {"external_id": "e-1", "status": "duplicate"},
            {"external_id": "e-1", "status": "duplicate"},
        ]
    }
    assert (
        (ServiceEvent.objects.count(), Invitation.objects.count(), Respondent.objects.count())
        == counts
        == (1, 1, 1)
    )


def test_one_bad_item_does_not_block_the_others(api) -> None:
    client, _system = api
    DistributionRuleFactory()
    bad = fresh_event("e-2")
    bad["respondent"]["type"] = "courier"
    response = post(client, {"events": [fresh_event("e-1"), bad, fresh_event("e-3"), "nonsense"]})
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "rejected"]
    assert results[1]["errors"] == [
        {
            "field": "respondent.type",
            "code": "unknown_respondent_type",
            "message": "Unknown respondent type courier; expected one of customer, merchant, rider.",
        }
    ]
    assert results[3] == {
        "external_id": None,
        "status": "rejected",
        "errors": [{"field": "", "code": "not_an_object", "message": "An event must be a JSON object."}],
    }
    assert sorted(ServiceEvent.objects.values_list("external_id", flat=True)) == ["e-1", "e-3"]


def test_every_problem_of_an_item_is_reported_at_once(api) -> None:
    client, _system = api
    response = post(client, {"source": "order-platform", "respondent": {"type": "customer"}})
    assert response.json()["results"][0]["errors"] == [
        {"field": "external_id", "code": "required", "message": "external_id is required."},
        {"field": "type", "code": "required", "message": "type is required."},
        {"field": "occurred_at", "code": "required", "message": "occurred_at is required."},
        {"field": "respondent.ref", "code": "required", "message": "respondent.ref is required."},
    ]
    assert nothing_written()


def _mutated(path: str, value) -> dict:
    item = copy.deepcopy(fresh_event())
    target = item
    *parents, leaf = path.split(".")
    for parent in parents:
        target = target[parent]
    if value is _DELETE:
        del target[leaf]
    else:
        target[leaf] = value
    return item


_DELETE = object()
FUTURE = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)).isoformat()


@pytest.mark.parametrize(
    ("path", "value", "field", "code"),
    [
        ("external_id", _DELETE, "external_id", "required"),
        ("external_id", "   ", "external_id", "required"),
        ("external_id", ["e-1"], "external_id", "invalid_type"),
        ("external_id", "x" * 129, "external_id", "too_long"),
        ("source", _DELETE, "source", "required"),
        ("source", "order platform", "source", "invalid"),
        ("type", "OrderDelivered", "type", "invalid"),
        ("type", "order", "type", "invalid"),
        ("respondent", _DELETE, "respondent", "required"),
        ("respondent", "c-1", "respondent", "invalid_type"),
        ("respondent.ref", _DELETE, "respondent.ref", "required"),
        ("respondent.type", "courier", "respondent.type", "unknown_respondent_type"),
        ("respondent.locale", "fr", "respondent.locale", "invalid_locale"),
        ("respondent.timezone", "Asia/Beijing", "respondent.timezone", "invalid_timezone"),
        ("respondent.timezone", "+08:00", "respondent.timezone", "invalid_timezone"),
        ("respondent.email", "li.wei@", "respondent.email", "invalid_email"),
        ("respondent.phone", "12345", "respondent.phone", "invalid_phone"),
        ("respondent.phone", "02112345678", "respondent.phone", "invalid_phone"),  # a landline
        ("respondent.phone", "+86123", "respondent.phone", "invalid_phone"),
        ("occurred_at", _DELETE, "occurred_at", "required"),
        ("occurred_at", 1714543200, "occurred_at", "invalid_type"),
        ("occurred_at", "yesterday", "occurred_at", "invalid_datetime"),
        ("occurred_at", "2026-02-30T10:00:00+08:00", "occurred_at", "invalid_datetime"),
        ("occurred_at", "2026-05-01T12:00:00", "occurred_at", "datetime_without_offset"),
        ("occurred_at", FUTURE, "occurred_at", "datetime_in_future"),
        ("attributes", ["city"], "attributes", "attributes_not_object"),
        ("attributes", {"store": {"id": 1}}, "attributes.store", "attributes_not_flat"),
        ("attributes", {"tags": ["a"]}, "attributes.tags", "attributes_not_flat"),
        ("attributes", {f"k{n}": n for n in range(51)}, "attributes", "attributes_too_large"),
        ("attributes", {"note": "长" * 501}, "attributes.note", "attributes_too_large"),
        ("attributes", {"k" * 65: 1}, "attributes." + "k" * 65, "attributes_too_large"),
        ("attributes", {f"k{n}": "值" * 100 for n in range(40)}, "attributes", "attributes_too_large"),
        ("attributes", {"city name": "上海"}, "attributes.city name", "invalid"),
    ],
)
def test_each_error_code(api, path, value, field, code) -> None:
    # given an event with one problem
    client, _system = api
    item = _mutated(path, value)
    # when posted
    response = post(client, item)
    # then it is rejected with the field and the stable code, and nothing is written
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert all(e["message"] for e in result["errors"])
    assert nothing_written()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"phone": "13812345678"}, {"phone": "+8613812345678"}),
        ({"phone": "+86 138-1234-5678"}, {"phone": "+8613812345678"}),
        ({"phone": "+85291234567"}, {"phone": "+85291234567"}),
        ({"phone": "+966501234567"}, {"phone": "+966501234567"}),
        ({"email": "Li.Wei@Example.COM"}, {"email": "Li.Wei@example.com"}),
        (
            {"locale": "EN", "timezone": "America/Sao_Paulo"},
            {"locale": "en", "timezone": "America/Sao_Paulo"},
        ),
    ],
)
def test_contact_points_are_normalised(api, given, stored) -> None:
    client, _system = api
    response = post(client, fresh_event(respondent={"type": "customer", "ref": "c-1", **given}))
    assert response.json()["results"][0]["status"] == "accepted"
    respondent = Respondent.objects.get()
    assert {name: getattr(respondent, name) for name in stored} == stored


def test_occurred_at_within_the_clock_skew_tolerance_is_accepted(api) -> None:
    client, _system = api
    soon = (timezone.now() + dt.timedelta(minutes=9)).isoformat()
    response = post(client, event(occurred_at=soon))
    assert response.json()["results"][0]["status"] == "accepted"


def test_the_respondent_is_updated_from_newer_events_only(api) -> None:
    # given a respondent known from an event 5 minutes ago
    client, _system = api
    post(
        client,
        event(
            "e-2",
            occurred_at=recent(5),
            respondent={"type": "customer", "ref": "c-1", "email": "new@example.com"},
        ),
    )
    # when an older event (a late delivery) and a newer one without email arrive
    post(
        client,
        event(
            "e-1",
            occurred_at=recent(60),
            respondent={"type": "customer", "ref": "c-1", "email": "old@example.com"},
        ),
    )
    post(
        client,
        event("e-3", occurred_at=recent(1), respondent={"type": "customer", "ref": "c-1", "locale": "en"}),
    )
    # then the newest data wins and a missing email never clears the known one
    respondent = Respondent.objects.get()
    assert (respondent.email, respondent.locale) == ("new@example.com", "en")


def test_the_schema_documents_the_endpoint() -> None:
    from django.test import Client

    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "post" in schema["paths"]["/api/v1/events/"]
    assert "SourceSystemKey" in schema["components"]["securitySchemes"]


def test_creating_a_source_system_in_the_admin_shows_its_key_once(admin_client) -> None:
    # given ops adding a source system in the admin
    response = admin_client.post(
        "/admin/responses/sourcesystem/add/",
        {"name": "merchant-platform", "description": "商家平台", "is_active": "on"},
        follow=True,
    )
    # then the key is shown in a message, works, and only its hash is stored
    assert response.status_code == 200
    (message,) = [str(m) for m in response.context["messages"] if str(m).startswith("API key")]
    key = message.rsplit(": ", 1)[1]
    system = SourceSystem.objects.get(name="merchant-platform")
    assert message == f"API key of merchant-platform, shown only now: {key}"
    assert system.key_hash == hashlib.sha256(key.encode()).hexdigest()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post(client, fresh_event(source="merchant-platform")).json()["results"][0]["status"] == "accepted"


def _attributes_of_size(size: int) -> dict:
    """Flat attributes whose compact JSON takes exactly ``size`` bytes (Chinese text, then padding)."""
    attributes = {f"k{n:02d}": "值" * 130 for n in range(20)}
    attributes["pad"] = ""
    empty = len(json.dumps(attributes, ensure_ascii=False, separators=(",", ":")).encode())
    attributes["pad"] = "x" * (size - empty)
    assert len(json.dumps(attributes, ensure_ascii=False, separators=(",", ":")).encode()) == size
    return attributes


@pytest.mark.parametrize(("size", "accepted"), [(8 * 1024, True), (8 * 1024 + 1, False)])
def test_the_attributes_size_limit_is_exact(size, accepted) -> None:
    # given attributes of exactly the limit, or one byte more
    item = event(attributes=_attributes_of_size(size))
    # when validated
    outcome = event_validate(item, now=timezone.now(), allowed_source=None)
    # then the limit itself passes and one byte more is refused
    if accepted:
        assert isinstance(outcome, ValidEvent)
        assert outcome.attributes == item["attributes"]
    else:
        assert [(e.field, e.code) for e in outcome] == [("attributes", "attributes_too_large")]
