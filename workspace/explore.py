"""What the segments, comments, key-drivers and process pages show, read through the analysis selectors
(``analysis.selectors.segments``, ``.search``, ``.drivers``; their maths is the pure modules').
Here: the page's own parameters, labels in words, numbers for the page's language, the charts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from analysis import charts
from analysis.metrics import spec_for
from analysis.models import Topic
from analysis.selectors import drivers as driver_selectors
from analysis.selectors import painpoints_for_scope
from analysis.selectors import processes as process_selectors
from analysis.selectors import scope as base
from analysis.selectors.search import HIGH, LOW, MID, comment_search, score_band_parse
from analysis.selectors.segments import segment_attributes, segments_for_scope
from analysis.selectors.tables import tables_shared
from analysis.text.language import EN, MIXED, ZH
from config.permissions import READ_RESPONSES, user_meets
from workspace import labels
from workspace.charts import words as chart_text_words
from workspace.filters import Filters
from workspace.selectors import TopicView, metric_name, topic_label
from workspace.templatetags.workspace_format import number

MAX_ATTRIBUTES = 4
DEFAULT_ATTRIBUTES = 2
PAGE_SIZE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True)
class PageError:
    """A page parameter that could not be read: its name, its label in words, the message."""

    field: str
    label: str
    message: str


def metric_format(metric: str | None) -> Callable[[float], str]:
    """A metric's value for the page: NPS in points, a share as a percentage, a mean with two
    decimals; in the page's language."""
    kind = spec_for(metric).kind if metric else "mean"
    if kind == "share":
        return lambda value: f"{number(value * 100, 1)}%"
    if kind == "nps":
        return lambda value: number(value, 1)
    return lambda value: number(value, 2)


def difference_format(metric: str | None) -> Callable[[float], str]:
    """A difference of two values of the metric: NPS points, share points (pp), mean points."""
    kind = spec_for(metric).kind if metric else "mean"

    def signed(text: str) -> str:
        return text if text.startswith("-") else f"+{text}"

    if kind == "share":
        return lambda value: f"{signed(number(value * 100, 1))} pp"
    if kind == "nps":
        return lambda value: signed(number(value, 1))
    return lambda value: signed(number(value, 2))


def topic_names(survey, lang: str) -> dict[str, str]:
    """Topic key -> label in words for the survey's taxonomy."""
    ids = base.taxonomy_ids(survey)
    return {
        key: labels.text_in(label, lang, labels.humanise(key))
        for key, label in Topic.objects.filter(taxonomy_id__in=ids).values_list("key", "label")
    }


# -- segments -----------------------------------------------------------------------------------------


def segments_page_for(*, filters: Filters, query: Mapping, lang: str) -> dict[str, Any]:
    scope = filters.scope()
    available = segment_attributes(scope)
    asked = [k for k in query.getlist("attr") if k] if hasattr(query, "getlist") else []
    errors = []
    unknown = [k for k in asked if k not in available]
    if unknown:
        errors.append(
            PageError(
                "attr",
                _("Attributes"),
                _("These responses carry no attribute %(names)s.") % {"names": ", ".join(unknown)[:200]},
            )
        )
    if len(asked) > MAX_ATTRIBUTES:
        errors.append(
            PageError("attr", _("Attributes"), _("Choose at most %(n)s attributes.") % {"n": MAX_ATTRIBUTES})
        )
    chosen = list(dict.fromkeys(k for k in asked if k in available))[:MAX_ATTRIBUTES]
    if not asked:
        chosen = [k for k in available if k not in scope.filters][:DEFAULT_ATTRIBUTES]
    options = [{"key": k, "label": labels.segment_key_label(k), "selected": k in chosen} for k in available]
    if errors:
        return {"page_errors": errors, "attribute_options": options}
    found = segments_for_scope(scope=scope, keys=chosen)
    metric = found["metric"]
    fmt, diff = metric_format(metric), difference_format(metric)
    words = chart_text_words()
    sections = []
    for key in chosen:
        rows = []
        for row in found["segments"][key]:
            result, versus = row["result"], row["versus_rest"]
            rows.append(
                {
                    "value": row["value"],
                    "label": labels.segment_value_label(key, row["value"]),
                    "n": result["n"],
                    "value_text": "–" if result["value"] is None else fmt(result["value"]),
                    "interval_text": (
                        "–" if result["low"] is None else f"{fmt(result['low'])} – {fmt(result['high'])}"
                    ),
                    "difference_text": "–"
                    if not versus or versus["difference"] is None
                    else diff(versus["difference"]),
                    "p_value": versus["p_value"] if versus else None,
                    "p_adjusted": row["p_adjusted"],
                    "significant": row["significant"],
                    "small_sample": result["small_sample"],
                    "result": result,
                }
            )
        chart = charts.bar_chart(
            [
                charts.Bar(
                    r["label"],
                    r["result"]["value"],
                    r["result"]["low"],
                    r["result"]["high"],
                    r["small_sample"],
                )
                for r in rows
            ],
            title=_("%(metric)s by %(attribute)s")
            % {"metric": metric_name(metric), "attribute": labels.segment_key_label(key)},
            label_header=labels.segment_key_label(key),
            value_header=metric_name(metric),
            fmt=fmt,
            words=words,
        )
        sections.append({"key": key, "label": labels.segment_key_label(key), "rows": rows, "chart": chart})
    return {
        "metric": metric,
        "metric_name": metric_name(metric),
        "sections": sections,
        "attribute_options": options,
        "page_errors": [],
    }


