"""The ranked pain points of a scope and the survey's emerging topics. The counts come from
``analysis.selectors.tables``; the ranking, its significance and the segment lifts are
``analysis.painpoints.counts``' (the same functions ``manage.py painpoints`` calls). Discovered
topics are counted like taxonomy topics (keys ``~<id>``, ``analysis.models.EmergingTopic``) and
ranked in the same table, marked ``"discovered": true``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from analysis.discovery import topic_label
from analysis.keywords import keywords_scopes
from analysis.models import EmergingTopic, Topic, discovered_topic_id, discovered_topic_key
from analysis.painpoints import strength_as_dict, topic_impact_as_dict, topics_rank
from analysis.painpoints.counts import detractor_rate, rate_from_scores
from analysis.selectors import comments, tables
from analysis.selectors import scope as base
from analysis.selectors.coverage import coverage_as_dict, coverage_for_scope, ranked_of
from ops.databases import alongside
from surveys.models import Survey

MAX_EXAMPLES = 5
MAX_KEYWORDS = 8
MAX_SEGMENTS = 5


def _stage_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Topic.Stage.choices}


def _label(key: str, topic_rows: Mapping[str, dict]) -> dict[str, str]:
    row = topic_rows.get(key)
    return dict(row["label"]) if row else {"zh-hans": key, "en": key}


RANKED_STATUSES = (EmergingTopic.Status.NEW, EmergingTopic.Status.RENAMED)


def discovered_label(emerging: EmergingTopic) -> dict[str, str]:
    """The name a person gave the topic, else one from its top phrases
    (``analysis.discovery.topic_label``, as ``manage.py painpoints`` names it)."""
    if emerging.label:
        return {"zh-hans": emerging.label, "en": emerging.label}
    return topic_label(list(emerging.keywords))


def _discovered(survey: Survey) -> dict[str, EmergingTopic]:
    """The survey's discovered topics that are ranked (new or renamed: a dismissed, promoted or
    merged one is not), by their key in the facts and aggregates."""
    rows = EmergingTopic.objects.filter(survey=survey, status__in=RANKED_STATUSES)
    return {discovered_topic_key(row.pk): row for row in rows}


def _all_mentions(table) -> dict[str, int]:
    """Every mention (any polarity) of each topic in a count table's rows without a segment."""
    if table.empty:
        return {}
    rows = table[(table["segment_key"] == "") & (table["topic_key"] != "")]
    return {str(k): int(v) for k, v in rows.groupby("topic_key")["mentions"].sum().items()}


def painpoints_for_scope(
    *,
    survey: Survey,
    date_from: dt.date,
    date_to: dt.date,
    filters: Mapping[str, str] | None = None,
    sample: list[dict] | Callable[[], list[dict]] | None = None,
    ranking_only: bool = False,
    coverage: bool = True,
) -> dict[str, Any]:
    """The ranked pain points of a scope (see docs/metrics-and-painpoints.md for each field):
    taxonomy topics and discovered topics in one ranking, the mostly praised ones as strengths,
    the taxonomy's coverage of the scope's comments, and the scope's emerging topics.
    ``sample``: the scope's comment sample (``comments.comment_sample``) when the caller has
    drawn it already (read, not changed), or a function that gives it (a read started
    ``alongside``, which the caller reads too). ``ranking_only``: no comment is read (for a page
    that shows the ranked topics only): every topic's ``keywords`` and ``examples`` are empty
    and ``coverage`` is None. ``coverage=False``: the coverage is not counted either (None), for
    a page that does not show it."""
    scope = base.Scope(survey, date_from, date_to, dict(filters or {}))
    # The comment sample and the coverage do not depend on the counts: read beside them (on
    # PostgreSQL, on connections of their own, ``alongside``), while the counts are read and
    # ranked here.
    if ranking_only:
        drawn = None
    elif sample is None:
        drawn = alongside(partial(comments.comment_sample, scope))
    else:
        drawn = sample if callable(sample) else partial(list, sample)
    covered = None if ranking_only or not coverage else alongside(partial(coverage_for_scope, scope))
    metric = base.survey_metric(survey)
    table = tables.count_table(scope, pairs=True)
    previous_table = tables.count_table(scope.previous(), segments=False)
    total = tables.totals(table)
    discovered = _discovered(survey)
    # A discovered key without a ranked topic (dismissed, promoted, merged, gone) is not ranked.
    topic_counts = {
        key: counts
        for key, counts in tables.topics(table).items()
        if discovered_topic_id(key) is None or key in discovered
    }

    def rank():
        cells = tables.segment_cells(tables.segment_table(scope, table) if topic_counts else table)
        return topics_rank(
            total=total,
            topics=topic_counts,
            metric=metric,
            cells={key: value for key, value in cells.items() if key in topic_counts},
            previous_total=tables.totals(previous_table),
            previous_topics=tables.topics(previous_table),
            max_segments=MAX_SEGMENTS,
        )

    # A function of the scope's count tables (cached under the same counts version) and of the
    # metric and the ranked keys (part of its key): cached with them.
    ranking = tables.cached(scope, ("ranking", metric, tuple(sorted(topic_counts)), MAX_SEGMENTS), rank)
    topic_rows = {
        t["key"]: t
        for t in Topic.objects.filter(
            key__in=list(topic_counts), taxonomy__in=base.taxonomy_ids(survey)
        ).values("key", "label", "stage", "team")
    }
    stage_labels = _stage_labels()
    sample = drawn() if ranking.topics and drawn is not None else []
    terms = [tuple(c["tokens"]) + tuple(c["phrases"]) for c in sample]
    keywords_by_topic = (
        keywords_scopes(terms, [c["keys"] for c in sample], top=MAX_KEYWORDS) if sample else {}
    )
    topics_out = []
    chosen_examples: list[list[dict]] = []
    for impact in ranking.topics:
        key = impact.key
        members = sorted((c for c in sample if key in c["keys"]), key=comments.example_rank)
        chosen_examples.append(members[:MAX_EXAMPLES])
        topics_out.append(
            {
                **_identity(key, topic_rows, discovered, stage_labels),
                **{k: v for k, v in topic_impact_as_dict(impact).items() if k != "key"},
                "keywords": [
                    {"term": k.term, "count": k.count, "score": round(k.score, 4)}
                    for k in keywords_by_topic.get(key, ())
                ],
            }
        )
    originals = comments.originals([c for chosen in chosen_examples for c in chosen])
    for topic, chosen in zip(topics_out, chosen_examples, strict=True):
        topic["examples"] = [
            {
                "comment_id": c["id"],
                "text": originals.get((c["response_id"], c["question_key"]), ""),
                "language": c["language"],
            }
            for c in chosen
        ]
    overall_rate = detractor_rate(total, observed=rate_from_scores(total, metric))
    found = None if covered is None else covered()
    mentions = _all_mentions(table)
    discovered_in_scope = [key for key in discovered if mentions.get(key)]
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
        "coverage": (
            None
            if found is None
            else coverage_as_dict(found, ranked=ranked_of(found, discovered=len(discovered_in_scope)))
        ),
        "topics": topics_out,
        "strengths": [
            {
                **strength_as_dict(s),
                **_identity(s.key, topic_rows, discovered, stage_labels, full=False),
            }
            for s in ranking.strengths
        ],
        "emerging": _emerging_rows(
            sorted(
                (discovered[key] for key in discovered_in_scope),
                key=lambda row: (-mentions[discovered_topic_key(row.pk)], row.key),
            ),
            mentions,
        ),
    }


