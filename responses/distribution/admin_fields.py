"""The distribution rule form's structured fields: each shows ops a percent, a number with a
unit, a list of channels or rows of attribute filters, and cleans to the stored form
(a 0-1 fraction, minutes/hours/days, a JSON list, a JSON object) the engine reads.
"""

import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responses.channels import channel_names
from responses.distribution.models import DistributionRule
from responses.distribution.rules import EVENT_TYPE_PATTERN
from responses.errors import RuleErrorCode
from responses.services.validation import ATTRIBUTE_KEY_MAX_LENGTH, ATTRIBUTES_MAX_KEYS

# Commas (also the Chinese ones), semicolons and line breaks separate listed values.
_SEPARATORS = re.compile(r"[,，、;；\r\n]+")
_ATTRIBUTE_KEY = re.compile(r"[A-Za-z0-9_.-]+")


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


class PercentField(forms.DecimalField):
    """A percentage 0-100 on the page; the 0-1 fraction ``sampling_rate`` stores."""

    widget = forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100", "class": "rule-percent"})

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=None, decimal_places=None, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, float | Decimal | int) and not isinstance(value, bool):
            return format((Decimal(str(value)) * 100).normalize(), "f")
        return value

    def clean(self, value):
        percent = super().clean(value)
        if percent is None:
            return None
        if not 0 <= percent <= 100:
            raise ValidationError(
                _("Enter a percentage from 0 to 100; %(value)s is outside that range.")
                % {"value": format(percent.normalize(), "f")},
                code=RuleErrorCode.SAMPLING_PERCENT_OUT_OF_RANGE,
            )
        return float(percent / 100)


UNIT_FACTORS = {"minutes": 1, "hours": 60, "days": 60 * 24, "weeks": 60 * 24 * 7}
UNIT_LABELS = {
    "minutes": gettext_lazy("minutes"),
    "hours": gettext_lazy("hours"),
    "days": gettext_lazy("days"),
    "weeks": gettext_lazy("weeks"),
}


