"""The "Pain points" pages in the admin: the survey list and one survey's report (staff with
``analysis.view_painpoints``, checked by ``config.access.admin_page``). Charts are inline SVG
from ``analysis.charts``; the page has no script."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from analysis import chart_text, charts, selectors
from analysis.apis import scope_from_params
from analysis.models import DailyAggregate, SurveyAnalysisSettings
from analysis.services.aggregates import segment_keys
from surveys.models import Survey

MAX_FILTER_VALUES = 50
SEGMENT_LABELS = {
    "city": gettext_lazy("City"),
    "district_type": gettext_lazy("District type"),
    "merchant_type": gettext_lazy("Merchant type"),
    "scenario": gettext_lazy("Scenario"),
    "channel": gettext_lazy("Channel"),
    "respondent_type": gettext_lazy("Respondent type"),
    "locale": gettext_lazy("Language"),
}


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def surveys_page(request):
    linked = set(SurveyAnalysisSettings.objects.values_list("survey_id", flat=True))
    surveys = [
        {"key": s.key, "title": (s.title or {}).get(_lang()) or s.key, "linked": s.pk in linked}
        for s in Survey.objects.order_by("key")
    ]
    context = {**admin.site.each_context(request), "title": _("Pain points"), "surveys": surveys}
    return render(request, "analysis/painpoints_surveys.html", context)


def impact_chart(topics: list[dict], lang: str) -> charts.Chart:
    """The ranked topics' impact as horizontal bars with their 95 % intervals."""
    bars = [
        charts.Bar(
            label=topic["label"].get(lang) or topic["key"],
            value=topic["impact"],
            low=topic.get("impact_low"),
            high=topic.get("impact_high"),
            small_sample=bool(topic.get("small_sample")),
        )
        for topic in topics
    ]
    return charts.bar_chart(
        bars,
        title=_("Impact by topic"),
        label_header=_("Topic"),
        value_header=_("Impact"),
        fmt=chart_text.number(1),
        tick_fmt=chart_text.tick,
        words=chart_text.chart_words(),
    )


def period_chart(rows: list[dict], metric: str | None, lang: str) -> charts.Chart:
    """The score per period as a line over its 95 % interval band."""
    points = [
        charts.Point(
            x=dt.date.fromisoformat(row["period"]),
            value=row["result"]["value"],
            low=row["result"]["low"],
            high=row["result"]["high"],
            n=row["result"]["n"],
            small_sample=bool(row["result"]["small_sample"]),
        )
        for row in rows
    ]
    return charts.trend_chart(
        points,
        title=_("Score per period"),
        period_header=_("Period starting"),
        value_header=(metric or "").upper() or _("Value"),
        fmt=chart_text.number(1),
        tick_fmt=chart_text.tick,
        date_fmt=chart_text.day_label(lang),
        words=chart_text.chart_words(),
    )


def _filter_options(survey: Survey) -> list[dict]:
    rows = (
        DailyAggregate.objects.filter(survey=survey, topic_key="", segment_key__in=segment_keys())
        .values_list("segment_key", "segment_value")
        .distinct()
        .order_by("segment_key", "segment_value")
    )
    options: dict[str, list[str]] = {key: [] for key in segment_keys()}
    for key, value in rows:
        if key in options and len(options[key]) < MAX_FILTER_VALUES:
            options[key].append(value)
    return [{"key": k, "label": SEGMENT_LABELS.get(k, k), "values": v} for k, v in options.items() if v]


def survey_page(request, key: str):
    survey = Survey.objects.filter(key=key).first()
    if survey is None:
        raise Http404(_("No survey with key %(key)s.") % {"key": key})
    lang = _lang()
    errors: dict = {}
    try:
        scope = scope_from_params(request.GET)
    except ValidationError as exc:
        errors = {field: [str(e) for e in messages] for field, messages in exc.detail.items()}
        today = timezone.localdate()
        scope = {
            "date_from": today - dt.timedelta(days=27),
            "date_to": today,
            "period": "week",
            "filters": {},
        }
    report = selectors.painpoints_for_scope(
        survey=survey, date_from=scope["date_from"], date_to=scope["date_to"], filters=scope["filters"]
    )
    metrics = selectors.metrics_for_scope(
        survey=survey,
        date_from=scope["date_from"],
        date_to=scope["date_to"],
        filters=scope["filters"],
        period=scope["period"],
    )
    for topic in report["topics"]:
        topic["label_text"] = topic["label"].get(lang) or topic["key"]
    context = {
        **admin.site.each_context(request),
        "title": _("Pain points: %(survey)s") % {"survey": (survey.title or {}).get(lang) or survey.key},
        "survey": survey,
        "report": report,
        "metrics": metrics,
        "scope": scope,
        "errors": errors,
        "filter_options": _filter_options(survey),
        "impact_chart": impact_chart(report["topics"], lang),
        "period_chart": period_chart(metrics["by_period"], metrics["metric"], lang),
        "lang": lang,
    }
    return render(request, "analysis/painpoints_page.html", context)