# -- comments -----------------------------------------------------------------------------------------


def band_labels(metric: str | None) -> dict[str, str]:
    if metric == "nps":
        return {LOW: _("Detractors (0–6)"), MID: _("Passives (7–8)"), HIGH: _("Promoters (9–10)")}
    return {LOW: _("Low scores"), MID: _("Middle scores"), HIGH: _("High scores")}


def language_options() -> list[tuple[str, str]]:
    return [(code, labels.comment_language_label(code)) for code in (ZH, EN, MIXED)]


def _page_number(raw: str | None, errors: list[PageError]) -> int:
    if not raw:
        return 1
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        errors.append(
            PageError("page", _("Page"), _("Enter a page number from 1 to %(max)s.") % {"max": MAX_PAGE})
        )
        return 1
    return page


def comments_page_for(
    *, filters: Filters, query: Mapping, lang: str, user=None, topic_view: TopicView | None = None
) -> dict[str, Any]:
    """The scope's comments searched; under ``topic_view`` "mine" only those tagged with one of
    the reader's teams' topics (unless a topic is chosen), and only those topics to choose."""
    scope = filters.scope()
    metric = base.survey_metric(scope.survey)
    names = topic_names(scope.survey, lang)
    mine = topic_view is not None and topic_view.is_mine
    words = (query.get("q") or "").strip()
    topic = (query.get("topic") or "").strip()
    band = (query.get("band") or "").strip()
    language = (query.get("language") or "").strip()
    errors: list[PageError] = []
    page_number = _page_number(query.get("page"), errors)
    if topic and topic not in names:
        errors.append(
            PageError("topic", _("Topic"), _("This survey has no topic %(key)s.") % {"key": topic[:64]})
        )
    options = {
        "topics": sorted(
            ((k, v) for k, v in names.items() if not mine or topic_view.keeps(k) or k == topic),
            key=lambda item: item[1],
        ),
        "bands": list(band_labels(metric).items()),
        "languages": language_options(),
        "values": {"q": words, "topic": topic, "band": score_band_parse_or_raw(band), "language": language},
    }
    hits = None
    if not errors:
        try:
            hits = comment_search(
                scope=scope,
                query=words,
                topic=topic or None,
                score_band=band or None,
                language=language or None,
                topics_any=topic_view.topic_keys if mine and not topic else None,
            )
        except ValidationError as error:
            field = {
                "query_too_long": "q",
                "query_without_words": "q",
                "query_too_many_words": "q",
                "invalid_score_band": "band",
                "invalid_language": "language",
            }.get(error.code, "q")
            label = {"q": _("Search words"), "band": _("Score band"), "language": _("Comment language")}[
                field
            ]
            errors.append(PageError(field, label, error.messages[0]))
    if errors:
        return {"page_errors": errors, "options": options, "hits": [], "count": 0}
    total = hits.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(page_number, pages)
    start = (page_number - 1) * PAGE_SIZE
    band_names = band_labels(metric)
    shown = [
        {
            "hit": hit,
            "topics": [names.get(k, labels.humanise(k)) for k in hit.topics],
            "band_label": band_names.get(hit.band, ""),
            "language_label": labels.comment_language_label(hit.language),
            "segments": [
                f"{labels.segment_key_label(k)}: {labels.segment_value_label(k, str(v))}"
                for k, v in sorted(hit.segments.items())
                if k not in ("locale", "channel", "respondent_type") and v not in (None, "")
            ],
        }
        for hit in hits[start : start + PAGE_SIZE]
    ]
    page_params = {"q": words, "topic": topic, "band": band, "language": language}
    return {
        "page_errors": [],
        "options": options,
        # a survey designer reads the comments but not single responses: no link then
        "may_open_responses": user_meets(user, READ_RESPONSES),
        "hits": shown,
        "count": total,
        "terms": hits.terms,
        "page": page_number,
        "pages": pages,
        "first": start + 1 if total else 0,
        "last": start + len(shown),
        "previous_query": filters.query(**page_params, page=page_number - 1) if page_number > 1 else "",
        "next_query": filters.query(**page_params, page=page_number + 1) if page_number < pages else "",
    }


