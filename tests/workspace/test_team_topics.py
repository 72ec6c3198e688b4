"""Process owners belong to teams and teams own topics: the pages that list topics show the
reader's teams' topics by default (``topics=mine``), every topic on request (``topics=all``).
On the fixed data set (tests/workspace/conftest.py) the ranking is delivery_time (team
delivery_ops), food_temperature (delivery_ops), rider_attitude (rider_ops), packaging_spill
(merchant_ops)."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import translation

from cases.models import Team
from tests.workspace.conftest import PERIOD

pytestmark = pytest.mark.django_db
PAINPOINTS, OVERVIEW, COMMENTS, PROCESSES = (
    "/workspace/painpoints/",
    "/workspace/",
    "/workspace/comments/",
    "/workspace/processes/",
)
ALL_RANKED = ["delivery_time", "food_temperature", "rider_attitude", "packaging_spill"]


def _owner(name: str, *, member_of: tuple[str, ...] = (), lead_of: tuple[str, ...] = ()) -> Client:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="process_owners"))
    for key in member_of:
        team, _created = Team.objects.get_or_create(key=key, defaults={"name": {"zh-hans": key, "en": key}})
        team.members.add(user)
    for key in lead_of:
        Team.objects.update_or_create(
            key=key, defaults={"name": {"zh-hans": "商家运营", "en": "Merchant ops"}, "lead": user}
        )
    client = Client()
    client.force_login(user)
    return client


def _get(client, url, data, **params):
    with translation.override("en"):
        response = client.get(
            url, {"survey": data["survey"].key, **PERIOD, **params}, HTTP_ACCEPT_LANGUAGE="en"
        )
    return response


def test_a_team_member_sees_the_teams_topics_by_default_and_all_on_request(data):
    # given a process owner in the delivery team
    client = _owner("lin", member_of=("delivery_ops",))

    # when they open the pain points without and with topics=all
    mine = _get(client, PAINPOINTS, data)
    every = _get(client, PAINPOINTS, data, topics="all")

    # then by default only the team's topics, each with its rank among all; all four on request
    assert mine.status_code == 200
    assert [(r["rank"], r["key"]) for r in mine.context["rows"]] == [
        (1, "delivery_time"),
        (2, "food_temperature"),
    ]
    assert [row[0] for row in mine.context["impact_chart"].table.rows] == [
        "Late delivery",
        "Food arrived cold",
    ]
    assert [r["key"] for r in every.context["rows"]] == ALL_RANKED
    # and the switch, kept in the URL, says which view is shown
    html = mine.content.decode()
    assert 'data-topics="mine" aria-current="true"' in html
    assert (
        'href="/workspace/painpoints/?survey=after-delivery&amp;from=2026-05-04&amp;to=2026-05-10&amp;topics=all"'
        in html
    )
    assert "Topics owned by delivery_ops; discovered topics are under all topics." in html
    assert 'data-topics="all" aria-current="true"' in every.content.decode()
    # the choice travels with the filters: the navigation and the filter form keep topics=all
    assert '<input type="hidden" name="topics" value="all">' in every.content.decode()
    assert "topics=all" in next(i["url"] for i in every.context["nav"] if i["name"] == "workspace:overview")


def test_a_team_lead_sees_the_led_teams_topics_in_words(data):
    client = _owner("wang", lead_of=("merchant_ops",))

    mine = _get(client, PAINPOINTS, data)

    assert [(r["rank"], r["key"]) for r in mine.context["rows"]] == [(4, "packaging_spill")]
    assert mine.context["topic_view"].teams == ("Merchant ops",)


@pytest.mark.parametrize("teams", [(), ("finance",)])
def test_without_a_team_owning_a_topic_every_topic_and_no_switch(data, teams):
    # given an owner in no team, or in a team that owns no topic of the survey
    client = _owner("zhao", member_of=teams)

    page = _get(client, PAINPOINTS, data)
    chosen = _get(client, PAINPOINTS, data, topics="mine")

    assert [r["key"] for r in page.context["rows"]] == ALL_RANKED
    assert [r["key"] for r in chosen.context["rows"]] == ALL_RANKED
    assert 'id="topic-switch"' not in page.content.decode()


def test_discovered_topics_are_under_all_topics(data, monkeypatch):
    # given a ranking that also holds a discovered topic (no team owns it)
    from workspace.selectors import painpoints as selectors

    real = selectors.painpoints_for_scope

    def with_discovered(**kwargs):
        report = real(**kwargs)
        discovered = {**report["topics"][0], "key": "~7", "team": "", "discovered": True}
        report["topics"] = [*report["topics"], discovered]
        return report

    monkeypatch.setattr(selectors, "painpoints_for_scope", with_discovered)
    client = _owner("lin", member_of=("delivery_ops",))

    mine = _get(client, PAINPOINTS, data)
    every = _get(client, PAINPOINTS, data, topics="all")

    assert [r["key"] for r in mine.context["rows"]] == ["delivery_time", "food_temperature"]
    assert [r["key"] for r in every.context["rows"]] == [*ALL_RANKED, "~7"]


def test_the_overview_and_the_process_views_list_the_teams_topics(data):
    client = _owner("lin", member_of=("delivery_ops",))

    overview = _get(client, OVERVIEW, data)
    every = _get(client, OVERVIEW, data, topics="all")
    processes = _get(client, PROCESSES, data)

    assert [t["key"] for t in overview.context["top_topics"]] == ["delivery_time", "food_temperature"]
    assert [t["key"] for t in every.context["top_topics"]] == ALL_RANKED
    assert 'id="topic-switch"' in overview.content.decode()
    listed = {t["key"] for stage in processes.context["stages"] for t in stage["topics"]}
    assert listed == {"delivery_time", "food_temperature"}


def test_comments_of_the_teams_topics_and_their_export(data):
    # given the delivery team's owner
    client = _owner("lin", member_of=("delivery_ops",))

    # when they read the comments by default, with all topics, and with a topic chosen
    mine = _get(client, COMMENTS, data)
    every = _get(client, COMMENTS, data, topics="all")
    packaging = _get(client, COMMENTS, data, topic="packaging_spill")

    # then by default the comments tagged with a delivery topic, and only those topics to choose
    assert [h["hit"].text for h in mine.context["hits"]] == [
        "The food arrived cold and very late",
        "饭都凉了，还等了很久",
        "等了一个小时才送到，太慢了",
        "午高峰送餐太慢了",
    ]
    assert [key for key, _label in mine.context["options"]["topics"]] == ["food_temperature", "delivery_time"]
    assert every.context["count"] == 8
    # a topic chosen by name is shown whoever owns it
    assert [h["hit"].text for h in packaging.context["hits"]] == ["包装漏了", "奶茶洒了一半"]
    assert [key for key, _label in packaging.context["options"]["topics"]] == [
        "food_temperature",
        "delivery_time",
        "packaging_spill",
    ]
    # and the page's export holds exactly its hits
    link = mine.context["export_comments"]["csv"]
    assert link.endswith("&topics=delivery_time%2Cfood_temperature")
    exported = client.get(link)
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert [(int(r[0]), r[5]) for r in rows[1:]] == [
        (h["hit"].id, h["hit"].text) for h in mine.context["hits"]
    ]


def test_the_pain_points_export_holds_the_teams_topics(data):
    client = _owner("lin", member_of=("delivery_ops",))
    page = _get(client, PAINPOINTS, data)

    link = page.context["export_painpoints"]["csv"]
    exported = client.get(link)
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))

    assert link.endswith("&topics=delivery_time%2Cfood_temperature")
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == [
        ("1", "delivery_time", "delivery_ops"),
        ("2", "food_temperature", "delivery_ops"),
    ]
    # the responses export is not narrowed by topics
    assert "topics=" not in page.context["export_responses"]["csv"]


def test_a_bad_topics_value_is_named(data):
    client = _owner("lin", member_of=("delivery_ops",))

    response = _get(client, PAINPOINTS, data, topics="ours")

    assert response.status_code == 400
    assert (
        '<li data-field="topics"><strong>Topics</strong>: Select a valid choice.' in response.content.decode()
    )
