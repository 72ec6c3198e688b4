"""What every workspace page shows around its content: the navigation, the filter form with its
options, the user. ``page_render`` renders a page with them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from analysis.models import DailyAggregate
from analysis.services.aggregates import segment_keys
from config.permissions import user_meets, workspace_page_need
from surveys.models import Audience, Survey
from workspace import labels
from workspace.filters import OWN_FIELDS, PRESETS, SEGMENT_PREFIX, FilterForm, Filters
from workspace.templatetags.workspace_format import day

MAX_FILTER_VALUES = 50

# (URL name, label): the pages of the navigation; a page whose route is not registered is left out.
NAVIGATION = (
    ("workspace:overview", _("Overview")),
    ("workspace:painpoints", _("Pain points")),
    ("workspace:segments", _("Segments")),
    ("workspace:comments", _("Comments")),
    ("workspace:drivers", _("Key drivers")),
    ("workspace:processes", _("Process views")),
    ("workspace:cases", _("Cases")),
    ("workspace:digest", _("Weekly digest")),
    ("workspace:audit", _("Audit trail")),
)


def navigation(filters: Filters, current: str, user=None) -> list[dict]:
    """The pages the user may open; the cases entry carries the number of open cases."""
    from workspace.selectors.cases import open_case_count

    items = []
    for name, label in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if user is not None and not user_meets(user, workspace_page_need(name)):
            continue
        item = {"name": name, "label": label, "url": url + filters.query(), "current": name == current}
        if name == "workspace:cases":
            item["url"] = url
            item["count"] = open_case_count()
        elif name == "workspace:audit":
            item["url"] = url  # the audit page takes no survey filter
        items.append(item)
    return items


def _segment_values(filters: Filters) -> dict[str, list[str]]:
    """The values each aggregated segment key takes in the survey over the period."""
    if filters.survey is None:
        return {}
    keys = [k for k in segment_keys() if k not in OWN_FIELDS]
    rows = (
        DailyAggregate.objects.filter(
            survey=filters.survey,
            day__gte=filters.date_from,
            day__lte=filters.date_to,
            topic_key="",
            segment_key__in=keys,
        )
        .values_list("segment_key", "segment_value")
        .distinct()
        .order_by("segment_key", "segment_value")
    )
    found: dict[str, list[str]] = {key: [] for key in keys}
    for key, value in rows:
        if len(found[key]) < MAX_FILTER_VALUES:
            found[key].append(value)
    return found


def filter_options(request: HttpRequest, filters: Filters) -> dict:
    lang = get_language()
    values = _segment_values(filters)
    surveys = [
        {"key": s.key, "label": labels.text_in(s.title, lang, s.key)} for s in Survey.objects.order_by("key")
    ]
    segments = []
    for key, found in values.items():
        chosen = filters.segments.get(key, "")
        if chosen and chosen not in found:
            found = [*found, chosen]
        if not found:
            continue
        segments.append(
            {
                "key": key,
                "label": labels.segment_key_label(key),
                "values": [
                    {"value": v, "label": labels.segment_value_label(key, v), "selected": v == chosen}
                    for v in found
                ],
            }
        )
    other = [
        {
            "key": key,
            "value": value,
            "label": labels.segment_key_label(key),
            "value_label": labels.segment_value_label(key, value),
            "remove_url": request.path + filters.query(**{f"{SEGMENT_PREFIX}{key}": None}),
        }
        for key, value in sorted(filters.segments.items())
        if key not in values
    ]
    chosen = [
        f"{labels.segment_key_label(k)}: {labels.segment_value_label(k, v)}"
        for k, v in filters.scope_filters().items()
    ]
    summary = " · ".join(
        [
            next((s["label"] for s in surveys if filters.survey and s["key"] == filters.survey.key), ""),
            f"{day(filters.date_from)} – {day(filters.date_to)}",
            *chosen,
        ]
    )
    return {
        "summary": summary,
        "surveys": surveys,
        "presets": [
            {
                "days": days,
                "url": request.path + filters.query(days=days, **{"from": None, "to": None}),
                "current": filters.days == days,
            }
            for days in PRESETS
        ],
        "respondent_types": Audience.choices,
        "locales": settings.LANGUAGES,
        "segments": segments,
        "other_segments": other,
    }


def page_render(
    request: HttpRequest,
    template: str,
    *,
    url_name: str,
    title: str,
    filters: Filters,
    form: FilterForm,
    context: dict | None = None,
    keep_params: tuple[str, ...] = (),
) -> HttpResponse:
    """The page with the shell's context. ``keep_params``: the page's own query parameters the
    filter form carries along (a search word). Invalid filters answer 400 with the messages."""
    raw = form.data
    shell = {
        "title": title,
        "filters": filters,
        "filter_form": form,
        "filter_values": {
            "from": raw.get("date_from") or filters.date_from.isoformat(),
            "to": raw.get("date_to") or filters.date_to.isoformat(),
        },
        "filter_options": filter_options(request, filters),
        "keep_params": [(name, request.GET[name]) for name in keep_params if request.GET.get(name)],
        "nav": navigation(filters, url_name, request.user),
    }
    status = 400 if filters.errors else 200
    return render(request, template, {**shell, **(context or {})}, status=status)
