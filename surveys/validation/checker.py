"""The survey-level and question-level checks; the condition checks are in ``conditions``."""

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.errors import SurveyErrorCode as Code
from surveys.validation.conditions import ConditionChecks
from surveys.validation.rules import (
    AUDIENCES,
    CHOICE_KINDS,
    DEFAULT_MAX_LENGTH,
    FIXED_SCALES,
    KINDS,
    MATRIX_KIND,
    MATRIX_MAX_POINTS,
    MATRIX_MIN_POINTS,
    MAX_LENGTH_LIMIT,
    MIN_CHOICES,
    QUESTION_KEY_MAX_LENGTH,
    SCALE_KINDS,
    SURVEY_KEY_MAX_LENGTH,
    TEXT_KINDS,
    DefinitionError,
    is_blank,
    is_int,
    is_slug,
    question_path,
)

# Labels are only read when a message is written: translating them eagerly for every text of
# a valid survey was most of the check's time.
_option_label = lazy(lambda key: _("the label of %(key)s") % {"key": key}, str)


class Checker(ConditionChecks):
    def __init__(self, definition: dict, allowed_locales: list[str]) -> None:
        self.definition = definition if isinstance(definition, dict) else {}
        self.allowed = list(allowed_locales)
        self.errors: list[DefinitionError] = []
        self.locales: list[str] = []

    def add(self, path: str, field: str, code: Code, message: str) -> None:
        self.errors.append(DefinitionError(path=path, field=field, code=str(code), message=message))

    # The survey as a whole -------------------------------------------------------------------

    def run(self) -> None:
        self.check_survey()
        questions = self.definition.get("questions")
        if not isinstance(questions, list) or not questions:
            self.add("survey", "questions", Code.NO_QUESTIONS, _("The survey has no questions."))
            questions = questions if isinstance(questions, list) else []
        self.check_questions(questions)
        self.check_primary(questions)

    def check_survey(self) -> None:
        d = self.definition
        key = d.get("key")
        if not is_slug(key, SURVEY_KEY_MAX_LENGTH):
            self.add(
                "survey",
                "key",
                Code.BAD_KEY,
                _(
                    "The survey key must be 1 to %(max)d letters, digits, hyphens or underscores "
                    "(found %(key)r)."
                )
                % {"max": SURVEY_KEY_MAX_LENGTH, "key": key},
            )
        if d.get("audience") not in AUDIENCES:
            self.add(
                "survey",
                "audience",
                Code.UNKNOWN_AUDIENCE,
                _("The audience must be customer, merchant or rider (found %(value)r).")
                % {"value": d.get("audience")},
            )
        self.check_locales(d.get("locales"), d.get("default_locale"))
        self.check_text("survey", "title", d.get("title"), required=True, label=gettext_lazy("the title"))
        self.check_text(
            "survey",
            "introduction",
            d.get("introduction"),
            required=False,
            label=gettext_lazy("the introduction"),
        )
        self.check_text(
            "survey", "thank_you", d.get("thank_you"), required=True, label=gettext_lazy("the thank-you text")
        )

    def check_locales(self, locales: Any, default_locale: Any) -> None:
        if not isinstance(locales, list) or not locales or not all(isinstance(x, str) for x in locales):
            self.add(
                "survey",
                "locales",
                Code.BAD_LOCALES,
                _("The survey must declare a list of at least one locale."),
            )
            return
        if len(set(locales)) != len(locales):
            self.add("survey", "locales", Code.BAD_LOCALES, _("A locale is declared twice."))
        for locale in locales:
            if locale not in self.allowed:
                self.add(
                    "survey",
                    "locales",
                    Code.UNKNOWN_LOCALE,
                    _("The locale %(locale)s is not one of the allowed locales (%(allowed)s).")
                    % {"locale": locale, "allowed": ", ".join(self.allowed)},
                )
            elif locale not in self.locales:
                self.locales.append(locale)
        if default_locale not in locales:
            self.add(
                "survey",
                "default_locale",
                Code.DEFAULT_LOCALE_NOT_DECLARED,
                _("The default locale %(locale)r is not one of the survey's locales.")
                % {"locale": default_locale},
            )

    def check_text(self, path: str, field: str, value: Any, *, required: bool, label: str) -> None:
        """A locale map: required ones need every locale; optional ones all or nothing."""
        if value is None and not required:
            return
        if not isinstance(value, dict):
            self.add(
                path,
                field,
                Code.NOT_A_LOCALE_MAP,
                _("%(path)s: %(label)s must be a map of locale to text.") % {"path": path, "label": label},
            )
            return
        if not required and all(is_blank(value.get(locale)) for locale in self.locales):
            return
        for locale in self.locales:
            if is_blank(value.get(locale)):
                self.add(
                    path,
                    f"{field}.{locale}",
                    Code.MISSING_TRANSLATION,
                    _("%(path)s: %(label)s has no %(locale)s text.")
                    % {"path": path, "label": label, "locale": locale},
                )

    # Questions -------------------------------------------------------------------------------

    def check_questions(self, questions: list) -> None:
        seen: set[str] = set()
        for index, question in enumerate(questions):
            if not isinstance(question, dict):
                self.add(
                    question_path(index, None),
                    "",
                    Code.MALFORMED,
                    _("questions[%(index)d] must be an object.") % {"index": index},
                )
                continue
            key = question.get("key")
            path = question_path(index, key)
            if not is_slug(key):
                self.add(
                    path,
                    "key",
                    Code.BAD_KEY,
                    _(
                        "%(path)s: the key must be 1 to %(max)d letters, digits, hyphens or "
                        "underscores (found %(key)r)."
                    )
                    % {"path": path, "max": QUESTION_KEY_MAX_LENGTH, "key": key},
                )
            elif key in seen:
                self.add(
                    path,
                    "key",
                    Code.DUPLICATE_KEY,
                    _("%(path)s: the key %(key)s is used by an earlier question.")
                    % {"path": path, "key": key},
                )
            else:
                seen.add(key)
            self.check_question(index, path, question)
            self.check_condition(index, path, question.get("condition"), questions)

    def check_question(self, index: int, path: str, q: dict) -> None:
        kind = q.get("kind")
        self.check_text(path, "text", q.get("text"), required=True, label=gettext_lazy("the question text"))
        self.check_text(
            path, "help_text", q.get("help_text"), required=False, label=gettext_lazy("the help text")
        )
        if not isinstance(q.get("required", True), bool):
            self.add(
                path,
                "required",
                Code.MALFORMED,
                _("%(path)s: required must be true or false.") % {"path": path},
            )
        if kind not in KINDS:
            self.add(
                path,
                "kind",
                Code.UNKNOWN_KIND,
                _("%(path)s: unknown question kind %(kind)r.") % {"path": path, "kind": kind},
            )
            return
        if kind in SCALE_KINDS or kind == MATRIX_KIND:
            self.check_scale(path, kind, q.get("scale"))
        if kind in CHOICE_KINDS:
            self.check_options(path, "choices", q.get("choices"), minimum=MIN_CHOICES)
        if kind == MATRIX_KIND:
            self.check_options(path, "items", q.get("items"), minimum=1)
        if kind in TEXT_KINDS:
            max_length = q.get("max_length", DEFAULT_MAX_LENGTH[kind])
            if not is_int(max_length) or not 1 <= max_length <= MAX_LENGTH_LIMIT:
                self.add(
                    path,
                    "max_length",
                    Code.BAD_MAX_LENGTH,
                    _("%(path)s: the maximum length must be a whole number from 1 to %(limit)d.")
                    % {"path": path, "limit": MAX_LENGTH_LIMIT},
                )

    def check_scale(self, path: str, kind: str, scale: Any) -> None:
        if not isinstance(scale, dict):
            self.add(path, "scale", Code.BAD_SCALE, _("%(path)s: the scale is missing.") % {"path": path})
            return
        low, high = scale.get("min"), scale.get("max")
        if kind in FIXED_SCALES:
            fixed_low, fixed_high = FIXED_SCALES[kind]
            for field, value, expected in (("scale.min", low, fixed_low), ("scale.max", high, fixed_high)):
                if value != expected or not is_int(value):
                    self.add(
                        path,
                        field,
                        Code.BAD_SCALE,
                        _("%(path)s: a %(kind)s scale runs from %(low)d to %(high)d (found %(found)s).")
                        % {
                            "path": path,
                            "kind": kind.upper(),
                            "low": fixed_low,
                            "high": fixed_high,
                            "found": f"{low}-{high}",
                        },
                    )
        else:
            for field, value in (("scale.min", low), ("scale.max", high)):
                if not is_int(value):
                    self.add(
                        path,
                        field,
                        Code.BAD_SCALE,
                        _("%(path)s: the scale bounds must be whole numbers.") % {"path": path},
                    )
            if is_int(low) and is_int(high):
                points = high - low + 1
                if low >= high:
                    self.add(
                        path,
                        "scale.max",
                        Code.BAD_SCALE,
                        _("%(path)s: the scale maximum must be above its minimum (found %(low)d-%(high)d).")
                        % {"path": path, "low": low, "high": high},
                    )
                elif not MATRIX_MIN_POINTS <= points <= MATRIX_MAX_POINTS:
                    self.add(
                        path,
                        "scale.max",
                        Code.BAD_SCALE,
                        _("%(path)s: a matrix scale has %(min)d to %(max)d points (found %(points)d).")
                        % {
                            "path": path,
                            "min": MATRIX_MIN_POINTS,
                            "max": MATRIX_MAX_POINTS,
                            "points": points,
                        },
                    )
        self.check_text(
            path,
            "scale.min_label",
            scale.get("min_label"),
            required=True,
            label=gettext_lazy("the low-end label"),
        )
        self.check_text(
            path,
            "scale.max_label",
            scale.get("max_label"),
            required=True,
            label=gettext_lazy("the high-end label"),
        )

    def check_options(self, path: str, field: str, options: Any, *, minimum: int) -> None:
        if not isinstance(options, list):
            options = []
        if len(options) < minimum:
            if field == "choices":
                self.add(
                    path,
                    field,
                    Code.TOO_FEW_CHOICES,
                    _("%(path)s: a choice question needs at least %(min)d choices (found %(count)d).")
                    % {"path": path, "min": minimum, "count": len(options)},
                )
            else:
                self.add(
                    path,
                    field,
                    Code.NO_ITEMS,
                    _("%(path)s: a rating matrix needs at least one item.") % {"path": path},
                )
        seen: set[str] = set()
        for position, option in enumerate(options):
            where = f"{field}[{position}]"
            if not isinstance(option, dict):
                self.add(
                    path,
                    where,
                    Code.MALFORMED,
                    _("%(path)s: %(where)s must be an object.") % {"path": path, "where": where},
                )
                continue
            key = option.get("key")
            if not is_slug(key):
                self.add(
                    path,
                    f"{where}.key",
                    Code.BAD_KEY,
                    _("%(path)s: %(where)s has a bad key %(key)r (letters, digits, hyphens, underscores).")
                    % {"path": path, "where": where, "key": key},
                )
            elif key in seen:
                self.add(
                    path,
                    f"{where}.key",
                    Code.DUPLICATE_KEY,
                    _("%(path)s: the key %(key)s is used twice in %(field)s.")
                    % {"path": path, "key": key, "field": field},
                )
            else:
                seen.add(key)
            self.check_text(
                path,
                f"{where}.label",
                option.get("label"),
                required=True,
                label=_option_label(key if isinstance(key, str) else where),
            )

    def check_primary(self, questions: list) -> None:
        primary = self.definition.get("primary_question")
        if not primary:
            self.add(
                "survey",
                "primary_question",
                Code.PRIMARY_QUESTION_MISSING,
                _("The survey does not name its primary metric question."),
            )
            return
        match = next((q for q in questions if isinstance(q, dict) and q.get("key") == primary), None)
        if match is None:
            self.add(
                "survey",
                "primary_question",
                Code.PRIMARY_QUESTION_MISSING,
                _("The primary metric question %(key)r is not in the survey.") % {"key": primary},
            )
        elif match.get("kind") not in SCALE_KINDS:
            self.add(
                "survey",
                "primary_question",
                Code.PRIMARY_QUESTION_NOT_SCALE,
                _("The primary metric question %(key)s must be an NPS, CSAT, CES or star rating question.")
                % {"key": primary},
            )