class DurationWidget(forms.MultiWidget):
    template_name = "admin/surveys/distributionrule/duration_widget.html"

    def __init__(self, *, base: str, units: tuple[str, ...]) -> None:
        self.base, self.units = base, units
        super().__init__(
            [
                forms.NumberInput(attrs={"min": "0", "step": "1", "class": "rule-amount"}),
                forms.Select(choices=[(unit, UNIT_LABELS[unit]) for unit in units]),
            ]
        )

    def decompress(self, value):
        """The largest unit that shows the stored number whole: 168 hours is 1 week."""
        if value in (None, ""):
            return [None, self.base]
        minutes = int(value) * UNIT_FACTORS[self.base]
        for unit in reversed(self.units):
            if minutes % UNIT_FACTORS[unit] == 0:
                return [minutes // UNIT_FACTORS[unit], unit]
        return [value, self.base]


class DurationField(forms.MultiValueField):
    """A whole number with a unit (minutes, hours, days, weeks), stored in ``base`` units."""

    def __init__(self, *, base: str, units: tuple[str, ...], **kwargs) -> None:
        self.base = base
        fields = (forms.CharField(required=False), forms.ChoiceField(choices=[(u, u) for u in units]))
        super().__init__(
            fields,
            require_all_fields=False,
            widget=DurationWidget(base=base, units=units),
            **kwargs,
        )

    def clean(self, value):
        amount, unit = ([*list(value), None, None])[:2] if isinstance(value, list | tuple) else (value, None)
        amount = (amount or "").strip() if isinstance(amount, str) else amount
        if amount in (None, ""):
            if self.required:
                raise ValidationError(_("Enter a number."), code="required")
            return None
        unit = unit or self.base
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            number = None
        if number is None or number != number.to_integral_value() or number < 0 or unit not in UNIT_FACTORS:
            raise ValidationError(
                _("Enter a whole number of %(unit)s, 0 or more; %(value)s is not one.")
                % {"unit": UNIT_LABELS.get(unit, unit), "value": amount},
                code=RuleErrorCode.DURATION_INVALID,
            )
        minutes = int(number) * UNIT_FACTORS[unit]
        base = UNIT_FACTORS[self.base]
        if minutes % base:
            raise ValidationError(
                _("Enter a whole number of %(unit)s, 0 or more; %(value)s is not one.")
                % {"unit": UNIT_LABELS[self.base], "value": f"{amount} {UNIT_LABELS[unit]}"},
                code=RuleErrorCode.DURATION_INVALID,
            )
        # PositiveIntegerField's range on PostgreSQL.
        if minutes // base > 2_147_483_647:
            raise ValidationError(
                _("Enter a whole number of %(unit)s, 0 or more; %(value)s is not one.")
                % {"unit": UNIT_LABELS[unit], "value": amount},
                code=RuleErrorCode.DURATION_INVALID,
            )
        return minutes // base

    def compress(self, data_list):  # clean() is overridden whole
        return data_list


class EventTypesField(forms.CharField):
    """Dotted event types separated by commas or line breaks; a JSON list when stored."""

    widget = forms.TextInput(attrs={"size": 60, "placeholder": "order.delivered, order.cancelled"})

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.error_messages["required"] = gettext_lazy("List at least one event type, e.g. order.delivered.")

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value

    def clean(self, value):
        text = super().clean(value)
        types = _split(text)
        if not types:
            raise ValidationError(self.error_messages["required"], code="required")
        wrong = [item for item in types if not EVENT_TYPE_PATTERN.fullmatch(item)]
        if wrong:
            raise ValidationError(
                _("%(types)s: an event type is lower-case words joined by dots, e.g. order.delivered.")
                % {"types": ", ".join(wrong)},
                code=RuleErrorCode.EVENT_TYPES_INVALID,
            )
        return list(dict.fromkeys(types))


def channel_choices() -> list[tuple[str, str]]:
    labels = dict(DistributionRule.Channel.choices)
    return [(name, labels.get(name, name)) for name in channel_names()]


class ChannelOrderWidget(forms.MultiWidget):
    template_name = "admin/surveys/distributionrule/channel_order_widget.html"

    def __init__(self) -> None:
        count = len(channel_names())
        choices = [("", "—"), *channel_choices()]
        super().__init__([forms.Select(choices=choices) for _ in range(count)])

    def decompress(self, value):
        chosen = list(value) if isinstance(value, list) else []
        return (chosen + [""] * len(self.widgets))[: len(self.widgets)]


class ChannelOrderField(forms.MultiValueField):
    """One select per registered channel: the first choice, then the fallbacks, in order."""

    def __init__(self, **kwargs) -> None:
        choices = channel_choices()
        fields = [forms.ChoiceField(choices=choices, required=False) for _ in choices]
        super().__init__(fields, require_all_fields=False, widget=ChannelOrderWidget(), **kwargs)

    def compress(self, data_list):
        return [name for name in data_list or [] if name]

    def clean(self, value):
        chosen = super().clean(value) if any(value or []) else []
        if not chosen:
            raise ValidationError(
                _("Choose at least one channel; the first one the respondent can be reached on is used."),
                code=RuleErrorCode.NO_CHANNEL,
            )
        return chosen


OPERATOR_IS = "is"
OPERATOR_IN = "in"
OPERATORS = [(OPERATOR_IS, gettext_lazy("is")), (OPERATOR_IN, gettext_lazy("is one of"))]
# Blank rows shown below the filters, for adding without script.
BLANK_FILTER_ROWS = 2


class AttributeFiltersWidget(forms.Widget):
    """Rows of (attribute, operator, value) posted as ``<name>-<n>-key|op|value``."""

    template_name = "admin/surveys/distributionrule/attribute_filters_widget.html"

    def format_rows(self, value) -> list[dict]:
        if isinstance(value, dict):
            rows = []
            for key, expected in value.items():
                if isinstance(expected, list):
                    rows.append({"key": key, "op": OPERATOR_IN, "value": ", ".join(str(v) for v in expected)})
                else:
                    rows.append({"key": key, "op": OPERATOR_IS, "value": str(expected)})
            return rows
        if isinstance(value, list):
            return value
        return []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [row for row in self.format_rows(value) if row.get("key") or row.get("value")]
        rows += [{"key": "", "op": OPERATOR_IS, "value": ""}] * BLANK_FILTER_ROWS
        context["widget"]["rows"] = [{**row, "index": index} for index, row in enumerate(rows)]
        context["widget"]["operators"] = OPERATORS
        return context

    def value_from_datadict(self, data, files, name):
        rows = []
        for index in range(ATTRIBUTES_MAX_KEYS + BLANK_FILTER_ROWS):
            prefix = f"{name}-{index}-"
            if f"{prefix}key" not in data and f"{prefix}value" not in data:
                continue
            rows.append(
                {
                    "key": (data.get(f"{prefix}key") or "").strip(),
                    "op": data.get(f"{prefix}op") or OPERATOR_IS,
                    "value": (data.get(f"{prefix}value") or "").strip(),
                }
            )
        return rows

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False


class AttributeFiltersField(forms.Field):
    """Rows to the stored ``{"district_type": ["office", "residential"], "city": "上海"}``.

    Every row's problems are reported together, each naming the row and its attribute.
    """

    widget = AttributeFiltersWidget

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        rows = value if isinstance(value, list) else AttributeFiltersWidget().format_rows(value)
        errors: list[ValidationError] = []
        filters: dict = {}
        first_row: dict[str, int] = {}
        for number, row in enumerate(rows, start=1):
            key, op, text = row.get("key", ""), row.get("op", OPERATOR_IS), row.get("value", "")
            if not key and not text:
                continue  # a blank row
            if not key or len(key) > ATTRIBUTE_KEY_MAX_LENGTH or not _ATTRIBUTE_KEY.fullmatch(key):
                errors.append(
                    ValidationError(
                        _(
                            "Filter %(row)s: “%(key)s” is not an attribute name (letters, digits, "
                            "_ . - only, at most %(max)s characters)."
                        )
                        % {"row": number, "key": key, "max": ATTRIBUTE_KEY_MAX_LENGTH},
                        code=RuleErrorCode.ATTRIBUTE_FILTER_KEY_INVALID,
                    )
                )
                continue
            if key in first_row:
                errors.append(
                    ValidationError(
                        _(
                            "Filter %(row)s: %(key)s is already filtered in filter %(first)s; put all "
                            "its values in one filter with “is one of”."
                        )
                        % {"row": number, "key": key, "first": first_row[key]},
                        code=RuleErrorCode.ATTRIBUTE_FILTER_KEY_REPEATED,
                    )
                )
                continue
            first_row[key] = number
            values = _split(text) if op == OPERATOR_IN else ([text] if text else [])
            if not values:
                errors.append(
                    ValidationError(
                        _("Filter %(row)s (%(key)s): give the value the attribute must have.")
                        % {"row": number, "key": key},
                        code=RuleErrorCode.ATTRIBUTE_FILTER_VALUE_MISSING,
                    )
                )
                continue
            filters[key] = list(dict.fromkeys(values)) if op == OPERATOR_IN else values[0]
        if errors:
            raise ValidationError(errors)
        return filters

    def has_changed(self, initial, data) -> bool:
        try:
            return self.clean(data) != (initial or {})
        except ValidationError:
            return True


@cache
def timezone_choices() -> tuple[tuple[str, str], ...]:
    zones = sorted(zoneinfo.available_timezones())
    # The zones of the company's markets first.
    first = [
        zone for zone in ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore") if zone in zones
    ]
    return tuple((zone, zone) for zone in [*first, *(zone for zone in zones if zone not in first)])


def quiet_hours_timezone_choices() -> list[tuple[str, str]]:
    return [("", _("Each respondent's own time zone")), *timezone_choices()]
