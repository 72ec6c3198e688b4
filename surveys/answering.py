"""Answering a survey definition: parse values, apply display conditions, validate.

Pure functions over the definition JSON (docs/survey-definition.md) and plain data; no database.
The respondent pages (responses) call them on every post and autosave, so the server always
decides itself which questions are shown: an answer to a hidden question is discarded and a
required visible question cannot be skipped, whatever the browser's script did.

Raw input is what a form posts, as ``{field name: [values]}`` (``q_<key>`` for one value or the
picks of a multiple choice, ``q_<key>__<item>`` for a matrix row). Parsed values have the shapes
of the definition: an integer for the scale kinds, a choice key, a list of choice keys, a
trimmed string, ``{item: integer}`` for a matrix.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from surveys.scales import DETRACTOR_AT_MOST

SCALE_KINDS = frozenset({"nps", "csat", "ces", "rating"})
TEXT_KINDS = frozenset({"short_text", "long_text"})
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 2000}

# Control characters other than tab and newline; PostgreSQL's jsonb refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?\d{1,6}")
# Lone UTF-16 surrogates: a JSON "\ud800" escape (or a UTF-7 form) yields them, but they are not
# characters and cannot be written as UTF-8, to the database or to the page.
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Error codes and their messages (translated when shown, in the respondent's locale).
MESSAGES = {
    "required": "Please answer this question.",
    "matrix_incomplete": "Please rate every row.",
    "not_on_scale": "Choose a value from %(min)s to %(max)s.",
    "unknown_choice": "Choose one of the options shown.",
    "unknown_item": "This row is not part of the question.",
    "one_value": "Choose only one option.",
    "too_long": "Please shorten your answer to %(max)s characters (it has %(length)s).",
}


@dataclass(frozen=True)
class AnswerError:
    """A problem with one question's answer; ``str()`` is the message in the active language."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        # The msgids are written out literally in _catalog() below, so makemessages finds them.
        return gettext(MESSAGES[self.code]) % dict(self.params)


def _catalog() -> None:  # pragma: no cover - never called; lets makemessages see the msgids
    gettext("Please answer this question.")
    gettext("Please rate every row.")
    gettext("Choose a value from %(min)s to %(max)s.")
    gettext("Choose one of the options shown.")
    gettext("This row is not part of the question.")
    gettext("Choose only one option.")
    gettext("Please shorten your answer to %(max)s characters (it has %(length)s).")


class InvalidAnswer(Exception):
    def __init__(self, error: AnswerError) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass(frozen=True)
class CleanedAnswers:
    """The answers kept (visible questions only, valid values only) and the errors found."""

    values: dict[str, Any]
    errors: dict[str, AnswerError]
    visible: tuple[str, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


# Values ---------------------------------------------------------------------------------------


def _scale_bounds(question: Mapping) -> tuple[int, int]:
    scale = question.get("scale") or {}
    return int(scale.get("min", 1)), int(scale.get("max", 5))


def _scale_value(raw: Any, low: int, high: int) -> int:
    if isinstance(raw, bool):
        raise InvalidAnswer(AnswerError("not_on_scale", {"min": low, "max": high}))
    if isinstance(raw, int):
        number = raw
    else:
        text = str(raw).strip()
        if not _INTEGER.fullmatch(text):
            raise InvalidAnswer(AnswerError("not_on_scale", {"min": low, "max": high}))
        number = int(text)
    if not low <= number <= high:
        raise InvalidAnswer(AnswerError("not_on_scale", {"min": low, "max": high}))
    return number


def _blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple | dict):
        return all(_blank(item) for item in (raw.values() if isinstance(raw, dict) else raw))
    return False


def _single(raw: Any) -> Any:
    """One value from a form's list of values (a radio sends one)."""
    if isinstance(raw, list | tuple):
        values = [item for item in raw if not _blank(item)]
        if len(values) > 1:
            raise InvalidAnswer(AnswerError("one_value"))
        return values[0] if values else None
    return raw


