"""Every publish check of surveys.validation, with its exact path, field and code (no database)."""

import copy

import pytest
from django.utils import translation

from surveys.errors import SurveyErrorCode as Code
from surveys.validation import KINDS, DefinitionError, definition_errors

LOCALES = ["zh-hans", "en"]
DELETE = object()


def t(zh: str, en: str) -> dict:
    return {"zh-hans": zh, "en": en}


def valid_definition() -> dict:
    return {
        "schema": 1,
        "key": "after-delivery",
        "version": 1,
        "audience": "customer",
        "locales": ["zh-hans", "en"],
        "default_locale": "zh-hans",
        "title": t("配送体验调查", "Delivery experience"),
        "introduction": {},
        "thank_you": t("感谢您的反馈！", "Thank you for your feedback!"),
        "primary_question": "nps",
        "questions": [
            {
                "key": "nps",
                "kind": "nps",
                "text": t("您向朋友推荐我们的可能性有多大？", "How likely are you to recommend us?"),
                "help_text": {},
                "required": True,
                "scale": {
                    "min": 0,
                    "max": 10,
                    "min_label": t("完全不可能", "Not at all likely"),
                    "max_label": t("非常可能", "Extremely likely"),
                },
                "condition": None,
            },
            {
                "key": "aspects",
                "kind": "matrix",
                "text": t("请为以下方面打分", "Rate each of these"),
                "help_text": {},
                "required": False,
                "scale": {
                    "min": 1,
                    "max": 5,
                    "min_label": t("非常不满意", "Very dissatisfied"),
                    "max_label": t("非常满意", "Very satisfied"),
                },
                "items": [
                    {"key": "delivery_speed", "label": t("配送速度", "Delivery speed")},
                    {"key": "rider_attitude", "label": t("骑手态度", "Rider's attitude")},
                ],
                "condition": None,
            },
            {
                "key": "channel",
                "kind": "single_choice",
                "text": t("您通过哪里下单？", "Where did you order?"),
                "help_text": {},
                "required": True,
                "choices": [
                    {"key": "app", "label": t("App", "App")},
                    {"key": "phone", "label": t("电话", "Phone")},
                ],
                "condition": None,
            },
            {
                "key": "extras",
                "kind": "multiple_choice",
                "text": t("您需要哪些附加物品？", "Which extras did you need?"),
                "help_text": {},
                "required": False,
                "choices": [
                    {"key": "cutlery", "label": t("餐具", "Cutlery")},
                    {"key": "napkins", "label": t("纸巾", "Napkins")},
                ],
                "condition": None,
            },
            {
                "key": "why",
                "kind": "long_text",
                "text": t("哪里可以做得更好？", "What could we do better?"),
                "help_text": {},
                "required": False,
                "max_length": 2000,
                "condition": {"question": "nps", "op": "lte", "value": 6},
            },
        ],
    }


def changed(*changes: tuple[str, object]) -> dict:
    """The valid definition with each dotted path set to a value (or deleted)."""
    definition = valid_definition()
    for dotted, value in changes:
        *parents, last = dotted.split(".")
        target = definition
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is DELETE:
            del target[last]
        else:
            target[last] = value
    return definition


def found(definition: dict, allowed: list[str] = LOCALES) -> list[tuple[str, str, str]]:
    return [(e.path, e.field, e.code) for e in definition_errors(definition, allowed_locales=allowed)]


NPS = "questions[0] (nps)"
ASPECTS = "questions[1] (aspects)"
CHANNEL = "questions[2] (channel)"
EXTRAS = "questions[3] (extras)"
WHY = "questions[4] (why)"


