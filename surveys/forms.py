"""Forms of the admin survey builder.

Drafts may be saved incomplete (a missing translation, a condition on a question not written
yet); publishing validates the whole survey and names every problem. These forms only refuse
input that cannot be stored meaningfully: a malformed condition, a choices line that cannot be
read, a key that is not a slug.
"""

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.models import Choice, Question, Survey
from surveys.widgets import (
    CONDITION_OPERATORS,
    ConditionWidget,
    LocaleMapField,
    LocaleMapFormMixin,
    locale_label,
    survey_locales,
)

OPERATORS = {code for code, _label in CONDITION_OPERATORS if code}
CLAUSE_KEYS = {"question", "item", "op", "value"}
INTEGER = re.compile(r"^-?\d+$")


def _condition_value(text: str):
    text = text.strip()
    return int(text) if INTEGER.match(text) else text


def condition_clause_check(clause, where: str) -> None:
    """Raise a ValidationError naming what is wrong with one clause of a condition."""
    if not isinstance(clause, dict):
        raise ValidationError(
            gettext('%(where)s must be an object like {"question": "nps", "op": "lte", "value": 6}.'),
            code="condition_malformed",
            params={"where": where},
        )
    unknown = sorted(set(clause) - CLAUSE_KEYS)
    if unknown:
        raise ValidationError(
            gettext("%(where)s has unknown keys: %(keys)s (allowed: question, item, op, value)."),
            code="condition_malformed",
            params={"where": where, "keys": ", ".join(unknown)},
        )
    question = clause.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValidationError(
            gettext("%(where)s needs the key of an earlier question."),
            code="condition_malformed",
            params={"where": where},
        )
    op = clause.get("op")
    if op not in OPERATORS:
        raise ValidationError(
            gettext("%(where)s: the operator %(op)s is unknown (use one of %(ops)s)."),
            code="condition_bad_operator",
            params={"where": where, "op": json.dumps(op), "ops": ", ".join(sorted(OPERATORS))},
        )
    if op == "answered":
        if "value" in clause:
            raise ValidationError(
                gettext("%(where)s: “was answered” takes no value."),
                code="condition_malformed",
                params={"where": where},
            )
        return
    if "value" not in clause or clause["value"] in ("", None, []):
        raise ValidationError(
            gettext("%(where)s: the operator %(op)s needs a value."),
            code="condition_malformed",
            params={"where": where, "op": op},
        )
    if op in ("in", "not_in") and not isinstance(clause["value"], list):
        raise ValidationError(
            gettext("%(where)s: “%(op)s” needs a list of values, e.g. 1, 2, 3."),
            code="condition_malformed",
            params={"where": where, "op": op},
        )


def condition_check(condition) -> None:
    """Raise a ValidationError when a condition does not have the documented shape."""
    if isinstance(condition, dict) and set(condition) & {"all", "any"}:
        if len(condition) != 1:
            raise ValidationError(
                gettext("A combination has exactly one key, “all” or “any”."),
                code="condition_malformed",
            )
        ((combinator, clauses),) = condition.items()
        if not isinstance(clauses, list) or not clauses:
            raise ValidationError(
                gettext("“%(combinator)s” needs a non-empty list of clauses."),
                code="condition_malformed",
                params={"combinator": combinator},
            )
        for index, clause in enumerate(clauses, start=1):
            condition_clause_check(clause, gettext("Clause %(number)s") % {"number": index})
        return
    condition_clause_check(condition, gettext("The condition"))


class ConditionField(forms.MultiValueField):
    """A display condition from question/item/operator/value inputs or from JSON; None if empty."""

    widget = ConditionWidget

    def __init__(self, **kwargs):
        for unused in ("encoder", "decoder", "max_length"):
            kwargs.pop(unused, None)
        fields = [forms.CharField(required=False) for _index in range(5)]
        kwargs.setdefault("required", False)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def clean(self, value):
        if isinstance(value, dict) or value is None:
            value = self.widget.decompress(value)
        return super().clean(value)

    def compress(self, data_list):
        if not data_list:
            return None
        question, item, op, value, raw_json = ((part or "").strip() for part in data_list)
        if raw_json:
            try:
                condition = json.loads(raw_json)
            except ValueError as exc:
                raise ValidationError(
                    gettext("The JSON condition cannot be read: %(problem)s."),
                    code="condition_malformed",
                    params={"problem": str(exc)},
                ) from exc
            if condition in (None, {}):
                return None
            condition_check(condition)
            return condition
        if not (question or item or op or value):
            return None
        condition = {"question": question, "op": op}
        if item:
            condition["item"] = item
        if op in ("in", "not_in"):
            condition["value"] = [_condition_value(part) for part in value.split(",") if part.strip()]
        elif op != "answered" and value:
            condition["value"] = _condition_value(value)
        elif op == "answered" and value:
            raise ValidationError(gettext("“was answered” takes no value."), code="condition_malformed")
        condition_check(condition)
        return condition

    def has_changed(self, initial, data) -> bool:
        try:
            return self.compress(data) != (initial or None)
        except ValidationError:
            return True