def text_clean(raw: Any) -> str:
    """A text answer as stored: line breaks as ``\\n``, control characters removed, trimmed."""
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def answer_parse(question: Mapping, raw: Any) -> Any:
    """The value of one answer, or None when unanswered; raises InvalidAnswer when malformed.

    ``raw`` is what the form posted for the question: a list of strings (``q_<key>``), or for a
    matrix a mapping ``{item_key: value or [value]}``. Already-parsed values are accepted too
    (an int for a scale, a list of keys, ``{item: int}``), so a stored answer parses to itself.
    """
    kind = question["kind"]
    if kind == "matrix":
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise InvalidAnswer(AnswerError("unknown_item"))
        low, high = _scale_bounds(question)
        items = [item["key"] for item in question.get("items") or []]
        rated: dict[str, int] = {}
        for item_key, item_raw in raw.items():
            if item_key not in items:
                raise InvalidAnswer(AnswerError("unknown_item"))
            value = _single(item_raw)
            if _blank(value):
                continue
            rated[item_key] = _scale_value(value, low, high)
        # Rows in the definition's order, whatever order they came in.
        ordered = {item: rated[item] for item in items if item in rated}
        return ordered or None

    if kind == "multiple_choice":
        values = raw if isinstance(raw, list | tuple) else ([] if raw is None else [raw])
        keys = {choice["key"] for choice in question.get("choices") or []}
        picked = {str(value) for value in values if not _blank(value)}
        if picked - keys:
            raise InvalidAnswer(AnswerError("unknown_choice"))
        ordered = [choice["key"] for choice in question.get("choices") or [] if choice["key"] in picked]
        return ordered or None

    value = _single(raw)
    if _blank(value):
        return None
    if kind in SCALE_KINDS:
        return _scale_value(value, *_scale_bounds(question))
    if kind == "single_choice":
        keys = {choice["key"] for choice in question.get("choices") or []}
        if str(value) not in keys:
            raise InvalidAnswer(AnswerError("unknown_choice"))
        return str(value)
    if kind in TEXT_KINDS:
        text = text_clean(value)
        if not text:
            return None
        limit = int(question.get("max_length") or DEFAULT_MAX_LENGTH[kind])
        if len(text) > limit:
            raise InvalidAnswer(AnswerError("too_long", {"max": limit, "length": len(text)}))
        return text
    raise InvalidAnswer(AnswerError("unknown_choice"))


