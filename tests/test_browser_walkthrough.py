"""The README's walkthrough, in headless Chromium on the demo data (`manage.py demo_load`).

1. ``ops`` creates a survey from a starter template in the admin, publishes it and writes the
   rule that says when to ask it;
2. the order platform posts two events with the demo source's key; they become invitations
   whose links come back in the answer;
3. two customers open their link on a phone and answer, one in 简体中文, one in English;
4. ``owner`` opens the workspace, finds the demo's planted pain point, filters by a segment,
   opens the topic and one of its verbatims' response.

Screenshots of each step go to test-artifacts/screenshots/<test name>/ (ignored by git), or,
with WALKTHROUGH_SCREENSHOTS=docs/walkthrough (``make screenshots``), to that folder, where the
README's images are.
"""

import datetime as dt
import io
import json
import os
import re
import zoneinfo
from pathlib import Path
from typing import NamedTuple

import pytest
from django.core.management import call_command

from responses.demo import DEMO_API_KEY, DEMO_SOURCE
from responses.distribution.models import DistributionRule
from responses.models import Response
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS_ENV = "WALKTHROUGH_SCREENSHOTS"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SURVEY_KEY = "office-lunch"
TITLE = {"zh-hans": "写字楼午餐配送调查", "en": "Office lunch delivery"}
RULE_NAME = "写字楼午高峰 · office lunch peak"
# (external id, customer, their language): the first is the README's curl example.
ORDERS = "lunch-100"
EVENTS = [(f"{ORDERS}1", "c-2001", "zh-hans"), (f"{ORDERS}2", "c-2002", "en")]


class Answer(NamedTuple):
    """What one customer does on the phone, and the page's thanks they then read."""

    browser_locale: str
    score: int
    follow_up: str  # the question the score opens
    text: str
    thanks: str
    shown: str  # what its screenshot shows: the page's top, or the follow-up


ANSWERS = [
    Answer(
        "zh-CN", 3, "why", "午高峰送到写字楼晚了四十分钟", "感谢您的反馈！我们会认真阅读每一条意见。", "h1"
    ),
    Answer(
        "en-US",
        9,
        "praise",
        "On time and still hot",
        "Thank you for your feedback! We read every answer.",
        "#q-praise",
    ),
]


@pytest.fixture
def shots(screenshot_dir) -> Path:
    """The folder WALKTHROUGH_SCREENSHOTS names (relative to the project), else the artifacts'."""
    target = os.environ.get(SCREENSHOTS_ENV)
    if not target:
        return screenshot_dir
    path = Path(target) if Path(target).is_absolute() else ROOT / target
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_readme_walkthrough(browser, live_server, settings, shots) -> None:
    # given the demo as `make run` loads it, its links pointing at this server
    call_command("demo_load", stdout=io.StringIO())
    settings.SITE_URL = live_server.url
    base = live_server.url
    ops = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = ops.new_page()
    page.set_default_timeout(15_000)

    build_survey_and_rule(page, base, shots)
    links = post_events(browser, page, base, shots)
    for link, answer in zip(links, ANSWERS, strict=True):
        answer_on_a_phone(browser, link, answer, shots=shots)
    answered = {
        response.locale: (response.status, dict(response.answers.values_list("question_key", "value")))
        for response in Response.objects.filter(invitation__survey__key=SURVEY_KEY)
    }
    assert answered == {
        "zh-hans": ("completed", {"nps": 3, "why": ANSWERS[0].text}),
        "en": ("completed", {"nps": 9, "praise": ANSWERS[1].text}),
    }
    assert funnel(page, base) == funnel_row(opened="2", completed="2", rate="100.0%")
    page.screenshot(path=str(shots / "3-funnel.png"))
    ops.close()

    explore_pain_points(browser, base, shots)