def test_the_valid_definition_has_no_errors() -> None:
    assert found(valid_definition()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param([("title.en", DELETE)], [("survey", "title.en", Code.MISSING_TRANSLATION)], id="title"),
        pytest.param(
            [("thank_you.zh-hans", "  ")],
            [("survey", "thank_you.zh-hans", Code.MISSING_TRANSLATION)],
            id="thank-you",
        ),
        pytest.param(
            [("introduction", {"zh-hans": "您好"})],
            [("survey", "introduction.en", Code.MISSING_TRANSLATION)],
            id="introduction-one-locale-only",
        ),
        pytest.param([("introduction", t("您好", "Hello"))], [], id="introduction-complete"),
        pytest.param(
            [("questions.4.text.en", DELETE)],
            [(WHY, "text.en", Code.MISSING_TRANSLATION)],
            id="question-text",
        ),
        pytest.param(
            [("questions.0.help_text", {"en": "0 means not at all"})],
            [(NPS, "help_text.zh-hans", Code.MISSING_TRANSLATION)],
            id="help-text-one-locale-only",
        ),
        pytest.param(
            [("questions.2.choices.1.label.zh-hans", "")],
            [(CHANNEL, "choices[1].label.zh-hans", Code.MISSING_TRANSLATION)],
            id="choice-label",
        ),
        pytest.param(
            [("questions.1.items.0.label.en", DELETE)],
            [(ASPECTS, "items[0].label.en", Code.MISSING_TRANSLATION)],
            id="matrix-item-label",
        ),
        pytest.param(
            [("questions.0.scale.max_label.en", DELETE)],
            [(NPS, "scale.max_label.en", Code.MISSING_TRANSLATION)],
            id="scale-end-label",
        ),
        pytest.param(
            [("questions.1.scale.min_label", {})],
            [
                (ASPECTS, "scale.min_label.zh-hans", Code.MISSING_TRANSLATION),
                (ASPECTS, "scale.min_label.en", Code.MISSING_TRANSLATION),
            ],
            id="matrix-end-label-empty",
        ),
        pytest.param(
            [("title", "Delivery")], [("survey", "title", Code.NOT_A_LOCALE_MAP)], id="title-not-a-map"
        ),
        pytest.param(
            [("questions.0.text", ["您好", "Hello"])],
            [(NPS, "text", Code.NOT_A_LOCALE_MAP)],
            id="text-not-a-map",
        ),
    ],
)
def test_translations(changes, expected) -> None:
    assert found(changed(*changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [("questions.3.key", "channel")],
            [("questions[3] (channel)", "key", Code.DUPLICATE_KEY)],
            id="question-key",
        ),
        pytest.param(
            [("questions.2.choices.1.key", "app")],
            [(CHANNEL, "choices[1].key", Code.DUPLICATE_KEY)],
            id="choice-key",
        ),
        pytest.param(
            [("questions.1.items.1.key", "delivery_speed")],
            [(ASPECTS, "items[1].key", Code.DUPLICATE_KEY)],
            id="matrix-item-key",
        ),
        pytest.param(
            [("key", "after delivery")], [("survey", "key", Code.BAD_KEY)], id="survey-key-not-slug"
        ),
        pytest.param(
            [("questions.3.key", "额外")],
            [("questions[3] (额外)", "key", Code.BAD_KEY)],
            id="question-key-not-slug",
        ),
        pytest.param(
            [("questions.3.key", "x" * 65)],
            [(f"questions[3] ({'x' * 65})", "key", Code.BAD_KEY)],
            id="key-too-long",
        ),
        pytest.param(
            [("questions.2.choices.0.key", "")],
            [(CHANNEL, "choices[0].key", Code.BAD_KEY)],
            id="choice-key-empty",
        ),
        pytest.param(
            [("questions.3.kind", "ranking")], [(EXTRAS, "kind", Code.UNKNOWN_KIND)], id="unknown-kind"
        ),
        pytest.param(
            [("audience", "courier")], [("survey", "audience", Code.UNKNOWN_AUDIENCE)], id="audience"
        ),
        pytest.param(
            [("questions", [])],
            [
                ("survey", "questions", Code.NO_QUESTIONS),
                ("survey", "primary_question", Code.PRIMARY_QUESTION_MISSING),
            ],
            id="no-questions",
        ),
        pytest.param(
            [("questions.2", "channel")], [("questions[2]", "", Code.MALFORMED)], id="question-not-object"
        ),
        pytest.param(
            [("questions.2.required", "yes")], [(CHANNEL, "required", Code.MALFORMED)], id="required"
        ),
    ],
)
def test_keys_and_structure(changes, expected) -> None:
    assert found(changed(*changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [("questions.2.choices", [{"key": "app", "label": t("App", "App")}])],
            [(CHANNEL, "choices", Code.TOO_FEW_CHOICES)],
            id="one-choice",
        ),
        pytest.param(
            [("questions.3.choices", [])], [(EXTRAS, "choices", Code.TOO_FEW_CHOICES)], id="no-choices"
        ),
        pytest.param(
            [("questions.3.choices", DELETE)], [(EXTRAS, "choices", Code.TOO_FEW_CHOICES)], id="missing"
        ),
        pytest.param([("questions.1.items", [])], [(ASPECTS, "items", Code.NO_ITEMS)], id="matrix-no-items"),
        pytest.param(
            [("questions.1.scale.min", 5)],
            [(ASPECTS, "scale.max", Code.BAD_SCALE)],
            id="matrix-min-not-below-max",
        ),
        pytest.param(
            [("questions.1.scale.min", 0), ("questions.1.scale.max", 11)],
            [(ASPECTS, "scale.max", Code.BAD_SCALE)],
            id="matrix-12-points",
        ),
        pytest.param(
            [("questions.1.scale.min", 0), ("questions.1.scale.max", 10)], [], id="matrix-11-points-is-fine"
        ),
        pytest.param([("questions.1.scale.max", 2)], [], id="matrix-2-points-is-fine"),
        pytest.param(
            [("questions.1.scale.max", "5")],
            [(ASPECTS, "scale.max", Code.BAD_SCALE)],
            id="matrix-bound-not-int",
        ),
        pytest.param(
            [("questions.1.scale", DELETE)], [(ASPECTS, "scale", Code.BAD_SCALE)], id="matrix-no-scale"
        ),
        pytest.param(
            [("questions.0.scale.max", 5)],
            [
                (NPS, "scale.max", Code.BAD_SCALE),
                (WHY, "condition", Code.CONDITION_IMPOSSIBLE_VALUE),
            ],
            id="nps-0-5-also-makes-the-condition-impossible",
        ),
        pytest.param(
            [("questions.4.max_length", 0)], [(WHY, "max_length", Code.BAD_MAX_LENGTH)], id="max-length-zero"
        ),
        pytest.param(
            [("questions.4.max_length", "long")],
            [(WHY, "max_length", Code.BAD_MAX_LENGTH)],
            id="max-length-text",
        ),
        pytest.param([("questions.4.max_length", DELETE)], [], id="max-length-defaults"),
    ],
)
def test_choices_items_and_scales(changes, expected) -> None:
    assert found(changed(*changes)) == expected


