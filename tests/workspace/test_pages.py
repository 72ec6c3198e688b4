"""Each page's figures on the fixed data set (tests/workspace/conftest.py), exact."""

import datetime as dt

import pytest
from django.utils import translation

from responses.models import Invitation, Response, Suppression
from tests.responses.factories import EventFactory, InvitationFactory, RespondentFactory
from tests.workspace.conftest import PERIOD

pytestmark = pytest.mark.django_db
IN_PERIOD = dt.datetime(2026, 5, 6, 4, 0, tzinfo=dt.UTC)


def _get(client, url, **params):
    with translation.override("en"):
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content[:500]
    return response


def _funnel(data):
    """Three sent email invitations (office, office, residential): one opened and completed, one
    opened; one fatigue and one opted-out suppression (office), all made in the period."""
    version = data["version"]
    S = Invitation.Status
    stamps = {"sent_at": IN_PERIOD}
    for district, status, extra in [
        ("office", S.COMPLETED, {"opened_at": IN_PERIOD, "started_at": IN_PERIOD, "completed_at": IN_PERIOD}),
        ("office", S.OPENED, {"opened_at": IN_PERIOD}),
        ("residential", S.SENT, {}),
    ]:
        event = EventFactory(attributes={"city": "上海", "district_type": district})
        InvitationFactory(survey_version=version, event=event, status=status, **stamps, **extra)
    for reason in ("fatigue", "opted_out"):
        event = EventFactory(attributes={"city": "上海", "district_type": "office"})
        Suppression.objects.create(
            event=event, respondent=event.respondent, survey=data["survey"], reason=reason
        )
    Invitation.objects.update(created_at=IN_PERIOD)
    Suppression.objects.update(created_at=IN_PERIOD)


def test_overview_metric_funnel_and_top_pain_points(data, client_for):
    # given the data set and a funnel in the period
    _funnel(data)
    # when the owner opens the overview for the week of 2026-05-04
    response = _get(client_for("owner"), "/workspace/", survey=data["survey"].key, **PERIOD)
    context = response.context
    # then NPS of 9 scores (2 promoters, 6 detractors) = -44.4, against 0.0 the week before
    overall = context["metric"]["overall"]
    assert (round(overall["value"], 1), overall["n"]) == (-44.4, 9)
    assert (round(overall["low"], 1), round(overall["high"], 1)) == (-98.8, 9.9)
    assert context["metric"]["previous"]["result"]["value"] == 0.0
    assert round(context["metric"]["previous"]["comparison"]["difference"], 1) == -44.4
    assert context["metric"]["previous"]["comparison"]["significant"] is False
    assert [row["period"] for row in context["metric"]["by_period"]] == ["2026-05-04"]
    # and the funnel: 5 events, 3 invitations sent, 2 opened, 1 started and completed
    steps = {
        s["key"]: (s["count"], s["rate"] and round(s["rate"]["value"], 4)) for s in context["funnel"]["steps"]
    }
    assert steps == {
        "events": (5, None),
        "invitations": (3, None),
        "suppressed": (2, None),
        "sent": (3, None),
        "opened": (2, 0.6667),
        "started": (1, 0.3333),
        "completed": (1, 0.3333),
    }
    completed = context["funnel"]["response_rate"]
    assert (round(completed["low"], 4), round(completed["high"], 4)) == (0.0615, 0.7923)
    assert [(r["label"], r["count"]) for r in context["funnel"]["suppressions"]] == [
        ("Respondent invited recently (fatigue)", 1),
        ("Respondent opted out", 1),
    ]
    # and the top pain points with their change against the previous week
    top = [(t["label_text"], round(t["impact"], 1), t["trend"]["change"]) for t in context["top_topics"]]
    assert top == [
        ("Late delivery", 44.4, -0.5),
        ("Food arrived cold", 15.9, 0.25),
        ("Rider or service attitude", 6.9, 0.125),
        ("Packaging or spills", 1.6, 0.25),
    ]
    html = response.content.decode()
    assert '<p class="ws-headline" id="metric-value">-44.4</p>' in html
    assert "95% interval -98.8 to 9.9" in html
    assert "-50.0 pp" in html
    assert 'id="chart-trend"' in html and 'id="chart-funnel"' in html


