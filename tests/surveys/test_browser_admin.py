"""In headless Chromium: an ops user builds a bilingual survey in the admin, sees a missing
translation refused, fixes it, publishes, and previews the respondent page in both languages.

Screenshots of each step go to test-artifacts/screenshots/<test name>/ (ignored by git).
"""

import pytest
from django.contrib.auth.models import User

from surveys.models import Survey, SurveyVersion
from surveys.selectors import survey_templates
from surveys.services import survey_template_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_VIEWPORT = {"width": 1280, "height": 900}
PHONE_VIEWPORT = {"width": 360, "height": 740}


def test_build_refuse_fix_publish_and_preview_a_bilingual_survey(
    browser, live_server, screenshot_dir
) -> None:
    User.objects.create_superuser("ops", "ops@example.com", "demo-ops-2026")
    context = browser.new_context(viewport=ADMIN_VIEWPORT, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # Log in and open a new survey.
    page.goto(f"{live_server.url}/admin/login/?next=/admin/surveys/survey/add/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "demo-ops-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#survey_form")
    page.screenshot(path=str(screenshot_dir / "01-add-survey.png"), full_page=True)

    # The survey texts, side by side in Chinese and English.
    page.fill("#id_key", "after-delivery")
    page.select_option("#id_audience", "customer")
    page.fill("input[name='title_zh-hans']", "配送体验调查")
    page.fill("input[name='title_en']", "Delivery experience")
    page.fill("textarea[name='thank_you_zh-hans']", "感谢您的反馈！")
    page.fill("textarea[name='thank_you_en']", "Thank you for your feedback!")
    page.fill("#id_primary_question_key", "nps")

    # Two questions: an NPS, then a long text shown when nps <= 6, its English text left empty.
    add_question = page.locator("#questions-group .add-row a")
    add_question.click()
    add_question.click()
    page.fill("#id_questions-0-key", "nps")
    page.select_option("#id_questions-0-kind", "nps")
    page.fill("input[name='questions-0-text_zh-hans']", "您向朋友推荐我们的可能性有多大？")
    page.fill("input[name='questions-0-text_en']", "How likely are you to recommend us?")
    page.fill("input[name='questions-0-min_label_zh-hans']", "完全不可能")
    page.fill("input[name='questions-0-min_label_en']", "Not at all likely")
    page.fill("input[name='questions-0-max_label_zh-hans']", "非常可能")
    page.fill("input[name='questions-0-max_label_en']", "Extremely likely")
    page.fill("#id_questions-1-key", "why")
    page.select_option("#id_questions-1-kind", "long_text")
    page.uncheck("#id_questions-1-required")
    page.fill("input[name='questions-1-text_zh-hans']", "哪里可以做得更好？")
    page.fill("#id_questions-1-max_length", "500")
    page.fill("#id_questions-1-condition_0", "nps")
    page.select_option("#id_questions-1-condition_2", "lte")
    page.fill("#id_questions-1-condition_3", "6")
    page.screenshot(path=str(screenshot_dir / "02-two-questions.png"), full_page=True)

    # Publishing is refused, naming the question and the field.
    page.locator("input[name='_publish']").last.click()
    page.wait_for_selector(".messagelist")
    errors = [text.strip() for text in page.locator(".messagelist li.error").all_text_contents()]
    assert errors == [
        "Not published: after-delivery has 1 problem(s) to fix.",
        "Question 2 (why) · text.en: the question text has no en text.",
    ]
    assert SurveyVersion.objects.count() == 0
    # the empty English input is marked where it is, with the reason beside it
    missing = page.locator("input[name='questions-1-text_en']")
    assert missing.get_attribute("aria-invalid") == "true"
    assert page.locator(".publish-problem__note").all_text_contents() == ["the question text has no en text."]
    missing.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "03-missing-translation-refused.png"), full_page=True)
    page.screenshot(path=str(screenshot_dir / "03b-missing-input-marked.png"))

    # Fix the translation and publish: version 1 appears in the history.
    page.fill("input[name='questions-1-text_en']", "What could we do better?")
    page.fill("#id_publish_note", "First version")
    page.locator("input[name='_publish']").last.click()
    page.wait_for_selector(".messagelist li.success >> text=Published after-delivery as version 1")
    history = page.locator("#versions-group tbody tr").first
    assert history.locator("td.field-number").inner_text() == "1"
    assert history.locator("td.field-note").inner_text() == "First version"
    page.locator("#versions-group").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "04-published-version-1.png"), full_page=True)
    survey = Survey.objects.get(key="after-delivery")
    assert list(survey.versions.values_list("number", flat=True)) == [1]

    # Preview on a phone, in Chinese then English; the follow-up shows once nps <= 6 is picked.
    phone = context.new_page()
    phone.set_viewport_size(PHONE_VIEWPORT)
    preview = f"{live_server.url}/admin/surveys/survey/{survey.pk}/preview/"
    phone.goto(f"{preview}?lang=zh-hans")
    assert phone.locator("h1").inner_text() == "配送体验调查"
    assert phone.locator("#q-nps legend").inner_text() == "您向朋友推荐我们的可能性有多大？"
    assert phone.locator("#q-why").is_hidden()
    phone.screenshot(path=str(screenshot_dir / "05-preview-zh.png"), full_page=True)
    phone.click("label[for='q-nps-3']")
    assert phone.locator("#q-why").is_visible()
    assert phone.locator("label[for='q-why-input']").inner_text() == "哪里可以做得更好？ （选填）"
    phone.fill("#q-why-input", "骑手送错了地址")
    assert phone.locator("#q-why-counter").inner_text() == "已输入 7 / 500 字"
    phone.screenshot(path=str(screenshot_dir / "06-preview-zh-follow-up.png"), full_page=True)

    phone.click("a[hreflang='en']")
    phone.wait_for_url("**lang=en")
    assert phone.locator("h1").inner_text() == "Delivery experience"
    assert phone.locator("#q-nps legend").inner_text() == "How likely are you to recommend us?"
    phone.click("label[for='q-nps-6']")
    assert phone.locator("label[for='q-why-input']").inner_text() == "What could we do better? (optional)"
    phone.screenshot(path=str(screenshot_dir / "07-preview-en.png"), full_page=True)
    phone.click("label[for='q-nps-9']")
    assert phone.locator("#q-why").is_hidden()
    context.close()