@pytest.mark.parametrize(
    ("kind", "low", "high"), [("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7), ("rating", 1, 5)]
)
def test_fixed_scales_accept_only_their_bounds(kind: str, low: int, high: int) -> None:
    def with_scale(scale_min: int, scale_max: int) -> dict:
        return changed(
            ("questions.0.kind", kind),
            ("questions.0.scale.min", scale_min),
            ("questions.0.scale.max", scale_max),
            ("questions.4.condition", None),
        )

    assert found(with_scale(low, high)) == []
    assert found(with_scale(low + 1, high)) == [(NPS, "scale.min", Code.BAD_SCALE)]
    assert found(with_scale(low, high - 1)) == [(NPS, "scale.max", Code.BAD_SCALE)]
    assert found(with_scale(low, high + 1)) == [(NPS, "scale.max", Code.BAD_SCALE)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [("primary_question", "")],
            [("survey", "primary_question", Code.PRIMARY_QUESTION_MISSING)],
            id="empty",
        ),
        pytest.param(
            [("primary_question", "csat")],
            [("survey", "primary_question", Code.PRIMARY_QUESTION_MISSING)],
            id="not-in-survey",
        ),
        pytest.param(
            [("primary_question", "channel")],
            [("survey", "primary_question", Code.PRIMARY_QUESTION_NOT_SCALE)],
            id="choice-question",
        ),
        pytest.param(
            [("primary_question", "aspects")],
            [("survey", "primary_question", Code.PRIMARY_QUESTION_NOT_SCALE)],
            id="matrix",
        ),
    ],
)
def test_primary_question(changes, expected) -> None:
    assert found(changed(*changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            [("locales", ["zh-hans", "en", "fr"])],
            [("survey", "locales", Code.UNKNOWN_LOCALE)],
            id="not-allowed",
        ),
        pytest.param([("locales", [])], [("survey", "locales", Code.BAD_LOCALES)], id="empty"),
        pytest.param([("locales", "zh-hans")], [("survey", "locales", Code.BAD_LOCALES)], id="not-a-list"),
        pytest.param(
            [("locales", ["en", "en"])],
            [
                ("survey", "locales", Code.BAD_LOCALES),
                ("survey", "default_locale", Code.DEFAULT_LOCALE_NOT_DECLARED),
            ],
            id="twice",
        ),
        pytest.param(
            [("default_locale", "fr")],
            [("survey", "default_locale", Code.DEFAULT_LOCALE_NOT_DECLARED)],
            id="default-not-declared",
        ),
        pytest.param(
            [("locales", ["en"]), ("default_locale", "en"), ("title.zh-hans", DELETE)],
            [],
            id="english-only-survey-needs-no-chinese",
        ),
    ],
)
def test_locales(changes, expected) -> None:
    assert found(changed(*changes)) == expected


