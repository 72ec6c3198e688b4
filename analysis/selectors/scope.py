"""The scope of a read (a survey, a date range, segment filters) and where its rows are found.

Totals, mentions, impact and trends come from DailyAggregate when the filters allow it (no
filter, or one filter on an aggregated segment key, ``settings.ANALYSIS_SEGMENT_KEYS``; inside a
one-filter slice the lifts and breakdowns read the pair rows, e.g. ``district_type|city``);
otherwise (two or more filters, or a key that is not aggregated) the same counts are computed
from the slice's ResponseFacts (the fallback). On PostgreSQL the slice is found through the GIN
index on the facts' segments (one ``segments @> {filters}`` containment) and grouped in SQL
(one ``GROUPING SETS`` query); elsewhere (SQLite) the rows are read and counted in Python, with
the same results (``in_database``; the other selector modules call it through this module, so a
test or benchmark can switch the path in one place). The maths is the pure modules'
(``analysis.painpoints.counts``, ``analysis.metrics``, ``analysis.stats``, ``analysis.keywords``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Exists, Q

from analysis.models import DailyAggregate, ResponseFacts, SurveyAnalysisSettings, WeeklyAggregate
from analysis.selectors.taxonomy import question_plan
from analysis.services.aggregates import pair_key, pair_value, segment_keys, week_start
from ops.databases import on_postgresql
from surveys.models import Survey, SurveyVersion


@dataclass(frozen=True)
class Scope:
    survey: Survey
    date_from: dt.date
    date_to: dt.date
    filters: Mapping[str, str]

    def previous(self) -> Scope:
        length = (self.date_to - self.date_from).days + 1
        end = self.date_from - dt.timedelta(days=1)
        return Scope(self.survey, end - dt.timedelta(days=length - 1), end, self.filters)

    @property
    def from_aggregates(self) -> bool:
        return len(self.filters) <= 1 and all(k in segment_keys() for k in self.filters)

    @property
    def pair_row(self) -> tuple[str, str] | None:
        """Two filters on aggregated keys (non-empty values): the (segment_key, segment_value)
        of the pair rows that hold the slice's totals and topic counts."""
        if len(self.filters) != 2:
            return None
        (first_key, first_value), (second_key, second_value) = sorted(self.filters.items())
        keys = segment_keys()
        if first_key not in keys or second_key not in keys or not first_value or not second_value:
            return None
        return pair_key(first_key, second_key), pair_value(first_value, second_value)


def in_database() -> bool:
    """PostgreSQL: filtered slices are found through the segments' GIN index and grouped in
    SQL. Otherwise the rows are read and counted in Python (the same results). The one switch
    between the selectors' two paths: tests run both on PostgreSQL by patching it."""
    return on_postgresql()


def segment_filter(queryset, filters: Mapping[str, str], *, newest_first: bool = False):
    """Rows whose ``segments`` hold every filter value. On PostgreSQL one containment
    (``@>``, the GIN index) finds them; the per-key look-ups keep the exact test.

    ``newest_first``: for a query reading the newest rows of the slice (by the day index, with
    a limit), on PostgreSQL the containment alone, which is the exact test for string values (a
    list or an object holding the string does not contain it). With the look-ups besides, the
    planner counts each filter twice and estimates a slice of 150,000 rows at 300, so it reads
    the whole slice and sorts it instead of walking the day index back to the first few
    thousand. (The grouped reads keep the look-ups: their plans were measured with them.)"""
    if filters and in_database():
        queryset = queryset.filter(segments__contains=dict(filters))
        if newest_first:
            return queryset
    for key, value in filters.items():
        queryset = queryset.filter(**{f"segments__{key}": value})
    return queryset


def facts(scope: Scope, *, newest_first: bool = False):
    """The scope's facts (``newest_first``: see ``segment_filter``)."""
    queryset = ResponseFacts.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    return segment_filter(queryset, scope.filters, newest_first=newest_first)


def survey_metric(survey: Survey) -> str | None:
    """The metric of the survey's score question (its latest published version)."""
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").only("definition").first()
    if version is None:
        return None
    settings_row = SurveyAnalysisSettings.objects.filter(survey=survey).first()
    return question_plan(version.definition, settings_row).metric


def aggregates(scope: Scope):
    return DailyAggregate.objects.filter(
        survey=scope.survey, day__gte=scope.date_from, day__lte=scope.date_to
    )


def aggregate_parts(scope: Scope) -> list:
    """The scope's aggregate rows summed over its days, as querysets whose rows add up to it:
    its ISO weeks from WeeklyAggregate, and its days from DailyAggregate where a week is only
    partly inside the range (both have the same cell and count columns).

    A partial week at either end is read as its week's rows too when the week's days outside
    the range hold no rows: a scope ending today reads this week's row (its remaining days are
    still to come), not its days up to today; one query finds out, for both ends at once."""
    start = week_start(scope.date_from)
    end = week_start(scope.date_to) + dt.timedelta(days=7)
    rows_before, rows_after = _rows_outside(scope, start, end)
    first = start + dt.timedelta(days=7) if rows_before else start
    last = end - dt.timedelta(days=7) if rows_after else end
    if first >= last:
        return [aggregates(scope)]
    weeks = WeeklyAggregate.objects.filter(survey=scope.survey, week__gte=first, week__lt=last)
    if scope.date_from < first or last <= scope.date_to:
        return [aggregates(scope).filter(Q(day__lt=first) | Q(day__gte=last)), weeks]
    return [weeks]


def _rows_outside(scope: Scope, start: dt.date, end: dt.date) -> tuple[bool, bool]:
    """Whether the survey has daily rows in the first week's days before the scope, and in the
    last week's days after it (False where the scope starts on a Monday or ends on a Sunday)."""
    outside = {}
    if start < scope.date_from:
        outside["before"] = Q(day__gte=start, day__lt=scope.date_from)
    if scope.date_to < end - dt.timedelta(days=1):
        outside["after"] = Q(day__gt=scope.date_to, day__lt=end)
    if not outside:
        return False, False
    rows = DailyAggregate.objects.filter(survey=scope.survey)
    found = (
        Survey.objects.filter(pk=scope.survey.pk)
        .annotate(**{name: Exists(rows.filter(days)) for name, days in outside.items()})
        .values(*outside)
        .first()
        or {}
    )
    return found.get("before", False), found.get("after", False)


def taxonomy_ids(survey: Survey) -> list[int]:
    ids = SurveyAnalysisSettings.objects.filter(survey=survey, taxonomy__isnull=False).values_list(
        "taxonomy_id", flat=True
    )
    return list(ids)