def build_survey_and_rule(page, base: str, shots: Path) -> None:
    """Step 1, as ops: a survey from the after-delivery starter template under a new key,
    renamed and published; a rule sending it for delivered lunch orders to office buildings."""
    page.goto(f"{base}/admin/login/?next=/admin/surveys/survey/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "demo-ops-2026")
    page.click("input[type=submit]")
    # the navigation sidebar folded away (the admin remembers it), so screenshots show the page
    page.click("#toggle-nav-sidebar")
    page.get_by_role("link", name="Load a starter template").click()
    page.wait_for_selector("table.starter-templates")
    template = page.locator("table.starter-templates tbody tr").filter(
        has=page.locator("code", has_text="customer-after-delivery")
    )
    template.locator("input[name=survey_key]").fill(SURVEY_KEY)
    template.locator("button[name=load]").click()
    page.wait_for_selector("#survey_form")
    assert messages(page) == [f"The survey {SURVEY_KEY} was created from a starter template; it is a draft."]
    page.fill("input[name='title_zh-hans']", TITLE["zh-hans"])
    page.fill("input[name='title_en']", TITLE["en"])
    page.fill("#id_publish_note", "Office lunch, first version")
    page.locator("input[name='_publish']").last.click()
    page.wait_for_selector(".messagelist li.success")
    assert messages(page) == [
        f"The survey “{SURVEY_KEY} · {TITLE['zh-hans']}” was changed successfully.",
        f"Published {SURVEY_KEY} as version 1.",
    ]
    page.screenshot(path=str(shots / "1-survey-published.png"))

    # the rule: delivered orders to office buildings at peak hours, asked at once, the link
    # handed back to the order platform; before the demo's rules (priorities 5 and 10)
    page.goto(f"{base}/admin/surveys/distributionrule/add/")
    page.fill("#id_name", RULE_NAME)
    page.select_option("#id_survey", label=f"{SURVEY_KEY} · {TITLE['zh-hans']}")
    page.fill("#id_priority", "1")
    page.fill("#id_event_types", "order.delivered")
    page.select_option("#id_audience", "customer")
    page.fill("input[name='attribute_filters-0-key']", "district_type")
    page.fill("input[name='attribute_filters-0-value']", "office")
    page.fill("input[name='attribute_filters-1-key']", "scenario")
    page.fill("input[name='attribute_filters-1-value']", "peak")
    page.fill("#id_delay_minutes_0", "0")
    page.select_option("#id_channels_0", "link")
    page.locator("#id_event_types").evaluate("input => input.closest('fieldset').scrollIntoView()")
    page.screenshot(path=str(shots / "1-rule.png"))
    page.click("input[name='_save']")
    page.wait_for_selector(".messagelist li.success")
    assert messages(page) == [f"The distribution rule “{RULE_NAME}” was added successfully."]
    rule = DistributionRule.objects.get(name=RULE_NAME)
    assert (rule.survey.key, rule.priority, rule.event_types, rule.audience) == (
        SURVEY_KEY,
        1,
        ["order.delivered"],
        "customer",
    )
    assert (rule.attribute_filters, rule.sampling_rate, rule.delay_minutes, rule.channels) == (
        {"district_type": "office", "scenario": "peak"},
        1.0,
        0,
        ["link"],
    )


def post_events(browser, page, base: str, shots: Path) -> list[str]:
    """Step 2: the order platform posts two delivered lunch orders with the demo key; returns the
    respondent links its answers carry. Ops then see the invitations and the funnel."""
    platform = browser.new_context()
    answers = []
    for external_id, ref, locale in EVENTS:
        posted = platform.request.post(
            f"{base}/api/v1/events/",
            headers={"Authorization": f"Bearer {DEMO_API_KEY}", "Content-Type": "application/json"},
            data=json.dumps(
                {
                    "source": DEMO_SOURCE,
                    "external_id": external_id,
                    "type": "order.delivered",
                    "occurred_at": dt.datetime.now(tz=zoneinfo.ZoneInfo("Asia/Shanghai")).isoformat(),
                    "respondent": {"type": "customer", "ref": ref, "locale": locale},
                    "attributes": {"city": "上海", "district_type": "office", "scenario": "peak"},
                }
            ),
        )
        assert posted.status == 200
        answers.append(posted.json())
    platform.close()
    links = []
    for (external_id, _ref, _locale), answer in zip(EVENTS, answers, strict=True):
        [result] = answer["results"]
        link = result["invitations"][0].pop("link")
        assert result == {
            "external_id": external_id,
            "status": "accepted",
            "invitations": [{"survey": SURVEY_KEY, "status": "scheduled"}],
        }
        assert re.fullmatch(rf"{re.escape(base)}/s/[\w-]+/", link), link
        links.append(link)

    page.goto(f"{base}/admin/responses/invitation/?q={ORDERS}")
    rows = page.locator("#result_list tbody tr")
    assert sorted(
        tuple(row.locator(f".field-{name}").inner_text() for name in ("survey", "respondent", "status"))
        for row in rows.all()
    ) == [(f"{SURVEY_KEY} · {TITLE['zh-hans']}", f"customer:{ref}", "Sent") for _id, ref, _locale in EVENTS]
    page.screenshot(path=str(shots / "2-invitations.png"))
    assert funnel(page, base) == funnel_row(opened="0", completed="0", rate="0.0%")
    return links


def answer_on_a_phone(browser, link: str, answer: Answer, *, shots: Path) -> None:
    """Step 3: a customer opens the link on a 390x844 phone, scores, writes, submits."""
    language = answer.browser_locale[:2]
    follow_up = answer.follow_up
    phone = browser.new_context(viewport=PHONE, locale=answer.browser_locale, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    assert page.locator("h1").inner_text() == TITLE["zh-hans" if language == "zh" else "en"]
    assert page.locator(f"#q-{follow_up}").is_hidden()
    page.click(f"label[for=q-nps-{answer.score}]")
    page.fill(f"#q-{follow_up}-input", answer.text)
    page.mouse.move(0, 0)  # no hover left on a button under the pointer
    page.locator(answer.shown).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"3-answer-{language}.png"))
    page.click("button.submit-button")
    page.wait_for_url(f"{link}done/")
    assert answer.thanks in page.locator("main").inner_text()
    if language == "zh":
        page.screenshot(path=str(shots / "3-thanks-zh.png"))
    phone.close()