def test_a_third_locale_is_a_settings_change_and_every_required_text_needs_it() -> None:
    definition = changed(("locales", ["zh-hans", "en", "ja"]))

    errors = found(definition, allowed=["zh-hans", "en", "ja"])

    assert errors == [
        ("survey", "title.ja", Code.MISSING_TRANSLATION),
        ("survey", "thank_you.ja", Code.MISSING_TRANSLATION),
        (NPS, "text.ja", Code.MISSING_TRANSLATION),
        (NPS, "scale.min_label.ja", Code.MISSING_TRANSLATION),
        (NPS, "scale.max_label.ja", Code.MISSING_TRANSLATION),
        (ASPECTS, "text.ja", Code.MISSING_TRANSLATION),
        (ASPECTS, "scale.min_label.ja", Code.MISSING_TRANSLATION),
        (ASPECTS, "scale.max_label.ja", Code.MISSING_TRANSLATION),
        (ASPECTS, "items[0].label.ja", Code.MISSING_TRANSLATION),
        (ASPECTS, "items[1].label.ja", Code.MISSING_TRANSLATION),
        (CHANNEL, "text.ja", Code.MISSING_TRANSLATION),
        (CHANNEL, "choices[0].label.ja", Code.MISSING_TRANSLATION),
        (CHANNEL, "choices[1].label.ja", Code.MISSING_TRANSLATION),
        (EXTRAS, "text.ja", Code.MISSING_TRANSLATION),
        (EXTRAS, "choices[0].label.ja", Code.MISSING_TRANSLATION),
        (EXTRAS, "choices[1].label.ja", Code.MISSING_TRANSLATION),
        (WHY, "text.ja", Code.MISSING_TRANSLATION),
    ]


def on_why(condition) -> dict:
    return changed(("questions.4.condition", condition))


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"question": "nps", "op": "lte", "value": 6}, id="nps-lte"),
        pytest.param({"question": "nps", "op": "in", "value": [0, 10]}, id="nps-in"),
        pytest.param({"question": "nps", "op": "answered"}, id="answered"),
        pytest.param(
            {"question": "aspects", "item": "rider_attitude", "op": "lte", "value": 2}, id="matrix-item"
        ),
        pytest.param({"question": "aspects", "op": "answered"}, id="matrix-answered"),
        pytest.param({"question": "channel", "op": "eq", "value": "phone"}, id="choice-eq"),
        pytest.param({"question": "channel", "op": "not_in", "value": ["app"]}, id="choice-not-in"),
        pytest.param({"question": "extras", "op": "contains", "value": "napkins"}, id="multiple-contains"),
        pytest.param(
            {
                "any": [
                    {"question": "nps", "op": "lte", "value": 6},
                    {"question": "channel", "op": "eq", "value": "app"},
                ]
            },
            id="any",
        ),
        pytest.param(
            {
                "all": [
                    {"question": "nps", "op": "gte", "value": 7},
                    {"question": "nps", "op": "lte", "value": 8},
                ]
            },
            id="all",
        ),
    ],
)
def test_conditions_that_are_fine(condition) -> None:
    assert found(on_why(condition)) == []


