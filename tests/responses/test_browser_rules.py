"""In headless Chromium: ops write a distribution rule in the structured form, see every problem
at once, fix them, get the overlap warning with the tie-break, and dry-run an event.

Screenshots of each step go to test-artifacts/screenshots/<test name>/ (ignored by git).
"""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from responses.distribution.models import DistributionRule
from responses.models import ServiceEvent
from tests.responses.factories import DistributionRuleFactory, published_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_VIEWPORT = {"width": 1280, "height": 900}


def test_write_a_rule_see_the_overlap_and_dry_run_an_event(browser, live_server, screenshot_dir) -> None:
    User.objects.create_superuser("ops", "ops@example.com", "demo-ops-2026")
    survey = published_survey(key="after-delivery")
    older = DistributionRuleFactory(name="older", survey=survey, priority=100, delay_minutes=0)
    context = browser.new_context(viewport=ADMIN_VIEWPORT, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/surveys/distributionrule/add/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "demo-ops-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#distributionrule_form")

    # A rule with three problems: 150 %, no channel, a filter without a value.
    page.fill("#id_name", "newer")
    page.select_option("#id_survey", str(survey.pk))
    page.fill("#id_event_types", "order.delivered")
    page.select_option("#id_audience", "customer")
    page.fill("input[name='attribute_filters-0-key']", "city")
    page.select_option("select[name='attribute_filters-0-op']", "in")
    page.fill("#id_sampling_rate", "150")
    page.fill("#id_delay_minutes_0", "2")
    page.select_option("#id_delay_minutes_1", "hours")
    page.screenshot(path=str(screenshot_dir / "01-filled.png"), full_page=True)
    page.click("input[name='_save']")
    page.wait_for_selector("#rule-error-summary")
    assert [text.strip() for text in page.locator("#rule-error-summary li").all_inner_texts()] == [
        "Attribute filters: Filter 1 (city): give the value the attribute must have.",
        "Sampling (%): Enter a percentage from 0 to 100; 150 is outside that range.",
        "Channel order: Choose at least one channel; the first one the respondent can be reached on is used.",
    ]
    # each problem is also beside its field
    assert page.locator(".field-sampling_rate .errorlist").inner_text() == (
        "Enter a percentage from 0 to 100; 150 is outside that range."
    )
    assert DistributionRule.objects.count() == 1
    page.screenshot(path=str(screenshot_dir / "02-every-problem-at-once.png"), full_page=True)

    # Fix them; add a second filter row with the button; quiet hours in Shanghai time.
    page.fill("input[name='attribute_filters-0-value']", "上海, 北京")
    rows = page.locator("table.rule-filters tbody tr")
    assert rows.count() == 3  # the filter and two blank rows
    page.click("button.rule-filters__add")
    assert rows.count() == 4
    assert rows.nth(3).locator("input[name$='-key']").get_attribute("name") == "attribute_filters-3-key"
    rows.nth(3).locator("input[name$='-key']").fill("scenario")
    rows.nth(3).locator("input[name$='-value']").fill("night")
    page.fill("#id_sampling_rate", "50")
    page.select_option("#id_channels_0", "sms")
    page.select_option("#id_channels_1", "email")
    page.fill("#id_quiet_hours_start", "21:00")
    page.fill("#id_quiet_hours_end", "09:00")
    page.select_option("#id_quiet_hours_timezone", "Asia/Shanghai")
    page.click("input[name='_save']")

    # Saved, with the overlap warning stating the tie-break, here and on the list.
    page.wait_for_selector(".messagelist li.warning")
    newer = DistributionRule.objects.get(name="newer")
    warning = page.locator(".messagelist li.warning").inner_text()
    assert warning == (
        f"Rules “newer” and “older” overlap: both take order.delivered for customer at priority 100. "
        f"Tie-break: the older rule (lower id) wins, so “older” (#{older.pk}) gets these events and "
        f"“newer” (#{newer.pk}) never does. Give one of them another priority or filters that exclude "
        f"each other."
    )
    assert page.locator("#rule-overlaps li").count() == 1
    assert page.locator("td.field-sampling_display").all_inner_texts() == ["100 %", "50 %"]
    page.screenshot(path=str(screenshot_dir / "03-saved-with-overlap-warning.png"), full_page=True)
    assert (newer.sampling_rate, newer.delay_minutes, newer.channels) == (0.5, 120, ["sms", "email"])
    assert newer.attribute_filters == {"city": ["上海", "北京"], "scenario": "night"}
    assert (newer.quiet_hours_start, newer.quiet_hours_end, newer.quiet_hours_timezone) == (
        dt.time(21),
        dt.time(9),
        "Asia/Shanghai",
    )

    # The saved rule opens in the same structured form.
    page.goto(f"{live_server.url}/admin/surveys/distributionrule/{newer.pk}/change/")
    assert page.input_value("#id_sampling_rate") == "50"
    assert page.input_value("#id_delay_minutes_0") == "2"
    assert page.input_value("#id_delay_minutes_1") == "hours"
    assert page.input_value("input[name='attribute_filters-0-value']") == "上海, 北京"
    page.screenshot(path=str(screenshot_dir / "04-structured-form.png"), full_page=True)

    # Dry run from the list: fill an event in; the older rule wins the tie.
    page.goto(f"{live_server.url}/admin/surveys/distributionrule/")
    page.click("#rule-dry-run-link")
    page.wait_for_selector("#dry-run-form")
    page.fill("#id_external_id", "o-42")
    page.select_option("#id_respondent_type", "customer")
    page.fill("#id_respondent_ref", "c-42")
    page.fill("#id_respondent_timezone", "Asia/Shanghai")
    page.fill("#id_attributes", "city=上海\nscenario=night")
    page.click("input[name='_dry_run']")
    page.wait_for_selector("#dry-run-result")
    assert page.locator("#dry-run-result h2").inner_text() == "Scheduled"
    assert (
        page.locator(".dry-run-result__text")
        .inner_text()
        .startswith("Rule older would invite to after-delivery by link at ")
    )
    text = page.locator(".dry-run-result__text").inner_text()
    utc = text.rsplit(", ", 1)[1].removesuffix(" UTC.")
    assert page.locator("#dry-run-send-at").inner_text() == utc
    assert page.locator(".dry-run-result__matched li").all_inner_texts() == [
        f"older (#{older.pk}, priority 100)",
        f"newer (#{newer.pk}, priority 100)",
    ]
    page.screenshot(path=str(screenshot_dir / "05-dry-run-scheduled.png"), full_page=True)

    # A pasted event with a wrong field is refused, naming the field; nothing was ever stored.
    page.fill(
        "#id_event_json",
        '{"source": "order-platform", "external_id": "o-1", "type": "Delivered",'
        ' "occurred_at": "2026-05-01T12:00:00+08:00", "respondent": {"type": "customer", "ref": "c"}}',
    )
    page.click("input[name='_dry_run']")
    page.wait_for_selector(".field-event_json .errorlist")
    assert page.locator(".field-event_json .errorlist li").all_inner_texts() == [
        "type: type must be dotted lower-case words, e.g. order.delivered."
    ]
    page.screenshot(path=str(screenshot_dir / "06-dry-run-invalid.png"), full_page=True)
    assert ServiceEvent.objects.count() == 0
    context.close()
