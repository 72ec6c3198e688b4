"""Rendering a pain-point report (the ``manage.py painpoints`` JSON contract) to JSON, CSV, HTML.

The report::

    {"topics": [{"key", "label": {"zh-hans", "en"}, "mentions", "share", "detractor_rate",
                 "impact", "keywords", "examples", "segments", ...}],
     "strengths": [{"key", "label", "mentions", "complaint_mentions", "share"}],
     "emerging": [{"key", "keywords", "mentions", "parent", "examples"}],
     "metrics": {...}}

A ranked topic may carry its significance (``impact_low``, ``impact_high``, ``p_value``,
``significant``, ``small_sample``): the HTML shows the interval under the impact, the p-value
and a small-sample mark; the CSV has a column for each.

Keywords may be strings or objects with a ``term`` (or ``keyword``/``text``); examples strings or
objects with a ``text``; segments objects with ``column``, ``value`` and ``lift`` (what
``analysis.painpoints.topic_impact_as_dict`` writes); an emerging topic's ``parent`` is the broad
cluster it was split from (``key``, ``keywords``, ``mentions``) or null. Missing optional fields
render empty.

Respondents' words end up in spreadsheets and browsers: the CSV prefixes any text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with an apostrophe (formula
injection), and the HTML is autoescaped, with no script and no external asset.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path
from typing import Any

from django.template import Context, Engine
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from analysis import chart_text, charts

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_NAME = "analysis/painpoints_report.html"
# The charts' stylesheet, inlined: the report is one file that needs nothing else.
CHART_CSS = TEMPLATE_DIR.parent / "static" / "css" / "charts.css"
METRIC_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES", "ces_share": "CES 5-7", "rating": "★"}
# Metrics whose value is a share (0..1), shown as a percentage.
SHARE_METRICS = frozenset({"csat", "ces_share", "rate", "response_rate"})
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LANGS = ("zh-hans", "en")
CSV_COLUMNS = (
    "kind",
    "rank",
    "key",
    "label",
    "mentions",
    "share",
    "detractor_rate",
    "impact",
    "keywords",
    "examples",
    "segments",
    "overall_detractor_rate",
    "trend_change",
    "trend_p_value",
    "impact_low",
    "impact_high",
    "p_value",
    "small_sample",
)
_engine: Engine | None = None


def _template_engine() -> Engine:
    """A standalone engine: no TEMPLATES setting or app loader needed, autoescape on."""
    global _engine
    if _engine is None:
        _engine = Engine(
            dirs=[str(TEMPLATE_DIR)],
            app_dirs=False,
            autoescape=True,
            libraries={"i18n": "django.templatetags.i18n", "charts": "analysis.templatetags.charts"},
        )
    return _engine


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null; dataclasses, tuples, sets, numpy arrays and
    numpy scalars become plain JSON values."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _clean(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, set | frozenset):
        return [_clean(v) for v in sorted(value, key=str)]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays and scalars
        return _clean(value.tolist())
    return value


def report_to_json(report: dict, *, lang: str = "zh-hans") -> str:
    """UTF-8 JSON with Chinese kept as written (ensure_ascii=False); NaN written as null.
    ``lang`` is accepted for a uniform signature: the JSON carries both label languages."""
    return json.dumps(_clean(report), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def csv_cell(value: Any) -> Any:
    """A text cell safe to open in a spreadsheet: a leading =, +, -, @, tab or CR gets an
    apostrophe in front. Numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _label(topic: dict, lang: str) -> str:
    label = topic.get("label")
    if isinstance(label, dict):
        for code in (lang, *LANGS):
            if label.get(code):
                return str(label[code])
    elif isinstance(label, str) and label:
        return label
    return str(topic.get("key", ""))


def _texts(items: Any, *names: str) -> list[str]:
    texts = []
    for item in items or ():
        if isinstance(item, dict):
            text = next((item[n] for n in names if item.get(n) not in (None, "")), None)
            if text is not None:
                texts.append(str(text))
        elif item is not None:
            texts.append(str(item))
    return texts


def _keywords(topic: dict) -> list[str]:
    return _texts(topic.get("keywords"), "term", "keyword", "text", "word")


def _parent_keywords(topic: dict) -> list[str]:
    """The first keywords of the broad cluster a sub-topic was split from (none at the first level)."""
    parent = topic.get("parent")
    return _keywords(parent)[:3] if isinstance(parent, dict) else []


def _examples(topic: dict) -> list[str]:
    return _texts(topic.get("examples"), "text", "comment")


