"""Metrics and pain points for a scope (a survey, a date range, segment filters).

Totals, mentions, impact and trends come from DailyAggregate when the filters allow it (no
filter, or one filter on an aggregated segment key, ``settings.ANALYSIS_SEGMENT_KEYS``; inside a
one-filter slice the lifts and breakdowns read the pair rows, e.g. ``district_type|city``);
otherwise (two or more filters, or a key that is not aggregated) the same counts are computed
from the slice's ResponseFacts (the fallback). On PostgreSQL the slice is found through the GIN
index on the facts' segments (one ``segments @> {filters}`` containment) and grouped in SQL
(one ``GROUPING SETS`` query); elsewhere (SQLite) the rows are read and counted in Python, with
the same results. Keywords and representative comments come from a bounded sample of
CommentAnalysis rows (filtered on their own copy of the segments on PostgreSQL). The maths is
the pure modules' (``analysis.metrics``, ``analysis.stats``, ``analysis.keywords``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.fields.json import KeyTextTransform

from analysis import metrics, stats
from analysis.keywords import keywords_scopes
from analysis.models import (
    CommentAnalysis,
    DailyAggregate,
    EmergingTopic,
    ResponseFacts,
    SurveyAnalysisSettings,
    Topic,
)
from analysis.painpoints import ALPHA, MIN_SEGMENT_MENTIONS, MIN_SEGMENT_SIZE
from analysis.selectors.taxonomy import question_plan
from analysis.services.aggregates import (
    COUNT_FIELDS,
    FACT_FIELDS,
    MAX_VALUE_LENGTH,
    facts_table,
    pair_key,
    pair_prefix,
    pair_suffix,
    pair_value,
    segment_keys,
    split_pair_value,
)
from responses.models import Answer, Invitation
from surveys.models import Survey, SurveyVersion

MAX_EXAMPLES = 5
MAX_KEYWORDS = 8
MAX_SEGMENTS = 5
SAMPLE_COMMENTS = 3000
# Metrics whose value, interval and tests depend only on the class counts (promoter / passive /
# detractor): they are answered from aggregates with one representative score per class.
CLASS_SCORES = {"nps": (10.0, 8.0, 0.0), "csat": (5.0, 3.0, 1.0)}


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
    SQL. Otherwise the rows are read and counted in Python (the same results)."""
    return connection.vendor == "postgresql"


def _segment_filter(queryset, filters: Mapping[str, str]):
    """Rows whose ``segments`` hold every filter value. On PostgreSQL one containment
    (``@>``, the GIN index) finds them; the per-key look-ups keep the exact test."""
    if filters and in_database():
        queryset = queryset.filter(segments__contains=dict(filters))
    for key, value in filters.items():
        queryset = queryset.filter(**{f"segments__{key}": value})
    return queryset


def _facts(scope: Scope):
    queryset = ResponseFacts.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    return _segment_filter(queryset, scope.filters)


def survey_metric(survey: Survey) -> str | None:
    """The metric of the survey's score question (its latest published version)."""
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").only("definition").first()
    if version is None:
        return None
    settings_row = SurveyAnalysisSettings.objects.filter(survey=survey).first()
    return question_plan(version.definition, settings_row).metric


def _aggregates(scope: Scope):
    return DailyAggregate.objects.filter(
        survey=scope.survey, day__gte=scope.date_from, day__lte=scope.date_to
    )