def raw_from_form(definition: Mapping, data: Any) -> dict[str, Any]:
    """Each question's raw input from form fields (a QueryDict or ``{name: [values]}``).

    Questions with no field in ``data`` are left out, so they read as unanswered. A lone
    surrogate becomes U+FFFD, as an undecodable byte of a form post does.
    """

    def getlist(name: str) -> list[str]:
        if hasattr(data, "getlist"):
            values = data.getlist(name)
        else:
            value = data.get(name)
            if value is None:
                return []
            values = [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
        # As a form post's undecodable bytes are: the replacement character U+FFFD.
        return [_SURROGATE.sub("\ufffd", value) for value in values]

    raw: dict[str, Any] = {}
    for question in definition.get("questions") or []:
        key = question["key"]
        if question["kind"] == "matrix":
            rows = {}
            for item in question.get("items") or []:
                values = getlist(f"q_{key}__{item['key']}")
                if values:
                    rows[item["key"]] = values
            if rows:
                raw[key] = rows
        else:
            values = getlist(f"q_{key}")
            if values:
                raw[key] = values
    return raw


# Conditions -----------------------------------------------------------------------------------


def _clause_holds(clause: Mapping, answers: Mapping[str, Any]) -> bool:
    """One clause against the answers of the questions shown so far (absent = unanswered/hidden)."""
    answer = answers.get(clause.get("question"))
    if answer is None:
        return False
    item = clause.get("item")
    if item is not None:
        if not isinstance(answer, Mapping):
            return False
        answer = answer.get(item)
        if answer is None:
            return False
    op = clause.get("op")
    value = clause.get("value")
    if op == "answered":
        return True
    if isinstance(answer, list):  # multiple choice
        picked = set(answer)
        if op == "contains":
            return str(value) in picked
        if op in ("in", "not_in"):
            hit = bool(picked & {str(v) for v in (value or [])})
            return hit if op == "in" else not hit
        return False
    if isinstance(answer, Mapping):  # a matrix without an item: only "answered" applies
        return False
    if op in ("in", "not_in"):
        hit = str(answer) in {str(v) for v in (value or [])}
        return hit if op == "in" else not hit
    if op == "eq":
        return str(answer) == str(value)
    if op == "ne":
        return str(answer) != str(value)
    if op in ("lt", "lte", "gt", "gte"):
        if not isinstance(answer, int) or isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return {
            "lt": answer < value,
            "lte": answer <= value,
            "gt": answer > value,
            "gte": answer >= value,
        }[op]
    return False


def condition_holds(condition: Mapping | None, answers: Mapping[str, Any]) -> bool:
    """Whether a question with ``condition`` is shown, given the answers of the shown questions.

    ``answers`` must hold only questions that are themselves shown: a clause on a hidden or
    unanswered question is false (docs: "a question whose condition refers to an unanswered or
    hidden question is hidden"), whatever its operator.
    """
    if not condition:
        return True
    if "all" in condition:
        return all(_clause_holds(clause, answers) for clause in condition["all"])
    if "any" in condition:
        return any(_clause_holds(clause, answers) for clause in condition["any"])
    return _clause_holds(condition, answers)


def visible_questions(definition: Mapping, values: Mapping[str, Any]) -> list[str]:
    """Keys of the questions shown for these answers, in order.

    Walks the survey in order, keeping only the answers of questions already found visible, so a
    question depending on a hidden one is hidden too, however long the chain.
    """
    shown: list[str] = []
    known: dict[str, Any] = {}
    for question in definition.get("questions") or []:
        key = question["key"]
        if condition_holds(question.get("condition"), known):
            shown.append(key)
            if values.get(key) is not None:
                known[key] = values[key]
    return shown


# The whole form -------------------------------------------------------------------------------


def answers_clean(definition: Mapping, raw: Mapping[str, Any], *, complete: bool) -> CleanedAnswers:
    """Parse, apply the conditions and validate a whole set of answers.

    ``complete``: the respondent is submitting, so every required visible question must be
    answered (a required matrix in every row). Without it (a partial save) missing answers are
    fine; malformed ones are reported either way and never kept. Answers to hidden questions
    are dropped.
    """
    parsed: dict[str, Any] = {}
    errors: dict[str, AnswerError] = {}
    questions = {question["key"]: question for question in definition.get("questions") or []}
    for key, question in questions.items():
        if key not in raw:
            continue
        try:
            value = answer_parse(question, raw[key])
        except InvalidAnswer as exc:
            errors[key] = exc.error
            continue
        if value is not None:
            parsed[key] = value

    visible = visible_questions(definition, parsed)
    shown = set(visible)
    values = {key: value for key, value in parsed.items() if key in shown}
    errors = {key: error for key, error in errors.items() if key in shown}
    if complete:
        for key in visible:
            question = questions[key]
            if not question.get("required") or key in errors:
                continue
            if key not in values:
                errors[key] = AnswerError("required")
            elif question["kind"] == "matrix" and len(values[key]) < len(question.get("items") or []):
                errors[key] = AnswerError("matrix_incomplete")
    return CleanedAnswers(values=values, errors=errors, visible=tuple(visible))


def is_detractor(definition: Mapping, values: Mapping[str, Any]) -> bool:
    """Whether the primary question's answer is a detractor's (NPS 0-6, CSAT 1-2, CES 1-3, stars 1-2)."""
    key = definition.get("primary_question")
    question = next((q for q in definition.get("questions") or [] if q["key"] == key), None)
    if question is None or question["kind"] not in DETRACTOR_AT_MOST:
        return False
    value = values.get(key)
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value <= DETRACTOR_AT_MOST[question["kind"]]
    )


__all__: Sequence[str] = (
    "AnswerError",
    "CleanedAnswers",
    "InvalidAnswer",
    "answer_parse",
    "answers_clean",
    "condition_holds",
    "is_detractor",
    "raw_from_form",
    "text_clean",
    "visible_questions",
)
