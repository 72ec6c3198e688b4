"""The ranked pain points of a scope and the survey's emerging topics. The counts come from
``analysis.selectors.tables``; the ranking, its significance and the segment lifts are
``analysis.painpoints.counts``' (the same functions ``manage.py painpoints`` calls)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from analysis.keywords import keywords_scopes
from analysis.models import EmergingTopic, Topic
from analysis.painpoints import strength_as_dict, topic_impact_as_dict, topics_rank
from analysis.painpoints.counts import detractor_rate, rate_from_scores
from analysis.selectors import comments, tables
from analysis.selectors import scope as base
from surveys.models import Survey

MAX_EXAMPLES = 5
MAX_KEYWORDS = 8
MAX_SEGMENTS = 5


def _stage_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Topic.Stage.choices}


def _label(key: str, topic_rows: Mapping[str, dict]) -> dict[str, str]:
    row = topic_rows.get(key)
    return dict(row["label"]) if row else {"zh-hans": key, "en": key}


def painpoints_for_scope(
    *, survey: Survey, date_from: dt.date, date_to: dt.date, filters: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ranked pain points of a scope (see docs/metrics-and-painpoints.md for each field)."""
    scope = base.Scope(survey, date_from, date_to, dict(filters or {}))
    metric = base.survey_metric(survey)
    table = tables.count_table(scope, pairs=True)
    previous_table = tables.count_table(scope.previous(), segments=False)
    total = tables.totals(table)
    topic_counts = tables.topics(table)
    cells = tables.segment_cells(tables.segment_table(scope, table) if topic_counts else table)
    ranking = topics_rank(
        total=total,
        topics=topic_counts,
        metric=metric,
        cells=cells,
        previous_total=tables.totals(previous_table),
        previous_topics=tables.topics(previous_table),
        max_segments=MAX_SEGMENTS,
    )
    topic_rows = {
        t["key"]: t
        for t in Topic.objects.filter(
            key__in=list(topic_counts), taxonomy__in=base.taxonomy_ids(survey)
        ).values("key", "label", "stage", "team")
    }
    stage_labels = _stage_labels()
    sample = comments.comment_sample(scope) if ranking.topics else []
    terms = [tuple(c["tokens"]) + tuple(c["phrases"]) for c in sample]
    keywords_by_topic = (
        keywords_scopes(terms, [c["topics"] for c in sample], top=MAX_KEYWORDS) if sample else {}
    )
    topics_out = []
    chosen_examples: dict[str, list[dict]] = {}
    for impact in ranking.topics:
        key = impact.key
        row = topic_rows.get(key, {"stage": "", "team": ""})
        members = sorted((c for c in sample if key in c["topics"]), key=comments.example_rank)
        chosen_examples[key] = members[:MAX_EXAMPLES]
        topics_out.append(
            {
                **topic_impact_as_dict(impact),
                "label": _label(key, topic_rows),
                "stage": row["stage"],
                "stage_label": stage_labels.get(row["stage"], row["stage"]),
                "team": row["team"],
                "keywords": [
                    {"term": k.term, "count": k.count, "score": round(k.score, 4)}
                    for k in keywords_by_topic.get(key, ())
                ],
            }
        )
    originals = comments.originals([c for chosen in chosen_examples.values() for c in chosen])
    for topic in topics_out:
        topic["examples"] = [
            {
                "comment_id": c["id"],
                "text": originals.get((c["response_id"], c["question_key"]), ""),
                "language": c["language"],
            }
            for c in chosen_examples[topic["key"]]
        ]
    overall_rate = detractor_rate(total, observed=rate_from_scores(total, metric))
    return {
        "survey": survey.key,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "previous": {
            "from": scope.previous().date_from.isoformat(),
            "to": scope.previous().date_to.isoformat(),
        },
        "filters": dict(scope.filters),
        "metric": metric,
        "source": "aggregates" if scope.from_aggregates else "facts",
        "summary": {
            "responses": int(total.responses),
            "scored": int(total.scored),
            "comments": int(total.comments),
            "overall_detractor_rate": overall_rate,
        },
        "topics": topics_out,
        "strengths": [{**strength_as_dict(s), "label": _label(s.key, topic_rows)} for s in ranking.strengths],
        "emerging": emerging_for_survey(survey=survey),
    }


def emerging_for_survey(*, survey: Survey) -> list[dict]:
    rows = EmergingTopic.objects.filter(
        survey=survey, status__in=[EmergingTopic.Status.NEW, EmergingTopic.Status.RENAMED]
    ).order_by("-mentions", "key")
    return [
        {
            "id": row.pk,
            "key": row.key,
            "label": row.label,
            "keywords": list(row.keywords),
            "mentions": row.mentions,
            "status": row.status,
            "example_comment_ids": list(row.example_comment_ids),
            # the broader cluster a sub-topic was split from (None at the first level)
            "parent": (
                {"key": row.parent_key, "keywords": list(row.parent_keywords)} if row.parent_key else None
            ),
        }
        for row in rows
    ]