def test_overview_without_events_says_so(data, client_for):
    response = _get(client_for("owner"), "/workspace/", survey=data["survey"].key, **PERIOD)
    assert response.context["funnel"]["events"] == 0
    assert "No service event reached this survey in this period." in response.content.decode()
    assert "funnel_chart" not in response.context


def test_overview_funnel_follows_the_segment_filter(data, client_for):
    _funnel(data)
    response = _get(
        client_for("owner"),
        "/workspace/",
        survey=data["survey"].key,
        **PERIOD,
        **{"seg.district_type": "office"},
    )
    steps = {s["key"]: s["count"] for s in response.context["funnel"]["steps"]}
    assert steps == {
        "events": 4,
        "invitations": 2,
        "suppressed": 2,
        "sent": 2,
        "opened": 2,
        "started": 1,
        "completed": 1,
    }
    # and the metric: office has NPS scores 2, 3, 9, 4 -> (1 - 3) / 4 = -50
    assert response.context["metric"]["overall"]["value"] == -50.0


def test_painpoints_table_and_chart_agree(data, client_for):
    response = _get(client_for("owner"), "/workspace/painpoints/", survey=data["survey"].key, **PERIOD)
    rows = response.context["rows"]
    assert [
        (
            r["rank"],
            r["label_text"],
            r["stage_text"],
            round(r["impact"], 1),
            r["mentions"],
            r["share"],
            r["detractor_rate"],
            [(w["week"], w["share"]) for w in r["weekly"]],
        )
        for r in rows
    ] == [
        (1, "Late delivery", "Delivery", 44.4, 4, 0.5, 1.0, [(dt.date(2026, 5, 4), 0.5)]),
        (2, "Food arrived cold", "Delivery", 15.9, 2, 0.25, 1.0, [(dt.date(2026, 5, 4), 0.25)]),
        (3, "Rider or service attitude", "Delivery", 6.9, 1, 0.125, 1.0, [(dt.date(2026, 5, 4), 0.125)]),
        (4, "Packaging or spills", "Delivery", 1.6, 2, 0.25, 0.5, [(dt.date(2026, 5, 4), 0.25)]),
    ]
    assert (round(rows[0]["impact_low"], 1), round(rows[0]["impact_high"], 1)) == (9.6, 79.3)
    # the impact chart's table lists the same topics and values, in the same order
    chart = response.context["impact_chart"]
    assert [row[:2] for row in chart.table.rows] == [
        ("Late delivery", "44.4 (small sample)"),
        ("Food arrived cold", "15.9 (small sample)"),
        ("Rider or service attitude", "6.9 (small sample)"),
        ("Packaging or spills", "1.6 (small sample)"),
    ]
    html = response.content.decode()
    assert (
        'href="/workspace/topics/delivery_time/?survey=after-delivery&amp;from=2026-05-04&amp;to=2026-05-10"'
        in html
    )
    assert "delivery_time</a>" not in html and ">delivery_ops<" not in html


def test_painpoints_follow_a_segment_filter(data, client_for):
    response = _get(
        client_for("owner"),
        "/workspace/painpoints/",
        survey=data["survey"].key,
        **PERIOD,
        **{"seg.city": "上海"},
    )
    rows = response.context["rows"]
    # Shanghai: NPS (1 promoter, 4 detractors of 5) = -60; without the three late deliveries 0,
    # without the cold one or the spilt one (each a detractor) -50
    assert [(r["label_text"], round(r["impact"], 1), r["mentions"]) for r in rows] == [
        ("Late delivery", 60.0, 3),
        ("Food arrived cold", 10.0, 1),
        ("Packaging or spills", 10.0, 1),
    ]
    assert response.context["report"]["filters"] == {"city": "上海"}


