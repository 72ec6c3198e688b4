"""Properties over arbitrary bodies: the events API and the respondent POST never answer 500
and never leave a batch half-written.

Bodies are near-valid events with one part replaced by arbitrary JSON (NUL, lone surrogates,
control characters, huge and non-finite numbers, wrong types, nesting), or arbitrary text. The
runs are bounded and derandomized (the same examples on every run), with no example database.
"""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from responses.models import Answer, Invitation, Respondent, Response, ServiceEvent, Suppression
from tests.responses.factories import DistributionRuleFactory, event, open_link, source_system

URL = "/api/v1/events/"
BOUNDED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that have broken input before, mixed into ordinary text.
HOSTILE = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\t", "\n"]
)
TEXT = st.text(alphabet=st.one_of(st.characters(), HOSTILE), max_size=40)
WITH_HOSTILE = st.builds(lambda before, char, after: before + char + after, TEXT, HOSTILE, TEXT)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([10**300, -(10**300), 2**63, -(2**63) - 1]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
FIELDS = [
    ("source",),
    ("external_id",),
    ("type",),
    ("occurred_at",),
    ("respondent",),
    ("respondent", "type"),
    ("respondent", "ref"),
    ("respondent", "email"),
    ("respondent", "phone"),
    ("respondent", "locale"),
    ("respondent", "timezone"),
    ("attributes",),
    ("attributes", "city"),
    ("attributes", "note"),
]


CONTACT = {
    "email": st.sampled_from(["li@example.com", "wang@example.cn"]),
    "phone": st.sampled_from(["13812345678", "+8613912345678"]),
    "locale": st.sampled_from(["zh-hans", "en"]),
    "timezone": st.sampled_from(["Asia/Shanghai", "Europe/London"]),
}


def encode(value) -> str:
    """JSON text; a lone surrogate is written as a \\ud800 escape, as a client's encoder would."""
    return json.dumps(value, ensure_ascii=True)


@st.composite
def near_valid_event(draw, external_id: str) -> dict:
    item = event(
        external_id,
        occurred_at=(timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        respondent={"type": "customer", "ref": f"c-{draw(st.integers(0, 3))}"},
    )
    item["respondent"].update(draw(st.fixed_dictionaries({}, optional=CONTACT)))
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=2)):
        target = item
        for name in path[:-1]:
            if not isinstance(target.get(name), dict):
                target[name] = {}
            target = target[name]
        current = target.get(path[-1])
        if isinstance(current, str) and draw(st.booleans()):
            # the value as it was, with one hostile character put in: valid but for that
            at = draw(st.integers(0, len(current)))
            target[path[-1]] = current[:at] + draw(HOSTILE) + current[at:]
        else:
            target[path[-1]] = draw(JSON)
    return item