def score_band_parse_or_raw(value: str) -> str:
    try:
        return score_band_parse(value) or ""
    except ValidationError:
        return value


# -- key drivers ---------------------------------------------------------------------------------------


def _driver_label(driver: dict, names: dict[str, str], lang: str) -> str:
    if driver["kind"] == driver_selectors.QUESTION:
        text = labels.text_in(driver.get("text"), lang, labels.humanise(driver["key"]))
        parent = labels.text_in(driver.get("question_text"), lang) if driver.get("item") else ""
        return f"{text} ({parent})" if parent else text
    if driver["kind"] == driver_selectors.ATTRIBUTE:
        return labels.segment_key_label(driver["key"])
    return names.get(driver["key"], labels.humanise(driver["key"]))


def drivers_page_for(*, filters: Filters, lang: str) -> dict[str, Any]:
    scope = filters.scope()
    found = driver_selectors.drivers_for_scope(scope=scope)
    names = topic_names(scope.survey, lang)
    kinds = {
        driver_selectors.QUESTION: _("Question"),
        driver_selectors.ATTRIBUTE: _("Attribute"),
        driver_selectors.TOPIC: _("Topic"),
    }
    quadrants = {
        "fix first": _("Fix first"),
        "keep up": _("Keep up"),
        "maintain": _("Maintain"),
        "low priority": _("Low priority"),
    }
    rows = []
    for driver in found["drivers"]:
        correlation = driver.get("correlation")
        if correlation is None:
            direction = ""
        elif driver["kind"] == driver_selectors.TOPIC:
            direction = _("lowers the score") if correlation < 0 else _("raises the score")
        else:
            direction = (
                _("higher goes with a higher score")
                if correlation > 0
                else _("higher goes with a lower score")
            )
        levels = driver.get("levels") or []
        rows.append(
            {
                **driver,
                "label": _driver_label(driver, names, lang),
                "kind_label": kinds[driver["kind"]],
                "direction": direction,
                "quadrant_label": quadrants.get(driver.get("quadrant") or "", ""),
                "levels_text": ", ".join(
                    f"{labels.segment_value_label(driver['key'], v) if v else _('unknown')} ({number(n, 0)})"
                    for v, n in levels
                ),
            }
        )
    chart = None
    if rows:
        chart = charts.bar_chart(
            [charts.Bar(r["label"], r["importance"] * 100, r["low"] * 100, r["high"] * 100) for r in rows],
            title=_("What moves %(metric)s: share of the explained variance")
            % {"metric": metric_name(found["metric"])},
            label_header=_("Driver"),
            value_header=_("Importance (points of R²)"),
            fmt=lambda value: number(value, 1),
            words=chart_text_words(),
            label_width=260,
        )
    return {
        "metric_name": metric_name(found["metric"]),
        "drivers": rows,
        "n": found["n"],
        "r_squared": found["r_squared"],
        "error": found["error"],
        "chart": chart,
    }


# -- process views (the seed's process owners) ----------------------------------------------------------


def _percent(value: float) -> str:
    return f"{number(value * 100, 1)}%"


def _rate_text(result: dict) -> dict:
    return {
        "value_text": "–" if result["value"] is None else _percent(result["value"]),
        "interval_text": "–"
        if result["low"] is None
        else f"{_percent(result['low'])} – {_percent(result['high'])}",
    }


