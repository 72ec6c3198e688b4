"""In headless Chromium: a process owner reads their weekly digest's preview, opens the text
version and turns the digest off. Screenshots go to test-artifacts/screenshots/."""

import pytest
import time_machine

from cases.models import StaffProfile
from tests.workspace.digest_data import SENT_AT, digest_made

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "test-password-2026"  # tests.factories.UserFactory's


def test_owner_previews_the_digest_and_turns_it_off(data, browser, live_server, screenshot_dir) -> None:
    # given the digest's data set and its owner, reading in English
    made = digest_made(data, locale="en")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/workspace/digest/")
    page.fill("#id_username", made["owner"].username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#digest-switch")

    # when they open the preview on Monday 2026-05-11 at 09:00 Shanghai time
    with time_machine.travel(SENT_AT, tick=True):
        page.goto(f"{live_server.url}/workspace/digest/")
        page.wait_for_selector("#digest-body")
        page.screenshot(path=str(screenshot_dir / "01-digest-preview.png"), full_page=True)
        # then the subject, the pain points with their movement and the cases are shown
        assert page.locator("#digest-subject").inner_text() == "Weekly digest May 4, 2026 – May 10, 2026"
        row = page.locator("tr[data-topic=delivery_time]")
        assert row.locator("[data-change]").inner_text() == "-50.0 pp"
        assert page.locator("tr[data-team=delivery_ops] [data-overdue]").inner_text() == "2"

        # when they turn it off
        page.click("#digest-toggle")
        page.wait_for_selector("#digest-toggle[data-enabled=off]")
        page.screenshot(path=str(screenshot_dir / "02-digest-off.png"), full_page=True)
    assert StaffProfile.objects.get(user=made["owner"]).digest_enabled is False
    context.close()
