"""Answer parsing, display conditions and validation (surveys/answering.py): no database."""

import copy

import pytest
from django.utils import translation

from surveys.answering import (
    AnswerError,
    InvalidAnswer,
    answer_parse,
    answers_clean,
    condition_holds,
    is_detractor,
    raw_from_form,
    text_clean,
    visible_questions,
)


def _labels(*keys: str) -> list[dict]:
    return [{"key": key, "label": {"zh-hans": key, "en": key}} for key in keys]


def _scale(low: int, high: int) -> dict:
    return {"min": low, "max": high, "min_label": {}, "max_label": {}}


NPS = {"key": "nps", "kind": "nps", "required": True, "scale": _scale(0, 10), "condition": None}
CSAT = {"key": "csat", "kind": "csat", "required": False, "scale": _scale(1, 5), "condition": None}
CES = {"key": "ces", "kind": "ces", "required": False, "scale": _scale(1, 7), "condition": None}
STARS = {"key": "stars", "kind": "rating", "required": False, "scale": _scale(1, 5), "condition": None}
SINGLE = {"key": "channel", "kind": "single_choice", "choices": _labels("app", "phone"), "required": False}
MULTI = {
    "key": "issues",
    "kind": "multiple_choice",
    "choices": _labels("late", "cold", "rude"),
    "required": False,
}
MATRIX = {
    "key": "aspects",
    "kind": "matrix",
    "scale": _scale(1, 5),
    "items": _labels("speed", "packaging"),
    "required": False,
}
SHORT = {"key": "name", "kind": "short_text", "max_length": 10, "required": False}
LONG = {"key": "why", "kind": "long_text", "max_length": 20, "required": False}


def definition(*questions: dict, primary: str = "nps") -> dict:
    return {
        "key": "s",
        "locales": ["zh-hans", "en"],
        "primary_question": primary,
        "questions": [{"condition": None, "required": False, **copy.deepcopy(q)} for q in questions],
    }


def _code(question: dict, raw) -> str:
    with pytest.raises(InvalidAnswer) as caught:
        answer_parse(question, raw)
    return caught.value.error.code


# Values of every kind -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "raw", "value"),
    [
        (NPS, ["0"], 0),
        (NPS, ["10"], 10),
        (NPS, [" 7 "], 7),
        (NPS, 7, 7),
        (NPS, [], None),
        (NPS, [""], None),
        (CSAT, ["1"], 1),
        (CSAT, ["5"], 5),
        (CES, ["7"], 7),
        (STARS, ["3"], 3),
        (SINGLE, ["phone"], "phone"),
        (SINGLE, [""], None),
        (MULTI, ["rude", "late"], ["late", "rude"]),
        (MULTI, ["late", "late"], ["late"]),
        (MULTI, [], None),
        (MULTI, ["late"], ["late"]),
        (MATRIX, {"packaging": ["2"], "speed": ["5"]}, {"speed": 5, "packaging": 2}),
        (MATRIX, {"speed": ["5"], "packaging": [""]}, {"speed": 5}),
        (MATRIX, {"speed": 4}, {"speed": 4}),
        (MATRIX, {}, None),
        (SHORT, ["  Li Wei  "], "Li Wei"),
        (SHORT, ["   "], None),
        (SHORT, ["0123456789"], "0123456789"),
        (LONG, ["a\r\nb"], "a\nb"),
        (LONG, ["<script>x</script>"], "<script>x</script>"),
        (LONG, ["配送太慢了，汤都洒了。"], "配送太慢了，汤都洒了。"),
    ],
)
def test_a_valid_answer_parses_to_the_kinds_value(question, raw, value) -> None:
    assert answer_parse(question, raw) == value