@pytest.mark.parametrize(
    ("condition", "field", "code"),
    [
        pytest.param(
            {"question": "speed", "op": "lte", "value": 2},
            "condition",
            Code.CONDITION_UNKNOWN_QUESTION,
            id="unknown",
        ),
        pytest.param(
            {"question": "nps", "op": "lte", "value": 11},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="above-scale",
        ),
        pytest.param(
            {"question": "nps", "op": "gte", "value": -1},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="below-scale",
        ),
        pytest.param(
            {"question": "nps", "op": "lte", "value": "6"},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="text-value",
        ),
        pytest.param(
            {"question": "nps", "op": "lte", "value": True},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="bool-value",
        ),
        pytest.param(
            {"question": "nps", "op": "lt", "value": 0},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="lt-min",
        ),
        pytest.param(
            {"question": "aspects", "item": "packaging", "op": "gt", "value": 5},
            "condition",
            Code.CONDITION_UNKNOWN_ITEM,
            id="unknown-item-before-value",
        ),
        pytest.param(
            {"question": "aspects", "item": "rider_attitude", "op": "gt", "value": 5},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="gt-max",
        ),
        pytest.param(
            {"question": "nps", "op": "in", "value": []},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="empty-list",
        ),
        pytest.param(
            {"question": "nps", "op": "in", "value": 6},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="in-not-list",
        ),
        pytest.param(
            {"question": "channel", "op": "eq", "value": "email"},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="unknown-choice",
        ),
        pytest.param(
            {"question": "channel", "op": "in", "value": ["app", "fax"]},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="one-unknown-choice-in-list",
        ),
        pytest.param(
            {"question": "extras", "op": "contains", "value": "straws"},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="unknown-choice-contains",
        ),
        pytest.param(
            {"question": "aspects", "item": "price", "op": "lte", "value": 2},
            "condition",
            Code.CONDITION_UNKNOWN_ITEM,
            id="unknown-item",
        ),
        pytest.param(
            {"question": "aspects", "item": "delivery_speed", "op": "lte", "value": 6},
            "condition",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="item-above-scale",
        ),
        pytest.param(
            {"question": "aspects", "op": "lte", "value": 2},
            "condition",
            Code.CONDITION_MALFORMED,
            id="matrix-without-item",
        ),
        pytest.param(
            {"question": "channel", "op": "lt", "value": "app"},
            "condition",
            Code.CONDITION_BAD_OPERATOR,
            id="lt-on-choice",
        ),
        pytest.param(
            {"question": "channel", "op": "contains", "value": "app"},
            "condition",
            Code.CONDITION_BAD_OPERATOR,
            id="contains-on-single",
        ),
        pytest.param(
            {"question": "extras", "op": "eq", "value": "cutlery"},
            "condition",
            Code.CONDITION_BAD_OPERATOR,
            id="eq-on-multiple",
        ),
        pytest.param(
            {"question": "nps", "op": "between", "value": 6},
            "condition",
            Code.CONDITION_BAD_OPERATOR,
            id="unknown-op",
        ),
        pytest.param(
            {"question": "nps", "op": "lte", "item": "x", "value": 6},
            "condition",
            Code.CONDITION_MALFORMED,
            id="item-on-nps",
        ),
        pytest.param("nps <= 6", "condition", Code.CONDITION_MALFORMED, id="string"),
        pytest.param({}, "condition", Code.CONDITION_MALFORMED, id="empty-object"),
        pytest.param({"question": "nps", "value": 6}, "condition", Code.CONDITION_MALFORMED, id="no-op"),
        pytest.param({"question": "nps", "op": "lte"}, "condition", Code.CONDITION_MALFORMED, id="no-value"),
        pytest.param(
            {"question": "nps", "op": "answered", "value": 1},
            "condition",
            Code.CONDITION_MALFORMED,
            id="answered-value",
        ),
        pytest.param(
            {"question": "nps", "op": "lte", "value": 6, "unit": "points"},
            "condition",
            Code.CONDITION_MALFORMED,
            id="extra-key",
        ),
        pytest.param({"all": []}, "condition", Code.CONDITION_MALFORMED, id="all-empty"),
        pytest.param(
            {"all": [{"question": "nps", "op": "answered"}], "any": [{"question": "nps", "op": "answered"}]},
            "condition",
            Code.CONDITION_MALFORMED,
            id="all-and-any",
        ),
        pytest.param(
            {"all": [{"any": [{"question": "nps", "op": "answered"}]}]},
            "condition.all[0]",
            Code.CONDITION_MALFORMED,
            id="nested-two-levels",
        ),
        pytest.param(
            {
                "any": [
                    {"question": "nps", "op": "lte", "value": 6},
                    {"question": "channel", "op": "eq", "value": "fax"},
                ]
            },
            "condition.any[1]",
            Code.CONDITION_IMPOSSIBLE_VALUE,
            id="bad-clause-in-any",
        ),
    ],
)
def test_conditions_that_are_refused(condition, field: str, code: str) -> None:
    assert found(on_why(condition)) == [(WHY, field, code)]


