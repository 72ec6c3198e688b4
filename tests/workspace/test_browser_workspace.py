"""In headless Chromium: a process owner logs in, filters the pain points by a segment, opens a
topic and one of its verbatims' response. Screenshots go to test-artifacts/screenshots/."""

import pytest
from django.contrib.auth.models import Group, User

from tests.workspace.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_filters_pain_points_opens_a_topic_and_a_response(browser, live_server, screenshot_dir, data):
    # given the fixed data set and a process owner
    owner = User.objects.create_user("owner", password=PASSWORD, is_staff=True)
    owner.groups.add(Group.objects.get(name="process_owners"))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # when they log in from the workspace's pain points of the week of 2026-05-04
    page.goto(f"{live_server.url}/workspace/painpoints/?survey=after-delivery&from=2026-05-04&to=2026-05-10")
    assert "/admin/login/" in page.url
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#painpoints-table")
    page.screenshot(path=str(screenshot_dir / "01-painpoints.png"), full_page=True)
    all_topics = page.locator("#painpoints-table tbody tr").count()

    # and filter by a segment (city: Shanghai)
    page.select_option("select[name='seg.city']", "上海")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**seg.city=**")
    page.wait_for_selector("#painpoints-table")
    page.screenshot(path=str(screenshot_dir / "02-painpoints-shanghai.png"), full_page=True)

    # then the table is Shanghai's, ranked, and the impact chart's table agrees with it
    ranked = [
        (row.locator(".ws-topic").inner_text(), row.locator(".ws-impact").inner_text().split()[0])
        for row in page.locator("#painpoints-table tbody tr").all()
    ]
    assert ranked == [
        ("Late delivery", "60.0"),
        ("Food arrived cold", "10.0"),
        ("Packaging or spills", "10.0"),
    ]
    assert len(ranked) < all_topics
    page.click("#chart-impact summary")
    charted = [
        row.locator("th").first.inner_text() for row in page.locator("#chart-impact-table tbody tr").all()
    ]
    assert charted == [topic for topic, _impact in ranked]
    assert page.locator("#chart-impact svg").count() == 1
    assert page.locator("select[name='seg.city']").input_value() == "上海"

    # when they open the first topic, keeping the filter
    page.click("#painpoints-table tbody tr:first-child .ws-topic a")
    page.wait_for_selector("#verbatims")
    assert "seg.city=" in page.url
    page.screenshot(path=str(screenshot_dir / "03-topic.png"), full_page=True)
    assert page.locator("h1").inner_text() == "Late delivery"
    assert page.locator("#verbatims li").count() == 3
    assert page.locator("#verbatims mark").count() >= 1

    # and one of its verbatims' response
    first = page.locator("#verbatims .ws-verbatim-link").first
    said = first.inner_text()
    first.click()
    page.wait_for_selector("#answers")
    page.screenshot(path=str(screenshot_dir / "04-response.png"), full_page=True)

    # then the response shows the same words, its score, segments and topics
    assert "/workspace/responses/" in page.url
    assert said in page.locator("#answers").inner_text()
    assert "Late delivery" in page.locator("#response-topics").inner_text()
    assert "上海" in page.locator("#response-segments").inner_text()

    # and the workspace stays usable on a phone
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", storage_state=context.storage_state()
    )
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}/workspace/?survey=after-delivery&from=2026-05-04&to=2026-05-10")
    mobile.wait_for_selector("#metric-value")
    mobile.screenshot(path=str(screenshot_dir / "05-overview-phone.png"), full_page=True)
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
    context.close()


def test_a_team_member_reads_the_teams_topics_then_all(browser, live_server, screenshot_dir, data):
    # given a process owner in the delivery team (late delivery, food arrived cold)
    from cases.models import Team

    owner = User.objects.create_user("lin", password=PASSWORD, is_staff=True)
    owner.groups.add(Group.objects.get(name="process_owners"))
    team = Team.objects.create(
        key="delivery_ops", name={"zh-hans": "配送运营组", "en": "Delivery operations"}
    )
    team.members.add(owner)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/workspace/painpoints/?survey=after-delivery&from=2026-05-04&to=2026-05-10")
    page.fill("#id_username", "lin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#painpoints-table")
    page.screenshot(path=str(screenshot_dir / "06-painpoints-my-teams.png"), full_page=True)

    def topics() -> list[str]:
        return [
            row.locator(".ws-topic a").inner_text()
            for row in page.locator("#painpoints-table tbody tr").all()
        ]

    # then the pain points open on the team's topics, the switch saying so
    assert topics() == ["Late delivery", "Food arrived cold"]
    assert page.locator("#topic-switch [aria-current]").inner_text() == "My teams' topics"
    assert "Delivery operations" in page.locator("#topic-switch-note").inner_text()

    # when they switch to all topics
    page.click("#topic-switch [data-topics=all]")
    page.wait_for_url("**topics=all**")
    page.screenshot(path=str(screenshot_dir / "07-painpoints-all-topics.png"), full_page=True)

    # then every topic, and the choice stays when they apply a filter and move to the comments
    assert topics() == [
        "Late delivery",
        "Food arrived cold",
        "Rider or service attitude",
        "Packaging or spills",
    ]
    page.select_option("select[name='locale']", "zh-hans")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**locale=zh-hans**")
    assert "topics=all" in page.url
    page.click(".ws-nav a[href^='/workspace/comments/']")
    page.wait_for_selector("#comment-count")
    assert "topics=all" in page.url
    assert page.locator("#topic-switch [aria-current]").inner_text() == "All topics"

    # and back on their teams' topics the comments are the delivery ones
    page.click("#topic-switch [data-topics=mine]")
    page.wait_for_url("**topics=mine**")
    assert page.locator("#comment-count").inner_text() == "Comments 1 to 3 of 3, newest first."
    context.close()