@pytest.mark.parametrize(
    ("question", "raw", "code"),
    [
        (NPS, ["11"], "not_on_scale"),
        (NPS, ["-1"], "not_on_scale"),
        (NPS, ["7.5"], "not_on_scale"),
        (NPS, ["seven"], "not_on_scale"),
        (NPS, [True], "not_on_scale"),
        (NPS, ["1", "2"], "one_value"),
        (CSAT, ["0"], "not_on_scale"),
        (CSAT, ["6"], "not_on_scale"),
        (CES, ["8"], "not_on_scale"),
        (STARS, ["0"], "not_on_scale"),
        (SINGLE, ["email"], "unknown_choice"),
        (SINGLE, ["app", "phone"], "one_value"),
        (MULTI, ["late", "lost"], "unknown_choice"),
        (MATRIX, {"taste": ["3"]}, "unknown_item"),
        (MATRIX, {"speed": ["6"]}, "not_on_scale"),
        (MATRIX, {"speed": ["0"]}, "not_on_scale"),
        (MATRIX, ["3"], "unknown_item"),
        (SHORT, ["01234567890"], "too_long"),
        (LONG, ["x" * 21], "too_long"),
    ],
)
def test_a_malformed_answer_is_refused_with_its_code(question, raw, code) -> None:
    assert _code(question, raw) == code


def test_text_length_counts_characters_after_trimming_and_normalising_line_breaks() -> None:
    # given a 20-character limit, 20 Chinese characters with surrounding blanks, and CRLF breaks
    assert answer_parse(LONG, ["  " + "慢" * 20 + "\n "]) == "慢" * 20
    assert answer_parse(LONG, ["a\r\n" * 10]) == ("a\n" * 10).strip()
    # then 21 characters are refused, naming the limit and the length
    with pytest.raises(InvalidAnswer) as caught:
        answer_parse(LONG, ["慢" * 21])
    assert caught.value.error == AnswerError("too_long", {"max": 20, "length": 21})


def test_text_is_stored_without_control_characters() -> None:
    assert text_clean("a\x00b\x07c\td\ne") == "abc\td\ne"


def test_the_default_text_limits_apply_when_the_definition_has_none() -> None:
    short = {"key": "s", "kind": "short_text"}
    assert answer_parse(short, ["x" * 200]) == "x" * 200
    assert _code(short, ["x" * 201]) == "too_long"
    long = {"key": "l", "kind": "long_text"}
    assert answer_parse(long, ["x" * 2000]) == "x" * 2000
    assert _code(long, ["x" * 2001]) == "too_long"


def test_error_messages_are_in_the_active_language() -> None:
    error = AnswerError("not_on_scale", {"min": 0, "max": 10})
    with translation.override("en"):
        assert str(error) == "Choose a value from 0 to 10."
    with translation.override("zh-hans"):
        assert str(error) == "请选择 0 到 10 之间的数值。"


def test_form_fields_become_raw_answers() -> None:
    survey = definition(NPS, MULTI, MATRIX, LONG)
    raw = raw_from_form(
        survey,
        {
            "q_nps": ["9"],
            "q_issues": ["late", "cold"],
            "q_aspects__speed": ["4"],
            "q_why": "ok",
            "other": ["x"],
        },
    )
    assert raw == {"nps": ["9"], "issues": ["late", "cold"], "aspects": {"speed": ["4"]}, "why": ["ok"]}


