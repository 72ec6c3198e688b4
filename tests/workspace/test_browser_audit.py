"""In headless Chromium: a process owner reads the audit trail, filters it by kind of change
and by person, and pages through it. Screenshots go to test-artifacts/screenshots/."""

import datetime as dt

import pytest

from cases.models import Team
from ops.services import audit_record
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "test-password-2026"  # tests.factories.UserFactory's
DAY = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)


def test_owner_filters_the_audit_trail(browser, live_server, screenshot_dir) -> None:
    # given 55 notes by the owner and one publishing by a designer
    owner = UserFactory(username="owner", groups=["process_owners"])
    designer = UserFactory(username="designer", groups=["survey_designers"])
    team = Team.objects.create(key="delivery_ops", name={"zh-hans": "配送", "en": "Delivery"})
    for minute in range(55):
        audit_record(
            action="cases.case.noted",
            instance=team,
            actor=owner,
            after={"note": f"第{minute}条"},
            now=DAY + dt.timedelta(minutes=minute),
        )
    audit_record(
        action="surveys.survey.published",
        instance=team,
        actor=designer,
        before={"version": 1},
        after={"version": 2},
        now=DAY + dt.timedelta(hours=2),
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # when the owner logs in at the audit page
    page.goto(f"{live_server.url}/workspace/audit/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#audit-table")
    page.screenshot(path=str(screenshot_dir / "01-audit-all.png"), full_page=True)

    # then the newest change comes first, fifty a page
    assert page.locator("#audit-table tbody tr").count() == 50
    assert (
        page.locator("#audit-table tbody tr").first.locator(".ws-action").inner_text()
        == "surveys.survey.published"
    )
    assert page.locator("#audit-table tbody tr").first.locator(".ws-after").inner_text() == "version: 2"

    # when they choose the publishing only
    page.select_option("#audit-filters select[name=action]", "surveys.survey.published")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url("**action=surveys.survey.published**")
    assert page.locator("#audit-table tbody tr").count() == 1
    assert page.locator("#audit-table .ws-actor").inner_text() == "designer"

    # when they look for the owner's changes and go to the second page
    page.select_option("#audit-filters select[name=action]", "")
    page.fill("#audit-filters input[name=actor]", "owner")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url("**actor=owner**")
    page.click("#audit-pager a[rel=next]")
    page.wait_for_url("**page=2**")
    page.screenshot(path=str(screenshot_dir / "02-audit-owner-page-2.png"), full_page=True)

    # then the five oldest notes are there, the filter kept
    assert page.locator("#audit-table tbody tr").count() == 5
    assert page.locator("#audit-filters input[name=actor]").input_value() == "owner"
    context.close()
