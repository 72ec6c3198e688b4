"""The segments, comments and key-drivers pages: their figures on the fixed data set, each role,
bad parameters named on the page, and a respondent's markup shown as text."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from analysis.services import response_analyse
from responses.models import Answer
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.workspace.conftest import PASSWORD, PERIOD

SEGMENTS, COMMENTS, DRIVERS = "/workspace/segments/", "/workspace/comments/", "/workspace/drivers/"


def _get(client, url, data, **params):
    return client.get(url, {**PERIOD, "survey": data["survey"].key, **params})


def _text(response) -> str:
    return response.content.decode()


# -- segments ---------------------------------------------------------------------------------------


def test_segments_side_by_side_with_interval_and_test(data, client_for):
    # when the owner compares the cities and the district types
    response = _get(client_for("owner"), SEGMENTS, data, attr=["city", "district_type"])

    # then each value: scored responses, NPS, interval, difference to the rest, p-values
    assert response.status_code == 200
    sections = response.context["sections"]
    assert [s["label"] for s in sections] == ["City", "District type"]
    city = [
        (r["label"], r["n"], r["value_text"], r["interval_text"], r["difference_text"], r["small_sample"])
        for r in sections[0]["rows"]
    ]
    # 上海 2 3 1 6 9: 1 promoter, 4 detractors of 5 = -60; 北京 4 7 10 0: 1 and 2 of 4 = -25
    assert city == [
        ("上海", 5, "-60.0", "-100.0 – 10.1", "-35.0", True),
        ("北京", 4, "-25.0", "-100.0 – 56.3", "+35.0", True),
    ]
    assert [r["p_value"] for r in sections[0]["rows"]] == pytest.approx([0.8095, 0.8095], abs=1e-4)
    district = [(r["label"], r["n"], r["value_text"]) for r in sections[1]["rows"]]
    assert district == [("Office building", 4, "-50.0"), ("Residential", 4, "-25.0"), ("Campus", 1, "-100.0")]
    # a chart per attribute with its table view, labels in words
    html = _text(response)
    assert html.count('class="ws-chart"') == 2
    assert '<th scope="row">Office building</th>' in html
    assert "office" not in sections[1]["chart"].svg


def test_segments_default_to_the_first_two_attributes_and_follow_the_filters(data, client_for):
    client = client_for("owner")
    default = _get(client, SEGMENTS, data)
    assert [s["key"] for s in default.context["sections"]] == ["city", "district_type"]
    # filtered on Shanghai: the district types inside Shanghai only
    shanghai = _get(client, SEGMENTS, data, attr="district_type", **{"seg.city": "上海"})
    rows = shanghai.context["sections"][0]["rows"]
    assert [(r["label"], r["n"], r["value_text"]) for r in rows] == [
        ("Office building", 3, "-33.3"),
        ("Residential", 2, "-100.0"),
    ]


def test_segments_in_chinese_speak_chinese(data, client_for):
    client = client_for("owner")
    response = client.get(
        SEGMENTS, {**PERIOD, "survey": data["survey"].key, "attr": "city"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = _text(response)
    assert "<h1>细分群体</h1>" in html
    assert "按城市的" in html
    assert "与其余回答的差异" in html
    assert "-100.0 – 10.1" in html


# -- comments ---------------------------------------------------------------------------------------


def test_comment_search_by_word_with_the_words_marked(data, client_for):
    response = _get(client_for("owner"), COMMENTS, data, q="送餐")
    assert response.status_code == 200
    assert response.context["count"] == 1
    (item,) = response.context["hits"]
    assert item["hit"].text == "午高峰送餐太慢了"
    html = _text(response)
    assert "<mark>送餐</mark>" in html
    first = data["responses"][0].pk
    assert f'href="/workspace/responses/{first}/?survey=after-delivery' in html


def test_comments_by_band_topic_and_language_newest_first(data, client_for):
    client = client_for("owner")
    detractors = _get(client, COMMENTS, data, band="detractor")
    assert [h["hit"].text for h in detractors.context["hits"]] == [
        "The food arrived cold and very late",
        "骑手态度很差",
        "奶茶洒了一半",
        "饭都凉了，还等了很久",
        "等了一个小时才送到，太慢了",
        "午高峰送餐太慢了",
    ]
    late = _get(client, COMMENTS, data, topic="delivery_time", language="zh")
    assert [h["hit"].text for h in late.context["hits"]] == [
        "饭都凉了，还等了很久",
        "等了一个小时才送到，太慢了",
        "午高峰送餐太慢了",
    ]
    english = _get(client, COMMENTS, data, q="Late", language="en")
    assert "very <mark>late</mark>" in _text(english)
    assert english.context["hits"][0]["topics"] == ["Late delivery", "Food arrived cold"]


def test_comments_are_paged(data, client_for):
    from workspace import explore

    client = client_for("owner")
    original = explore.PAGE_SIZE
    explore.PAGE_SIZE = 3
    try:
        second = _get(client, COMMENTS, data, page="2")
    finally:
        explore.PAGE_SIZE = original
    context = second.context
    assert (context["count"], context["page"], context["pages"], context["first"], context["last"]) == (
        8,
        2,
        3,
        4,
        6,
    )
    assert "page=1" in context["previous_query"] and "page=3" in context["next_query"]


def test_a_script_in_a_comment_is_shown_as_text(data, client_for):
    response = completed(
        data["version"],
        nps=1,
        why="<script>alert('x')</script>骑手态度很差",
        attributes={"city": "上海"},
        completed_at=BASE + dt.timedelta(days=2),
    )
    response_analyse(response_id=response.pk)
    page = _get(client_for("owner"), COMMENTS, data, q="骑手")
    html = _text(page)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_attribute_keys_with_a_hyphen_or_a_dot_filter_as_ingestion_stores_them(data, client_for):
    # given a response whose event carried "district-type" and "store.zone" (ingestion allows _ . -)
    response = completed(
        data["version"],
        nps=2,
        why="骑手态度很差，送餐太慢了",
        attributes={"city": "上海", "district-type": "office", "store.zone": "east"},
        completed_at=BASE + dt.timedelta(days=2),
    )
    response_analyse(response_id=response.pk)
    client = client_for("owner")

    # when the comments are filtered by those keys
    both = _get(client, COMMENTS, data, **{"seg.district-type": "office", "seg.store.zone": "east"})
    other = _get(client, COMMENTS, data, **{"seg.district-type": "campus"})

    # then only that response's comment, and the filter shows in words
    assert both.status_code == 200
    assert [h["hit"].response_id for h in both.context["hits"]] == [response.pk]
    assert both.context["filters"].scope_filters() == {"district-type": "office", "store.zone": "east"}
    assert (other.status_code, other.context["count"]) == (200, 0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"band": "angry"}, "band"),
        ({"topic": "nope"}, "topic"),
        ({"language": "fr"}, "language"),
        ({"q": "的"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"page": "abc"}, "page"),
        ({"from": "2026-13-01"}, "from"),
    ],
)
def test_bad_comment_parameters_are_named(data, client_for, params, field):
    response = _get(client_for("owner"), COMMENTS, data, **params)
    assert response.status_code == 400
    assert f'data-field="{field}"' in _text(response)


def test_bad_attributes_are_named(data, client_for):
    response = _get(client_for("owner"), SEGMENTS, data, attr="<b>shoe_size</b>")
    assert response.status_code == 400
    html = _text(response)
    assert 'data-field="attr"' in html
    assert "&lt;b&gt;shoe_size&lt;/b&gt;" in html


# -- key drivers ------------------------------------------------------------------------------------


def test_key_drivers_need_enough_responses(data, client_for):
    response = _get(client_for("owner"), DRIVERS, data)
    assert response.status_code == 200
    assert response.context["error"] == "Key drivers need at least 20 scored responses; this scope has 9."


def test_key_drivers_rank_the_questions(client_for):
    # given 24 responses whose score is 2 + 6 (fast) + 2 (well packed), speed and packaging
    # balanced and independent: speed explains 90 % of the variance, packaging 10 %
    survey, version = analysed_survey("drivers")
    for index in range(24):
        fast, packed = index % 2, (index // 2) % 2
        response = completed(
            version, nps=2 + 6 * fast + 2 * packed, completed_at=BASE + dt.timedelta(days=index % 7)
        )
        Answer.objects.create(
            response=response,
            question_key="aspects",
            value={"speed": 1 + 4 * fast, "packaging": 1 + 4 * packed},
            updated_at=response.completed_at,
        )
        response_analyse(response_id=response.pk)
    page = client_for("owner").get(DRIVERS, {**PERIOD, "survey": survey.key})
    rows = [(d["label"], d["kind_label"], d["share"], d["direction"]) for d in page.context["drivers"]]
    assert rows == [
        (
            "Delivery speed (Rate each of these)",
            "Question",
            pytest.approx(0.9),
            "higher goes with a higher score",
        ),
        ("Packaging (Rate each of these)", "Question", pytest.approx(0.1), "higher goes with a higher score"),
    ]
    html = _text(page)
    assert "90.0%" in html and "10.0%" in html
    assert 'id="chart-drivers"' in html


# -- roles ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SEGMENTS, COMMENTS, DRIVERS])
@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("designer", 200), ("viewer", 200), ("superuser", 200)]
)
def test_each_role_reads_the_pages(data, client_for, url, role, status):
    assert _get(client_for(role), url, data).status_code == status


@pytest.mark.parametrize("url", [SEGMENTS, COMMENTS, DRIVERS])
def test_non_staff_go_to_the_login_and_staff_without_a_role_are_refused(data, client_for, url):
    response = _get(client_for("nonstaff"), url, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/workspace/")
    User.objects.create_user("nobody", password=PASSWORD, is_staff=True)
    client = Client()
    client.force_login(User.objects.get(username="nobody"))
    assert _get(client, url, data).status_code == 403


def test_survey_designers_read_comments_without_links_to_responses(data, client_for):
    # survey designers do not read single responses (config.permissions): no link to them
    designer = _get(client_for("designer"), COMMENTS, data, q="送餐")
    html = _text(designer)
    assert "<mark>送餐</mark>" in html
    assert "/workspace/responses/" not in html
    owner = _get(client_for("owner"), COMMENTS, data, q="送餐")
    assert "/workspace/responses/" in _text(owner)