def test_topic_page_trend_heat_map_keywords_and_verbatims(data, client_for):
    response = _get(
        client_for("owner"), "/workspace/topics/delivery_time/", survey=data["survey"].key, **PERIOD
    )
    context = response.context
    assert context["label"] == "Late delivery"
    assert (context["stage_text"], context["team_text"]) == ("Delivery", "Delivery ops")
    assert [(w["week"], w["mentions"], w["comments"]) for w in context["weekly"]] == [
        (dt.date(2026, 5, 4), 4, 8)
    ]
    heat = {
        (r["key_label"], r["value_label"]): (r["comments"], r["mentions"], r["share"], r["share_small"])
        for r in context["heat"]
    }
    assert heat[("City", "上海")] == (5, 3, 0.6, True)
    assert heat[("City", "北京")] == (3, 1, 1 / 3, True)
    assert heat[("District type", "Office building")] == (4, 2, 0.5, True)
    assert heat[("District type", "Campus")] == (1, 1, 1.0, True)
    assert heat[("Language", "English")] == (1, 1, 1.0, True)
    # one channel and one respondent type in the scope: nothing to compare, left out
    assert {r["key"] for r in context["heat"]} == {"city", "district_type", "locale"}
    assert [len(context["heat_chart"].table.rows), context["heat_chart"].kind] == [
        len(context["heat"]),
        "heatmap",
    ]
    texts = [v["text"] for v in context["verbatims"]]
    assert sorted(texts) == sorted(
        [
            "午高峰送餐太慢了",
            "等了一个小时才送到，太慢了",
            "饭都凉了，还等了很久",
            "The food arrived cold and very late",
        ]
    )
    html = response.content.decode()
    first = data["responses"][0]
    assert f'href="/workspace/responses/{first.pk}/?survey=after-delivery' in html
    assert "<mark>" in html


def test_topic_page_escapes_before_it_highlights(data, client_for):
    # given a comment with markup that mentions the topic
    from analysis.services import response_analyse
    from tests.analysis.platform_factories import BASE, completed

    response = completed(
        data["version"], nps=1, why="<script>alert(1)</script> 送餐太慢了", completed_at=BASE
    )
    response_analyse(response_id=response.pk)
    # when the topic page shows it
    page = _get(client_for("owner"), "/workspace/topics/delivery_time/", survey=data["survey"].key, **PERIOD)
    html = page.content.decode()
    # then the markup is text and the matched term is marked
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_unknown_topic_is_404(data, client_for):
    with translation.override("en"):
        response = client_for("owner").get("/workspace/topics/no_such_topic/", PERIOD)
    assert response.status_code == 404


def _invited_response(data, *, consent: bool) -> Response:
    respondent = RespondentFactory(email="li.lei@example.com", phone="+8613800000001")
    invitation = InvitationFactory(
        survey_version=data["version"],
        event=EventFactory(respondent=respondent),
        status=Invitation.Status.COMPLETED,
    )
    response = Response.objects.create(
        survey=data["survey"],
        survey_version=data["version"],
        invitation=invitation,
        locale="en",
        status=Response.Status.COMPLETED,
        context={
            "attributes": {"city": "上海", "district_type": "office"},
            "channel": "email",
            "respondent_type": "customer",
            "locale": "en",
        },
        contact_consent=consent,
        started_at=IN_PERIOD,
        updated_at=IN_PERIOD,
        completed_at=IN_PERIOD,
    )
    response.answers.create(question_key="nps", value=3, updated_at=IN_PERIOD)
    response.answers.create(question_key="why", value="Late again", updated_at=IN_PERIOD)
    from analysis.services import response_analyse

    response_analyse(response_id=response.pk)
    return response


@pytest.mark.parametrize(
    ("role", "consent", "shown"),
    [("owner", True, True), ("owner", False, False), ("viewer", True, False), ("superuser", True, True)],
)
def test_response_page_contact_only_with_consent_and_permission(data, client_for, role, consent, shown):
    response = _invited_response(data, consent=consent)
    page = _get(client_for(role), f"/workspace/responses/{response.pk}/")
    html = page.content.decode()
    # shown masked: in full only on a case, to its assignee
    assert ("l***@example.com" in html) is shown
    assert ("+86 138****0001" in html) is shown
    assert "li.lei@example.com" not in html
    assert "+8613800000001" not in html
    assert (page.context["contact"] is not None) is shown