def explore_pain_points(browser, base: str, shots: Path) -> None:
    """Step 4, as owner: the overview, the planted pain point, its topic, one response."""
    owner = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = owner.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/workspace/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", "owner")
    page.fill("#id_password", "demo-owner-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#metric-value")
    assert page.locator("h1").inner_text() == "Overview"
    page.screenshot(path=str(shots / "4-overview.png"))
    page.get_by_role("link", name="Pain points", exact=True).first.click()
    page.wait_for_selector("#painpoints-table")

    topic, segment, value_label = find_planted_pain_point(page, shots)

    # the topic, the filter kept
    page.locator("#painpoints-table tbody tr").first.locator(".ws-topic a").click()
    page.wait_for_selector("#verbatims")
    assert page.locator("h1").inner_text() == topic
    assert segment in page.url
    assert page.locator("#verbatims li").count() >= 1
    fold_filters_and_shoot(page, shots / "4-topic.png")
    # the response of its first verbatim: the same words, the topic among its topics
    first = page.locator("#verbatims .ws-verbatim-link").first
    verbatim = first.inner_text()
    first.click()
    page.wait_for_selector("#answers")
    assert "/workspace/responses/" in page.url
    assert verbatim in page.locator("#answers").inner_text()
    assert topic in page.locator("#response-topics").inner_text()
    assert value_label in page.locator("#response-segments").inner_text()
    page.screenshot(path=str(shots / "4-response.png"))
    owner.close()


def find_planted_pain_point(page, shots: Path) -> tuple[str, str, str]:
    """The demo's planted pain point, late deliveries to office buildings at the lunch peak
    (analysis/demo_history.py): first on the after-delivery survey's pain points, and costing
    more points of the score once filtered to peak hours. Returns the topic's name, the
    segment filter's query parameter and the segment value's name.

    The one place to adjust when the demo's story changes."""
    topic, segment, value, value_label = "Late delivery", "seg.scenario", "peak", "Peak hours"
    page.select_option("select[name=survey]", "customer-after-delivery")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#painpoints-table")
    fold_filters_and_shoot(page, shots / "4-painpoints.png")
    overall = ranked_topics(page)
    assert overall[0][:2] == ("1", topic)

    page.click("#filter-box summary")
    page.select_option(f"select[name='{segment}']", value)
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"**{segment}={value}**")
    page.wait_for_selector("#painpoints-table")
    fold_filters_and_shoot(page, shots / "4-painpoints-peak.png")
    assert page.locator("#filter-box summary").inner_text().endswith(f" · Scenario: {value_label}")
    at_peak = ranked_topics(page)
    assert at_peak[0][:2] == ("1", topic)
    assert at_peak[0][2] > overall[0][2]
    return topic, f"{segment}={value}", value_label


def fold_filters_and_shoot(page, path: Path) -> None:
    """A screenshot with the filter form folded to its summary line, so the table shows."""
    page.click("#filter-box summary")
    page.screenshot(path=str(path))


def ranked_topics(page) -> list[tuple[str, str, float]]:
    """(rank, topic, impact) of each row of the pain-point table."""
    return [
        (
            row.locator("td").first.inner_text(),
            row.locator(".ws-topic").inner_text(),
            float(row.locator(".ws-impact").inner_text().split()[0]),
        )
        for row in page.locator("#painpoints-table tbody tr").all()
    ]


def messages(page) -> list[str]:
    return [text.strip() for text in page.locator(".messagelist li").all_inner_texts()]


def funnel(page, base: str) -> dict[str, str]:
    """The total row of the new survey's funnel on the admin's funnel page, by column."""
    page.goto(f"{base}/admin/responses/funnel/?survey={SURVEY_KEY}")
    heads = [th.text_content().strip() for th in page.locator("table.funnel thead th").all()]
    total = page.locator("table.funnel tbody tr.total")
    cells = [total.locator("th").text_content().strip()]
    for cell in total.locator("td").all():
        value = cell.locator(".value")
        cells.append((value if value.count() else cell).text_content().strip())
    return dict(zip(heads, cells, strict=True))


def funnel_row(*, opened: str, completed: str, rate: str) -> dict[str, str]:
    """The funnel's total row of the two events, all invited and sent."""
    return {
        "Segment": "All",
        "Events": "2",
        "Invitations": "2",
        "Sent": "2",
        "Opened": opened,
        "Started": opened,
        "Completed": completed,
        "Suppressed": "0",
        "Failed / bounced / expired": "0 / 0 / 0",
        "Response rate": rate,
    }