def highlight_html(text: str, terms: Any) -> SafeString:
    """``text`` escaped, with each occurrence of ``terms`` (case-insensitive, longest first where
    two overlap) inside ``<mark>``: the only markup in the result, so nothing a respondent typed
    can run in a browser."""
    wanted = sorted({str(t) for t in terms or () if str(t).strip()}, key=len, reverse=True)
    folded = text.casefold()
    spans: list[tuple[int, int]] = []
    if len(folded) == len(text):  # case folding kept the positions (it does not for ß and a few more)
        for term in wanted:
            needle = term.casefold()
            start = folded.find(needle)
            while start >= 0:
                end = start + len(needle)
                if not any(s < end and start < e for s, e in spans):
                    spans.append((start, end))
                start = folded.find(needle, end)
    spans.sort()
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # every piece of text above is escaped


def _examples_html(topic: dict) -> list[SafeString]:
    out = []
    for item in topic.get("examples") or ():
        if isinstance(item, dict):
            text = next((item[n] for n in ("text", "comment") if item.get(n) not in (None, "")), None)
            if text is not None:
                out.append(highlight_html(str(text), item.get("highlight")))
        elif item is not None:
            out.append(highlight_html(str(item), ()))
    return out


def report_language(report: dict, forced: str | None = None) -> str:
    """The language a report is shown in: ``forced`` when given, else the data's
    (``summary.language``: Chinese when Chinese comments are at least as many as English ones)."""
    if forced in LANGS:
        return str(forced)
    summary = report.get("summary") if isinstance(report.get("summary"), dict) else {}
    language = summary.get("language")
    return str(language) if language in LANGS else "zh-hans"


def taxonomy_statement(report: dict) -> str:
    """What the run did with the taxonomy, in the active language (call inside
    translation.override); empty for a report without the information."""
    summary = report.get("summary") if isinstance(report.get("summary"), dict) else {}
    fit = summary.get("taxonomy")
    if not isinstance(fit, dict):
        return ""
    values = {
        "name": fit.get("name") or "",
        "clauses": _percent(fit.get("clause_coverage")),
        "comments": _percent(fit.get("coverage")),
        "threshold": _percent(fit.get("threshold")),
        "count": _plain(summary.get("discovered", 0)) or "0",
    }
    reason = fit.get("reason")
    if reason == "covers":
        return (
            _(
                "Taxonomy %(name)s covers %(clauses)s of the comments' clauses (%(comments)s of the "
                "comments), at least the %(threshold)s it needs: its topics are ranked, with %(count)s "
                "topics discovered in what it does not cover."
            )
            % values
        )
    if reason == "below_threshold":
        return (
            _(
                "Taxonomy %(name)s covers only %(clauses)s of the comments' clauses (%(comments)s of the "
                "comments), below the %(threshold)s it needs: it does not fit these comments and its "
                "topics are not ranked; %(count)s topics discovered in the comments are ranked instead."
            )
            % values
        )
    if reason == "forced":
        return (
            _(
                "Taxonomy %(name)s was chosen (it covers %(clauses)s of the comments' clauses, "
                "%(comments)s of the comments): its topics are ranked, with %(count)s topics discovered "
                "in what it does not cover."
            )
            % values
        )
    if reason == "no_comments":
        return _("No comment to measure taxonomy %(name)s on: no topic is ranked.") % values
    return _("No taxonomy: %(count)s topics discovered in the comments are ranked.") % values


def ranking_statement(report: dict, *, lang: str) -> str:
    """Why no pain point ranks, in the active language (call inside translation.override), the
    most complained-about strength named in ``lang``; empty when some pain point ranks or the
    report lacks the information."""
    summary = report.get("summary") if isinstance(report.get("summary"), dict) else {}
    outcome = summary.get("ranking")
    if not isinstance(outcome, dict):
        return ""
    reason = outcome.get("reason")
    if reason == "all_praised":
        values = {"count": _plain(outcome.get("strengths"))}
        nearest = outcome.get("most_complained")
        if not isinstance(nearest, dict):
            return (
                _(
                    "No pain point ranks: each of the %(count)s topics found is praised more often than "
                    "it is complained about, so they are listed as strengths."
                )
                % values
            )
        values |= {
            "label": _label(nearest, lang),
            "complaints": _plain(nearest.get("complaint_mentions")),
            "praise": _plain(nearest.get("mentions")),
        }
        return (
            _(
                "No pain point ranks: each of the %(count)s topics found is praised more often than it "
                "is complained about, so they are listed as strengths. The most complained about is "
                "%(label)s: %(complaints)s complaint mentions against %(praise)s praise mentions."
            )
            % values
        )
    if reason == "no_complaints":
        return _("No pain point ranks: the topics found are never mentioned as a complaint.")
    if reason == "no_topics":
        return _("No pain point ranks: no comment mentions a topic.")
    if reason == "no_comments":
        return _("No pain point ranks: there is no comment to analyse.")
    return ""