def condition_summary(condition) -> str:
    """A one-line reading of a condition for the question row, e.g. ``nps ≤ 6``."""
    if not condition:
        return ""
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}

    def clause_text(clause) -> str:
        if not isinstance(clause, dict):
            return "?"
        target = clause.get("question", "?")
        if clause.get("item"):
            target = f"{target}.{clause['item']}"
        op = clause.get("op")
        value = clause.get("value")
        if op in symbols:
            return f"{target} {symbols[op]} {value}"
        if op == "answered":
            return gettext("%(question)s answered") % {"question": target}
        if op == "contains":
            return gettext("%(question)s includes %(value)s") % {"question": target, "value": value}
        if op in ("in", "not_in"):
            values = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            if op == "in":
                return gettext("%(question)s in (%(values)s)") % {"question": target, "values": values}
            return gettext("%(question)s not in (%(values)s)") % {"question": target, "values": values}
        return json.dumps(clause, ensure_ascii=False)

    if isinstance(condition, dict) and "all" in condition:
        return gettext(" and ").join(clause_text(c) for c in condition["all"] or [])
    if isinstance(condition, dict) and "any" in condition:
        return gettext(" or ").join(clause_text(c) for c in condition["any"] or [])
    return clause_text(condition)


def choices_format_hint() -> str:
    columns = " | ".join([gettext("key"), *(locale_label(code) for code in survey_locales())])
    return gettext("One per line: %(columns)s. Order of lines is the order shown.") % {"columns": columns}


def choices_to_text(question: Question) -> str:
    locales = survey_locales()
    lines = []
    for choice in question.choices.all():
        label = choice.label if isinstance(choice.label, dict) else {}
        lines.append(" | ".join([choice.key, *(label.get(code, "") for code in locales)]))
    return "\n".join(lines)


def choices_parse(text: str) -> list[tuple[str, dict]]:
    """``key | 中文 | English`` lines -> [(key, {locale: label})]; every bad line is named."""
    locales = survey_locales()
    parsed: list[tuple[str, dict]] = []
    problems: list[ValidationError] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 1 + len(locales):
            problems.append(
                ValidationError(
                    gettext("Line %(line)s has %(found)s parts; expected at most %(expected)s (%(hint)s)."),
                    code="malformed",
                    params={
                        "line": number,
                        "found": len(parts),
                        "expected": 1 + len(locales),
                        "hint": " | ".join([gettext("key"), *locales]),
                    },
                )
            )
            continue
        key = parts[0]
        try:
            validate_slug(key)
        except ValidationError:
            problems.append(
                ValidationError(
                    gettext("Line %(line)s: the key “%(key)s” may use only letters, digits, - and _."),
                    code="bad_key",
                    params={"line": number, "key": key},
                )
            )
            continue
        if key in seen:
            problems.append(
                ValidationError(
                    gettext("Line %(line)s: the key “%(key)s” is used twice."),
                    code="duplicate_key",
                    params={"line": number, "key": key},
                )
            )
            continue
        seen.add(key)
        labels = {code: text for code, text in zip(locales, parts[1:], strict=False) if text}
        parsed.append((key, labels))
    if problems:
        raise ValidationError(problems)
    return parsed


class SurveyForm(LocaleMapFormMixin, forms.ModelForm):
    title = LocaleMapField(label=capfirst(_("title")))
    introduction = LocaleMapField(label=capfirst(_("introduction")), required=False, multiline=True)
    thank_you = LocaleMapField(label=capfirst(_("thank-you text")), required=False, multiline=True)
    locales = forms.MultipleChoiceField(
        label=capfirst(_("locales")),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every text must be written in each of these before publishing."),
    )
    default_locale = forms.ChoiceField(label=capfirst(_("default locale")))
    publish_note = forms.CharField(
        label=capfirst(_("Change note for the next version")),
        required=False,
        max_length=255,
        help_text=_("Used when you press “Save and publish”, e.g. “Added a question on packaging”."),
    )

    class Meta:
        model = Survey
        fields = [
            "key",
            "audience",
            "family",
            "locales",
            "default_locale",
            "title",
            "introduction",
            "thank_you",
            "primary_question_key",
            "retention_days",
            "retention_mode",
            "retention_enabled",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(code, locale_label(code)) for code in survey_locales()]
        # A locale the survey declares but settings no longer list stays visible, not dropped.
        for code in self.instance.locales or []:
            if code not in dict(choices):
                choices.append((code, code))
        self.fields["locales"].choices = choices
        self.fields["default_locale"].choices = choices
        if not self.instance.pk:
            self.initial.setdefault("locales", survey_locales())

    def validate_unique(self):
        """A key already taken is refused by ``survey_create``/``survey_update`` (the admin saves
        through them), with the message and code the API gives."""

    def clean(self):
        cleaned = super().clean()
        locales = cleaned.get("locales") or []
        default = cleaned.get("default_locale")
        if locales and default and default not in locales:
            self.add_error(
                "default_locale",
                gettext("The default locale %(locale)s is not one of the survey's locales.")
                % {"locale": default},
            )
        return cleaned


