"""The admin survey builder: locale widgets, question editing, preview, publish, duplicate,
starter templates, version history and the read-only versions."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, User
from django.test import override_settings
from django.urls import reverse

from surveys.forms import ConditionField, choices_parse
from surveys.models import Choice, Question, Survey, SurveyVersion
from surveys.roles import SURVEY_DESIGNERS, VIEWERS
from surveys.services import survey_publish
from surveys.widgets import LocaleMapField, LocaleMapWidget

# Helpers -------------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The values a browser would submit for the form with id ``form_id``."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(
                attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
            )
        elif tag == "textarea" and name:
            self.textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            if self.select_first is None:
                self.select_first = attrs.get("value", "")
            if "selected" in attrs:
                self.data.setdefault(self.select, []).append(attrs.get("value", ""))
                self.select_chosen = True

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline right after <textarea>.
            value = self.data[self.textarea][-1]
            self.data[self.textarea][-1] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "select" and self.select:
            if not self.select_chosen and "multiple" not in self.select:
                self.data.setdefault(self.select, []).append(self.select_first or "")
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def form_data(response, form_id: str = "survey_form") -> dict:
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    # The empty-form template of each inline is not submitted data.
    data = {name: values for name, values in parser.data.items() if "__prefix__" not in name}
    data.pop("csrfmiddlewaretoken", None)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def html_of(response) -> str:
    return response.content.decode()


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def make_survey(key: str = "after-delivery", *, why_en: str = "What could we do better?") -> Survey:
    survey = Survey.objects.create(
        key=key,
        audience="customer",
        locales=["zh-hans", "en"],
        default_locale="zh-hans",
        title={"zh-hans": "配送体验调查", "en": "Delivery experience"},
        thank_you={"zh-hans": "感谢您的反馈！", "en": "Thank you for your feedback!"},
        primary_question_key="nps",
    )
    Question.objects.create(
        survey=survey,
        position=1,
        key="nps",
        kind="nps",
        text={"zh-hans": "您向朋友推荐我们的可能性有多大？", "en": "How likely are you to recommend us?"},
        min_label={"zh-hans": "完全不可能", "en": "Not at all likely"},
        max_label={"zh-hans": "非常可能", "en": "Extremely likely"},
    )
    text = {"zh-hans": "哪里可以做得更好？"}
    if why_en:
        text["en"] = why_en
    Question.objects.create(
        survey=survey,
        position=2,
        key="why",
        kind="long_text",
        text=text,
        required=False,
        max_length=500,
        condition={"question": "nps", "op": "lte", "value": 6},
    )
    return survey


def change_url(survey: Survey) -> str:
    return reverse("admin:surveys_survey_change", args=[survey.pk])


def question_index(data: dict, key: str) -> int:
    for name, value in data.items():
        match = re.fullmatch(r"questions-(\d+)-key", name)
        if match and value == key:
            return int(match.group(1))
    raise AssertionError(f"no question {key} in the form")


@pytest.fixture
def designer(db) -> User:
    user = User.objects.create_user("ops", password="pw-ops-2026", is_staff=True)
    user.groups.add(Group.objects.get(name=SURVEY_DESIGNERS))
    return user


@pytest.fixture
def designer_client(client, designer):
    client.force_login(designer)
    return client


# Locale map widget and field -----------------------------------------------------------------


def test_locale_map_widget_renders_one_labelled_input_per_locale() -> None:
    # given a map in both locales
    widget = LocaleMapWidget(["zh-hans", "en"])
    # when rendered
    html = widget.render("text", {"zh-hans": "您好", "en": "Hello"}, attrs={"id": "id_text"})
    # then one input per locale, each with its own label and lang attribute
    assert 'name="text_zh-hans"' in html
    assert 'value="您好"' in html
    assert 'name="text_en"' in html
    assert 'value="Hello"' in html
    assert '<label class="locale-map__label" for="id_text_0">简体中文' in html
    assert '<label class="locale-map__label" for="id_text_1">English' in html
    assert 'lang="zh-hans"' in html


def test_locale_map_round_trip_drops_blank_values() -> None:
    # given the inputs of a rendered map, with English left blank
    field = LocaleMapField(locales=["zh-hans", "en"], required=False)
    posted = {"text_zh-hans": " 您好 ", "text_en": "   "}
    # when the form reads them back
    value = field.clean(field.widget.value_from_datadict(posted, {}, "text"))
    # then the map holds the stripped Chinese text and no English key
    assert value == {"zh-hans": "您好"}
    assert field.widget.decompress({"zh-hans": "您好", "en": "Hello"}) == ["您好", "Hello"]


def test_locale_map_required_means_at_least_one_locale() -> None:
    field = LocaleMapField(locales=["zh-hans", "en"], required=True)
    with pytest.raises(Exception) as excinfo:
        field.clean(["", ""])
    assert excinfo.value.messages == ["This field is required."]
    assert field.clean(["", "Hello"]) == {"en": "Hello"}


@override_settings(
    SURVEY_LOCALES=["zh-hans", "en", "ms"],
    LANGUAGES=[("zh-hans", "简体中文"), ("en", "English"), ("ms", "Bahasa Melayu")],
)
def test_a_third_locale_in_settings_adds_its_input() -> None:
    # given a third locale in settings only
    field = LocaleMapField()
    html = field.widget.render("title", {"en": "Hi", "ms": "Hai"}, attrs={"id": "id_title"})
    # then it is rendered and read back like the others
    assert re.findall(r'name="title_([a-z-]+)"', html) == ["zh-hans", "en", "ms"]
    assert "Bahasa Melayu" in html
    posted = {"title_zh-hans": "", "title_en": "Hi", "title_ms": "Hai"}
    assert field.clean(field.widget.value_from_datadict(posted, {}, "title")) == {"en": "Hi", "ms": "Hai"}


@pytest.mark.django_db
def test_a_third_locale_in_settings_appears_on_the_survey_page(admin_client) -> None:
    survey = make_survey()
    with override_settings(
        SURVEY_LOCALES=["zh-hans", "en", "ms"],
        LANGUAGES=[("zh-hans", "简体中文"), ("en", "English"), ("ms", "Bahasa Melayu")],
    ):
        response = admin_client.get(change_url(survey), HTTP_ACCEPT_LANGUAGE="en")
        data = form_data(response)
        assert [name for name in data if name.startswith("title_")] == [
            "title_zh-hans",
            "title_en",
            "title_ms",
        ]
        assert "questions-0-text_ms" in data
        data["title_ms"] = "Pengalaman penghantaran"
        data["questions-0-text_ms"] = "Sejauh manakah anda akan mengesyorkan kami?"
        assert admin_client.post(change_url(survey), data).status_code == 302
    survey.refresh_from_db()
    assert survey.title == {
        "zh-hans": "配送体验调查",
        "en": "Delivery experience",
        "ms": "Pengalaman penghantaran",
    }
    assert survey.questions.get(key="nps").text["ms"] == "Sejauh manakah anda akan mengesyorkan kami?"


@pytest.mark.django_db
def test_a_locale_dropped_from_settings_keeps_its_stored_text(admin_client) -> None:
    survey = make_survey()
    survey.title = {**survey.title, "ms": "Pengalaman penghantaran"}
    survey.save()
    data = form_data(admin_client.get(change_url(survey)))
    assert data["title_ms"] == "Pengalaman penghantaran"
    data["title_en"] = "Delivery experience, changed"
    assert admin_client.post(change_url(survey), data).status_code == 302
    survey.refresh_from_db()
    assert survey.title == {
        "zh-hans": "配送体验调查",
        "en": "Delivery experience, changed",
        "ms": "Pengalaman penghantaran",
    }


@pytest.mark.django_db
def test_survey_page_queries_do_not_grow_with_questions(admin_client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    survey = make_survey()
    # Once first: caches emptied by an earlier test (content types after a flush) fill here.
    admin_client.get(change_url(survey))
    with CaptureQueriesContext(connection) as two_questions:
        admin_client.get(change_url(survey))
    for number in range(3, 13):
        question = Question.objects.create(
            survey=survey, position=number, key=f"q{number}", kind="single_choice", text={"en": "?"}
        )
        Choice.objects.create(question=question, key="a", label={"en": "A"})
    with CaptureQueriesContext(connection) as twelve_questions:
        admin_client.get(change_url(survey))
    assert len(twelve_questions.captured_queries) == len(two_questions.captured_queries)


# Condition field and choices lines -----------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["", "", "", "", ""], None),
        (["nps", "", "lte", "6", ""], {"question": "nps", "op": "lte", "value": 6}),
        (
            ["reason", "", "in", "late, cold", ""],
            {"question": "reason", "op": "in", "value": ["late", "cold"]},
        ),
        (["nps", "", "in", "0, 1, 2", ""], {"question": "nps", "op": "in", "value": [0, 1, 2]}),
        (["why", "", "answered", "", ""], {"question": "why", "op": "answered"}),
        (
            ["aspects", "speed", "lte", "2", ""],
            {"question": "aspects", "item": "speed", "op": "lte", "value": 2},
        ),
        (
            ["", "", "", "", '{"any": [{"question": "nps", "op": "lte", "value": 6}]}'],
            {"any": [{"question": "nps", "op": "lte", "value": 6}]},
        ),
    ],
)
def test_condition_field_builds_the_documented_shape(parts, expected) -> None:
    assert ConditionField().clean(parts) == expected


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (
            ["nps", "", "", "6", ""],
            'The condition: the operator "" is unknown (use one of answered, contains, eq, '
            "gt, gte, in, lt, lte, ne, not_in).",
        ),
        (["nps", "", "lte", "", ""], "The condition: the operator lte needs a value."),
        (["", "", "lte", "6", ""], "The condition needs the key of an earlier question."),
        (["why", "", "answered", "yes", ""], "“was answered” takes no value."),
        (
            ["", "", "", "", "{nope"],
            "The JSON condition cannot be read: Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1).",
        ),
        (["", "", "", "", '{"all": []}'], "“all” needs a non-empty list of clauses."),
        (
            ["", "", "", "", '{"any": [{"question": "nps", "op": "near", "value": 1}]}'],
            'Clause 1: the operator "near" is unknown (use one of answered, contains, eq, gt, gte, in, lt, '
            "lte, ne, not_in).",
        ),
    ],
)
def test_condition_field_names_the_problem(parts, message) -> None:
    with pytest.raises(Exception) as excinfo:
        ConditionField().clean(parts)
    assert excinfo.value.messages == [message]


def test_choices_lines_parse_into_keys_and_locale_maps() -> None:
    assert choices_parse("late | 送达慢 | Late\n\ncold | 餐凉了 |\n") == [
        ("late", {"zh-hans": "送达慢", "en": "Late"}),
        ("cold", {"zh-hans": "餐凉了"}),
    ]


def test_choices_lines_name_every_bad_line() -> None:
    with pytest.raises(Exception) as excinfo:
        choices_parse("late | 慢 | Late | extra\nbad key | 坏\nok | 好 | OK\nok | 又 | Again")
    assert excinfo.value.messages == [
        "Line 1 has 4 parts; expected at most 3 (key | zh-hans | en).",
        "Line 2: the key “bad key” may use only letters, digits, - and _.",
        "Line 4: the key “ok” is used twice.",
    ]


# Pages render --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_changelist_shows_key_title_audience_status_version_and_changes(admin_client) -> None:
    # given one published survey and one draft
    published = make_survey("after-delivery")
    survey_publish(survey=published)
    make_survey("ticket-closed")
    # when the list is shown in English
    response = admin_client.get(reverse("admin:surveys_survey_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    # then each row has its key, title, audience, status and latest version
    assert response.status_code == 200
    text = page_text(response)
    assert "after-delivery Delivery experience Customer Published v1" in text
    assert "ticket-closed Delivery experience Customer Draft (never published) —" in text
    assert "Load a starter template" in text


@pytest.mark.django_db
def test_changelist_search_finds_chinese_titles_and_filters_by_status(admin_client) -> None:
    make_survey("after-delivery")
    other = make_survey("ticket-closed")
    other.title = {"zh-hans": "工单关闭回访", "en": "Ticket closed"}
    other.save()
    url = reverse("admin:surveys_survey_changelist")
    found = admin_client.get(url, {"q": "工单"})
    assert [s.key for s in found.context["cl"].result_list] == ["ticket-closed"]
    by_status = admin_client.get(url, {"status__exact": "draft"})
    assert [s.key for s in by_status.context["cl"].result_list] == ["after-delivery", "ticket-closed"]
    # a search keeps the filters: a published survey with a matching title is not listed
    survey_publish(survey=other)
    both = admin_client.get(url, {"q": "工单", "status__exact": "draft"})
    assert list(both.context["cl"].result_list) == []


@pytest.mark.django_db
def test_change_form_shows_locales_side_by_side_and_the_condition(admin_client) -> None:
    survey = make_survey()
    response = admin_client.get(change_url(survey), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="title_zh-hans"' in html
    assert 'value="配送体验调查"' in html
    assert 'name="title_en"' in html
    assert 'name="questions-1-text_en"' in html
    # the condition is editable field by field, and read out in the question's summary
    data = form_data(response)
    index = question_index(data, "why")
    assert data[f"questions-{index}-condition_question"] == "nps"
    assert data[f"questions-{index}-condition_op"] == "lte"
    assert data[f"questions-{index}-condition_value"] == "6"
    assert "Long text · optional · shown when nps ≤ 6" in page_text(response)
    # preview links for each locale, and the publish button
    preview = reverse("admin:surveys_survey_preview", args=[survey.pk])
    assert f'href="{preview}?lang=zh-hans"' in html
    assert f'href="{preview}?lang=en"' in html
    assert 'name="_publish"' in html


@pytest.mark.django_db
def test_admin_is_translated_into_chinese(admin_client) -> None:
    survey = make_survey()
    response = admin_client.get(change_url(survey), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    text = page_text(response)
    assert "保存并发布" in text
    assert "复制" in text
    listing = page_text(
        admin_client.get(reverse("admin:surveys_survey_changelist"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    )
    assert "加载入门模板" in listing


@pytest.mark.django_db
def test_change_form_says_whether_the_saved_draft_can_be_published(admin_client) -> None:
    ready = make_survey("ready")
    text = page_text(admin_client.get(change_url(ready), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Ready to publish?: Yes: the saved draft passes every check." in text
    incomplete = make_survey("incomplete", why_en="")
    text = page_text(admin_client.get(change_url(incomplete), HTTP_ACCEPT_LANGUAGE="en"))
    assert (
        "Not yet: 1 problem in the saved draft. "
        "Question 2 (why) · text.en : the question text has no en text." in text
    )
    # the inputs to fix are named for the page's script, which marks them
    assert (
        '<script id="publish-problems" type="application/json">[{"name": "questions-1-text_en", '
        in html_of(admin_client.get(change_url(incomplete), HTTP_ACCEPT_LANGUAGE="en"))
    )
    # the condition editor offers the survey's question keys
    html = admin_client.get(change_url(incomplete)).content.decode()
    assert '<datalist id="survey-question-keys"><option value="nps"><option value="why"></datalist>' in html
    assert 'list="survey-question-keys"' in html


@pytest.mark.django_db
def test_each_publish_problem_points_at_its_input() -> None:
    from surveys.admin_views import survey_problem_inputs

    # given a draft missing English in several places and a choice question without choices
    survey = make_survey(why_en="")
    survey.thank_you = {"zh-hans": "感谢您的反馈！"}
    survey.save()
    survey.questions.filter(key="nps").update(min_label={"zh-hans": "完全不可能"})
    Question.objects.create(
        survey=survey, position=3, key="reason", kind="single_choice", text={"en": "Why?"}
    )
    # then each problem names the input of the survey page to fix
    assert [mark["name"] for mark in survey_problem_inputs(survey)] == [
        "thank_you_en",
        "questions-0-min_label_en",
        "questions-1-text_en",
        "questions-2-text_zh-hans",
        "questions-2-choices_text",
    ]
    assert survey_problem_inputs(survey)[2]["message"] == "the question text has no en text."


# Editing questions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_reordering_questions_by_position(admin_client) -> None:
    # given nps (1) then why (2)
    survey = make_survey()
    survey.questions.filter(key="why").update(condition=None)
    data = form_data(admin_client.get(change_url(survey)))
    # when the positions are swapped
    data[f"questions-{question_index(data, 'nps')}-position"] = "2"
    data[f"questions-{question_index(data, 'why')}-position"] = "1"
    response = admin_client.post(change_url(survey), data)
    # then the draft order follows
    assert response.status_code == 302
    assert list(survey.questions.order_by("position").values_list("key", "position")) == [
        ("why", 1),
        ("nps", 2),
    ]
    survey.refresh_from_db()
    assert survey.has_unpublished_changes is True


@pytest.mark.django_db
def test_adding_a_question_with_blank_position_puts_it_last_with_its_choices(admin_client) -> None:
    survey = make_survey()
    data = form_data(admin_client.get(change_url(survey)))
    data.update(
        {
            "questions-TOTAL_FORMS": "3",
            "questions-2-position": "",
            "questions-2-key": "reason",
            "questions-2-kind": "single_choice",
            "questions-2-required": "on",
            "questions-2-text_zh-hans": "主要原因是什么？",
            "questions-2-text_en": "What was the main reason?",
            "questions-2-choices_text": "late | 送达慢 | Late\ncold | 餐凉了 | Cold food",
            "questions-2-survey": str(survey.pk),
        }
    )
    response = admin_client.post(change_url(survey), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert list(survey.questions.order_by("position").values_list("key", "position")) == [
        ("nps", 1),
        ("why", 2),
        ("reason", 3),
    ]
    reason = survey.questions.get(key="reason")
    assert reason.text == {"zh-hans": "主要原因是什么？", "en": "What was the main reason?"}
    assert list(reason.choices.values_list("position", "key", "label")) == [
        (1, "late", {"zh-hans": "送达慢", "en": "Late"}),
        (2, "cold", {"zh-hans": "餐凉了", "en": "Cold food"}),
    ]


@pytest.mark.django_db
def test_editing_choices_lines_updates_reorders_and_removes(admin_client) -> None:
    survey = make_survey()
    question = Question.objects.create(
        survey=survey, position=3, key="reason", kind="single_choice", text={"en": "Why?"}
    )
    Choice.objects.create(question=question, position=1, key="late", label={"en": "Late"})
    Choice.objects.create(question=question, position=2, key="cold", label={"en": "Cold"})
    data = form_data(admin_client.get(change_url(survey)))
    index = question_index(data, "reason")
    assert data[f"questions-{index}-choices_text"] == "late |  | Late\ncold |  | Cold"
    data[f"questions-{index}-choices_text"] = "rude | 态度差 | Rude rider\nlate | 送达慢 | Late"
    assert admin_client.post(change_url(survey), data).status_code == 302
    assert list(question.choices.order_by("position").values_list("key", "label")) == [
        ("rude", {"zh-hans": "态度差", "en": "Rude rider"}),
        ("late", {"zh-hans": "送达慢", "en": "Late"}),
    ]


@pytest.mark.django_db
def test_bad_choices_and_condition_are_shown_and_nothing_is_written(admin_client) -> None:
    survey = make_survey()
    data = form_data(admin_client.get(change_url(survey)))
    why = question_index(data, "why")
    nps = question_index(data, "nps")
    data[f"questions-{why}-condition_op"] = "near"
    data[f"questions-{nps}-choices_text"] = "bad key | 坏"
    data["title_en"] = "Changed title"
    response = admin_client.post(change_url(survey), data)
    assert response.status_code == 200
    text = page_text(response)
    assert (
        'The condition: the operator "near" is unknown (use one of answered, contains, eq, gt, gte, in, lt, '
        "lte, ne, not_in)." in text
    )
    assert "Line 1: the key “bad key” may use only letters, digits, - and _." in text
    survey.refresh_from_db()
    assert survey.title["en"] == "Delivery experience"
    assert survey.questions.get(key="why").condition == {"question": "nps", "op": "lte", "value": 6}


@pytest.mark.django_db
def test_a_json_condition_with_a_mistake_is_refused_with_the_reason(admin_client) -> None:
    survey = make_survey()
    data = form_data(admin_client.get(change_url(survey)))
    why = question_index(data, "why")
    for part in ("question", "item", "op", "value"):
        data[f"questions-{why}-condition_{part}"] = ""
    data[f"questions-{why}-condition_json"] = '{"all": [{"question": "nps", "op": "lte"}]}'
    response = admin_client.post(change_url(survey), data)
    assert response.status_code == 200
    assert "Clause 1: the operator lte needs a value." in page_text(response)
    assert survey.questions.get(key="why").condition == {"question": "nps", "op": "lte", "value": 6}


@pytest.mark.django_db
def test_question_page_edits_choices_as_rows(admin_client) -> None:
    survey = make_survey()
    question = Question.objects.create(
        survey=survey, position=3, key="aspects", kind="matrix", text={"zh-hans": "请打分", "en": "Rate"}
    )
    url = reverse("admin:surveys_question_change", args=[question.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    data = form_data(response, "question_form")
    data.update(
        {
            "choices-TOTAL_FORMS": "1",
            "choices-0-position": "1",
            "choices-0-key": "speed",
            "choices-0-label_zh-hans": "配送速度",
            "choices-0-label_en": "Delivery speed",
            "choices-0-question": str(question.pk),
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == change_url(survey)
    assert list(question.choices.values_list("key", "label")) == [
        ("speed", {"zh-hans": "配送速度", "en": "Delivery speed"})
    ]


# Preview -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "shown", "not_shown"),
    [
        ("zh-hans", ["您向朋友推荐我们的可能性有多大？", "完全不可能", "非常可能", "预览"], ["How likely"]),
        (
            "en",
            ["How likely are you to recommend us?", "Not at all likely", "Extremely likely", "Preview"],
            ["您向"],
        ),
    ],
)
def test_preview_renders_the_draft_in_each_locale(admin_client, lang, shown, not_shown) -> None:
    survey = make_survey()
    url = reverse("admin:surveys_survey_preview", args=[survey.pk])
    response = admin_client.get(url, {"lang": lang})
    assert response.status_code == 200
    assert response.templates[0].name == "survey/page.html"
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    text = page_text(response)
    for expected in shown:
        assert expected in text
    for unexpected in not_shown:
        assert unexpected not in text
    # the language links, the condition for a later script, no action and no inline script
    assert '<a href="?lang=en" lang="en" hreflang="en"' in html
    assert 'data-condition="{&quot;op&quot;: &quot;lte&quot;, &quot;question&quot;: &quot;nps&quot;, ' in html
    assert re.search(r"<form[^>]*action=", html) is None
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/survey.js" defer>']
    assert "style=" not in html


@pytest.mark.django_db
def test_preview_of_the_thank_you_page(admin_client) -> None:
    survey = make_survey()
    url = reverse("admin:surveys_survey_preview", args=[survey.pk])
    response = admin_client.get(url, {"lang": "zh-hans", "page": "thanks"})
    html = response.content.decode()
    assert '<p class="survey-thanks" role="status">感谢您的反馈！</p>' in html
    assert "<form" not in html
    assert '<a href="?lang=en&amp;page=thanks" lang="en" hreflang="en">English</a>' in html


@pytest.mark.django_db
def test_preview_of_an_incomplete_draft_falls_back_to_another_locale(admin_client) -> None:
    survey = make_survey(why_en="")
    response = admin_client.get(reverse("admin:surveys_survey_preview", args=[survey.pk]), {"lang": "en"})
    assert response.status_code == 200
    assert "哪里可以做得更好？" in page_text(response)


@pytest.mark.django_db
def test_preview_needs_a_staff_login(client) -> None:
    survey = make_survey()
    response = client.get(reverse("admin:surveys_survey_preview", args=[survey.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_respondent_page_shows_answers_and_errors_next_to_their_question(rf) -> None:
    # given a definition with every kind, answers and one error, as the real page will pass them
    from django.template.loader import render_to_string

    from surveys.starter_templates import template_definition

    definition = template_definition("customer-after-delivery")
    keys = [q["key"] for q in definition["questions"]]
    html = render_to_string(
        "survey/page.html",
        {
            "definition": definition,
            "locale": "en",
            "answers": {"nps": 4},
            "errors": {"nps": "Please pick a score from 0 to 10."},
            "form_action": "/s/abc/",
            "preview": False,
        },
        request=rf.get("/s/abc/"),
    )
    assert 'action="/s/abc/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'id="q-nps-4" value="4" checked' in html
    assert '<p class="question__error" id="q-nps-error">Please pick a score from 0 to 10.</p>' in html
    assert 'aria-describedby="q-nps-ends q-nps-error" aria-invalid="true"' in html
    assert '<a href="#q-nps">' in html
    for key in keys:
        assert f'id="q-{key}"' in html
    # every control has a label
    ids = set(re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    assert ids - labelled == set()


# Publish -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_with_a_missing_translation_lists_each_error_and_writes_no_version(admin_client) -> None:
    # given a draft whose second question has no English text and no thank-you text in English
    survey = make_survey(why_en="")
    survey.thank_you = {"zh-hans": "感谢您的反馈！"}
    survey.save()
    data = form_data(admin_client.get(change_url(survey), HTTP_ACCEPT_LANGUAGE="en"))
    data["_publish"] = "Save and publish"
    # when ops press "Save and publish"
    response = admin_client.post(change_url(survey), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    # then the page lists each problem with its question and field, and nothing was published
    assert response.status_code == 200
    assert messages_of(response)[1:] == [
        "Not published: after-delivery has 2 problem(s) to fix.",
        "Survey · thank_you.en: the thank-you text has no en text.",
        "Question 2 (why) · text.en: the question text has no en text.",
    ]
    assert "Question 2 (why) · text.en" in page_text(response)
    assert SurveyVersion.objects.count() == 0
    survey.refresh_from_db()
    assert survey.status == "draft"


@pytest.mark.django_db
def test_publish_with_a_valid_draft_creates_version_1_shown_in_the_history(admin_client) -> None:
    survey = make_survey()
    data = form_data(admin_client.get(change_url(survey)))
    data["_publish"] = "Save and publish"
    data["publish_note"] = "First version"
    response = admin_client.post(change_url(survey), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert messages_of(response)[1:] == ["Published after-delivery as version 1."]
    version = SurveyVersion.objects.get()
    assert (version.number, version.note, version.published_by.username) == (1, "First version", "admin")
    survey.refresh_from_db()
    assert (survey.status, survey.has_unpublished_changes) == ("published", False)
    # the history row: number, note, short checksum, links to the frozen definition
    html = response.content.decode()
    assert f'<code title="{version.checksum}">{version.checksum[:12]}</code>' in html
    assert reverse("admin:surveys_surveyversion_change", args=[version.pk]) in html
    assert "First version" in page_text(response)
    # publishing again with nothing changed is refused, with no second version
    again = admin_client.post(
        reverse("admin:surveys_survey_publish", args=[survey.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert messages_of(again) == ["Nothing changed since version 1: there is nothing to publish."]
    assert SurveyVersion.objects.count() == 1


@pytest.mark.django_db
def test_publish_action_from_the_list(admin_client) -> None:
    good = make_survey("after-delivery")
    make_survey("ticket-closed", why_en="")
    response = admin_client.post(
        reverse("admin:surveys_survey_changelist"),
        {"action": "publish_selected", "_selected_action": [str(s.pk) for s in Survey.objects.all()]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert messages_of(response) == [
        "Published after-delivery as version 1.",
        "Not published: ticket-closed has 1 problem(s) to fix.",
        "Question 2 (why) · text.en: the question text has no en text.",
    ]
    assert list(SurveyVersion.objects.values_list("survey__key", "number")) == [(good.key, 1)]


@pytest.mark.django_db
def test_a_viewer_cannot_publish_but_can_preview(client) -> None:
    survey = make_survey()
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.groups.add(Group.objects.get(name=VIEWERS))
    client.force_login(viewer)
    response = client.post(reverse("admin:surveys_survey_publish", args=[survey.pk]))
    assert response.status_code == 403
    assert SurveyVersion.objects.count() == 0
    page = client.get(change_url(survey))
    assert 'name="_publish"' not in page.content.decode()
    listing = client.get(reverse("admin:surveys_survey_changelist"))
    assert listing.context["action_form"] is None
    preview = client.get(reverse("admin:surveys_survey_preview", args=[survey.pk]), {"lang": "en"})
    assert preview.status_code == 200


@pytest.mark.django_db
def test_a_survey_designer_builds_and_publishes(designer_client) -> None:
    survey = make_survey()
    data = form_data(designer_client.get(change_url(survey)))
    data["_publish"] = "Save and publish"
    response = designer_client.post(change_url(survey), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert messages_of(response)[1:] == ["Published after-delivery as version 1."]
    assert SurveyVersion.objects.get().published_by.username == "ops"


# Duplicate and starter templates -------------------------------------------------------------


@pytest.mark.django_db
def test_duplicate_asks_for_the_key_and_copies_the_draft(admin_client) -> None:
    survey = make_survey()
    survey_publish(survey=survey)
    url = reverse("admin:surveys_survey_duplicate", args=[survey.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial == {"new_key": "after-delivery-copy"}
    response = admin_client.post(url, {"new_key": "after-delivery-2027"})
    copy = Survey.objects.get(key="after-delivery-2027")
    assert response["Location"] == change_url(copy)
    assert list(copy.questions.values_list("key", "position")) == [("nps", 1), ("why", 2)]
    assert (copy.status, copy.versions.count()) == ("draft", 0)


@pytest.mark.django_db
def test_duplicate_to_a_used_key_is_refused_on_the_form(admin_client) -> None:
    survey = make_survey()
    make_survey("taken")
    response = admin_client.post(
        reverse("admin:surveys_survey_duplicate", args=[survey.pk]),
        {"new_key": "taken"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"new_key": ["A survey with the key “taken” already exists."]}
    assert Survey.objects.count() == 2


@pytest.mark.django_db
def test_duplicate_action_for_several_surveys_uses_key_copy(admin_client) -> None:
    make_survey("a")
    make_survey("b")
    make_survey("a-copy")
    admin_client.post(
        reverse("admin:surveys_survey_changelist"),
        {
            "action": "duplicate_selected",
            "_selected_action": [str(s.pk) for s in Survey.objects.filter(key__in="ab")],
        },
    )
    assert sorted(Survey.objects.values_list("key", flat=True)) == ["a", "a-copy", "a-copy-2", "b", "b-copy"]


@pytest.mark.django_db
def test_starter_templates_are_listed_and_loaded(admin_client) -> None:
    url = reverse("admin:surveys_survey_templates")
    response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert [row["key"] for row in response.context["rows"]] == [
        "car-rental-return",
        "customer-after-delivery",
        "merchant-after-onboarding",
        "rider-experience",
        "support-ticket-closed",
    ]
    row = response.context["rows"][1]
    assert (row["title"]["en"], str(row["audience"]), row["question_count"]) == (
        "Your delivery experience",
        "Customer",
        5,
    )
    assert "Your delivery experience" in page_text(response)
    response = admin_client.post(url, {"template_key": "customer-after-delivery", "survey_key": ""})
    survey = Survey.objects.get(key="customer-after-delivery")
    assert response["Location"] == change_url(survey)
    assert survey.questions.count() > 0
    assert survey.status == "draft"


@pytest.mark.django_db
def test_loading_a_template_twice_under_the_same_key_is_refused(admin_client) -> None:
    url = reverse("admin:surveys_survey_templates")
    admin_client.post(url, {"template_key": "customer-after-delivery"})
    response = admin_client.post(url, {"template_key": "customer-after-delivery"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    # the blank key is refused on the form, naming the field's fix and a free key
    assert response.context["rows"][1]["form"].errors == {
        "survey_key": [
            "A survey with the template's key “customer-after-delivery” already exists: type a key for the "
            "new survey, e.g. customer-after-delivery-2."
        ]
    }
    assert Survey.objects.count() == 1
    response = admin_client.post(
        url,
        {"template_key": "customer-after-delivery", "survey_key": "customer-after-delivery"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (
        "A survey with the key “customer-after-delivery” already exists: type another key, e.g. "
        "customer-after-delivery-2." in page_text(response)
    )
    assert Survey.objects.count() == 1
    response = admin_client.post(url, {"template_key": "no-such-template"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "There is no starter template 'no-such-template'." in page_text(response)
    assert Survey.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "placeholder", "taken_help", "free_help"),
    [
        (
            "en",
            'placeholder="e.g. customer-after-delivery-2"',
            "A survey with the key “customer-after-delivery” exists: type a key for the new one, e.g. "
            "customer-after-delivery-2.",
            "Blank: the template's own key, rider-experience.",
        ),
        (
            "zh-CN,zh;q=0.9",
            'placeholder="例如 customer-after-delivery-2"',
            "标识为“customer-after-delivery”的问卷已存在："
            "请为新问卷输入一个标识，例如 customer-after-delivery-2。",
            "留空：使用模板自己的标识 rider-experience。",
        ),
    ],
)
def test_the_template_key_placeholder_is_an_example_and_the_help_says_what_to_type(
    admin_client, accept, placeholder, taken_help, free_help
) -> None:
    url = reverse("admin:surveys_survey_templates")
    admin_client.post(url, {"template_key": "customer-after-delivery"})
    html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    # the taken template's input is empty, its placeholder an example of a free key
    assert re.search(
        r'<input type="text" name="survey_key" id="survey-key-2" maxlength="80" class="survey-key-input"\s+'
        r'value=""\s+' + re.escape(placeholder),
        html,
    )
    assert taken_help in html
    assert free_help in html
    # a free key taken in turn moves the example on
    admin_client.post(
        url, {"template_key": "customer-after-delivery", "survey_key": "customer-after-delivery-2"}
    )
    assert "customer-after-delivery-3" in admin_client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content.decode()


# Versions are read-only ----------------------------------------------------------------------


@pytest.mark.django_db
def test_survey_version_admin_is_read_only_for_everyone(admin_client) -> None:
    survey = make_survey()
    version = survey_publish(survey=survey, note="v1")
    url = reverse("admin:surveys_surveyversion_change", args=[version.pk])
    # viewing works and shows the frozen definition and preview links
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "您向朋友推荐我们的可能性有多大？" in response.content.decode()
    assert 'name="_save"' not in response.content.decode()
    # change, delete and add are refused even for a superuser
    assert admin_client.post(url, {"note": "rewritten"}).status_code == 403
    assert (
        admin_client.post(reverse("admin:surveys_surveyversion_delete", args=[version.pk])).status_code == 403
    )
    assert admin_client.get(reverse("admin:surveys_surveyversion_add")).status_code == 403
    version.refresh_from_db()
    assert version.note == "v1"
    assert SurveyVersion.objects.count() == 1
    # the frozen version previews through the respondent template
    preview = admin_client.get(
        reverse("admin:surveys_surveyversion_preview", args=[version.pk]), {"lang": "en"}
    )
    assert "How likely are you to recommend us?" in page_text(preview)


# Read-only pages are readable -----------------------------------------------------------------


def _viewer_client(client):
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.groups.add(Group.objects.get(name=VIEWERS))
    client.force_login(viewer)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en", "zh-CN,zh;q=0.9"])
def test_a_viewers_survey_page_shows_both_languages_as_text(client, accept) -> None:
    survey = make_survey()
    html = html_of(_viewer_client(client).get(change_url(survey), HTTP_ACCEPT_LANGUAGE=accept))
    # no JSON anywhere on the page
    assert "&quot;zh-hans&quot;" not in html and '{"zh-hans"' not in html
    assert "[&quot;zh-hans&quot;" not in html
    # each text in both languages, each language named in its own words
    assert (
        '<dl class="locale-text"><div><dt>简体中文</dt><dd lang="zh-hans">配送体验调查</dd></div>'
        '<div><dt>English</dt><dd lang="en">Delivery experience</dd></div></dl>'
    ) in html
    assert (
        '<div><dt>简体中文</dt><dd lang="zh-hans">哪里可以做得更好？</dd></div>'
        '<div><dt>English</dt><dd lang="en">What could we do better?</dd></div>'
    ) in html
    assert '<div class="readonly">简体中文, English</div>' in html  # the survey's locales
    assert '<div class="readonly">nps ≤ 6</div>' in html  # a condition, read
    # and no editing inputs
    assert 'name="title_zh-hans"' not in html


@pytest.mark.django_db
def test_a_viewers_question_page_lists_the_choices_in_both_languages(client) -> None:
    survey = make_survey()
    question = Question.objects.create(
        survey=survey,
        key="reason",
        kind="single_choice",
        position=3,
        text={"zh-hans": "原因", "en": "Reason"},
    )
    Choice.objects.create(question=question, key="late", position=1, label={"zh-hans": "太晚", "en": "Late"})
    viewer = _viewer_client(client)
    page = html_of(viewer.get(change_url(survey)))
    assert (
        '<li><code>late</code> <dl class="locale-text">'
        '<div><dt>简体中文</dt><dd lang="zh-hans">太晚</dd></div>'
        '<div><dt>English</dt><dd lang="en">Late</dd></div></dl></li>'
    ) in page
    own = html_of(viewer.get(reverse("admin:surveys_question_change", args=[question.pk])))
    assert '<div><dt>English</dt><dd lang="en">Reason</dd></div>' in own
    assert '<div><dt>English</dt><dd lang="en">Late</dd></div>' in own
    assert "&quot;zh-hans&quot;" not in own


@pytest.mark.django_db
def test_a_designer_still_edits_the_texts_per_language(designer_client) -> None:
    html = html_of(designer_client.get(change_url(make_survey())))
    assert 'name="title_zh-hans"' in html and 'name="title_en"' in html
    assert '<dl class="locale-text">' not in html
