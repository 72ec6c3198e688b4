"""The audit trail in the workspace: read-only, newest first, filtered by kind of change,
object, person and days, a page at a time; process owners and the superuser only; a bad filter
is 400 naming the field, in the user's language."""

import datetime as dt

import pytest
from django.test import Client

from cases.models import Team
from ops.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def _client(user, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


@pytest.fixture
def trail() -> dict:
    owner = UserFactory(username="owner", groups=["process_owners"])
    designer = UserFactory(username="designer", groups=["survey_designers"])
    ops = Team.objects.create(key="delivery_ops", name={"zh-hans": "配送", "en": "Delivery"})
    sales = Team.objects.create(key="sales", name={"zh-hans": "销售", "en": "Sales"})
    entries = {
        "published": audit_record(
            action="surveys.survey.published",
            instance=ops,  # any row stands for the object here
            actor=designer,
            before={"version": 1},
            after={"version": 2},
            now=DAY,
        ),
        "changed": audit_record(
            action="cases.alertrule.changed",
            instance=sales,
            actor=owner,
            before={"sla_hours": 24},
            after={"sla_hours": 4},
            now=DAY + dt.timedelta(days=1),
        ),
        "system": audit_record(
            action="cases.case.escalated",
            instance=ops,
            before={"escalation_level": 0},
            after={"escalation_level": 1},
            now=DAY + dt.timedelta(days=2),
        ),
    }
    return {"owner": owner, "designer": designer, "ops": ops, "sales": sales, **entries}


def _ids(response) -> list[int]:
    return [row["entry"].pk for row in response.context["rows"]]


def test_the_page_lists_every_change_newest_first_with_before_and_after(trail) -> None:
    response = _client(trail["owner"]).get("/workspace/audit/")

    assert response.status_code == 200
    assert _ids(response) == [trail["system"].pk, trail["changed"].pk, trail["published"].pk]
    changed = response.context["rows"][1]
    assert changed["changes"] == [("sla_hours", "24", "4")]
    body = response.content.decode()
    assert "the system" in body and "cases.alertrule.changed" in body
    assert 'href="/workspace/audit/"' in body  # in the navigation


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "cases.alertrule.changed"}, ["changed"]),
        ({"object": "cases.team"}, ["system", "changed", "published"]),
        ({"object": "cases.team#{ops}"}, ["system", "published"]),
        ({"actor": "designer"}, ["published"]),
        ({"date_from": "2026-05-05", "date_to": "2026-05-05"}, ["changed"]),
        ({"date_from": "2026-05-05"}, ["system", "changed"]),
    ],
)
def test_each_filter(trail, query, expected) -> None:
    query = {k: v.format(ops=trail["ops"].pk) for k, v in query.items()}

    response = _client(trail["owner"]).get("/workspace/audit/", query)

    assert response.status_code == 200
    assert _ids(response) == [trail[name].pk for name in expected]


def test_the_trail_is_paged_fifty_at_a_time(trail) -> None:
    notes = [
        audit_record(
            action="cases.case.noted",
            instance=trail["ops"],
            actor=trail["owner"],
            after={"note": f"n{minute}"},
            now=DAY - dt.timedelta(minutes=minute + 1),
        )
        for minute in range(50)
    ]
    client = _client(trail["owner"])

    first = client.get("/workspace/audit/", {"actor": "owner"})
    second = client.get("/workspace/audit/", {"actor": "owner", "page": 2})

    assert (len(_ids(first)), len(_ids(second))) == (50, 1)
    assert "page=2" in first.content.decode() and "actor=owner" in first.content.decode()
    # the rule change, then the notes newest first; the oldest note is on the second page
    assert _ids(first) == [trail["changed"].pk, *[note.pk for note in notes[:49]]]
    assert _ids(second) == [notes[49].pk]


@pytest.mark.parametrize(
    ("query", "lang", "field", "message"),
    [
        (
            {"action": "cases.case.eaten"},
            "en",
            "action",
            "No change of the kind cases.case.eaten was recorded.",
        ),
        (
            {"object": "a case"},
            "en",
            "object",
            "Give an object type such as cases.case, or one object such as cases.case#12.",
        ),
        ({"actor": "nobody"}, "zh-hans", "actor", "没有用户 nobody。"),
        (
            {"date_from": "2026-05-06", "date_to": "2026-05-05"},
            "en",
            "date_to",
            "The last day comes before the first.",
        ),
        ({"date_from": "yesterday"}, "en", "date_from", "Enter a valid date."),
    ],
)
def test_a_bad_filter_is_400_naming_the_field(trail, query, lang, field, message) -> None:
    response = _client(trail["owner"], lang).get("/workspace/audit/", query)

    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.context["audit_errors"]] == [(field, message)]
    assert response.context["rows"] == []


@pytest.mark.parametrize(
    ("groups", "superuser", "status"),
    [
        (["process_owners"], False, 200),
        ([], True, 200),
        (["viewers"], False, 403),
        (["survey_designers"], False, 403),
    ],
)
def test_who_may_read_the_trail(trail, groups, superuser, status) -> None:
    user = UserFactory(username="someone", groups=groups, is_superuser=superuser)

    assert _client(user).get("/workspace/audit/").status_code == status


def test_the_page_changes_nothing(trail) -> None:
    response = _client(trail["owner"]).post("/workspace/audit/")

    assert response.status_code == 405