def _segments(topic: dict) -> list[str]:
    out = []
    for segment in topic.get("segments") or ():
        if isinstance(segment, dict):
            text = f"{segment.get('column', '')}={segment.get('value', '')}"
            lift = segment.get("lift")
            if isinstance(lift, int | float) and math.isfinite(lift):
                text += f" (x{lift:.2f})"
            out.append(text)
        elif segment is not None:
            out.append(str(segment))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _csv_number(value: Any, digits: int) -> str:
    number = _number(value)
    return "" if number is None else f"{number:.{digits}f}"


def report_to_csv(report: dict, *, lang: str = "zh-hans", excel_bom: bool = True) -> str:
    """One row per topic (kind ``topic``, ranked), then one per strength (kind ``strength``, a
    topic mostly praised), then one per emerging topic (kind ``emerging``).

        Lists are joined with `` | ``. ``excel_bom`` starts the text with a UTF-8 byte-order mark so
        Excel opens Chinese text correctly.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    kinds = (
        ("topic", report.get("topics") or ()),
        ("strength", report.get("strengths") or ()),
        ("emerging", report.get("emerging") or ()),
    )
    for kind, items in kinds:
        for rank, topic in enumerate(items, start=1):
            row = [
                kind,
                rank,
                str(topic.get("key", "")),
                _label(topic, lang),
                _csv_number(topic.get("mentions"), 0),
                _csv_number(topic.get("share"), 4),
                _csv_number(topic.get("detractor_rate"), 4),
                _csv_number(topic.get("impact"), 2),
                " | ".join(_keywords(topic)),
                " | ".join(_examples(topic)),
                " | ".join(_segments(topic)),
            ]
            trend = topic.get("trend") if isinstance(topic.get("trend"), dict) else {}
            has_test = _number(trend.get("p_value")) is not None
            numbers = [
                _csv_number(topic.get("overall_detractor_rate"), 4),
                # never a change without its test
                _csv_number(trend.get("change"), 4) if has_test else "",
                _csv_number(trend.get("p_value"), 4) if has_test else "",
                _csv_number(topic.get("impact_low"), 2),
                _csv_number(topic.get("impact_high"), 2),
                _csv_number(topic.get("p_value"), 4),
                "" if topic.get("small_sample") is None else str(bool(topic.get("small_sample"))).lower(),
            ]
            # Only the text cells can carry a respondent's formula; numbers stay numbers.
            writer.writerow(
                [
                    row[0],
                    row[1],
                    *[csv_cell(c) for c in row[2:4]],
                    *row[4:8],
                    *map(csv_cell, row[8:]),
                    *numbers,
                ]
            )
    return ("\ufeff" if excel_bom else "") + buffer.getvalue()


def _percent(value: Any) -> str:
    number = _number(value)
    return "" if number is None else f"{number * 100:.1f}%"


def _signed(value: Any, digits: int = 1) -> str:
    number = _number(value)
    return "" if number is None else f"{number:+.{digits}f}"


def _metric_rows(metrics: Any) -> list[dict[str, str]]:
    rows = []
    if not isinstance(metrics, dict):
        return rows
    if "value" in metrics and not isinstance(metrics.get("value"), dict):
        metrics = {str(metrics.get("metric", "")): metrics}
    for name, entry in metrics.items():
        if isinstance(entry, dict):
            metric = str(entry.get("metric") or name)
            show = _percent if metric in SHARE_METRICS else _two_places
            low, high = entry.get("low"), entry.get("high")
            rows.append(
                {
                    "name": METRIC_NAMES.get(metric, metric),
                    "value": show(entry.get("value")),
                    "interval": ""
                    if _number(low) is None or _number(high) is None
                    else f"{show(low)} – {show(high)}",
                    "n": _plain(entry.get("n")),
                    "small_sample": bool(entry.get("small_sample")),
                }
            )
        else:
            rows.append(
                {"name": str(name), "value": _plain(entry), "interval": "", "n": "", "small_sample": False}
            )
    return rows


def _two_places(value: Any) -> str:
    number = _number(value)
    return "" if number is None else f"{number:.2f}"


def _plain(value: Any) -> str:
    number = _number(value)
    if number is not None:
        return f"{number:.0f}" if number == int(number) and abs(number) >= 1 else f"{number:.3g}"
    return "" if value is None else str(value)


def _trend_text(trend: Any) -> str:
    """ "+5.0 pts, p = 0.031 (significant)"; empty when there is no test: a change is never shown
    without its p-value. Called inside translation.override."""
    if not isinstance(trend, dict):
        return ""
    change, p_value = _number(trend.get("change")), _number(trend.get("p_value"))
    if change is None or p_value is None:
        return ""
    text = _("%(change)s pts, p = %(p)s") % {"change": f"{change * 100:+.1f}", "p": f"{p_value:.3f}"}
    verdict = _("significant") if trend.get("significant") else _("not significant")
    return f"{text} ({verdict})"


def _significance(topic: dict) -> dict[str, str]:
    """The impact's interval, the detractor test and the small-sample mark of a ranked topic.
    Called inside translation.override."""
    low, high, p_value = (
        _number(topic.get("impact_low")),
        _number(topic.get("impact_high")),
        _number(topic.get("p_value")),
    )
    interval = "" if low is None or high is None else f"{_signed(low)} – {_signed(high)}"
    test = ""
    if p_value is not None:
        verdict = _("significant") if topic.get("significant") else _("not significant")
        shown = f"= {p_value:.3f}" if p_value >= 0.001 else "< 0.001"
        test = _("detractors above the rest: p %(p)s") % {"p": shown} + f" ({verdict})"
    return {"interval": interval, "test": test, "small_sample": bool(topic.get("small_sample"))}


def _topic_row(rank: int, topic: dict, lang: str) -> dict[str, Any]:
    return {
        **_significance(topic),
        "rank": rank,
        "key": str(topic.get("key", "")),
        "label": _label(topic, lang),
        "mentions": _plain(topic.get("mentions")),
        "complaint_mentions": _plain(topic.get("complaint_mentions")),
        "share": _percent(topic.get("share")),
        "detractor_rate": _percent(topic.get("detractor_rate")),
        "overall_detractor_rate": _percent(topic.get("overall_detractor_rate")),
        "trend": _trend_text(topic.get("trend")),
        "impact": _signed(topic.get("impact")),
        "keywords": _keywords(topic),
        "examples": _examples_html(topic),
        "segments": _segments(topic),
        "discovered": topic.get("source") == "discovered",
    }


def _charts(topics: list[dict], lang: str) -> tuple[charts.Chart, charts.Chart]:
    """Impact (with its interval where the ranking gave one) and mentions per topic, in rank
    order. Called inside translation.override."""
    words = chart_text.chart_words()
    impact = charts.bar_chart(
        [
            charts.Bar(
                label=_label(t, lang),
                value=_number(t.get("impact")),
                low=_number(t.get("impact_low")),
                high=_number(t.get("impact_high")),
                small_sample=bool(t.get("small_sample")),
            )
            for t in topics
        ],
        title=_("Impact per topic (points of the metric)"),
        label_header=_("Topic"),
        value_header=_("Impact (points)"),
        fmt=chart_text.signed(1),
        tick_fmt=chart_text.tick,
        words=words,
    )
    mentions = charts.bar_chart(
        [charts.Bar(label=_label(t, lang), value=_number(t.get("mentions"))) for t in topics],
        title=_("Mentions per topic"),
        label_header=_("Topic"),
        value_header=_("Mentions"),
        fmt=chart_text.number(0),
        tick_fmt=chart_text.tick,
        words=words,
        whole_ticks=True,
    )
    return impact, mentions


def report_to_html(report: dict, *, lang: str = "zh-hans") -> str:
    """A self-contained HTML page: headings in ``lang``, inline SVG bar charts of
    ``analysis.charts`` (impact and mentions per topic) each with the same data as a table,
    everything escaped."""
    topics = list(report.get("topics") or ())
    strengths = list(report.get("strengths") or ())
    emerging = list(report.get("emerging") or ())
    with translation.override(lang):
        topic_rows = [_topic_row(i, t, lang) for i, t in enumerate(topics, start=1)]
    with translation.override(lang):
        impact_chart, mentions_chart = _charts(topics, lang) if topics else (None, None)
        context = {
            "lang": lang,
            "title": _("Pain-point report"),
            "taxonomy_statement": taxonomy_statement(report),
            "ranking_statement": ranking_statement(report, lang=lang),
            "topics": topic_rows,
            "strengths": [_topic_row(i, t, lang) for i, t in enumerate(strengths, start=1)],
            "emerging": [
                {**_topic_row(i, t, lang), "parent": _parent_keywords(t)}
                for i, t in enumerate(emerging, start=1)
            ],
            "metrics": _metric_rows(report.get("metrics")),
            # our own stylesheet, not user input; a <style> element's text is not HTML-escaped
            "chart_css": mark_safe(CHART_CSS.read_text(encoding="utf-8")),
            "impact_chart": impact_chart,
            "mentions_chart": mentions_chart,
        }
        template = _template_engine().get_template(TEMPLATE_NAME)
        return template.render(Context(context))