def _identity(
    key: str,
    topic_rows: Mapping[str, dict],
    discovered: Mapping[str, EmergingTopic],
    stage_labels: Mapping[str, str],
    *,
    full: bool = True,
) -> dict:
    """What names a ranked topic: a taxonomy topic's key, label, stage and team; a discovered
    topic's key, a readable label, its id (``emerging_id``, for the emerging-topic actions) and
    the broader cluster it was split from."""
    emerging = discovered.get(key)
    if emerging is not None:
        out = {"key": emerging.key, "label": discovered_label(emerging), "discovered": True}
        if full:
            out |= {
                "emerging_id": emerging.pk,
                "stage": "",
                "stage_label": "",
                "team": "",
                "discovered_keywords": list(emerging.keywords),
                "parent": _parent(emerging),
            }
        return out
    out = {"key": key, "label": _label(key, topic_rows), "discovered": False}
    if full:
        row = topic_rows.get(key, {"stage": "", "team": ""})
        out |= {
            "stage": row["stage"],
            "stage_label": stage_labels.get(row["stage"], row["stage"]),
            "team": row["team"],
        }
    return out


def _parent(row: EmergingTopic) -> dict | None:
    # the broader cluster a sub-topic was split from (None at the first level)
    return {"key": row.parent_key, "keywords": list(row.parent_keywords)} if row.parent_key else None


def _emerging_rows(rows, mentions: Mapping[str, int] | None = None) -> list[dict]:
    """The emerging-topic list: ``mentions`` in the scope when ``mentions`` (topic key ->
    mentions) is given, else those of the last discovery run."""
    return [
        {
            "id": row.pk,
            "key": row.key,
            "label": row.label,
            "name": discovered_label(row),
            "keywords": list(row.keywords),
            "mentions": row.mentions if mentions is None else mentions.get(discovered_topic_key(row.pk), 0),
            "status": row.status,
            "example_comment_ids": list(row.example_comment_ids),
            "parent": _parent(row),
        }
        for row in rows
    ]


def emerging_for_survey(
    *,
    survey: Survey,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    filters: Mapping[str, str] | None = None,
) -> list[dict]:
    """The survey's new and renamed emerging topics, largest first. With a scope (both dates,
    and any filters) each topic's ``mentions`` are its comments in the scope, counted as the
    pain points count them, and a topic with none there is left out; without, the mentions of
    the last discovery run."""
    rows = EmergingTopic.objects.filter(survey=survey, status__in=RANKED_STATUSES).order_by(
        "-mentions", "key"
    )
    if date_from is None or date_to is None:
        return _emerging_rows(rows)
    scope = base.Scope(survey, date_from, date_to, dict(filters or {}))
    mentions = _all_mentions(tables.count_table(scope, segments=False))
    found = [row for row in rows if mentions.get(discovered_topic_key(row.pk))]
    found.sort(key=lambda row: (-mentions[discovered_topic_key(row.pk)], row.key))
    return _emerging_rows(found, mentions)
