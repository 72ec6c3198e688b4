"""Emerging topics in the API: list, promote, merge, rename, dismiss; who may act."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from analysis.models import EmergingTopic, Topic
from analysis.services import taxonomy_load_starter
from tests.analysis.platform_factories import BASE, analysed_survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_in(group):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def emerging():
    survey, _version = analysed_survey()
    return EmergingTopic.objects.create(
        survey=survey, key="发票-报销", keywords=["发票", "报销", "invoice"], mentions=7, discovered_at=BASE
    )


def url(emerging, suffix=""):
    return f"/api/v1/surveys/{emerging.survey.key}/emerging-topics/{suffix}"


def test_list_shows_new_topics(emerging):
    body = client_in("viewers").get(url(emerging)).json()

    assert body == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": emerging.pk,
                "key": "发票-报销",
                "label": "",
                # a readable name from the top phrases (no person named it yet)
                "name": {"zh-hans": "发票 / 报销", "en": "发票 / 报销"},
                "keywords": ["发票", "报销", "invoice"],
                "mentions": 7,
                "status": "new",
                "example_comment_ids": [],
                "parent": None,
            }
        ],
    }


def test_list_names_the_broader_cluster_of_a_subtopic(emerging):
    # given a sub-topic split from a broader cluster, larger than the first-level topic
    EmergingTopic.objects.create(
        survey=emerging.survey,
        key="emerging-骑手-辛苦",
        keywords=["骑手", "辛苦"],
        mentions=9,
        parent_key="emerging-好吃-送餐",
        parent_keywords=["好吃", "送餐", "很快"],
        discovered_at=BASE,
    )

    body = client_in("viewers").get(url(emerging)).json()

    assert [(t["key"], t["mentions"], t["parent"]) for t in body["results"]] == [
        ("emerging-骑手-辛苦", 9, {"key": "emerging-好吃-送餐", "keywords": ["好吃", "送餐", "很快"]}),
        ("发票-报销", 7, None),
    ]


def test_designer_promotes_with_a_bilingual_label(emerging):
    response = client_in("survey_designers").post(
        url(emerging, f"{emerging.pk}/"),
        {
            "action": "promote",
            "key": "invoice",
            "label": {"zh-hans": "发票", "en": "Invoices"},
            "team": "finance",
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "promoted"
    topic = Topic.objects.get(key="invoice")
    assert (topic.label, topic.team, topic.terms) == (
        {"zh-hans": "发票", "en": "Invoices"},
        "finance",
        {"zh-hans": ["发票", "报销"], "en": ["invoice"]},
    )


def test_merge_adds_the_keywords_to_a_topic(emerging):
    response = client_in("survey_designers").post(
        url(emerging, f"{emerging.pk}/"), {"action": "merge", "topic": "refund_aftersales"}, format="json"
    )

    assert response.status_code == 200
    terms = Topic.objects.get(key="refund_aftersales").terms
    assert terms["zh-hans"][-2:] == ["发票", "报销"]
    assert terms["en"][-1] == "invoice"


def test_rename_and_dismiss(emerging):
    client = client_in("survey_designers")

    renamed = client.post(
        url(emerging, f"{emerging.pk}/"), {"action": "rename", "label": "报销发票"}, format="json"
    )
    dismissed = client.post(url(emerging, f"{emerging.pk}/"), {"action": "dismiss"}, format="json")

    assert renamed.json()["label"] == "报销发票"
    assert dismissed.json()["status"] == "dismissed"
    emerging.refresh_from_db()
    assert emerging.is_edited_by_person is True


def test_promote_to_an_existing_key_is_refused_and_writes_nothing(emerging):
    response = client_in("survey_designers").post(
        url(emerging, f"{emerging.pk}/"),
        {"action": "promote", "key": "taste", "label": {"zh-hans": "口味", "en": "Taste"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "topic_key_taken"
    emerging.refresh_from_db()
    assert emerging.status == "new"
    assert Topic.objects.filter(key="taste").count() == 1


def test_promote_without_a_label_names_the_field(emerging):
    response = client_in("survey_designers").post(
        url(emerging, f"{emerging.pk}/"), {"action": "promote", "key": "invoice"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["details"]) == ["label"]
    assert not Topic.objects.filter(key="invoice").exists()


def test_viewer_may_read_but_not_act(emerging):
    client = client_in("viewers")

    assert client.get(url(emerging)).status_code == 200
    assert (
        client.post(url(emerging, f"{emerging.pk}/"), {"action": "dismiss"}, format="json").status_code == 403
    )
    emerging.refresh_from_db()
    assert emerging.status == "new"


def test_process_owner_manages_emerging_topics(emerging):
    client = client_in("process_owners")

    response = client.post(url(emerging, f"{emerging.pk}/"), {"action": "dismiss"}, format="json")

    assert response.status_code == 200
    emerging.refresh_from_db()
    assert emerging.status == "dismissed"


def test_starter_load_is_idempotent_and_keeps_edits():
    first = taxonomy_load_starter()
    Topic.objects.filter(key="taste").update(team="quality")

    second = taxonomy_load_starter()

    assert (first.taxonomies_created, second.taxonomies_created, second.topics_created) == (4, 0, 0)
    assert first.topics_created == Topic.objects.count()
    assert Topic.objects.get(key="taste", taxonomy__key="food_delivery").team == "quality"
