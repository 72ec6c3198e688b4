"""Admin widgets for the survey builder.

``LocaleMapWidget`` edits a locale map (``{"zh-hans": "...", "en": "..."}``) as one labelled
input per locale, side by side. The locales are read when the widget is built (once per admin
request), so adding a locale to ``settings.SURVEY_LOCALES`` needs no code change.

``ConditionWidget`` edits a display condition as question / item / operator / value inputs, with
a JSON box for combinations (``{"all": [...]}``, ``{"any": [...]}``).
"""

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

CONDITION_OPERATORS = [
    ("", "—"),
    ("eq", _("equals (=)")),
    ("ne", _("is not (≠)")),
    ("lt", _("less than (<)")),
    ("lte", _("at most (≤)")),
    ("gt", _("greater than (>)")),
    ("gte", _("at least (≥)")),
    ("in", _("is one of")),
    ("not_in", _("is none of")),
    ("contains", _("includes the choice")),
    ("answered", _("was answered")),
]


def survey_locales() -> list[str]:
    return list(settings.SURVEY_LOCALES)


def locale_label(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


class LocaleMapWidget(forms.MultiWidget):
    """One text input (or textarea) per locale, each with its own visible label."""

    template_name = "surveys/widgets/locale_map.html"

    def __init__(self, locales: list[str] | None = None, *, multiline: bool = False, attrs=None):
        self.locales = list(locales) if locales is not None else survey_locales()
        self.multiline = multiline
        if multiline:
            widgets = {code: forms.Textarea(attrs={"rows": 2, "lang": code}) for code in self.locales}
        else:
            widgets = {code: forms.TextInput(attrs={"lang": code}) for code in self.locales}
        super().__init__(widgets, attrs)

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.locales = list(self.locales)
        return copy

    def decompress(self, value) -> list[str]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = {}
        if not isinstance(value, dict):
            value = {}
        return [value.get(code, "") or "" for code in self.locales]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for code, subwidget in zip(self.locales, context["widget"]["subwidgets"], strict=True):
            subwidget["locale"] = code
            subwidget["locale_label"] = locale_label(code)
        context["widget"]["multiline"] = self.multiline
        return context

    def id_for_label(self, id_):
        # The field's <label> points at the first locale's input (MultiWidget ids end in _0, _1...).
        return f"{id_}_0" if id_ and self.locales else id_


class LocaleMapField(forms.MultiValueField):
    """Turns the per-locale inputs back into a map, dropping blank values.

    ``required`` means at least one locale is filled in: a draft may be saved half translated;
    publishing refuses it and names every missing translation.
    """

    widget = LocaleMapWidget

    def __init__(self, *, locales: list[str] | None = None, multiline: bool = False, **kwargs):
        self.locales = list(locales) if locales is not None else survey_locales()
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        fields = [forms.CharField(required=False, strip=True) for _code in self.locales]
        kwargs.setdefault("widget", LocaleMapWidget(self.locales, multiline=multiline))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def with_locales(self, locales: list[str]) -> "LocaleMapField":
        """The same field for another list of locales."""
        return LocaleMapField(
            locales=locales,
            multiline=self.widget.multiline,
            label=self.label,
            required=self.required,
            help_text=self.help_text,
        )

    def clean(self, value):
        if isinstance(value, dict):
            value = self.widget.decompress(value)
        return super().clean(value)

    def compress(self, data_list) -> dict:
        if not data_list:
            return {}
        return {
            code: text for code, text in zip(self.locales, data_list, strict=False) if text and text.strip()
        }

    def has_changed(self, initial, data) -> bool:
        initial_map = initial if isinstance(initial, dict) else {}
        try:
            data_map = self.compress([(item or "").strip() for item in data or []])
        except AttributeError:
            return True
        keep = {code: text for code, text in initial_map.items() if code in self.locales and text}
        return keep != data_map


class ConditionWidget(forms.MultiWidget):
    """Question key, matrix item, operator and value; or a JSON condition for combinations."""

    template_name = "surveys/widgets/condition.html"

    def __init__(self, attrs=None):
        widgets = {
            # The survey page offers its question keys in a <datalist> of this id.
            "question": forms.TextInput(attrs={"size": 12, "list": "survey-question-keys"}),
            "item": forms.TextInput(attrs={"size": 12}),
            "op": forms.Select(choices=CONDITION_OPERATORS),
            "value": forms.TextInput(attrs={"size": 10}),
            "json": forms.Textarea(attrs={"rows": 2, "cols": 48, "spellcheck": "false"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value) -> list[str]:
        if isinstance(value, str):
            # Re-rendering a submitted value that failed validation shows it as given.
            return ["", "", "", "", value]
        if not value:
            return ["", "", "", "", ""]
        if isinstance(value, dict) and set(value) <= {"question", "item", "op", "value"}:
            raw = value.get("value", "")
            if isinstance(raw, list):
                shown = ", ".join(str(item) for item in raw)
            else:
                shown = "" if raw is None else str(raw)
            return [
                str(value.get("question", "")),
                str(value.get("item", "") or ""),
                value.get("op", ""),
                shown,
                "",
            ]
        return ["", "", "", "", json.dumps(value, ensure_ascii=False)]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        labels = [_("Question key"), _("Matrix item"), _("Operator"), _("Value"), _("or JSON (all / any)")]
        for label, subwidget in zip(labels, context["widget"]["subwidgets"], strict=True):
            subwidget["label"] = label
        return context


class LocaleMapFormMixin:
    """Gives each locale map field of a form the locales of settings at the time the form is made.

    Declared fields are built once, at import; this rebuilds them per form so the inputs follow
    ``settings.SURVEY_LOCALES``. A locale the stored text has but settings no longer list keeps
    its input, so saving never drops a translation silently.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = survey_locales()
        for name, field in list(self.fields.items()):
            if not isinstance(field, LocaleMapField):
                continue
            stored = self.initial.get(name)
            extra = [code for code in stored if code not in allowed] if isinstance(stored, dict) else []
            locales = allowed + extra
            if locales != field.locales:
                self.fields[name] = field.with_locales(locales)
