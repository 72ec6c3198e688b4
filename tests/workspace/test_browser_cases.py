"""In headless Chromium: a process owner works a case from open to resolved - opens the queue,
opens the case, starts it, adds a note, resolves it with a root cause. Screenshots go to
test-artifacts/screenshots/."""

import pytest

from cases.models import Case
from tests.workspace.case_data import cases_made

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "test-password-2026"  # tests.factories.UserFactory's


def test_owner_works_a_case_from_open_to_resolved(browser, live_server, screenshot_dir) -> None:
    # given the fixed cases and the delivery_ops lead
    made = cases_made()
    case = made["c1"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # when they log in from the queue
    page.goto(f"{live_server.url}/workspace/cases/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", made["lead"].username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#cases-table")
    page.screenshot(path=str(screenshot_dir / "01-queue-mine.png"), full_page=True)

    # then their tab lists their one open case, and the navigation counts three open cases
    assert page.locator("#cases-table tbody tr").count() == 1
    assert page.locator("#cases-table tbody tr .ws-status").inner_text() == "Open"
    assert page.locator(".ws-nav [data-nav-count]").inner_text() == "3"

    # when they open all open cases, then the overdue ones are marked
    page.click("#case-tabs [data-tab=open]")
    page.wait_for_url("**tab=open**")
    assert page.locator("#cases-table tbody tr").count() == 3
    assert page.locator("#cases-table tbody tr.ws-overdue").count() == 2
    page.screenshot(path=str(screenshot_dir / "02-queue-all-open.png"), full_page=True)

    # when they open their case and start it
    page.click(f"#cases-table tr[data-case='{case.pk}'] .ws-case a")
    page.wait_for_selector("#case-facts")
    page.screenshot(path=str(screenshot_dir / "03-case-open.png"), full_page=True)
    page.click("#form-start button")
    page.wait_for_selector("#form-resolve")
    assert page.locator("#case-status").inner_text() == "In progress"
    assert page.locator("#form-start").count() == 0

    # and add a note
    page.fill("#form-note textarea[name=text]", "Called the rider; the order left the store late.")
    page.click("#form-note button")
    page.wait_for_selector("#case-notes li:has-text('Called the rider')")
    page.screenshot(path=str(screenshot_dir / "04-case-started-noted.png"), full_page=True)

    # and resolve it with a root cause
    page.select_option("#form-resolve select[name=root_cause]", "delivery")
    page.fill("#form-resolve textarea[name=resolution]", "Peak-hour dispatch rules changed.")
    page.click("#form-resolve button")
    page.wait_for_selector("#case-root-cause")
    page.screenshot(path=str(screenshot_dir / "05-case-resolved.png"), full_page=True)

    # then the page and the row say resolved, with the root cause and the resolution
    assert page.locator("#case-status").inner_text() == "Resolved"
    assert page.locator("#case-root-cause").inner_text() == "Delivery"
    assert page.locator("#case-resolution").inner_text() == "Peak-hour dispatch rules changed."
    assert page.locator("#form-close").count() == 1
    case.refresh_from_db()
    assert (case.status, case.root_cause, case.resolution) == (
        "resolved",
        "delivery",
        "Peak-hour dispatch rules changed.",
    )
    assert list(case.notes.values_list("text", flat=True)) == [
        "Called the rider; the order left the store late."
    ]
    assert Case.objects.filter(status__in=("open", "in_progress")).count() == 2
    context.close()
