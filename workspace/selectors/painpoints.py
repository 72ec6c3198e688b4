"""The pain-point page: the ranked table (with each topic's weekly share and where it
concentrates), strengths apart, the taxonomy's coverage."""

from __future__ import annotations

from typing import Any

from analysis.models import Taxonomy
from analysis.painpoints.segments import COMBINATION_SEPARATOR
from analysis.selectors import painpoints_for_scope
from workspace import labels
from workspace.filters import Filters
from workspace.selectors.common import share_series, topic_label, weekly_topic_counts
from workspace.selectors.teams import TopicView


def segment_text(segment: dict) -> str:
    """A lift's segment in words: ``district_type`` = ``office``, or a combination
    (``locale & scenario`` = ``en & peak``) as "Language: English + Scenario: Peak hours"."""
    keys = str(segment.get("column", "")).split(COMBINATION_SEPARATOR)
    values = str(segment.get("value", "")).split(COMBINATION_SEPARATOR)
    if len(keys) != len(values):  # a value holding the separator itself: shown as it is
        values = [str(segment.get("value", ""))] + [""] * (len(keys) - 1)
    return " + ".join(
        f"{labels.segment_key_label(k)}: {labels.segment_value_label(k, v)}"
        for k, v in zip(keys, values, strict=True)
    )


def painpoints_page_for(
    *, filters: Filters, lang: str, topic_view: TopicView | None = None
) -> dict[str, Any]:
    """The ranked topics (only the reader's teams' under ``topic_view`` "mine", each keeping its
    rank among all), the strengths likewise, the coverage."""
    scope = filters.scope()
    report = painpoints_for_scope(
        survey=scope.survey, date_from=scope.date_from, date_to=scope.date_to, filters=scope.filters
    )
    weeks, totals, by_topic = weekly_topic_counts(scope)
    rows = []
    for rank, topic in enumerate(report["topics"], start=1):
        if topic_view is not None and not topic_view.keeps(topic["key"]):
            continue
        segments = topic.get("segments") or []
        top_lift = max(segments, key=lambda s: s.get("lift") or 0, default=None)
        rows.append(
            {
                **topic,
                "rank": rank,
                "label_text": topic_label(topic, lang),
                "stage_text": labels.stage_label(topic.get("stage", "")),
                "discovered": bool(topic.get("discovered")),
                "top_lift": top_lift,
                "top_lift_text": segment_text(top_lift) if top_lift else "",
                "weekly": share_series(weeks, totals, by_topic.get(topic["key"], {})),
            }
        )
    strengths = [
        {**s, "label_text": topic_label(s, lang), "discovered": bool(s.get("discovered"))}
        for s in report.get("strengths") or []
        if topic_view is None or topic_view.keeps(s["key"])
    ]
    return {
        "report": report,
        "rows": rows,
        "strengths": strengths,
        "coverage": coverage_for(report.get("coverage"), lang),
        "weeks": weeks,
    }


def coverage_for(coverage: dict | None, lang: str) -> dict | None:
    """The taxonomy's coverage of the scope's comments (when the ranking reports it), with the
    taxonomy's name in words."""
    if not coverage:
        return None
    key = coverage.get("taxonomy")
    name = Taxonomy.objects.filter(key=key).values_list("name", flat=True).first() if key else None
    return {**coverage, "taxonomy_name": labels.text_in(name, lang) or (labels.humanise(key) if key else "")}
