"""A topic's page: its weekly share, its share and detractor rate per segment value, keywords,
verbatims with the terms that tagged them."""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any

from analysis import metrics as metric_maths
from analysis.models import CommentTopic, Topic
from analysis.painpoints.counts import MIN_RANKED_MENTIONS, detractor_rate, rate_from_scores
from analysis.selectors import comments as comment_selectors
from analysis.selectors import painpoints_for_scope, tables
from analysis.selectors import scope as base
from analysis.services.aggregates import COUNT_FIELDS, is_pair_key
from ops.databases import alongside
from workspace import labels
from workspace.filters import Filters
from workspace.selectors.common import (
    discovered_names,
    share_series,
    topic_label,
    weekly_topic_counts,
)

MAX_VERBATIMS = 20
MAX_HEAT_VALUES = 12


def _heat_table(scope: base.Scope):
    """Counts per (segment key, value, topic) inside the scope: the segments' comments (topic
    "") and each topic's counts, for the keys the scope does not filter on."""
    if not scope.filters:
        # the pain-point report's table (read once per page), whose pair rows are left out below
        table = tables.count_table(scope, pairs=True)
    elif scope.from_aggregates:
        table = tables.pair_table(scope, COUNT_FIELDS)
    else:
        table = tables.count_table(scope)
    if table.empty:
        return table
    keep = (table["segment_key"] != "") & ~table["segment_key"].isin(list(scope.filters))
    keep &= ~table["segment_key"].map(is_pair_key)
    return table[keep]


def heat_rows(scope: base.Scope, key: str, metric: str | None) -> list[dict]:
    """Per segment value: the topic's share of the segment's comments and its detractor rate,
    marked small when the segment has fewer than ``SMALL_SAMPLE_N`` comments or the topic fewer
    than ``MIN_RANKED_MENTIONS`` scored mentions there."""
    table = _heat_table(scope)
    if table.empty:
        return []
    overall = tables.totals(tables.count_table(scope, segments=False))
    observed = rate_from_scores(overall, metric)
    rows = []
    for (segment_key, segment_value), (total, topics) in tables.grouped(
        table, ["segment_key", "segment_value"]
    ).items():
        comments = total.comments
        counts = topics.get(key)
        if not comments or counts is None:
            continue
        rows.append(
            {
                "key": segment_key,
                "value": segment_value,
                "key_label": labels.segment_key_label(segment_key),
                "value_label": labels.segment_value_label(segment_key, segment_value),
                "comments": int(comments),
                "mentions": int(counts.mentions),
                "share": counts.mentions / comments,
                "detractor_rate": detractor_rate(counts, observed=observed),
                "share_small": comments < metric_maths.SMALL_SAMPLE_N,
                "rate_small": counts.scored_comments < MIN_RANKED_MENTIONS,
            }
        )
    rows.sort(key=lambda r: (r["key_label"], -r["mentions"], r["value_label"]))
    by_key: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if len(by_key[row["key"]]) < MAX_HEAT_VALUES:
            by_key[row["key"]].append(row)
    # A key with one value in the scope compares nothing (every comment is in it).
    return [row for found in by_key.values() if len(found) > 1 for row in found]


def verbatims(
    scope: base.Scope, key: str, keywords: list[str], sample: list[dict] | None = None
) -> list[dict]:
    """The topic's comments in the scope (the latest sample, most telling first) with the
    respondents' own words and the terms that tagged the topic (its keywords for a discovered
    topic). ``sample``: the scope's comment sample when the caller has drawn it already."""
    if sample is None:
        sample = comment_selectors.comment_sample(scope)
    # ``keys``: taxonomy topics and discovered topics where the sample carries both
    sample = [c for c in sample if key in c.get("keys", c["topics"])]
    chosen = sorted(sample, key=comment_selectors.example_rank)[:MAX_VERBATIMS]
    originals = comment_selectors.originals(chosen)
    matched: dict[int, list[str]] = defaultdict(list)
    for comment_id, terms in CommentTopic.objects.filter(
        comment_id__in=[c["id"] for c in chosen], topic__key=key
    ).values_list("comment_id", "matched_terms"):
        matched[comment_id].extend(str(t) for t in terms or [])
    return [
        {
            "comment_id": c["id"],
            "response_id": c["response_id"],
            "text": originals.get((c["response_id"], c["question_key"]), ""),
            "language": c["language"],
            "score": c["primary_score"],
            "is_detractor": c["is_detractor"],
            "terms": matched.get(c["id"]) or keywords,
        }
        for c in chosen
    ]


def topic_page_for(*, filters: Filters, key: str, lang: str) -> dict[str, Any] | None:
    scope = filters.scope()
    # The comment sample is drawn once, beside the report's counts (``alongside``): the report's
    # keywords and examples, and the verbatims.
    sample = alongside(partial(comment_selectors.comment_sample, scope))
    report = painpoints_for_scope(
        survey=scope.survey,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        sample=sample,
        coverage=False,  # not shown on this page
    )
    found = next((t for t in report["topics"] if t["key"] == key), None)
    strength = next((s for s in report.get("strengths") or [] if s["key"] == key), None)
    row = (
        Topic.objects.filter(key=key, taxonomy__in=base.taxonomy_ids(scope.survey))
        .values("key", "label", "stage", "team")
        .first()
    )
    discovered = discovered_names([key]) if key.startswith("~") else {}
    if found is None and strength is None and row is None and not discovered:
        return None
    topic = found or strength or {"key": key, "label": row["label"] if row else {}, "keywords": []}
    if discovered and not topic.get("label"):
        topic = {**topic, "label": discovered[key], "discovered": True}
    if row and not topic.get("label"):
        topic = {**topic, "label": row["label"]}
    weeks, totals, by_topic = weekly_topic_counts(scope)
    keywords = [k["term"] if isinstance(k, dict) else str(k) for k in topic.get("keywords") or []]
    return {
        "topic": topic,
        "topic_key": key,
        "label": topic_label({**topic, "label": topic.get("label") or (row or {}).get("label")}, lang),
        "stage_text": labels.stage_label((row or {}).get("stage", "")),
        "team": (row or {}).get("team", ""),
        "team_text": labels.humanise((row or {}).get("team", "")) if (row or {}).get("team") else "",
        "is_strength": found is None and strength is not None,
        "discovered": bool(topic.get("discovered")),
        "metric": report["metric"],
        "weekly": share_series(weeks, totals, by_topic.get(key, {})),
        "heat": heat_rows(scope, key, report["metric"]),
        "keywords": topic.get("keywords") or [],
        "verbatims": verbatims(scope, key, keywords, sample()),
    }
