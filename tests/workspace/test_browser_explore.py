"""In headless Chromium: a process owner compares segments, searches the comments (the matched
words marked, a respondent's markup shown as text, never run), opens a verbatim's response, and
reads the key drivers. Screenshots go to test-artifacts/screenshots/."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User

from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.workspace.conftest import ROWS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "from=2026-05-04&to=2026-05-10"


def test_owner_compares_segments_and_searches_comments(browser, live_server, screenshot_dir):
    # given the workspace's fixed data set, a comment holding a script, and a process owner
    _survey, version = analysed_survey()
    for index, (nps, why, city, district, locale) in enumerate(ROWS):
        response = completed(
            version,
            nps=nps,
            why=why,
            attributes={"city": city, "district_type": district},
            completed_at=BASE + dt.timedelta(hours=index * 5),
            locale=locale,
        )
        response_analyse(response_id=response.pk)
    hostile = completed(
        version,
        nps=1,
        why="<script>window.ran=1;alert(1)</script>骑手态度很差<img src=x onerror=alert(2)>",
        attributes={"city": "上海", "district_type": "office"},
        completed_at=BASE + dt.timedelta(days=2),
    )
    response_analyse(response_id=hostile.pk)
    owner = User.objects.create_user("owner", password="demo-owner-2026", is_staff=True)
    owner.groups.add(Group.objects.get(name="process_owners"))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # when they log in and compare the district types within the period
    page.goto(f"{live_server.url}/admin/login/?next=/workspace/segments/%3F{PERIOD.replace('&', '%26')}")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "demo-owner-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#attributes")
    page.uncheck("#attributes input[value=city]")
    page.check("#attributes input[value=district_type]")
    page.click("#attributes button[type=submit]")
    page.wait_for_selector("#segment-district_type-table")
    page.screenshot(path=str(screenshot_dir / "01-segments.png"), full_page=True)

    # then one row per district type, in words, with the NPS and its interval
    rows = [
        tuple(cell.inner_text().strip() for cell in row.locator("th, td").all()[:3])
        for row in page.locator("#segment-district_type-table tbody tr").all()
    ]
    assert rows[0] == ("Office building", "5", "-60.0\nsmall sample")
    assert [r[0] for r in rows] == ["Office building", "Residential", "Campus"]
    assert page.locator("#chart-district_type svg").count() == 1

    # when they search the comments for 骑手
    page.click("nav.ws-nav >> text=Comments")
    page.fill("input[name=q]", "骑手")
    page.click("#comment-search button[type=submit]")
    page.wait_for_selector("#comments")
    page.screenshot(path=str(screenshot_dir / "02-comments.png"), full_page=True)

    # then the two comments holding it, newest first, the word marked, the markup as text
    items = page.locator("#comments li")
    assert items.count() == 2
    first = items.nth(0).locator("a.ws-verbatim-link")
    assert (
        first.inner_text() == "<script>window.ran=1;alert(1)</script>骑手态度很差<img src=x onerror=alert(2)>"
    )
    assert first.locator("mark").all_inner_texts() == ["骑手"]
    assert page.evaluate("window.ran") is None
    assert dialogs == []

    # when they open the first verbatim
    first.click()
    page.wait_for_url(f"**/workspace/responses/{hostile.pk}/**")
    page.screenshot(path=str(screenshot_dir / "03-response.png"), full_page=True)
    assert dialogs == []

    # and the key drivers (too few responses here: the page says so)
    page.goto(f"{live_server.url}/workspace/drivers/?{PERIOD}")
    page.wait_for_selector("#drivers-error")
    assert page.locator("#drivers-error").inner_text() == (
        "Key drivers need at least 20 scored responses; this scope has 10."
    )
    page.screenshot(path=str(screenshot_dir / "04-drivers.png"), full_page=True)
    context.close()