@pytest.mark.parametrize(
    ("index", "condition"),
    [
        pytest.param(2, {"question": "why", "op": "answered"}, id="later-question"),
        pytest.param(0, {"question": "nps", "op": "answered"}, id="itself"),
    ],
)
def test_a_condition_only_looks_back(index: int, condition: dict) -> None:
    definition = changed((f"questions.{index}.condition", condition))
    path = [NPS, ASPECTS, CHANNEL][index]

    assert found(definition) == [(path, "condition", Code.CONDITION_FORWARD_REFERENCE)]


def test_condition_on_a_text_question_only_asks_whether_it_was_answered() -> None:
    definition = valid_definition()
    definition["questions"].append(
        {
            "key": "more",
            "kind": "short_text",
            "text": t("还有吗？", "Anything else?"),
            "help_text": {},
            "required": False,
            "max_length": 200,
            "condition": {"question": "why", "op": "eq", "value": "late"},
        }
    )

    assert found(definition) == [("questions[5] (more)", "condition", Code.CONDITION_BAD_OPERATOR)]

    definition["questions"][5]["condition"] = {"question": "why", "op": "answered"}
    assert found(definition) == []


def test_every_problem_is_reported_at_once_in_document_order() -> None:
    definition = changed(
        ("title.en", ""),
        ("questions.2.choices", []),
        ("questions.4.condition", {"question": "nps", "op": "lte", "value": 20}),
        ("primary_question", "why"),
    )

    assert found(definition) == [
        ("survey", "title.en", Code.MISSING_TRANSLATION),
        (CHANNEL, "choices", Code.TOO_FEW_CHOICES),
        (WHY, "condition", Code.CONDITION_IMPOSSIBLE_VALUE),
        ("survey", "primary_question", Code.PRIMARY_QUESTION_NOT_SCALE),
    ]


def test_checking_does_not_change_the_definition() -> None:
    definition = changed(("questions.3.key", "channel"), ("title", "x"))
    before = copy.deepcopy(definition)

    definition_errors(definition, allowed_locales=LOCALES)

    assert definition == before


def test_errors_are_frozen_and_name_question_and_field_in_english() -> None:
    with translation.override("en"):
        [error] = definition_errors(changed(("questions.4.text.en", " ")), allowed_locales=LOCALES)

    assert error == DefinitionError(
        path=WHY,
        field="text.en",
        code="missing_translation",
        message="questions[4] (why): the question text has no en text.",
    )
    with pytest.raises(AttributeError):
        error.code = "other"  # type: ignore[misc]


def test_messages_follow_the_active_language() -> None:
    definition = changed(("questions.2.choices", []))

    with translation.override("zh-hans"):
        [error] = definition_errors(definition, allowed_locales=LOCALES)

    assert error.message == "questions[2] (channel)：选择题至少需要 2 个选项（现有 0 个）。"


def test_the_kinds_are_the_model_kinds() -> None:
    from surveys.models import Question

    assert set(Question.Kind.values) == set(KINDS)
