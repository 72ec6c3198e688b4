"""Read-only admin pages that a person can read: bilingual texts, locales and conditions as text.

Django shows a read-only JSONField as its JSON (``{"zh-hans": "配送体验调查", "en": ...}``). A
user who may only view a page (a viewer) gets, for each field named in ``readable_fields``, the
text of every language on its own line, named in its own words (简体中文, English); a list of
locales as their names; a display condition as its one-line reading. Users who may change the
page keep the editing widgets.
"""

from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from surveys.forms import condition_summary
from surveys.widgets import locale_label, survey_locales

TEXT = "text"  # a locale map {"zh-hans": "...", "en": "..."}
LOCALE = "locale"  # one locale code
LOCALES = "locales"  # a list of locale codes
CONDITION = "condition"  # a question's display condition
CHOICES = "choices"  # a question's choices (its Choice rows), each with its label per locale

SUFFIX = "_readable"


def locale_map_html(value) -> str:
    """Every language's text on its own line, the language named in its own words; "" when none."""
    if not isinstance(value, dict):
        return "" if value in (None, "") else str(value)
    codes = [code for code in survey_locales() if code in value] + [
        c for c in value if c not in survey_locales()
    ]
    rows = [(locale_label(code), code, value[code]) for code in codes if str(value[code] or "").strip()]
    if not rows:
        return ""
    return format_html(
        '<dl class="locale-text">{}</dl>',
        format_html_join("", '<div><dt>{}</dt><dd lang="{}">{}</dd></div>', rows),
    )


def _readable(name: str, kind: str, label: str):
    def shown(self, obj) -> str:
        if obj is None or obj.pk is None:
            return self.get_empty_value_display()
        if kind == CHOICES:
            items = [
                (choice.key, locale_map_html(choice.label) or self.get_empty_value_display())
                for choice in obj.choices.all()
            ]
            html = format_html_join("", "<li><code>{}</code> {}</li>", items)
            return (
                format_html('<ul class="locale-choices">{}</ul>', html)
                if items
                else self.get_empty_value_display()
            )
        value = getattr(obj, name, None)
        if kind == LOCALE:
            html = locale_label(value) if value else ""
        elif kind == LOCALES:
            html = ", ".join(locale_label(code) for code in value or [])
        elif kind == CONDITION:
            html = condition_summary(value)
        else:
            html = locale_map_html(value)
        return html or self.get_empty_value_display()

    shown.short_description = label
    shown.__name__ = f"{name}{SUFFIX}"
    return shown


class ReadableLocaleMapsMixin:
    """For a user without the change permission, ``readable_fields`` are shown as text.

    ``readable_fields`` maps a field name to its kind (TEXT, LOCALE, LOCALES, CONDITION,
    CHOICES); the label is the model field's verbose name, or ``readable_labels[name]``.
    Works for ModelAdmin and inlines, with ``fields`` or ``fieldsets``.
    """

    readable_fields: dict[str, str] = {}
    readable_labels: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        model = getattr(cls, "model", None)
        for name, kind in cls.readable_fields.items():
            label = cls.readable_labels.get(name)
            if label is None and model is not None:
                label = model._meta.get_field(name).verbose_name
            setattr(cls, f"{name}{SUFFIX}", _readable(name, kind, capfirst(label or name)))

    def _read_only_for(self, request, obj) -> bool:
        return not self.has_change_permission(request, obj)

    def _swapped(self, item):
        if isinstance(item, list | tuple):
            return tuple(self._swapped(part) for part in item)
        return f"{item}{SUFFIX}" if item in self.readable_fields else item

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._read_only_for(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [self._swapped(item) for item in options.get("fields", ())]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._read_only_for(request, obj):
            # The originals too, so the form drops its declared editing fields for them.
            readonly += [name for name in self.readable_fields if name not in readonly]
            readonly += [f"{name}{SUFFIX}" for name in self.readable_fields]
        return readonly
