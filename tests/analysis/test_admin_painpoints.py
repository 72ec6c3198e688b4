"""The "Pain points" admin pages and the analysis admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from analysis.models import CommentAnalysis, EmergingTopic, Topic
from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SCOPE = "from=2026-05-04&to=2026-05-10"


def client_for(group):
    user = UserFactory(is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def survey():
    survey, version = analysed_survey()
    rows = [
        (2, "送餐太慢了 <script>alert(1)</script>", {"city": "上海"}),
        (3, "等了一个小时", {"city": "上海"}),
        (9, "饭有点凉了", {"city": "北京"}),
        (10, "", {"city": "北京"}),
    ]
    for index, (nps, why, attributes) in enumerate(rows):
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=index)
        )
        response_analyse(response_id=response.pk)
    return survey


def test_page_ranks_topics_and_escapes_comments(survey):
    # when a process owner opens the survey's pain points
    response = client_for("process_owners").get(f"/admin/analysis/painpointreport/{survey.key}/?{SCOPE}")

    # then the ranked table, the chart, its table and the verbatims are there, the comment escaped
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="painpoints-table"' in html
    assert 'id="impact-table"' in html
    assert "<svg" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "<script" not in html.split('id="content-main"')[1]
    assert html.index('data-topic="delivery_time"') < html.index('data-topic="food_temperature"')


def test_page_filters_by_a_segment(survey):
    response = client_for("viewers").get(f"/admin/analysis/painpointreport/{survey.key}/?{SCOPE}&city=北京")

    html = response.content.decode()
    assert 'data-topic="food_temperature"' in html
    assert 'data-topic="delivery_time"' not in html
    assert '<option value="北京" selected>' in html


def test_page_shows_bad_dates_as_an_error_not_a_500(survey):
    response = client_for("process_owners").get(f"/admin/analysis/painpointreport/{survey.key}/?from=soon")

    assert response.status_code == 200
    assert "from must be an ISO date (YYYY-MM-DD), got soon." in response.content.decode()


def test_page_in_chinese(survey):
    client = client_for("process_owners")
    client.cookies["django_language"] = "zh-hans"

    html = client.get(
        f"/admin/analysis/painpointreport/{survey.key}/?{SCOPE}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "配送慢/超时" in html
    # the charts speak Chinese too: titles, dates, the table view
    assert 'aria-label="各周期的评分"' in html and 'aria-label="各主题的影响"' in html
    assert ">5月4日</text>" in html
    assert html.count("<summary>以表格查看数据</summary>") == 2


def test_page_chart_escapes_a_topic_label_staff_wrote(survey):
    # given a topic label with markup, typed by ops staff in the taxonomy admin
    Topic.objects.filter(key="delivery_time").update(
        label={"zh-hans": "<b>慢</b>", "en": "<img src=x onerror=alert(1)>"}
    )

    html = (
        client_for("process_owners")
        .get(f"/admin/analysis/painpointreport/{survey.key}/?{SCOPE}")
        .content.decode()
    )

    # then the chart (the label cut to its column, whole in its title) and its table show it as text
    chart = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bar"') :]
    assert "<img" not in html
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in chart
    assert '<th scope="row">&lt;img src=x onerror=alert(1)&gt;</th>' in chart


@pytest.mark.parametrize(("group", "status"), [("process_owners", 200), ("viewers", 200), (None, 403)])
def test_page_permission_per_role(survey, group, status):
    response = client_for(group).get(f"/admin/analysis/painpointreport/{survey.key}/")

    assert response.status_code == status


def test_admin_index_links_the_pain_points(survey):
    html = client_for("process_owners").get("/admin/").content.decode()

    assert "/admin/analysis/painpointreport/" in html
    survey_list = client_for("process_owners").get("/admin/analysis/painpointreport/").content.decode()
    assert f"/admin/analysis/painpointreport/{survey.key}/" in survey_list


def test_comment_admin_lists_mismatches_escaped(survey):
    CommentAnalysis.objects.filter(text__contains="script").update(is_mismatch=True)
    client = client_for("process_owners")

    html = client.get("/admin/analysis/commentanalysis/?is_mismatch__exact=1").content.decode()

    assert "&lt;script&gt;" in html
    assert "<script>alert" not in html


def test_designer_promotes_an_emerging_topic_in_the_admin(survey):
    # given an emerging topic
    emerging = EmergingTopic.objects.create(
        survey=survey, key="发票", keywords=["发票", "invoice"], mentions=4, discovered_at=BASE
    )
    client = client_for("survey_designers")

    # when a designer runs the promote action
    response = client.post(
        "/admin/analysis/emergingtopic/", {"action": "promote", "_selected_action": [emerging.pk]}
    )

    # then a topic with the keywords as seed terms exists and the cluster is marked promoted
    assert response.status_code == 302
    emerging.refresh_from_db()
    assert (emerging.status, emerging.is_edited_by_person) == ("promoted", True)
    topic = Topic.objects.get(pk=emerging.topic_id)
    assert topic.terms == {"zh-hans": ["发票"], "en": ["invoice"]}