# Conditions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "answers", "holds"),
    [
        ({"question": "nps", "op": "eq", "value": 6}, {"nps": 6}, True),
        ({"question": "nps", "op": "eq", "value": 6}, {"nps": 7}, False),
        ({"question": "nps", "op": "ne", "value": 6}, {"nps": 7}, True),
        ({"question": "nps", "op": "ne", "value": 6}, {"nps": 6}, False),
        ({"question": "nps", "op": "ne", "value": 6}, {}, False),
        ({"question": "nps", "op": "lt", "value": 6}, {"nps": 5}, True),
        ({"question": "nps", "op": "lt", "value": 6}, {"nps": 6}, False),
        ({"question": "nps", "op": "lte", "value": 6}, {"nps": 6}, True),
        ({"question": "nps", "op": "lte", "value": 6}, {"nps": 7}, False),
        ({"question": "nps", "op": "gt", "value": 8}, {"nps": 9}, True),
        ({"question": "nps", "op": "gt", "value": 8}, {"nps": 8}, False),
        ({"question": "nps", "op": "gte", "value": 9}, {"nps": 9}, True),
        ({"question": "nps", "op": "gte", "value": 9}, {"nps": 8}, False),
        ({"question": "nps", "op": "in", "value": [0, 1]}, {"nps": 1}, True),
        ({"question": "nps", "op": "in", "value": [0, 1]}, {"nps": 2}, False),
        ({"question": "nps", "op": "not_in", "value": [0, 1]}, {"nps": 2}, True),
        ({"question": "nps", "op": "not_in", "value": [0, 1]}, {"nps": 0}, False),
        ({"question": "nps", "op": "not_in", "value": [0, 1]}, {}, False),
        ({"question": "nps", "op": "answered"}, {"nps": 0}, True),
        ({"question": "nps", "op": "answered"}, {}, False),
        ({"question": "channel", "op": "eq", "value": "app"}, {"channel": "app"}, True),
        ({"question": "channel", "op": "ne", "value": "app"}, {"channel": "phone"}, True),
        ({"question": "channel", "op": "in", "value": ["app"]}, {"channel": "phone"}, False),
        ({"question": "channel", "op": "not_in", "value": ["app"]}, {"channel": "phone"}, True),
        ({"question": "issues", "op": "contains", "value": "late"}, {"issues": ["cold", "late"]}, True),
        ({"question": "issues", "op": "contains", "value": "late"}, {"issues": ["cold"]}, False),
        ({"question": "issues", "op": "in", "value": ["late", "rude"]}, {"issues": ["rude"]}, True),
        ({"question": "issues", "op": "in", "value": ["late", "rude"]}, {"issues": ["cold"]}, False),
        ({"question": "issues", "op": "not_in", "value": ["late"]}, {"issues": ["cold"]}, True),
        ({"question": "issues", "op": "not_in", "value": ["late"]}, {"issues": ["late"]}, False),
        ({"question": "issues", "op": "answered"}, {"issues": ["cold"]}, True),
        ({"question": "aspects", "item": "speed", "op": "lte", "value": 2}, {"aspects": {"speed": 2}}, True),
        ({"question": "aspects", "item": "speed", "op": "lte", "value": 2}, {"aspects": {"speed": 3}}, False),
        (
            {"question": "aspects", "item": "speed", "op": "lte", "value": 2},
            {"aspects": {"packaging": 1}},
            False,
        ),
        ({"question": "aspects", "item": "speed", "op": "answered"}, {"aspects": {"speed": 5}}, True),
        ({"question": "aspects", "item": "speed", "op": "answered"}, {"aspects": {"packaging": 5}}, False),
        ({"question": "aspects", "op": "answered"}, {"aspects": {"packaging": 5}}, True),
        ({"question": "aspects", "op": "eq", "value": 5}, {"aspects": {"packaging": 5}}, False),
        ({"question": "why", "op": "answered"}, {"why": "太慢"}, True),
        ({"question": "why", "op": "answered"}, {}, False),
    ],
)
def test_a_clause_holds_by_its_operator(clause, answers, holds) -> None:
    assert condition_holds(clause, answers) is holds


PASSIVE = {
    "all": [{"question": "nps", "op": "gte", "value": 7}, {"question": "nps", "op": "lte", "value": 8}]
}
DETRACTOR_OR_APP = {
    "any": [{"question": "nps", "op": "lte", "value": 2}, {"question": "channel", "op": "eq", "value": "app"}]
}


@pytest.mark.parametrize(
    ("condition", "answers", "holds"),
    [
        (None, {}, True),
        (PASSIVE,
         {"nps": 8}, True),
        (PASSIVE,
         {"nps": 9}, False),
        (DETRACTOR_OR_APP,
         {"nps": 9, "channel": "app"}, True),
        (DETRACTOR_OR_APP,
         {"nps": 9, "channel": "phone"}, False),
        (DETRACTOR_OR_APP,
         {}, False),
    ],
)  # fmt: skip
def test_all_and_any_combine_clauses(condition, answers, holds) -> None:
    assert condition_holds(condition, answers) is holds