@st.composite
def event_bodies(draw) -> str:
    kind = draw(st.sampled_from(["batch", "batch", "single", "json", "text", "deep", "numbers"]))
    if kind == "batch":
        count = draw(st.integers(1, 4))
        ids = draw(
            st.lists(st.sampled_from(["e-1", "e-2", "e-3", "e-4", "e-5"]), min_size=count, max_size=count)
        )
        items = [draw(near_valid_event(external_id)) for external_id in ids]
        return encode({"events": items})
    if kind == "single":
        return encode(draw(near_valid_event("e-1")))
    if kind == "json":
        return encode(draw(JSON))
    if kind == "deep":
        depth = draw(st.sampled_from([31, 32, 33, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return '{"events": [' + opener * depth + "1" + closer * depth + "]}"
    if kind == "numbers":
        number = draw(
            st.sampled_from(["1e400", "-1e400", "9" * 5000, "1" * 4301, "NaN", "Infinity", "1e-400"])
        )
        item = encode(draw(near_valid_event("e-1")))
        return item.replace('"city": "', f'"n": {number}, "city": "', 1)
    return draw(TEXT)


def counts() -> tuple[int, ...]:
    return (
        ServiceEvent.objects.count(),
        Respondent.objects.count(),
        Invitation.objects.count(),
        Suppression.objects.count(),
    )


@pytest.fixture
def events_api(postgres) -> APIClient:
    DistributionRuleFactory(channels=["link"])
    _system, key = source_system("order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@BOUNDED
@given(body=event_bodies())
def test_the_events_api_never_fails_and_never_half_writes(events_api, body) -> None:
    before = counts()
    reply = events_api.post(URL, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")
    after = counts()
    assert reply.status_code in (200, 400, 413), reply.content[:300]
    answer = reply.json()
    if reply.status_code != 200:
        # refused whole: the error body, and nothing written
        assert set(answer) == {"code", "message", "details"}
        assert after == before
        return
    statuses = [result["status"] for result in answer["results"]]
    assert set(statuses) <= {"accepted", "duplicate", "rejected"}
    accepted = statuses.count("accepted")
    # one event and one decision (invitation or suppression) per accepted item, nothing else;
    # a respondent is new only for an accepted item
    assert after[0] - before[0] == accepted
    assert (after[2] + after[3]) - (before[2] + before[3]) == accepted
    assert 0 <= after[1] - before[1] <= accepted
    for result in answer["results"]:
        if result["status"] == "rejected":
            assert result["errors"] and all(set(e) == {"field", "code", "message"} for e in result["errors"])


FORM_FIELDS = st.sampled_from(
    ["q_nps", "q_reason", "q_why", "q_praise", "q_aspects__speed", "locale", "switch_lang"]
)


@st.composite
def form_posts(draw) -> tuple[str, dict | bytes]:
    kind = draw(st.sampled_from(["form", "form", "autosave", "autosave", "autosave_text"]))
    # a score that shows the text questions (why: 0-6, praise: 9-10), then anything
    score = draw(st.sampled_from([0, 3, 6, 9, 10]))
    fields: dict = {"q_nps": str(score), "q_reason": "late"}
    fields["q_why" if score <= 6 else "q_praise"] = draw(st.one_of(TEXT, WITH_HOSTILE))
    if kind == "form":
        # names go into the multipart headers the client writes: no surrogates there
        names = draw(st.lists(st.one_of(FORM_FIELDS, st.text(max_size=10)), max_size=5))
        fields = {name: [value] for name, value in fields.items()}
        fields.update({name: draw(st.lists(TEXT, min_size=1, max_size=2)) for name in names})
        return kind, fields
    if kind == "autosave":
        fields.update(draw(st.dictionaries(st.one_of(FORM_FIELDS, TEXT), st.one_of(TEXT, JSON), max_size=5)))
        return kind, encode({"fields": fields, "locale": draw(JSON)}).encode()
    return kind, draw(
        st.one_of(TEXT, st.sampled_from(["[" * 100_000, '{"fields": ' + "[" * 5000 + "]" * 5000 + "}"]))
    )


@pytest.fixture
def survey_link(postgres) -> str:
    return f"/o/{open_link().slug}/"


@BOUNDED
@given(post=form_posts())
def test_the_respondent_post_never_fails(survey_link, post) -> None:
    cache.clear()  # the per-address throttle would answer 429 after a few examples
    client = Client()  # a new browser: a new response each time
    kind, body = post
    before = (Response.objects.count(), Answer.objects.count())
    if kind == "form":
        data = {
            name: [value.encode("utf-8", "surrogatepass") for value in values]
            for name, values in body.items()
        }
        reply = client.post(survey_link, data=data)
    else:
        raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
        reply = client.post(f"{survey_link}autosave/", data=raw, content_type="application/json")
    assert reply.status_code in (200, 302, 400), reply.content[:300]
    if reply.status_code == 400:
        assert (Response.objects.count(), Answer.objects.count()) == before
    if kind != "form" and reply.status_code == 200:
        assert reply.json()["status"] == "saved"
