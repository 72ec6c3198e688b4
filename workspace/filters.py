"""The one filter of every workspace page: parsed from the query string, shown as a form, and
turned into the analysis ``Scope``.

Query string (what a shared link holds):

- ``survey=<key>`` (default: the first survey, by key, with analysed responses);
- ``days=7|28|90``: the last N days up to today; or ``from=YYYY-MM-DD`` and ``to=YYYY-MM-DD``
  (explicit days win over ``days``; default: the last 28 days);
- ``respondent_type=customer|merchant|rider``; ``locale=zh-hans|en``;
- ``seg.<attribute>=<value>`` for any segment attribute of the responses (``seg.city=上海``,
  ``seg.district_type=office``), several allowed; an empty value is no filter;
- ``topics=mine|all``: the reader's teams' topics or every topic (empty: the reader's default,
  ``workspace.selectors.teams``).

Other parameters (a page's own, such as a search word) are left to the page. A bad value is an
error naming its field, in the user's language; the page shows it instead of figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.models import DailyAggregate
from analysis.selectors.scope import Scope
from config.dates import API_DATE_MAX, API_DATE_MIN
from responses.services.validation import attribute_key_valid
from surveys.models import Audience, Survey

PRESETS = (7, 28, 90)
DEFAULT_DAYS = 28
MAX_DAYS = 731
SEGMENT_PREFIX = "seg."
MAX_SEGMENT_FILTERS = 6
MAX_VALUE_LENGTH = 255
# Filters with a field of their own (also segment keys of the responses).
OWN_FIELDS = ("respondent_type", "locale")
TOPICS_MINE, TOPICS_ALL = "mine", "all"


class FilterForm(forms.Form):
    """The fixed fields; ``seg.<key>`` parameters are checked by ``filters_parse``."""

    survey = forms.CharField(label=gettext_lazy("Survey"), required=False, max_length=64)
    days = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(n), str(n)) for n in PRESETS],
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    respondent_type = forms.ChoiceField(
        label=gettext_lazy("Respondent type"), required=False, choices=[("", ""), *Audience.choices]
    )
    locale = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, choices=[("", ""), *settings.LANGUAGES]
    )
    topics = forms.ChoiceField(
        label=gettext_lazy("Topics"),
        required=False,
        choices=[("", ""), (TOPICS_MINE, TOPICS_MINE), (TOPICS_ALL, TOPICS_ALL)],
    )

    def __init__(self, data: Mapping[str, str], **kwargs):
        # The query string says from/to; the form's names avoid Python's keyword.
        data = {
            "survey": data.get("survey", ""),
            "days": data.get("days", ""),
            "date_from": data.get("from", ""),
            "date_to": data.get("to", ""),
            "respondent_type": data.get("respondent_type", ""),
            "locale": data.get("locale", ""),
            "topics": data.get("topics", ""),
        }
        super().__init__(data, **kwargs)

    def clean_survey(self) -> Survey | None:
        key = self.cleaned_data.get("survey") or ""
        if not key:
            return None
        survey = Survey.objects.filter(key=key).first()
        if survey is None:
            raise forms.ValidationError(_("No survey with key %(key)s.") % {"key": key[:64]}, code="unknown")
        return survey

    def _day(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not API_DATE_MIN <= value <= API_DATE_MAX:
            raise forms.ValidationError(
                _("Enter a day between %(min)s and %(max)s.")
                % {"min": API_DATE_MIN.isoformat(), "max": API_DATE_MAX.isoformat()},
                code="out_of_range",
            )
        return value

    def clean_date_from(self) -> dt.date | None:
        return self._day("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._day("date_to")

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_from", _("The first day is after the last day."))
        elif start and end and (end - start).days + 1 > MAX_DAYS:
            self.add_error("date_from", _("The period may span at most %(days)s days.") % {"days": MAX_DAYS})
        return data


@dataclass(frozen=True)
class FilterError:
    field: str  # the query-string parameter
    label: str  # the field's name in words
    message: str


@dataclass(frozen=True)
class Filters:
    """What the query string asked for, validated."""

    survey: Survey | None
    date_from: dt.date
    date_to: dt.date
    days: int | None  # a preset, when the period is "the last N days"
    respondent_type: str = ""
    locale: str = ""
    segments: Mapping[str, str] = field(default_factory=dict)
    topics: str = ""  # "mine" | "all" when the query string chose; else the reader's default
    errors: tuple[FilterError, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def scope_filters(self) -> dict[str, str]:
        """Respondent type and locale are segment keys of the responses like any attribute."""
        found = dict(self.segments)
        if self.respondent_type:
            found["respondent_type"] = self.respondent_type
        if self.locale:
            found["locale"] = self.locale
        return found

    def scope(self) -> Scope:
        if self.survey is None:
            raise ValueError("no survey to scope")
        return Scope(self.survey, self.date_from, self.date_to, self.scope_filters())

    def params(self, **changes) -> dict[str, str]:
        """The query-string parameters of these filters; ``changes`` replace (None drops)."""
        out: dict[str, str] = {}
        if self.survey is not None:
            out["survey"] = self.survey.key
        if self.days:
            out["days"] = str(self.days)
        else:
            out["from"] = self.date_from.isoformat()
            out["to"] = self.date_to.isoformat()
        if self.respondent_type:
            out["respondent_type"] = self.respondent_type
        if self.locale:
            out["locale"] = self.locale
        for key, value in sorted(self.segments.items()):
            out[f"{SEGMENT_PREFIX}{key}"] = value
        if self.topics:
            out["topics"] = self.topics
        for key, value in changes.items():
            key = key.replace("__", ".")
            if value is None:
                out.pop(key, None)
            else:
                out[key] = str(value)
        return out

    def query(self, **changes) -> str:
        """``?survey=...&...`` for a link that keeps these filters."""
        return "?" + urlencode(self.params(**changes))


def default_survey() -> Survey | None:
    """The first survey (by key) with analysed responses, else the first survey."""
    surveys = list(Survey.objects.order_by("key"))
    for survey in surveys:
        if DailyAggregate.objects.filter(survey=survey).exists():
            return survey
    return surveys[0] if surveys else None


def _segments(query: Mapping[str, str], errors: list[FilterError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in query:
        if not name.startswith(SEGMENT_PREFIX):
            continue
        key = name[len(SEGMENT_PREFIX) :]
        value = (query.get(name) or "").strip()
        if not attribute_key_valid(key):
            errors.append(
                FilterError(
                    name[:80],
                    _("Segment"),
                    _("An attribute name may use letters, digits, _ . and - only, got %(key)s.")
                    % {"key": key[:64]},
                )
            )
        elif key in OWN_FIELDS:
            errors.append(
                FilterError(
                    name,
                    _("Segment"),
                    _("Filter %(key)s with its own field, not as a segment.") % {"key": key},
                )
            )
        elif len(value) > MAX_VALUE_LENGTH:
            errors.append(
                FilterError(
                    name,
                    _("Segment"),
                    _("The value of %(key)s may have at most %(n)s characters.")
                    % {"key": key, "n": MAX_VALUE_LENGTH},
                )
            )
        elif value:
            found[key] = value
    if len(found) > MAX_SEGMENT_FILTERS:
        errors.append(
            FilterError(
                "seg",
                _("Segment"),
                _("At most %(n)s segment filters at once.") % {"n": MAX_SEGMENT_FILTERS},
            )
        )
    return found


def filters_parse(query: Mapping[str, str]) -> tuple[Filters, FilterForm]:
    """The filters of a query string (``request.GET``) and the bound form that shows them.
    Invalid fields are listed in ``errors`` and replaced by their defaults."""
    form = FilterForm(query)
    errors: list[FilterError] = []
    valid = form.is_valid()
    data = form.cleaned_data
    if not valid:
        names = {"date_from": "from", "date_to": "to"}
        for name, messages in form.errors.items():
            label = str(form.fields[name].label) if name in form.fields else _("Filters")
            for message in messages:
                errors.append(FilterError(names.get(name, name), label, message))
    segments = _segments(query, errors)
    survey = data.get("survey") if "survey" in data else None
    if survey is None and not any(e.field == "survey" for e in errors):
        survey = default_survey()
    today = timezone.localdate()
    days = data.get("days")
    date_to = data.get("date_to") if "date_to" in data else None
    date_from = data.get("date_from") if "date_from" in data else None
    explicit = date_from is not None or date_to is not None
    date_to = date_to or today
    if date_from is None:
        date_from = date_to - dt.timedelta(days=(days or DEFAULT_DAYS) - 1)
    if date_from > date_to or (date_to - date_from).days + 1 > MAX_DAYS:  # the errors name them
        date_from, date_to = today - dt.timedelta(days=DEFAULT_DAYS - 1), today
    filters = Filters(
        survey=survey,
        date_from=date_from,
        date_to=date_to,
        days=None if explicit else (days or DEFAULT_DAYS),
        respondent_type=data.get("respondent_type") or "",
        locale=data.get("locale") or "",
        segments=segments,
        topics=data.get("topics") or "",
        errors=tuple(errors),
    )
    return filters, form