def count_table(scope: Scope, *, by_day: bool = False, segments: bool = True) -> pd.DataFrame:
    """Summed counts per (segment_key, segment_value, topic_key) [and day] in the scope, with the
    scope's filter applied: from aggregates when possible, else from the facts. Single keys
    only: pair rows are read by ``pair_table``. ``segments=False``: the caller reads only the
    totals and topic rows (the segment rows may be left out)."""
    keys = ["segment_key", "segment_value", "topic_key"] + (["day"] if by_day else [])
    if scope.from_aggregates:
        queryset = _aggregates(scope)
        if scope.filters:
            ((key, value),) = scope.filters.items()
            queryset = queryset.filter(segment_key=key, segment_value=value)
        else:
            queryset = queryset.filter(segment_key__in=["", *segment_keys()] if segments else [""])
        rows = list(queryset.values(*keys).annotate(**{f: Sum(f) for f in COUNT_FIELDS}).order_by())
        frame = pd.DataFrame(rows, columns=[*keys, *COUNT_FIELDS])
        if scope.filters:  # the filtered slice is this scope's totals
            frame["segment_key"] = ""
            frame["segment_value"] = ""
        return frame
    if in_database() and not segments and not by_day and scope.pair_row:
        # Two aggregated keys: the slice's totals and topics are its pair rows (no facts read).
        key, value = scope.pair_row
        rows = (
            _aggregates(scope)
            .filter(segment_key=key, segment_value=value)
            .values("topic_key")
            .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
            .order_by()
        )
        frame = pd.DataFrame(list(rows), columns=["topic_key", *COUNT_FIELDS])
        frame.insert(0, "segment_key", "")
        frame.insert(1, "segment_value", "")
        return frame.sort_values("topic_key", ignore_index=True)
    if in_database():
        return _slice_table(scope, segment_keys() if segments else (), by_day=by_day)
    frame = facts_table(_facts(scope).values(*FACT_FIELDS).iterator(chunk_size=5000), pairs=False)
    if not by_day:
        frame = frame.drop(columns="day").groupby(keys, as_index=False).sum()
    return frame


# What ``aggregate_rows`` counts, per row of the slice x (the total row + one per topic).
_SLICE_COUNTS = """
count(*),
count(*) FILTER (WHERE scored),
count(*) FILTER (WHERE scored AND is_promoter),
count(*) FILTER (WHERE scored AND NOT is_promoter AND NOT is_detractor),
count(*) FILTER (WHERE scored AND is_detractor),
sum(score),
sum(score * score),
count(*) FILTER (WHERE is_topic OR has_comment),
count(*) FILTER (WHERE scored AND (is_topic OR has_comment)),
count(*) FILTER (WHERE is_topic),
count(*) FILTER (WHERE scored AND is_detractor AND (is_topic OR has_comment))
"""


