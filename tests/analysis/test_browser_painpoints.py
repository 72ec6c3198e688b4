"""In headless Chromium: a process owner opens a survey's pain points, filters by a city, sees
the impact chart and the score trend, opens the impact chart's table view, and it agrees with the
ranked table. Screenshots go to test-artifacts/screenshots/."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    (2, "午高峰送餐太慢了", "上海", "office"),
    (3, "等了一个小时才送到", "上海", "office"),
    (1, "饭都凉了，还等了很久", "上海", "residential"),
    (6, "奶茶洒了一半", "上海", "residential"),
    (9, "很好吃", "上海", "office"),
    (4, "骑手态度很差", "北京", "office"),
    (7, "包装漏了", "北京", "residential"),
    (10, "", "北京", "residential"),
    (0, "饭菜冷了", "北京", "campus"),
]


def test_process_owner_filters_pain_points_and_tables_agree(browser, live_server, screenshot_dir):
    # given an analysed survey and a process owner
    survey, version = analysed_survey()
    for index, (nps, why, city, district) in enumerate(ROWS):
        response = completed(
            version,
            nps=nps,
            why=why,
            attributes={"city": city, "district_type": district},
            completed_at=BASE + dt.timedelta(hours=index * 5),
        )
        response_analyse(response_id=response.pk)
    owner = User.objects.create_user("owner", password="demo-owner-2026", is_staff=True)
    owner.groups.add(Group.objects.get(name="process_owners"))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # when they log in, open the page for May and filter to Shanghai
    page.goto(f"{live_server.url}/admin/login/?next=/admin/analysis/painpointreport/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "demo-owner-2026")
    page.click("input[type=submit]")
    page.click(f"a[href='/admin/analysis/painpointreport/{survey.key}/']")
    page.fill("input[name=from]", "2026-05-01")
    page.fill("input[name=to]", "2026-05-31")
    page.click(".pp-filters button[type=submit]")
    page.wait_for_selector("#painpoints-table")
    page.screenshot(path=str(screenshot_dir / "01-all.png"), full_page=True)
    all_topics = page.locator("#painpoints-table tbody tr").count()
    page.select_option("select[name=city]", "上海")
    page.click(".pp-filters button[type=submit]")
    page.wait_for_url("**city=**")
    page.screenshot(path=str(screenshot_dir / "02-shanghai.png"), full_page=True)

    # then the impact chart is drawn, one bar per ranked topic, and named for screen readers
    ranked = [
        (row.locator(".pp-topic").inner_text(), row.locator(".pp-impact").inner_text())
        for row in page.locator("#painpoints-table tbody tr").all()
    ]
    impact = page.locator("svg.chart-bar")
    assert impact.get_attribute("role") == "img"
    assert impact.get_attribute("aria-label") == "Impact by topic"
    box = impact.bounding_box()
    assert box["width"] > 300 and box["height"] > 40
    assert impact.locator("rect.chart-bar").count() == len(ranked)
    trend = page.locator("svg.chart-trend")
    assert trend.get_attribute("aria-label") == "Score per period"
    assert trend.locator("circle.chart-point").count() == page.locator("#period-table tbody tr").count()

    # when they open the chart's table view
    table = page.locator("#impact-table")
    assert not table.is_visible()
    page.locator("details.chart-table", has=table).locator("summary").click()
    table.wait_for(state="visible")
    page.screenshot(path=str(screenshot_dir / "03-impact-table.png"), full_page=True)

    # then it lists the same topics and impacts as the ranked table, in one order (five responses:
    # every topic is a small sample)
    assert table.locator("caption").inner_text() == "Impact by topic"
    assert [h.text_content() for h in table.locator("thead th").all()] == ["Topic", "Impact", "95% interval"]
    charted = [
        (row.locator("th").inner_text(), row.locator("td").first.inner_text())
        for row in table.locator("tbody tr").all()
    ]
    assert charted == [(topic, f"{value} (small sample)") for topic, value in ranked]
    # Shanghai: NPS (1 promoter, 4 detractors of 5) = -60; without the three late deliveries 0
    assert ranked[0] == ("Late delivery", "60.0")
    assert len(ranked) < all_topics
    assert page.locator("select[name=city]").input_value() == "上海"
    context.close()