class QuestionForm(LocaleMapFormMixin, forms.ModelForm):
    """A question: kind, texts per locale, scale, display condition."""

    position = forms.IntegerField(
        label=capfirst(_("position")),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "question-position"}),
        help_text=_("Blank: after the others."),
    )
    text = LocaleMapField(label=capfirst(_("text")))
    help_text = LocaleMapField(label=capfirst(_("help text")), required=False)
    min_label = LocaleMapField(label=capfirst(_("label of the low end")), required=False)
    max_label = LocaleMapField(label=capfirst(_("label of the high end")), required=False)
    condition = ConditionField(
        label=capfirst(_("display condition")),
        help_text=_(
            "Show this question only when an earlier answer matches, e.g. nps, at most (≤), 6. "
            "For “is one of” separate values with commas. "
            'Combinations as JSON: {"any": [{"question": "nps", "op": "lte", "value": 6}, …]}.'
        ),
    )

    class Meta:
        model = Question
        fields = [
            "position",
            "key",
            "kind",
            "required",
            "text",
            "help_text",
            "scale_min",
            "scale_max",
            "min_label",
            "max_label",
            "max_length",
            "condition",
        ]

    def _post_clean(self):
        # Blank position: after the others (the survey's questions are renumbered 1..n on save).
        if "position" in self.cleaned_data and self.cleaned_data["position"] is None:
            self.cleaned_data["position"] = BLANK_POSITION
        super()._post_clean()


BLANK_POSITION = 1_000_000


class QuestionInlineForm(QuestionForm):
    """A question row of the survey page, with its choices or matrix items as text lines."""

    choices_text = forms.CharField(
        label=capfirst(_("choices or matrix items")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "class": "choices-text"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choices_text"].help_text = choices_format_hint()
        if self.instance.pk:
            self.initial["choices_text"] = choices_to_text(self.instance)
            lines = self.initial["choices_text"].count("\n") + 1
            self.fields["choices_text"].widget.attrs["rows"] = min(max(4, lines + 1), 16)

    def clean_choices_text(self) -> list[tuple[str, dict]]:
        return choices_parse(self.cleaned_data.get("choices_text") or "")


class ChoiceForm(LocaleMapFormMixin, forms.ModelForm):
    label = LocaleMapField(label=capfirst(_("label")))

    class Meta:
        model = Choice
        fields = ["position", "key", "label"]


class DuplicateForm(forms.Form):
    new_key = forms.SlugField(
        label=capfirst(_("Key of the copy")),
        max_length=80,
        help_text=_("Letters, digits, - and _; must not be used by another survey."),
    )

    def clean_new_key(self) -> str:
        key = self.cleaned_data["new_key"]
        if Survey.objects.filter(key=key).exists():
            raise ValidationError(
                gettext("A survey with the key “%(key)s” already exists."),
                code="duplicate_key",
                params={"key": key},
            )
        return key


def survey_key_free(base: str) -> str:
    """``base`` when no survey has it, else the first free ``base-2``, ``base-3``, ..."""
    taken = set(Survey.objects.filter(key__startswith=base).values_list("key", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


class TemplateLoadForm(forms.Form):
    template_key = forms.CharField(widget=forms.HiddenInput)
    survey_key = forms.SlugField(
        label=capfirst(_("Key of the new survey")),
        max_length=80,
        required=False,
        help_text=_("Blank: the template's own key."),
    )

    def clean_survey_key(self) -> str:
        key = self.cleaned_data.get("survey_key") or ""
        if key and Survey.objects.filter(key=key).exists():
            raise ValidationError(
                gettext("A survey with the key “%(key)s” already exists: type another key, e.g. %(free)s."),
                code="duplicate_key",
                params={"key": key, "free": survey_key_free(key)},
            )
        return key

    def clean(self) -> dict:
        data = super().clean()
        template_key = data.get("template_key") or ""
        if (
            "survey_key" in data
            and not data["survey_key"]
            and Survey.objects.filter(key=template_key).exists()
        ):
            # Left blank, the key would be the template's own, which a survey already has.
            self.add_error(
                "survey_key",
                ValidationError(
                    gettext(
                        "A survey with the template's key “%(key)s” already exists: type a key for the new "
                        "survey, e.g. %(free)s."
                    ),
                    code="duplicate_key",
                    params={"key": template_key, "free": survey_key_free(template_key)},
                ),
            )
        return data
