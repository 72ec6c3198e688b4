"""In headless Chromium on a 360x740 phone: answering, switching language, conditions, errors,
resuming on a second device, answering with JavaScript off, and an axe-core accessibility audit.

Screenshots of each step go to test-artifacts/screenshots/<test name>/ (ignored by git).
axe-core comes from the npm registry (``make test`` fetches it into var/axe; the fixture below
fetches it when missing and fails in CI, skips elsewhere, when npm is not there).
"""

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.core.cache import cache

from responses.models import Response
from tests.conftest import ROOT, service_missing
from tests.responses.factories import invitation, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
AXE_VERSION = "4.14.1"
AXE_DIR = ROOT / "var" / "axe"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from the npm package axe-core, fetched with ``npm pack`` when missing."""
    script = AXE_DIR / "package" / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        service_missing("axe-core is not in var/axe and npm is not installed to fetch it")
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(AXE_DIR)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    with tarfile.open(AXE_DIR / f"axe-core-{AXE_VERSION}.tgz") as archive:
        archive.extract("package/axe.min.js", AXE_DIR, filter="data")
    return script


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def _phone(browser, **options):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, has_touch=True, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _answers(response: Response) -> dict:
    return dict(response.answers.values_list("question_key", "value"))


def _wait_saved(page, text: str) -> None:
    page.wait_for_function(
        "text => document.getElementById('autosave-status').textContent === text", arg=text, timeout=10_000
    )


def test_answer_in_chinese_switch_to_english_see_a_condition_and_an_error_then_submit(
    browser, live_server, screenshot_dir
) -> None:
    sent, token = invitation()
    context, page = _phone(browser, locale="zh-CN")
    page.goto(f"{live_server.url}/s/{token}/")
    assert page.locator("h1").inner_text() == "配送体验调查"
    # The detractor follow-ups are hidden until the score says so.
    assert page.locator("#q-reason").is_hidden()
    page.screenshot(path=str(screenshot_dir / "01-chinese.png"), full_page=True)

    page.click("label[for=q-nps-3]")
    assert page.locator("#q-reason").is_visible()
    assert page.locator("#q-why").is_visible()
    page.fill("#q-why-input", "汤洒了，骑手迟到二十分钟")
    assert page.locator("#q-why-counter").inner_text() == "已输入 12 / 50 字"
    _wait_saved(page, "您的回答已保存。您可以稍后通过此链接继续填写。")
    page.screenshot(path=str(screenshot_dir / "02-condition-revealed.png"), full_page=True)

    # Switch to English midway: the answers stay.
    page.click("button[name=switch_lang][value=en]")
    page.wait_for_url(f"{live_server.url}/s/{token}/?lang=en")
    assert page.locator("h1").inner_text() == "Delivery experience"
    assert page.locator("#q-nps-3").is_checked()
    assert page.locator("#q-why-input").input_value() == "汤洒了，骑手迟到二十分钟"

    # Sending without the required follow-up: the error is shown next to it, in English.
    page.click("button.submit-button")
    page.wait_for_selector("#q-reason-error")
    assert page.locator("#q-reason-error").inner_text() == "Please answer this question."
    assert page.locator(".error-summary").is_visible()
    page.screenshot(path=str(screenshot_dir / "03-required-error.png"), full_page=True)

    page.click("label[for=q-reason-late]")
    page.click("label[for=q-aspects-speed-2]")
    page.click("button.submit-button")
    page.wait_for_url(f"{live_server.url}/s/{token}/done/")
    assert "Thank you for your feedback!" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "04-thank-you-consent.png"), full_page=True)
    page.click("button[name=contact_consent][value=yes]")
    page.wait_for_selector(".consent-note")
    page.screenshot(path=str(screenshot_dir / "05-consent-given.png"), full_page=True)
    context.close()

    response = Response.objects.get(invitation=sent)
    assert (response.status, response.locale, response.contact_consent) == ("completed", "en", True)
    assert _answers(response) == {
        "nps": 3,
        "aspects": {"speed": 2},
        "reason": "late",
        "why": "汤洒了，骑手迟到二十分钟",
    }


def test_a_partial_response_resumes_in_a_second_browser(browser, live_server, screenshot_dir) -> None:
    _sent, token = invitation()
    first, page = _phone(browser, locale="zh-CN")
    page.goto(f"{live_server.url}/s/{token}/")
    page.click("label[for=q-nps-10]")
    page.fill("#q-praise-input", "<b>准时</b>")
    _wait_saved(page, "您的回答已保存。您可以稍后通过此链接继续填写。")
    first.close()

    second, page = _phone(browser, locale="en-US")
    page.goto(f"{live_server.url}/s/{token}/")
    assert page.locator("#q-nps-10").is_checked()
    assert page.locator("#q-praise").is_visible()
    assert page.locator("#q-praise-input").input_value() == "<b>准时</b>"
    assert page.locator("b").count() == 0
    page.screenshot(path=str(screenshot_dir / "01-resumed.png"), full_page=True)
    page.click("button.submit-button")
    page.wait_for_url(f"{live_server.url}/s/{token}/done/")
    second.close()
    assert _answers(Response.objects.get()) == {"nps": 10, "praise": "<b>准时</b>"}


def test_answering_with_javascript_off(browser, live_server, screenshot_dir) -> None:
    link = open_link()
    context, page = _phone(browser, locale="zh-CN", java_script_enabled=False)
    page.goto(f"{live_server.url}/o/{link.slug}/")
    # Without script every question shows; the server decides which answers count.
    assert page.locator("#q-praise").is_visible()
    assert page.locator("#q-praise .question__when").inner_text() == "如与您前面的回答相关，请作答。"
    page.screenshot(path=str(screenshot_dir / "01-no-script.png"), full_page=True)
    page.click("label[for=q-nps-9]")
    page.click("label[for=q-reason-cold]")  # a detractor question: discarded for a 9
    page.fill("#q-praise-input", "很快")
    page.click("button[name=switch_lang][value=en]")
    page.wait_for_url(f"{live_server.url}/o/{link.slug}/?lang=en")
    assert page.locator("#q-nps-9").is_checked()
    page.click("button.submit-button")
    page.wait_for_url(f"{live_server.url}/o/{link.slug}/done/")
    page.screenshot(path=str(screenshot_dir / "02-done.png"), full_page=True)
    context.close()
    response = Response.objects.get()
    assert (response.status, _answers(response)) == ("completed", {"nps": 9, "praise": "很快"})


def _axe(page, axe_script: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_pages_have_no_serious_accessibility_violations(browser, live_server, axe_script) -> None:
    _sent, token = invitation()
    # bypass_csp lets the audit inject axe; the pages themselves never run inline script.
    context, page = _phone(browser, locale="zh-CN", bypass_csp=True)
    page.goto(f"{live_server.url}/s/{token}/")
    page.click("label[for=q-nps-2]")
    assert _axe(page, axe_script) == []
    page.click("button.submit-button")
    page.wait_for_selector("#q-reason-error")
    assert _axe(page, axe_script) == []
    page.click("label[for=q-reason-late]")
    page.click("button.submit-button")
    page.wait_for_url(f"{live_server.url}/s/{token}/done/")
    assert _axe(page, axe_script) == []
    page.goto(f"{live_server.url}/s/{token}/?lang=en")
    assert _axe(page, axe_script) == []
    page.goto(f"{live_server.url}/s/unknown-token/")
    assert _axe(page, axe_script) == []
    context.close()


def _every_kind_definition() -> dict:
    from tests.responses.factories import DEFINITION

    def t(zh: str, en: str) -> dict:
        return {"zh-hans": zh, "en": en}

    def scale(low: int, high: int) -> dict:
        return {
            "min": low,
            "max": high,
            "min_label": t("非常不满意", "Very unhappy"),
            "max_label": t("非常满意", "Very happy"),
        }

    extra = [
        {
            "key": "csat",
            "kind": "csat",
            "text": t("您对本次配送满意吗？", "How satisfied are you?"),
            "scale": scale(1, 5),
        },
        {
            "key": "ces",
            "kind": "ces",
            "text": t("下单有多容易？", "How easy was ordering?"),
            "scale": scale(1, 7),
        },
        {"key": "stars", "kind": "rating", "text": t("请为骑手打星", "Rate the rider"), "scale": scale(1, 5)},
        {
            "key": "issues",
            "kind": "multiple_choice",
            "text": t("遇到了哪些问题？", "Which problems did you have?"),
            "choices": [
                {"key": "late", "label": t("送达太晚", "Late")},
                {"key": "cold", "label": t("餐凉了", "Cold")},
            ],
        },
    ]
    questions = [{"help_text": {}, "required": False, "condition": None, **q} for q in extra]
    return {**DEFINITION, "questions": [DEFINITION["questions"][0], *questions, *DEFINITION["questions"][1:]]}


def test_every_question_kind_fits_a_phone_and_passes_the_audit(
    browser, live_server, screenshot_dir, axe_script
) -> None:
    from tests.responses.factories import SurveyFactory, SurveyVersionFactory

    version = SurveyVersionFactory(
        survey=SurveyFactory(key="every-kind"), definition=_every_kind_definition()
    )
    link = open_link(survey_version=version)
    for lang in ("zh-hans", "en"):
        context, page = _phone(browser, bypass_csp=True)
        page.goto(f"{live_server.url}/o/{link.slug}/?lang={lang}")
        page.click("label[for=q-stars-4]")
        page.click("label[for=q-ces-7]")
        # Nothing is wider than the phone: no horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshot_dir / f"every-kind-{lang}.png"), full_page=True)
        assert _axe(page, axe_script) == []
        context.close()


def test_the_survey_can_be_answered_with_the_keyboard_alone(browser, live_server, screenshot_dir) -> None:
    sent, token = invitation()
    context, page = _phone(browser, locale="en-US")
    page.goto(f"{live_server.url}/s/{token}/?lang=en")
    # Tab from the language buttons into the NPS scale, then arrows pick a score.
    page.focus("button[name=switch_lang][value=en]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-nps-0"
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert page.locator("#q-nps-9").is_checked()
    # the focused option shows a visible focus ring
    outline = page.evaluate("getComputedStyle(document.querySelector('label[for=q-nps-9]')).outlineStyle")
    assert outline == "solid"
    page.wait_for_timeout(300)  # the colour change is a 0.1 s transition
    background = page.evaluate(
        "getComputedStyle(document.querySelector('label[for=q-nps-9]')).backgroundColor"
    )
    assert background == "rgb(11, 87, 208)"
    page.screenshot(path=str(screenshot_dir / "01-keyboard-focus.png"))
    page.focus("button.submit-button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/s/{token}/done/")
    context.close()
    assert _answers(Response.objects.get(invitation=sent)) == {"nps": 9}


_NPS_BOXES = """() => Array.from({length: 11}, (_, i) => {
    const label = document.querySelector(`label[for=q-nps-${i}]`);
    const box = label.getBoundingClientRect();
    return {text: label.textContent, x: box.x, y: box.y, width: box.width, height: box.height};
})"""


def _assert_one_row(boxes: list[dict], width: int) -> None:
    assert [box["text"] for box in boxes] == [str(i) for i in range(11)]
    # one row: the same top and height for all eleven, left to right, inside the screen
    assert {round(box["y"], 1) for box in boxes} == {round(boxes[0]["y"], 1)}
    assert {round(box["height"], 1) for box in boxes} == {round(boxes[0]["height"], 1)}
    lefts = [box["x"] for box in boxes]
    assert lefts == sorted(lefts)
    assert boxes[0]["x"] >= 0 and boxes[-1]["x"] + boxes[-1]["width"] <= width
    # tap targets: at least 24 x 44 px (WCAG 2.5.8 asks 24 x 24)
    assert min(box["width"] for box in boxes) >= 24
    assert min(box["height"] for box in boxes) >= 44


@pytest.mark.parametrize("width", [360, 390])
def test_the_0_to_10_scale_is_one_row_on_a_phone(
    browser, live_server, screenshot_dir, axe_script, width
) -> None:
    _sent, token = invitation()
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        device_scale_factor=1,
        has_touch=True,
        locale="zh-CN",
        bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    for lang in ("zh-hans", "en"):
        page.goto(f"{live_server.url}/s/{token}/?lang={lang}")
        boxes = page.evaluate(_NPS_BOXES)
        _assert_one_row(boxes, width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#q-nps").screenshot(path=str(screenshot_dir / f"{width}-{lang}-scale.png"))
    # with the error border of a required question left blank, still one row
    page.click("button.submit-button")
    page.wait_for_selector("#q-nps-error")
    _assert_one_row(page.evaluate(_NPS_BOXES), width)
    page.locator("#q-nps").screenshot(path=str(screenshot_dir / f"{width}-en-scale-error.png"))
    # every point keeps its name (the number) and the audit passes
    names = page.evaluate(
        "Array.from(document.querySelectorAll('input[name=q_nps]')).map(i => i.labels[0].textContent)"
    )
    assert names == [str(i) for i in range(11)]
    page.click("label[for=q-nps-10]")
    assert page.locator("#q-nps-10").is_checked()
    assert _axe(page, axe_script) == []
    page.screenshot(path=str(screenshot_dir / f"{width}-page.png"), full_page=True)
    context.close()