def test_starter_templates_preview_on_a_phone_without_sideways_scrolling(
    browser, live_server, screenshot_dir
) -> None:
    # Given one survey loaded through the admin's template page, and the other templates
    User.objects.create_superuser("ops", "ops@example.com", "demo-ops-2026")
    context = browser.new_context(viewport=ADMIN_VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/surveys/survey/templates/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "demo-ops-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("table.starter-templates")
    page.screenshot(path=str(screenshot_dir / "01-templates.png"), full_page=True)
    page.click("button[value='customer-after-delivery']")
    page.wait_for_selector(".messagelist li.success")
    for info in survey_templates():
        if info.key != "customer-after-delivery":
            survey_template_load(template_key=info.key)

    # When each preview is opened on a 360 px phone in each language
    page.set_viewport_size(PHONE_VIEWPORT)
    for survey in Survey.objects.order_by("key"):
        kinds = set(survey.questions.values_list("kind", flat=True))
        for lang in ("zh-hans", "en"):
            page.goto(f"{live_server.url}/admin/surveys/survey/{survey.pk}/preview/?lang={lang}")
            # Then nothing is wider than the screen, and every question kind is there
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE_VIEWPORT["width"], (survey.key, lang, width)
            shown = set(page.eval_on_selector_all("[data-kind]", "els => els.map(e => e.dataset.kind)"))
            assert shown == kinds
            # the scale buttons are tap targets of at least 24 px wide (WCAG 2.2, 2.5.8) and 44 px
            # tall, a 0-10 scale's eleven in one row (docs/respondent-pages.md)
            for box in page.locator(".scale__option:visible").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])"
            ):
                assert box[0] >= 24
                assert box[1] >= 44
            page.screenshot(path=str(screenshot_dir / f"02-{survey.key}-{lang}.png"), full_page=True)
    context.close()


def test_up_down_buttons_reorder_questions(browser, live_server, screenshot_dir) -> None:
    # Given a survey whose questions are nps (1) then why (2)
    User.objects.create_superuser("ops", "ops@example.com", "demo-ops-2026")
    survey = survey_template_load(template_key="customer-after-delivery")
    before = list(survey.questions.order_by("position").values_list("key", flat=True))
    context = browser.new_context(viewport=ADMIN_VIEWPORT, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/surveys/survey/{survey.pk}/change/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "demo-ops-2026")
    page.click("input[type=submit]")
    page.wait_for_selector("#survey_form")
    # When the first question is moved down with its button and the survey saved
    page.locator("#questions-group .inline-related:not(.empty-form)").first.get_by_role(
        "button", name="Move this question down"
    ).click()
    page.screenshot(path=str(screenshot_dir / "01-moved-down.png"), full_page=True)
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist li.success")
    # Then the first two questions swapped places and the rest kept theirs
    after = list(survey.questions.order_by("position").values_list("key", flat=True))
    assert after == [before[1], before[0], *before[2:]]
    context.close()
