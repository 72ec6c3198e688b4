"""The cases API: the queue's filters, one case, PATCH of status, assignee and note, the 400
invalid_transition, and what each role may do."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from cases.services import response_rules_evaluate
from tests.cases.factories import analysed_survey, answered, rule, team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict:
    """Three cases: delivery's open and overdue, delivery's in progress, safety's resolved."""
    _survey, version = analysed_survey()
    delivery = team("delivery_ops", members=("a",))
    safety = team("food_safety")
    rule("slow", "word", team=delivery, words=["太慢"], sla_hours=1)
    rule("hair", "word", team=safety, words=["头发"], sla_hours=1000)
    now = dt.datetime.now(tz=dt.UTC)
    overdue = response_rules_evaluate(
        response_id=answered(version, nps=0, why="送餐太慢", invited=True, consent=True, completed_at=now).pk,
        now=now - dt.timedelta(hours=5),
    )[0]
    working = response_rules_evaluate(
        response_id=answered(version, nps=0, why="送餐太慢", completed_at=now).pk, now=now
    )[0]
    Case.objects.filter(pk=working.pk).update(status="in_progress")
    done = response_rules_evaluate(
        response_id=answered(version, nps=0, why="吃出头发", completed_at=now).pk, now=now
    )[0]
    Case.objects.filter(pk=done.pk).update(status="resolved")
    return {"overdue": overdue, "working": working, "done": done, "delivery": delivery, "safety": safety}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner(world):
    return world["delivery"].lead


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["overdue", "working", "done"]),
        ("?status=open", ["overdue"]),
        ("?status=resolved", ["done"]),
        ("?team=delivery_ops", ["overdue", "working"]),
        ("?team=food_safety", ["done"]),
        ("?team=nobody", []),
        ("?overdue=true", ["overdue"]),
        ("?overdue=false", ["working", "done"]),
        ("?team=delivery_ops&status=in_progress", ["working"]),
    ],
)
def test_the_list_filters(world, owner, query, expected) -> None:
    body = client_for(owner).get(f"/api/v1/cases/{query}").json()

    assert [case["id"] for case in body["results"]] == [world[name].pk for name in expected]
    assert body["count"] == len(expected)


def test_the_list_filters_by_assignee(world, owner) -> None:
    body = client_for(owner).get(f"/api/v1/cases/?assignee={owner.pk}").json()

    assert [case["id"] for case in body["results"]] == [world["overdue"].pk, world["working"].pk]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("?status=lost", "status", "invalid_choice"),
        ("?overdue=maybe", "overdue", "invalid"),
        ("?assignee=x", "assignee", "invalid"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(world, owner, query, field, code) -> None:
    response = client_for(owner).get(f"/api/v1/cases/{query}")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert list(response.json()["details"]) == [field]


def test_one_case_shows_its_rule_reason_transitions_and_contact_for_its_assignee(world, owner) -> None:
    case = world["overdue"]

    body = client_for(owner).get(f"/api/v1/cases/{case.pk}/").json()

    assert {
        k: body[k] for k in ("status", "team", "assignee", "reason", "overdue", "transitions", "contact")
    } == {
        "status": "open",
        "team": "delivery_ops",
        "assignee": owner.pk,
        "reason": {"words": ["太慢"]},
        "overdue": True,
        "transitions": ["in_progress", "resolved"],
        "contact": {"email": "kehu@example.com", "phone": "+8613800000001"},
    }
    assert body["rule"] == {
        "key": "slow",
        "name": {"zh-hans": "规则 slow", "en": "Rule slow"},
        "kind": "word",
    }
    # another process owner reads the case without the contact details
    other = UserFactory(username="other-owner", groups=["process_owners"])
    assert client_for(other).get(f"/api/v1/cases/{case.pk}/").json()["contact"] is None


def test_patch_moves_the_case_assigns_it_and_adds_a_note(world, owner) -> None:
    case = world["overdue"]
    member = world["delivery"].members.get()

    response = client_for(owner).patch(
        f"/api/v1/cases/{case.pk}/",
        {
            "status": "resolved",
            "assignee": member.pk,
            "note": "已联系用户并退款",
            "resolution": "退款",
            "root_cause": "delivery",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["assignee"], body["resolution"], body["root_cause"], body["overdue"]) == (
        "resolved",
        member.pk,
        "退款",
        "delivery",
        False,
    )
    assert [(n["author"], n["text"]) for n in body["notes"]] == [("delivery_ops-lead", "已联系用户并退款")]


def test_a_transition_the_workflow_refuses_is_a_400_invalid_transition(world, owner) -> None:
    case = world["working"]

    response = client_for(owner).patch(
        f"/api/v1/cases/{case.pk}/", {"status": "closed", "note": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_transition",
        "message": "The request is not valid: see details for each field.",
        "details": {
            "status": [
                {"code": "invalid_transition", "message": "A case cannot go from In progress to Closed."}
            ]
        },
    }
    # nothing was written: not the status, not the note
    case.refresh_from_db()
    assert (case.status, case.notes.count()) == ("in_progress", 0)


def test_the_refusal_is_in_chinese_for_a_chinese_request(world, owner) -> None:
    response = client_for(owner).patch(
        f"/api/v1/cases/{world['done'].pk}/",
        {"status": "in_progress"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.json()["details"]["status"][0]["message"] == "案例不能从“已解决”变为“处理中”。"


def test_an_assignee_outside_the_team_is_a_400(world, owner) -> None:
    outsider = UserFactory(username="outsider", groups=["process_owners"])

    response = client_for(owner).patch(
        f"/api/v1/cases/{world['overdue'].pk}/", {"assignee": outsider.pk}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "assignee_not_in_team")


@pytest.mark.parametrize(
    ("role", "read", "patch"),
    [("process_owners", 200, 200), ("viewers", 200, 403), ("survey_designers", 403, 403)],
)
def test_permissions_per_role(world, role, read, patch) -> None:
    user = UserFactory(username=f"someone-{role}", groups=[role])
    case = world["overdue"]
    client = client_for(user)

    assert client.get("/api/v1/cases/").status_code == read
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == read
    assert (
        client.patch(f"/api/v1/cases/{case.pk}/", {"status": "in_progress"}, format="json").status_code
        == patch
    )
    case.refresh_from_db()
    assert case.status == ("in_progress" if patch == 200 else "open")
