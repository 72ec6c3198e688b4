"""Discovered (emerging) topics in the platform: counted from their comments into the facts and
aggregates, ranked in the same table as the taxonomy topics with the same fields, named from
their top phrases, filtered with the page; a dismissed topic is not ranked; the emerging list
and the taxonomy's coverage follow the scope."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum
from rest_framework.test import APIClient

from analysis.discovery import topic_label
from analysis.models import CommentAnalysis, DailyAggregate, EmergingTopic, ResponseFacts
from analysis.selectors import emerging_for_survey, painpoints_for_scope
from analysis.services import (
    aggregates_rebuild,
    cluster_discover,
    emerging_dismiss,
    emerging_rename,
    response_analyse,
)
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)
SHANGHAI, BEIJING = {"city": "上海"}, {"city": "北京"}
# (nps, comment, attributes), all on 4 May: late deliveries (a taxonomy topic), and two subjects
# the taxonomy does not cover: invoices never issued (detractors, four in Shanghai) and parking
# (mostly passives, mostly in Beijing; "停车位没有" holds no sentiment: a neutral mention)
ROWS = [
    *[(2, "送餐太慢了", SHANGHAI)] * 3,
    (1, "发票没开", SHANGHAI),
    (2, "发票没有开", SHANGHAI),
    (0, "发票一直没开", SHANGHAI),
    (3, "发票没收到", SHANGHAI),
    (2, "发票没人开", BEIJING),
    (7, "没地方停车", BEIJING),
    (8, "停车位没有", BEIJING),
    (7, "停车太难", BEIJING),
    (8, "停车不方便", SHANGHAI),
    (6, "停车很麻烦", BEIJING),
    *[(10, "", BEIJING)] * 2,
]
RANKED = ("key", "discovered", "mentions", "share", "detractor_rate")


@pytest.fixture
def survey():
    survey, version = analysed_survey()
    for index, (nps, why, attributes) in enumerate(ROWS):
        when = BASE + dt.timedelta(minutes=index)
        response = completed(version, nps=nps, why=why, attributes=attributes, completed_at=when)
        response_analyse(response_id=response.pk)
    cluster_discover(survey=survey, date_from=FROM, date_to=TO)
    return survey


def emerging(word: str) -> EmergingTopic:
    return next(row for row in EmergingTopic.objects.all() if row.keywords[0] == word)


def report(survey, **filters):
    return painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=filters)


def test_discovered_topics_are_counted_into_facts_and_aggregates(survey):
    # given the uncovered comments clustered (fixture): invoices and parking
    invoice, parking = emerging("发票"), emerging("停车")

    # then each clustered comment carries its topic and polarity, and the facts count it
    assert sorted(
        (c.text, c.clusters) for c in CommentAnalysis.objects.filter(clusters__has_key=f"~{parking.pk}")
    ) == sorted(
        (text, {f"~{parking.pk}": polarity})
        for text, polarity in [
            ("没地方停车", -1),
            ("停车位没有", 0),
            ("停车太难", -1),
            ("停车不方便", -1),
            ("停车很麻烦", -1),
        ]
    )
    assert ResponseFacts.objects.filter(topics=[f"~{invoice.pk}"]).count() == 5
    totals = (
        DailyAggregate.objects.filter(segment_key="")
        .values("topic_key")
        .annotate(mentions=Sum("mentions"), complaints=Sum("complaint_mentions"), responses=Sum("responses"))
    )
    assert {row["topic_key"]: (row["mentions"], row["complaints"], row["responses"]) for row in totals} == {
        "": (0, 0, 15),
        "delivery_time": (3, 3, 3),
        f"~{invoice.pk}": (5, 5, 5),
        f"~{parking.pk}": (5, 4, 4),
    }
    # and a rebuild from the facts gives the same counts
    before = sorted(
        DailyAggregate.objects.values_list(
            "segment_key", "segment_value", "topic_key", "mentions", "complaint_mentions", "responses"
        )
    )
    aggregates_rebuild(survey_id=survey.pk)
    assert (
        sorted(
            DailyAggregate.objects.values_list(
                "segment_key", "segment_value", "topic_key", "mentions", "complaint_mentions", "responses"
            )
        )
        == before
    )


def test_discovered_topics_rank_with_taxonomy_topics(survey):
    # when the week's pain points are read
    body = report(survey)

    # then the discovered topics are in the same table, ranked by impact with the taxonomy's:
    # NPS -46.67 (2 promoters, 9 detractors of 15); without the 5 invoice responses -20
    # (impact 26.67); without the 3 late ones -33.33 (13.33); without the 4 parking complaints
    # -54.55 (-7.88)
    invoice, parking = emerging("发票"), emerging("停车")
    assert [tuple(t[f] for f in RANKED) for t in body["topics"]] == [
        (invoice.key, True, 5, 5 / 13, 1.0),
        ("delivery_time", False, 3, 3 / 13, 1.0),
        (parking.key, True, 4, 4 / 13, 0.25),
    ]
    assert [round(t["impact"], 2) for t in body["topics"]] == [26.67, 13.33, -7.88]
    first = body["topics"][0]
    assert first["label"] == topic_label(list(invoice.keywords))
    assert first["label"]["zh-hans"].startswith("发票")
    assert (first["emerging_id"], first["stage"], first["team"]) == (invoice.pk, "", "")
    # with the ranking's fields: interval, p-value, small sample, keywords and examples
    assert first["impact_low"] < first["impact"] < first["impact_high"]
    assert (first["p_value"], first["small_sample"]) == (pytest.approx(126 / 1287), True)
    assert first["keywords"][0]["term"] == "发票"
    assert sorted(e["text"] for e in first["examples"]) == [
        "发票一直没开",
        "发票没人开",
        "发票没开",
        "发票没收到",
        "发票没有开",
    ]
    assert body["topics"][1]["label"] == {"zh-hans": "配送慢/超时", "en": "Late delivery"}


def test_filters_apply_to_discovered_topics(survey):
    # when the page is filtered to Shanghai, then to Beijing
    shanghai, beijing = report(survey, **SHANGHAI), report(survey, **BEIJING)

    # then the discovered topics are counted in the slice only
    invoice, parking = emerging("发票"), emerging("停车")
    assert [(t["key"], t["mentions"]) for t in shanghai["topics"]] == [
        (invoice.key, 4),
        ("delivery_time", 3),
        (parking.key, 1),
    ]
    assert sorted((t["key"], t["mentions"]) for t in beijing["topics"]) == sorted(
        [(parking.key, 3), (invoice.key, 1)]
    )
    # and the emerging list counts every mention in the slice (the neutral one too)
    assert [(e["key"], e["mentions"]) for e in beijing["emerging"]] == [(parking.key, 4), (invoice.key, 1)]
    assert [(e["key"], e["mentions"]) for e in shanghai["emerging"]] == [(invoice.key, 4), (parking.key, 1)]


def test_emerging_list_follows_the_dates(survey):
    # when the week after is asked, then the week itself
    after = emerging_for_survey(survey=survey, date_from=dt.date(2026, 5, 11), date_to=dt.date(2026, 5, 17))
    week = emerging_for_survey(survey=survey, date_from=FROM, date_to=TO, filters=BEIJING)

    # then no comment of the week after belongs to a topic; in the week, Beijing's counts
    assert after == []
    assert [(e["key"], e["mentions"], e["name"]) for e in week] == [
        (emerging("停车").key, 4, topic_label(list(emerging("停车").keywords))),
        (emerging("发票").key, 1, topic_label(list(emerging("发票").keywords))),
    ]


def test_a_dismissed_topic_is_not_ranked_and_a_renamed_one_shows_its_name(survey):
    # when a person dismisses the parking topic and names the invoice topic
    emerging_dismiss(emerging=emerging("停车"))
    emerging_rename(emerging=emerging("发票"), label="发票问题")
    body = report(survey)

    # then parking is neither ranked nor listed, and the invoice topic carries its new name
    assert [(t["key"], t["label"]) for t in body["topics"]] == [
        (emerging("发票").key, {"zh-hans": "发票问题", "en": "发票问题"}),
        ("delivery_time", {"zh-hans": "配送慢/超时", "en": "Late delivery"}),
    ]
    assert [e["key"] for e in body["emerging"]] == [emerging("发票").key]


def test_coverage_states_what_the_taxonomy_covers(survey):
    # when the week is read unfiltered, then in Shanghai
    everywhere, shanghai = report(survey)["coverage"], report(survey, **SHANGHAI)["coverage"]

    # then 3 of 13 single-clause comments are covered: below the threshold of a quarter, the
    # taxonomy does not fit, and discovered topics were ranked beside its topics
    assert everywhere == {
        "taxonomy": "food_delivery",
        "comments": 13,
        "covered_comments": 3,
        "clauses": 13,
        "covered_clauses": 3,
        "coverage": 3 / 13,
        "clause_coverage": 3 / 13,
        "threshold": 0.25,
        "fits": False,
        "reason": "below_threshold",
        "ranked": "taxonomy_and_discovered",
    }
    # in Shanghai 3 of 8
    assert (shanghai["clause_coverage"], shanghai["fits"], shanghai["reason"]) == (3 / 8, True, "covers")


def test_a_page_that_does_not_show_the_coverage_does_not_count_it(survey):
    # when the report is asked without its coverage (the topic page)
    full = report(survey)
    without = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, coverage=False)

    # then the coverage is left out and nothing else changes
    assert full["coverage"] is not None
    assert without["coverage"] is None
    assert {**without, "coverage": full["coverage"]} == full


def test_emerging_list_api_takes_the_pages_scope(survey):
    # given a process owner
    client = APIClient()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="process_owners"))
    client.force_authenticate(user)
    url = f"/api/v1/surveys/{survey.key}/emerging-topics/"

    # when the list is asked for the week in Beijing, for no scope, and for a reversed range
    scoped = client.get(url, {"from": "2026-05-04", "to": "2026-05-10", "city": "北京"}).json()
    whole = client.get(url).json()
    reversed_range = client.get(url, {"from": "2026-05-10", "to": "2026-05-04"})

    # then the scoped list counts Beijing's comments, the plain one the discovery run's, and a
    # reversed range is a 400 naming the field
    parking, invoice = emerging("停车"), emerging("发票")
    assert [(r["key"], r["mentions"]) for r in scoped["results"]] == [(parking.key, 4), (invoice.key, 1)]
    assert sorted((r["key"], r["mentions"]) for r in whole["results"]) == sorted(
        [(parking.key, 5), (invoice.key, 5)]
    )
    assert reversed_range.status_code == 400
    assert reversed_range.json()["details"]["from"][0]["code"] == "date_range_reversed"