def test_a_question_depending_on_a_hidden_question_is_hidden_down_the_chain() -> None:
    # given channel shown when nps <= 6, issues when channel answered, why when issues contains late
    survey = definition(
        NPS,
        {**SINGLE, "condition": {"question": "nps", "op": "lte", "value": 6}},
        {**MULTI, "condition": {"question": "channel", "op": "answered"}},
        {**LONG, "condition": {"question": "issues", "op": "contains", "value": "late"}},
    )
    stale = {"channel": "app", "issues": ["late"], "why": "slow"}
    # when the respondent is a detractor every question is shown
    assert visible_questions(survey, {"nps": 3, **stale}) == ["nps", "channel", "issues", "why"]
    # when they change to a promoter, the stale answers no longer reveal anything
    assert visible_questions(survey, {"nps": 9, **stale}) == ["nps"]


def test_answers_to_hidden_questions_are_discarded_and_required_visible_ones_enforced() -> None:
    # given a required follow-up shown only to detractors
    survey = definition(
        NPS, {**LONG, "required": True, "condition": {"question": "nps", "op": "lte", "value": 6}}
    )
    # when a promoter submits an answer to it anyway
    result = answers_clean(survey, {"nps": ["10"], "why": ["sneaky"]}, complete=True)
    # then the answer is dropped and nothing is missing
    assert (result.values, result.errors, result.visible) == ({"nps": 10}, {}, ("nps",))
    # when a detractor skips it
    result = answers_clean(survey, {"nps": ["2"]}, complete=True)
    # then it is required
    assert result.values == {"nps": 2}
    assert result.errors == {"why": AnswerError("required")}


def test_a_partial_save_keeps_valid_answers_reports_bad_ones_and_requires_nothing() -> None:
    survey = definition(NPS, SINGLE, SHORT)
    result = answers_clean(survey, {"channel": ["email"], "name": ["李伟"]}, complete=False)
    assert result.values == {"name": "李伟"}
    assert result.errors == {"channel": AnswerError("unknown_choice")}


def test_a_required_matrix_needs_every_row() -> None:
    survey = definition({**MATRIX, "required": True})
    result = answers_clean(survey, {"aspects": {"speed": ["4"]}}, complete=True)
    assert result.errors == {"aspects": AnswerError("matrix_incomplete")}
    result = answers_clean(survey, {"aspects": {"speed": ["4"], "packaging": ["1"]}}, complete=True)
    assert (result.values, result.errors) == ({"aspects": {"speed": 4, "packaging": 1}}, {})


def test_a_malformed_answer_to_a_hidden_question_is_no_error() -> None:
    survey = definition(NPS, {**SINGLE, "condition": {"question": "nps", "op": "lte", "value": 6}})
    result = answers_clean(survey, {"nps": ["9"], "channel": ["nonsense"]}, complete=True)
    assert (result.values, result.errors) == ({"nps": 9}, {})


@pytest.mark.parametrize(
    ("kind", "scale", "value", "detractor"),
    [
        ("nps", (0, 10), 6, True),
        ("nps", (0, 10), 7, False),
        ("csat", (1, 5), 2, True),
        ("csat", (1, 5), 3, False),
        ("ces", (1, 7), 3, True),
        ("ces", (1, 7), 4, False),
        ("rating", (1, 5), 2, True),
        ("rating", (1, 5), 3, False),
        ("nps", (0, 10), None, False),
    ],
)
def test_detractors_by_the_primary_questions_kind(kind, scale, value, detractor) -> None:
    survey = definition({"key": "p", "kind": kind, "scale": _scale(*scale)}, primary="p")
    assert is_detractor(survey, {} if value is None else {"p": value}) is detractor