def processes_page_for(*, filters: Filters, lang: str, topic_view: TopicView | None = None) -> dict[str, Any]:
    # the ranking and the complaint figures read the same count tables: once, whatever the cache
    with tables_shared():
        return _processes_page_for(filters=filters, lang=lang, topic_view=topic_view)


def _processes_page_for(*, filters: Filters, lang: str, topic_view: TopicView | None) -> dict[str, Any]:
    scope = filters.scope()
    # each stage's top pain points: the ranking only (no comment read)
    report = painpoints_for_scope(
        survey=scope.survey,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        ranking_only=True,
    )
    names = topic_names(scope.survey, lang)
    stages = []
    for row in process_selectors.stages_for_scope(scope=scope, ranked_topics=report["topics"]):
        score = row["score"]
        result = score["result"] if score else None
        stages.append(
            {
                "stage": row["stage"],
                "label": labels.stage_label(row["stage"]),
                "score": result,
                "scale_text": f"{score['scale'][0]}–{score['scale'][1]}" if score else "",
                "value_text": "–" if not result or result["value"] is None else number(result["value"], 2),
                "interval_text": (
                    "–"
                    if not result or result["low"] is None
                    else f"{number(result['low'], 2)} – {number(result['high'], 2)}"
                ),
                "topics": [
                    {
                        **t,
                        "label_text": topic_label(t, lang),
                        "impact_text": "–" if t.get("impact") is None else number(t["impact"], 1),
                    }
                    for t in (topic_view.only(row["topics"]) if topic_view is not None else row["topics"])
                ],
            }
        )
    # the complaint figures of both sections from one read of the count tables
    counted = process_selectors.complaint_tables(scope)
    riders = process_selectors.rider_experience_for_scope(scope=scope, counted=counted)
    satisfaction = [
        {
            "label": labels.text_in(r["label"], lang, labels.humanise(r["item"] or r["question"])),
            "n": r["result"]["n"],
            "small_sample": r["result"]["small_sample"],
            "top_text": _("%(low)s–%(high)s of %(min)s–%(max)s")
            % {"low": r["scale"][1] - 1, "high": r["scale"][1], "min": r["scale"][0], "max": r["scale"][1]},
            **_rate_text(r["result"]),
        }
        for r in riders["satisfaction"]
    ]
    complaints = riders["complaints"]
    on_time = riders["on_time"]
    scenario = process_selectors.complaints_by_scenario(scope=scope, counted=counted)
    words = chart_text_words()
    attributes = []
    for key, rows in scenario["by_attribute"].items():
        shown = []
        for row in rows:
            versus = row["versus_rest"]
            shown.append(
                {
                    "value": row["value"],
                    "label": labels.segment_value_label(key, row["value"]),
                    "responses": row["responses"],
                    "complaints": row["complaints"],
                    "result": row["result"],
                    "small_sample": row["result"]["small_sample"],
                    "difference_text": (
                        "–"
                        if not versus or versus["difference"] is None
                        else difference_format("rate")(versus["difference"])
                    ),
                    "p_value": versus["p_value"] if versus else None,
                    "significant": bool(versus and versus["significant"]),
                    "topics_text": ", ".join(
                        f"{names.get(t, labels.humanise(t))} ({number(n, 0)})" for t, n in row["topics"][:3]
                    ),
                    **_rate_text(row["result"]),
                }
            )
        chart = charts.bar_chart(
            [
                charts.Bar(
                    r["label"],
                    r["result"]["value"],
                    r["result"]["low"],
                    r["result"]["high"],
                    r["small_sample"],
                )
                for r in shown
            ],
            title=_("Complaint rate by %(attribute)s") % {"attribute": labels.segment_key_label(key)},
            label_header=labels.segment_key_label(key),
            value_header=_("Complaint rate"),
            fmt=_percent,
            words=words,
        )
        attributes.append({"key": key, "label": labels.segment_key_label(key), "rows": shown, "chart": chart})
    return {
        "stages": stages,
        "riders": {
            "relevant": riders["relevant"] or bool(on_time),
            "satisfaction": satisfaction,
            "complaints": {
                **complaints,
                **_rate_text(complaints["result"]),
                "topics_text": ", ".join(names.get(t, labels.humanise(t)) for t in complaints["topics"]),
            },
            "on_time": {**on_time, **_rate_text(on_time["result"])} if on_time else None,
        },
        "scenario": {
            "responses": scenario["responses"],
            "complaining": scenario["complaining"],
            "attributes": attributes,
        },
    }