def _slice_table(scope: Scope, keys: tuple[str, ...], *, by_day: bool, topics: bool = True) -> pd.DataFrame:
    """PostgreSQL: what ``facts_table(..., pairs=False)`` gives for the scope's facts (summed
    over days unless ``by_day``), grouped in one SQL query: the slice (found by index) times its
    topics, ``GROUP BY GROUPING SETS`` ((topic), (key 1, topic), ...). Only the segment rows of
    ``keys``, and without ``topics`` no topic rows. Segment values are stored as strings
    (``response_segments``); unknown ones (missing or empty) have no row, as in
    ``aggregated_segments``."""
    facts_sql, facts_params = _facts(scope).values(*FACT_FIELDS).query.sql_with_params()
    day = ["completed_day"] if by_day else []
    columns = [f"s{i}" for i in range(len(keys))]
    extract = "".join(f", left(f.segments ->> %s, {MAX_VALUE_LENGTH}) AS {c}" for c in columns)
    sets = ", ".join(f"({', '.join([*day, c, 'topic'])})" for c in columns)
    plain = ", ".join([*day, "topic"])
    group_by = f"GROUPING SETS (({plain}), {sets})" if keys else plain
    grouping = f"GROUPING({', '.join(columns)})" if keys else "0"
    topic_rows = " UNION ALL SELECT value, true FROM jsonb_array_elements_text(f.topics)" if topics else ""
    # Every identifier is written here; the keys and the filters are parameters.
    sql = f"""
        WITH f AS ({facts_sql}),
        r AS (
            SELECT f.completed_day, f.primary_score IS NOT NULL AS scored,
                coalesce(f.primary_score, 0) AS score, f.is_promoter, f.is_detractor, f.has_comment,
                t.topic, t.is_topic{extract}
            FROM f CROSS JOIN LATERAL (
                SELECT '' AS topic, false AS is_topic{topic_rows}
            ) t
        )
        SELECT {grouping}, {", ".join([*day, *columns])}{", " if day or columns else ""}topic, {_SLICE_COUNTS}
        FROM r GROUP BY {group_by}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*facts_params, *keys])
        rows = cursor.fetchall()
    # GROUPING() has a bit per key column, the first key the most significant; a set of one
    # key has every bit set but its own.
    full = (1 << len(keys)) - 1
    key_of_mask = {full: None} | {full ^ (1 << (len(keys) - 1 - i)): key for i, key in enumerate(keys)}
    records = []
    offset = 1 + len(day)
    for row in rows:
        key = key_of_mask[row[0]]
        if key is None:
            segment_key = segment_value = ""
        else:
            segment_value = row[offset + keys.index(key)]
            if segment_value is None or segment_value == "":
                continue
            segment_key = key
        counts = row[offset + len(keys) + 1 :]
        records.append((*row[1:offset], segment_key, segment_value, row[offset + len(keys)], *counts))
    names = ["segment_key", "segment_value", "topic_key"]
    columns_out = ["day", *names, *COUNT_FIELDS] if by_day else [*names, *COUNT_FIELDS]
    frame = pd.DataFrame.from_records(records, columns=columns_out)
    if frame.empty:
        return frame
    frame["score_sum"] = frame["score_sum"].astype(float)
    frame["score_sum_squares"] = frame["score_sum_squares"].astype(float)
    return frame.sort_values(columns_out[: len(columns_out) - len(COUNT_FIELDS)], ignore_index=True)


def pair_table(scope: Scope, fields: tuple[str, ...], *, topics: bool = True) -> pd.DataFrame:
    """Inside a slice filtered on one aggregated key: ``fields`` summed per (other key, its value,
    topic_key), read from the pair rows that hold the filtered value (no facts read)."""
    ((key, value),) = scope.filters.items()
    condition = Q()
    for other in segment_keys():
        if other == key:
            continue
        if key < other:
            condition |= Q(segment_key=pair_key(key, other), segment_value__startswith=pair_prefix(value))
        else:
            condition |= Q(segment_key=pair_key(other, key), segment_value__endswith=pair_suffix(value))
    columns = ["segment_key", "segment_value", "topic_key", *fields]
    if not condition:
        return pd.DataFrame(columns=columns)
    queryset = _aggregates(scope).filter(condition)
    if not topics:
        queryset = queryset.filter(topic_key="")
    rows = queryset.values("segment_key", "segment_value", "topic_key").annotate(
        **{f: Sum(f) for f in fields}
    )
    records = []
    for row in rows.order_by():
        first_key, second_key = row["segment_key"].split("|")
        first_value, second_value = split_pair_value(row["segment_value"])
        # A LIKE can match more than the value (escapes, SQLite's case folding): check exactly.
        if first_key == key and first_value == value:
            other_key, other_value = second_key, second_value
        elif second_key == key and second_value == value:
            other_key, other_value = first_key, first_value
        else:
            continue
        records.append((other_key, other_value, row["topic_key"], *(row[f] for f in fields)))
    return pd.DataFrame.from_records(records, columns=columns)


def segment_table(scope: Scope, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Comments per segment value and topic mentions per segment value inside the scope (what
    the lifts need): aggregates without filters, the pair rows with one filter; otherwise the
    breakdown inside the slice is counted from the facts (on PostgreSQL the scope's
    ``count_table``, given as ``table`` when already read; else one pass per key)."""
    if not scope.filters:
        return count_table(scope) if table is None else table
    if scope.from_aggregates:
        return pair_table(scope, ("comments", "mentions"))
    columns = ["segment_key", "segment_value", "topic_key", "comments", "mentions"]
    if in_database():
        table = count_table(scope) if table is None else table
        if table.empty:
            return pd.DataFrame(columns=columns)
        inside = (table["segment_key"] != "") & ~table["segment_key"].isin(list(scope.filters))
        return table.loc[inside, columns].reset_index(drop=True)
    rows = list(_facts(scope).filter(has_comment=True).values_list("topics", "segments"))
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({"topics": [r[0] for r in rows]})
    segments = [r[1] for r in rows]
    parts = []
    exploded = frame["topics"].explode().dropna()
    for key in segment_keys():
        if key in scope.filters:
            continue
        values = pd.Series([str(s.get(key) or "") for s in segments], index=frame.index)
        known = values != ""
        totals = values[known].value_counts()
        parts.append(
            pd.DataFrame(
                {
                    "segment_key": key,
                    "segment_value": totals.index,
                    "topic_key": "",
                    "comments": totals.values,
                    "mentions": 0,
                }
            )
        )
        pairs = pd.DataFrame({"value": values.loc[exploded.index].to_numpy(), "topic": exploded.to_numpy()})
        pairs = pairs[pairs["value"] != ""]
        counted = pairs.groupby(["value", "topic"]).size().reset_index(name="mentions")
        parts.append(
            pd.DataFrame(
                {
                    "segment_key": key,
                    "segment_value": counted["value"],
                    "topic_key": counted["topic"],
                    "comments": counted["mentions"],
                    "mentions": counted["mentions"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _totals(frame: pd.DataFrame) -> dict[str, float]:
    rows = frame[(frame["segment_key"] == "") & (frame["topic_key"] == "")]
    return {f: float(rows[f].sum()) for f in COUNT_FIELDS}


def _topics(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    rows = frame[(frame["segment_key"] == "") & (frame["topic_key"] != "")]
    return {
        row["topic_key"]: {f: float(row[f]) for f in COUNT_FIELDS}
        for row in rows.groupby("topic_key", as_index=False).sum().to_dict("records")
    }


def _term_sum(counts: Mapping[str, float], metric: str) -> float:
    """The sum of per-response metric terms (whose mean is the metric in report points)."""
    spec = metrics.spec_for(metric)
    if spec.kind == "nps":
        return 100.0 * (counts["promoters"] - counts["detractors"])
    if spec.kind == "share":
        return 100.0 * counts["promoters"]
    return counts["score_sum"]


def _impact(total: Mapping[str, float], topic: Mapping[str, float], metric: str | None) -> float | None:
    if metric is None or total["scored"] == 0:
        return None
    n_without = total["scored"] - topic["scored"]
    if n_without <= 0:
        return None
    all_sum = _term_sum(total, metric)
    without_sum = all_sum - _term_sum(topic, metric)
    return without_sum / n_without - all_sum / total["scored"]


def _rate(detractors: float, scored: float) -> float | None:
    return detractors / scored if scored else None


def _trend(mentions: float, comments: float, previous_mentions: float, previous_comments: float):
    if not comments or not previous_comments:
        return None
    test = stats.two_proportion_test(
        int(mentions), int(comments), int(previous_mentions), int(previous_comments)
    )
    share, previous_share = mentions / comments, previous_mentions / previous_comments
    return {
        "previous_mentions": int(previous_mentions),
        "previous_share": previous_share,
        "share": share,
        "change": share - previous_share,
        "p_value": test.p_value,
        "significant": test.p_value is not None and test.p_value < ALPHA,
    }


@dataclass(frozen=True)
class LiftTable:
    """A segment table read once for every topic's lifts: comments per (key, value), and topic
    mentions per topic and (key, value)."""

    totals: list[tuple[str, str, float]]
    mentions: dict[str, dict[tuple[str, str], float]]


def lift_table(table: pd.DataFrame) -> LiftTable:
    if table.empty:
        return LiftTable([], {})
    segment = table[table["segment_key"] != ""]
    is_total = segment["topic_key"] == ""
    totals = segment[is_total]
    inside = segment[~is_total]
    mentions: dict[str, dict[tuple[str, str], float]] = {}
    for key, value, topic, count in zip(
        inside["segment_key"].tolist(),
        inside["segment_value"].tolist(),
        inside["topic_key"].tolist(),
        inside["mentions"].tolist(),
        strict=True,
    ):
        mentions.setdefault(topic, {})[(key, value)] = count
    rows = zip(
        totals["segment_key"].tolist(),
        totals["segment_value"].tolist(),
        totals["comments"].tolist(),
        strict=True,
    )
    return LiftTable(list(rows), mentions)


def _segment_lifts(table: LiftTable, topic_key: str, topic_mentions: float, comments: float) -> list[dict]:
    if not comments or not topic_mentions or not table.totals:
        return []
    inside_mentions = table.mentions.get(topic_key, {})
    rows = []
    for key, value, in_segment in table.totals:
        mentions = inside_mentions.get((key, value), 0)
        if mentions < MIN_SEGMENT_MENTIONS or in_segment < MIN_SEGMENT_SIZE:
            continue
        rows.append((key, value, mentions, in_segment))
    p_values = stats.fisher_greater_many(
        [int(r[2]) for r in rows], int(topic_mentions), [int(r[3]) for r in rows], int(comments)
    )
    candidates = [
        (key, value, int(mentions), mentions / topic_mentions, in_segment / comments, p_value)
        for (key, value, mentions, in_segment), p_value in zip(rows, p_values, strict=True)
    ]
    adjusted = stats.benjamini_hochberg([c[5] for c in candidates])
    found = [
        {
            "column": key,
            "value": value,
            "mentions": mentions,
            "share_in_topic": share_in_topic,
            "share_overall": share_overall,
            "lift": share_in_topic / share_overall,
            "p_value": p,
        }
        for (key, value, mentions, share_in_topic, share_overall, _raw), p in zip(
            candidates, adjusted, strict=True
        )
        if p < ALPHA and share_in_topic > share_overall
    ]
    found.sort(key=lambda s: (-s["lift"], s["column"], s["value"]))
    return found[:MAX_SEGMENTS]


def _comment_sample(scope: Scope) -> list[dict]:
    queryset = CommentAnalysis.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    if in_database():  # the comments' own copy of the segments (GIN index), no join to the facts
        queryset = _segment_filter(queryset, scope.filters)
    else:
        for key, value in scope.filters.items():
            queryset = queryset.filter(**{f"response__facts__segments__{key}": value})
    # The latest comments first (by index), a bounded sample.
    sample = list(
        queryset.order_by("-completed_day", "-id").values(
            "id",
            "response_id",
            "question_key",
            "language",
            "tokens",
            "phrases",
            "topics",
            "detractor_likelihood",
        )[:SAMPLE_COMMENTS]
    )
    # Their responses' score and class, read by primary key once the sample is chosen.
    facts = ResponseFacts.objects.filter(pk__in={c["response_id"] for c in sample})
    scores = {
        pk: (score, detractor)
        for pk, score, detractor in (
            facts.values_list("pk", "primary_score", "is_detractor") if sample else ()
        )
    }
    for comment in sample:
        comment["primary_score"], comment["is_detractor"] = scores.get(comment["response_id"], (None, None))
    return sample


def _originals(comments: list[dict]) -> dict[tuple[int, str], str]:
    """The respondents' own words (the stored answers) for the chosen example comments."""
    if not comments:
        return {}
    response_ids = {c["response_id"] for c in comments}
    keys = {c["question_key"] for c in comments}
    wanted = {(c["response_id"], c["question_key"]) for c in comments}
    rows = Answer.objects.filter(response_id__in=response_ids, question_key__in=keys).values_list(
        "response_id", "question_key", "value"
    )
    return {(r, q): str(v) for r, q, v in rows if (r, q) in wanted}


def _example_rank(comment: dict) -> tuple:
    scored = comment["primary_score"] is not None
    detractor = 1.0 if comment["is_detractor"] else 0.0
    if not scored:
        detractor = comment["detractor_likelihood"] or 0.0
    return (-detractor, -len(comment["topics"]), -comment["id"])


def _stage_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Topic.Stage.choices}


def painpoints_for_scope(
    *, survey: Survey, date_from: dt.date, date_to: dt.date, filters: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ranked pain points of a scope (see docs/metrics-and-painpoints.md for each field)."""
    scope = Scope(survey, date_from, date_to, dict(filters or {}))
    metric = survey_metric(survey)
    table = count_table(scope)
    previous_table = count_table(scope.previous(), segments=False)
    total = _totals(table) if not table.empty else dict.fromkeys(COUNT_FIELDS, 0.0)
    previous_total = _totals(previous_table) if not previous_table.empty else dict.fromkeys(COUNT_FIELDS, 0.0)
    topic_counts = _topics(table) if not table.empty else {}
    previous_topics = _topics(previous_table) if not previous_table.empty else {}
    lifts = lift_table(segment_table(scope, table) if topic_counts else table)
    topic_rows = {
        t["key"]: t
        for t in Topic.objects.filter(key__in=list(topic_counts), taxonomy__in=_taxonomy_ids(survey)).values(
            "key", "label", "stage", "team"
        )
    }
    stage_labels = _stage_labels()
    sample = _comment_sample(scope) if topic_counts else []
    terms = [tuple(c["tokens"]) + tuple(c["phrases"]) for c in sample]
    overall_rate = _rate(total["detractor_mentions"], total["scored_comments"])
    comments = total["comments"]

    keywords_by_topic = (
        keywords_scopes(terms, [c["topics"] for c in sample], top=MAX_KEYWORDS) if sample else {}
    )
    topics_out = []
    chosen_examples: dict[str, list[dict]] = {}
    for key, counts in topic_counts.items():
        mentions = counts["mentions"]
        if mentions <= 0:
            continue
        row = topic_rows.get(key, {"label": {"zh-hans": key, "en": key}, "stage": "", "team": ""})
        in_scope = [key in c["topics"] for c in sample]
        keywords = keywords_by_topic.get(key, ())
        members = sorted((c for c, inside in zip(sample, in_scope, strict=True) if inside), key=_example_rank)
        chosen_examples[key] = members[:MAX_EXAMPLES]
        previous = previous_topics.get(key, {"mentions": 0.0})
        topics_out.append(
            {
                "key": key,
                "label": dict(row["label"]),
                "stage": row["stage"],
                "stage_label": stage_labels.get(row["stage"], row["stage"]),
                "team": row["team"],
                "mentions": int(mentions),
                "share": mentions / comments if comments else None,
                "detractor_rate": _rate(counts["detractor_mentions"], counts["scored_comments"]),
                "overall_detractor_rate": overall_rate,
                "impact": _impact(total, counts, metric),
                "trend": _trend(mentions, comments, previous["mentions"], previous_total["comments"]),
                "segments": _segment_lifts(lifts, key, mentions, comments),
                "keywords": [
                    {"term": k.term, "count": k.count, "score": round(k.score, 4)} for k in keywords
                ],
            }
        )
    originals = _originals([c for chosen in chosen_examples.values() for c in chosen])
    for topic in topics_out:
        topic["examples"] = [
            {
                "comment_id": c["id"],
                "text": originals.get((c["response_id"], c["question_key"]), ""),
                "language": c["language"],
            }
            for c in chosen_examples[topic["key"]]
        ]
    topics_out.sort(key=lambda t: (t["impact"] is None, -(t["impact"] or 0.0), -t["mentions"], t["key"]))
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
            "responses": int(total["responses"]),
            "scored": int(total["scored"]),
            "comments": int(comments),
            "overall_detractor_rate": overall_rate,
        },
        "topics": topics_out,
        "emerging": emerging_for_survey(survey=survey),
    }


def _taxonomy_ids(survey: Survey) -> list[int]:
    ids = SurveyAnalysisSettings.objects.filter(survey=survey, taxonomy__isnull=False).values_list(
        "taxonomy_id", flat=True
    )
    return list(ids)


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


# -- metrics -------------------------------------------------------------------------------------


def _class_scores(counts: Mapping[str, float], metric: str) -> np.ndarray:
    promoter, passive, detractor = CLASS_SCORES[metric]
    return np.repeat(
        [promoter, passive, detractor],
        [int(counts["promoters"]), int(counts["passives"]), int(counts["detractors"])],
    ).astype(float)


def _scores_by_day(scope: Scope, metric: str) -> dict[dt.date, np.ndarray]:
    """The scores of each day: stored ones, or for class metrics one representative score per
    response from the class counts (the metric and its tests depend only on the counts), read
    from aggregates or, for a filtered slice on PostgreSQL, counted in SQL."""
    pair = scope.pair_row if in_database() else None
    if metric in CLASS_SCORES and (scope.from_aggregates or pair):
        # One grouped query over the scope's total rows (one per day), not every row of a day;
        # two aggregated keys: their pair rows (days with no score left out, as in the facts).
        ((key, value),) = (pair,) if pair else scope.filters.items() if scope.filters else (("", ""),)
        classes = ("promoters", "passives", "detractors")
        rows = (
            _aggregates(scope)
            .filter(segment_key=key, segment_value=value, topic_key="")
            .values("day")
            .annotate(**{f: Sum(f) for f in classes})
            .order_by()
        )
        return {
            row["day"]: _class_scores(row, metric) for row in rows if not pair or sum(row[f] for f in classes)
        }
    if metric in CLASS_SCORES and in_database():
        # A filtered slice on PostgreSQL: the class counts per day, counted in SQL.
        table = _slice_table(scope, (), by_day=True, topics=False)
        return {row["day"]: _class_scores(row, metric) for row in table.to_dict("records") if row["scored"]}
    # Highest score first within a day (the order of the class counts' scores: the same codes
    # in the same order, which a small sample's seeded permutation test depends on).
    rows = list(
        _facts(scope)
        .filter(primary_score__isnull=False)
        .order_by("completed_day", "-primary_score", "pk")
        .values_list("completed_day", "primary_score")
    )
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["day", "score"])
    return {day: group.to_numpy(dtype=float) for day, group in frame.groupby("day")["score"]}


def _joined(arrays) -> np.ndarray:
    arrays = list(arrays)
    return np.concatenate(arrays) if arrays else np.zeros(0)


def _period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":  # ISO weeks, Monday first
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _previous_start(start: dt.date, period: str) -> dt.date:
    if period == "week":
        return start - dt.timedelta(days=7)
    if period == "month":
        return (start - dt.timedelta(days=1)).replace(day=1)
    return start - dt.timedelta(days=1)


def _by_period(days: dict[dt.date, np.ndarray], metric: str, period: str) -> list[dict]:
    """The metric per day / ISO week / month, each against the calendar period before it."""
    grouped: dict[dt.date, list[np.ndarray]] = {}
    for day, values in days.items():
        grouped.setdefault(_period_start(day, period), []).append(values)
    arrays = {start: _joined(parts) for start, parts in sorted(grouped.items())}
    rows = []
    for start, values in arrays.items():
        before = arrays.get(_previous_start(start, period))
        change = _compare(values, before, metric) if before is not None else None
        rows.append(
            {
                "period": start.isoformat(),
                "result": metrics.metric_compute(values, metric=metric).as_dict(),
                "change": _comparison(change) if change else None,
            }
        )
    return rows


def _compare(a: np.ndarray, b: np.ndarray, metric: str):
    """a against b; None unless each side has two scores (a test needs them)."""
    if len(a) < 2 or len(b) < 2:
        return None
    return metrics.metric_compare(a, b, metric=metric)


def _by_segment(scope: Scope, metric: str) -> dict[str, list[dict]]:
    """Per aggregated segment key: each value's metric against every other scored response."""
    groups: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}
    if metric in CLASS_SCORES and not scope.filters:
        table = count_table(scope)
        totals = table[(table["segment_key"] != "") & (table["topic_key"] == "")]
        total = _totals(table)
        for key, group in totals.groupby("segment_key", sort=True):
            for row in group.to_dict("records"):
                rest = {f: total[f] - row[f] for f in ("promoters", "passives", "detractors")}
                groups.setdefault(key, []).append(
                    (row["segment_value"], _class_scores(row, metric), _class_scores(rest, metric))
                )
    elif metric in CLASS_SCORES and scope.from_aggregates:
        # One filter: class counts per other value from the pair rows.
        total = _totals(count_table(scope))
        classes = ("promoters", "passives", "detractors")
        table = pair_table(scope, classes, topics=False).sort_values(["segment_key", "segment_value"])
        for row in table.to_dict("records"):
            rest = {f: total[f] - row[f] for f in classes}
            groups.setdefault(row["segment_key"], []).append(
                (row["segment_value"], _class_scores(row, metric), _class_scores(rest, metric))
            )
    elif metric in CLASS_SCORES and in_database():
        # A filtered slice on PostgreSQL: the class counts of every value of every key, one
        # GROUPING SETS query over the slice (found by index).
        table = _slice_table(scope, segment_keys(), by_day=False, topics=False)
        total = _totals(table)
        classes = ("promoters", "passives", "detractors")
        rows = table[(table["segment_key"] != "") & (table["topic_key"] == "")]
        for key in segment_keys():
            if key in scope.filters:
                continue
            for row in rows[rows["segment_key"] == key].to_dict("records"):
                rest = {f: total[f] - row[f] for f in classes}
                groups.setdefault(key, []).append(
                    (row["segment_value"], _class_scores(row, metric), _class_scores(rest, metric))
                )
    elif metric in CLASS_SCORES:
        # A filtered slice: class counts per value, grouped in the database (no rows read out).
        scored = _facts(scope).filter(primary_score__isnull=False)
        classes = {
            "promoters": Count("pk", filter=Q(is_promoter=True)),
            "detractors": Count("pk", filter=Q(is_detractor=True)),
            "scored": Count("pk"),
        }
        total = scored.aggregate(**classes)
        total["passives"] = total["scored"] - total["promoters"] - total["detractors"]
        for key in segment_keys():
            if key in scope.filters:
                continue
            rows = (
                scored.annotate(value=KeyTextTransform(key, "segments"))
                .values("value")
                .annotate(**classes)
                .order_by()
            )
            for row in rows:
                if row["value"] in (None, ""):
                    continue  # unknown: no segment of its own, counted in every "rest"
                row["passives"] = row["scored"] - row["promoters"] - row["detractors"]
                rest = {f: total[f] - row[f] for f in ("promoters", "passives", "detractors")}
                groups.setdefault(key, []).append(
                    (str(row["value"]), _class_scores(row, metric), _class_scores(rest, metric))
                )
    else:
        rows = list(
            _facts(scope)
            .filter(primary_score__isnull=False)
            .order_by("completed_day", "-primary_score", "pk")
            .values_list("primary_score", "segments")
        )
        scores = np.array([r[0] for r in rows], dtype=float)
        for key in segment_keys():
            labels = np.array([str(r[1].get(key) or "") for r in rows], dtype=object)
            for value in sorted(set(labels) - {""}):
                inside = labels == value
                groups.setdefault(key, []).append((value, scores[inside], scores[~inside]))
    out = {}
    for key, found in groups.items():
        found = [f for f in found if len(f[1])]
        found.sort(key=lambda f: (-len(f[1]), f[0]))
        out[key] = _segment_rows(
            [
                (value, metrics.metric_compute(a, metric=metric), _compare(a, b, metric))
                for value, a, b in found
            ]
        )
    return out


def _segment_rows(found: list) -> list[dict]:
    tested = [i for i, (_, _, c) in enumerate(found) if c is not None and c.p_value is not None]
    adjusted = dict(zip(tested, stats.benjamini_hochberg([found[i][2].p_value for i in tested]), strict=True))
    return [
        {
            "value": value,
            "result": result.as_dict(),
            "versus_rest": _comparison(comparison) if comparison else None,
            "p_adjusted": adjusted.get(i),
            "significant": adjusted.get(i) is not None and adjusted[i] < ALPHA,
        }
        for i, (value, result, comparison) in enumerate(found)
    ]


def _comparison(comparison) -> dict:
    return {
        "difference": comparison.difference,
        "p_value": comparison.p_value,
        "significant": comparison.significant,
        "test": comparison.test,
    }


def _response_rate(scope: Scope) -> dict | None:
    invitations = Invitation.objects.filter(
        survey=scope.survey,
        sent_at__date__gte=scope.date_from,
        sent_at__date__lte=scope.date_to,
    )
    if scope.filters:
        return None  # invitations carry their context, not the response's segments: not comparable
    sent = invitations.count()
    if not sent:
        return None
    answered = invitations.filter(response__status="completed").count()
    return metrics.response_rate(answered, sent).as_dict()


def metrics_for_scope(
    *,
    survey: Survey,
    date_from: dt.date,
    date_to: dt.date,
    filters: Mapping[str, str] | None = None,
    period: str = "week",
) -> dict[str, Any]:
    """The survey's metric over the scope with its interval, per period, per segment (each
    against the rest), and against the previous period of equal length."""
    scope = Scope(survey, date_from, date_to, dict(filters or {}))
    metric = survey_metric(survey)
    base = {
        "survey": survey.key,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "filters": dict(scope.filters),
        "period": period,
        "metric": metric,
        "source": "aggregates" if (scope.from_aggregates and metric in CLASS_SCORES) else "facts",
    }
    if metric is None:
        return {
            **base,
            "overall": None,
            "previous": None,
            "by_period": [],
            "by_segment": {},
            "response_rate": None,
        }
    days = _scores_by_day(scope, metric)
    scores = _joined(days.values())
    previous = scope.previous()
    previous_scores = _joined(_scores_by_day(previous, metric).values())
    comparison = (
        metrics.metric_compare(scores, previous_scores, metric=metric) if len(previous_scores) else None
    )
    by_period = _by_period(days, metric, period)
    return {
        **base,
        "overall": metrics.metric_compute(scores, metric=metric).as_dict(),
        "previous": {
            "from": previous.date_from.isoformat(),
            "to": previous.date_to.isoformat(),
            "result": metrics.metric_compute(previous_scores, metric=metric).as_dict(),
            "comparison": _comparison(comparison) if comparison else None,
        },
        "by_period": by_period,
        "by_segment": _by_segment(scope, metric),
        "response_rate": _response_rate(scope),
    }