def test_response_page_answers_score_segments_topics_language(data, client_for):
    first = data["responses"][0]  # NPS 2, "午高峰送餐太慢了", 上海, office
    page = _get(client_for("viewer"), f"/workspace/responses/{first.pk}/")
    context = page.context
    assert [(a["key"], a["text"]) for a in context["answers"]] == [("nps", "2"), ("why", "午高峰送餐太慢了")]
    assert context["score"] == 2.0 and context["is_detractor"] is True
    assert {s["label"]: s["value"] for s in context["segments"]} == {
        "City": "上海",
        "District type": "Office building",
        "Channel": "Link only (returned to the source system)",
        "Language": "简体中文",
        "Respondent type": "Customer",
    }
    assert [(t["key"], t["label"], t["polarity_text"]) for t in context["topics"]] == [
        ("delivery_time", "Late delivery", "complaint")
    ]
    assert context["locale_text"] == "简体中文"
    assert context["comment_languages"] == ["Chinese"]
    assert context["contact"] is None


def test_a_missing_response_is_404(data, client_for):
    assert client_for("owner").get("/workspace/responses/999999/").status_code == 404


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ({"from": "2026-13-01"}, "<strong>From</strong>: Enter a valid date."),
        ({"survey": "nope"}, "<strong>Survey</strong>: No survey with key nope."),
        (
            {"seg.bad$key": "x"},
            "<strong>Segment</strong>: An attribute name may use letters, digits, _ . and - only",
        ),
        ({"respondent_type": "alien"}, "<strong>Respondent type</strong>: Select a valid choice."),
    ],
)
@pytest.mark.parametrize("url", ["/workspace/", "/workspace/painpoints/", "/workspace/topics/delivery_time/"])
def test_bad_filters_are_named_on_the_page(data, client_for, url, query, text):
    with translation.override("en"):
        response = client_for("owner").get(url, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert text in response.content.decode()
    assert "rows" not in response.context and "metric" not in response.context


def test_discovered_topics_strengths_and_coverage_are_shown_as_the_ranking_gives_them(
    data, client_for, monkeypatch
):
    # given a ranking that also holds a discovered topic, a strength and the taxonomy's coverage
    from workspace.selectors import painpoints as selectors

    real = selectors.painpoints_for_scope

    def with_discovered(**kwargs):
        report = real(**kwargs)
        discovered = {
            **report["topics"][0],
            "key": "~7",
            "label": {"zh-hans": "发票 · 开票", "en": "invoice · receipt"},
            "discovered": True,
            "impact": 0.5,
        }
        report["topics"] = [*report["topics"], discovered]
        report["strengths"] = [
            {
                "key": "taste",
                "label": {"zh-hans": "口味", "en": "Taste"},
                "mentions": 3,
                "complaint_mentions": 1,
                "share": 0.375,
            }
        ]
        report["coverage"] = {
            "taxonomy": "food_delivery",
            "comments": 8,
            "covered_comments": 6,
            "coverage": 0.75,
            "clause_coverage": 0.6,
            "threshold": 0.5,
            "fits": True,
            "ranked": "taxonomy_and_discovered",
        }
        return report

    monkeypatch.setattr(selectors, "painpoints_for_scope", with_discovered)
    # when the owner opens the pain points
    response = _get(client_for("owner"), "/workspace/painpoints/", survey=data["survey"].key, **PERIOD)
    html = response.content.decode()
    # then the discovered topic is in the same table, in words, marked, linked to its page
    last = response.context["rows"][-1]
    assert (last["label_text"], last["discovered"]) == ("invoice · receipt", True)
    assert 'href="/workspace/topics/~7/?survey=after-delivery' in html
    assert html.count('<span class="ws-new">discovered</span>') == 1
    # and the strength apart, and the coverage in words (the taxonomy's name, not its key)
    assert [(s["label_text"], s["mentions"]) for s in response.context["strengths"]] == [("Taste", 3)]
    assert 'id="strengths-table"' in html
    assert "covers 75.0% of the 8 comments" in html
    assert "food_delivery" not in html


def test_the_filter_form_offers_presets_that_keep_the_other_filters(data, client_for):
    response = _get(
        client_for("owner"),
        "/workspace/painpoints/",
        survey=data["survey"].key,
        days="7",
        **{"seg.city": "上海"},
    )
    presets = response.context["filter_options"]["presets"]
    assert [(p["days"], p["current"]) for p in presets] == [(7, True), (28, False), (90, False)]
    assert (
        presets[2]["url"]
        == "/workspace/painpoints/?survey=after-delivery&days=90&seg.city=%E4%B8%8A%E6%B5%B7"
    )
    # the navigation keeps the filters too
    nav = {item["name"]: item["url"] for item in response.context["nav"]}
    assert nav["workspace:overview"] == "/workspace/?survey=after-delivery&days=7&seg.city=%E4%B8%8A%E6%B5%B7"
    city = next(s for s in response.context["filter_options"]["segments"] if s["key"] == "city")
    assert [(v["label"], v["selected"]) for v in city["values"]] == [("上海", True)]


@pytest.mark.parametrize(
    "filters",
    [
        {"seg.city": "上海"},
        {"seg.city": "上海", "locale": "zh-hans"},
        {"seg.city": "上海", "seg.district_type": ""},
    ],
)
@pytest.mark.parametrize("in_database", [True, False])
def test_topic_heat_map_inside_a_filtered_slice(data, client_for, filters, in_database, monkeypatch, request):
    # given one filter (read from the pair rows) or two (read from the facts), grouped in SQL or
    # counted in Python (as on SQLite)
    from analysis.selectors import scope

    if in_database:
        request.getfixturevalue("postgres")  # the SQL path is PostgreSQL's
    monkeypatch.setattr(scope, "in_database", lambda: in_database)
    response = _get(
        client_for("owner"),
        "/workspace/topics/delivery_time/",
        survey=data["survey"].key,
        **PERIOD,
        **filters,
    )
    # then Shanghai's district types: office 3 comments, 2 late; residential 2 comments, 1 late
    heat = {(r["key"], r["value"]): (r["comments"], r["mentions"]) for r in response.context["heat"]}
    assert heat == {("district_type", "office"): (3, 2), ("district_type", "residential"): (2, 1)}
    assert [(w["mentions"], w["comments"]) for w in response.context["weekly"]] == [(3, 5)]


def test_a_discovered_topic_outside_the_ranking_has_a_page(data, client_for):
    # given a discovered topic named from its keywords, outside the period's ranking
    from analysis.models import EmergingTopic

    emerging = EmergingTopic.objects.create(
        survey=data["survey"],
        key="c1",
        keywords=["发票", "开票"],
        mentions=2,
        example_comment_ids=[],
        discovered_at=IN_PERIOD,
    )
    # when the owner opens its page
    page = _get(
        client_for("owner"), f"/workspace/topics/~{emerging.pk}/", survey=data["survey"].key, **PERIOD
    )
    # then it is named from its keywords and marked discovered
    assert page.context["discovered"] is True
    assert page.context["label"] == "发票 / 开票"  # analysis.discovery.topic_label
    assert page.context["verbatims"] == []


def test_the_overview_in_chinese_writes_days_and_numbers_the_chinese_way(data, client_for):
    # given the data set
    # when the owner reads the overview in Chinese
    client = client_for("owner")
    with translation.override("zh-hans"):
        response = client.get(
            "/workspace/", {"survey": data["survey"].key, **PERIOD}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    html = response.content.decode()

    # then the period and the trend's week are Chinese dates (5月4日, not 05月4日) and its table
    # holds the counts and values as the page writes them
    assert "2026年5月4日 至 2026年5月10日" in html
    assert response.context["trend_chart"].table.rows == (("5月4日", "-44.4 (样本量小)", "-98.8 – 9.9", "9"),)
