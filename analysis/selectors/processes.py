"""The process owners' views of a scope: the score and the pain points per process stage (the
merchant onboarding's information collection, review, going live), the rider experience (rider
satisfaction, complaints about riders, on-time share where the events carry it) and complaints
by scenario (peak hours, district type, merchant type). The maths is the pure modules'
(``analysis.metrics``, ``analysis.painpoints.complaints``).

- A stage's score: the matrix rows of the survey whose key is the stage (the onboarding survey
  asks "how easy was each step"), their mean with a t interval on the row's scale.
- Rider satisfaction: per satisfaction question or matrix row about riders (every one in a survey
  of riders, else those whose key names the rider; not the 0-10 recommendation), the share of the
  top two points of its scale with a Wilson interval.
- Complaints about riders: responses complaining about a topic owned by a rider team (the
  taxonomy's ``team`` starts with ``rider``) over all responses.
- On-time share: responses whose event carried ``on_time`` (true/false, 1/0, yes/no).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import partial

import numpy as np
from django.db import connection
from django.db.models import Count
from django.db.models.fields.json import KeyTextTransform

from analysis import metrics
from analysis.models import CommentAnalysis, Topic
from analysis.painpoints.complaints import complained_topics, complaint_rates
from analysis.selectors import scope as base
from analysis.selectors import tables
from responses.models import Answer
from surveys.models import Audience, SurveyVersion

SCENARIO_KEYS = ("scenario", "district_type", "merchant_type")
ON_TIME_KEYS = ("on_time", "is_on_time", "delivered_on_time")
TRUE, FALSE = {"true", "1", "yes", "y"}, {"false", "0", "no", "n"}
RIDER_TEAM_PREFIX = "rider"
SCALED_KINDS = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "rating": (1, 5)}
TOP_STAGE_TOPICS = 3
# The metric whose mean keeps its interval inside a scale (a 1-7 ease, a 1-5 rating).
MEAN_ON_SCALE = {(1, 7): "ces", (1, 5): "rating"}
MAX_VALUES = 20


def _definition(scope: base.Scope) -> dict:
    version = SurveyVersion.objects.filter(survey=scope.survey).order_by("-number").first()
    return version.definition if version else {}


def _answers(scope: base.Scope, keys: set[str]) -> dict[str, list]:
    """The scope's answers to the questions ``keys``: question key -> values."""
    found: dict[str, list] = defaultdict(list)
    if not keys:
        return found
    rows = Answer.objects.filter(
        response_id__in=base.facts(scope).values("pk"), question_key__in=keys
    ).values_list("question_key", "value")
    for key, value in rows.iterator(chunk_size=5000):
        found[key].append(value)
    return found


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _scored_rows(definition: dict) -> list[dict]:
    """Every scored question and matrix row: key, item, label, scale."""
    rows = []
    for question in definition.get("questions") or []:
        kind = question.get("kind")
        if kind in SCALED_KINDS:
            rows.append(
                {
                    "question": question["key"],
                    "item": None,
                    "label": question.get("text"),
                    "scale": SCALED_KINDS[kind],
                }
            )
        elif kind == "matrix":
            scale = question.get("scale") or {}
            bounds = (int(scale.get("min", 1)), int(scale.get("max", 5)))
            for item in question.get("items") or []:
                rows.append(
                    {
                        "question": question["key"],
                        "item": item["key"],
                        "label": item.get("label"),
                        "scale": bounds,
                    }
                )
    return rows


def _values(row: dict, answers: dict[str, list]) -> np.ndarray:
    out = []
    for value in answers.get(row["question"], ()):
        number = _number(value.get(row["item"]) if row["item"] and isinstance(value, dict) else value)
        if number is not None:
            out.append(number)
    return np.asarray(out, dtype=float)


def _complaining(scope: base.Scope) -> dict[int, tuple[set[str], dict]]:
    """Response id -> (topics it complains about, its segments), for complaining responses."""
    queryset = CommentAnalysis.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    found: dict[int, tuple[set[str], dict]] = {}
    rows = base.segment_filter(queryset, scope.filters).values_list(
        "response_id", "topics", "topic_polarity", "segments"
    )
    for response_id, topics, polarity, segments in rows.iterator(chunk_size=5000):
        complained = complained_topics(topics, polarity)
        if complained:
            topics_of, _segments = found.setdefault(response_id, (set(), segments or {}))
            topics_of.update(complained)
    return found


# A complaint: a topic of the comment whose polarity is missing or -1 (``complained_topics``).
_COMPLAINT_ROWS = """
    SELECT DISTINCT c.response_id, t.topic{values}
    FROM ({comments}) AS c
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(c.topics) = 'array' THEN c.topics ELSE '[]'::jsonb END
    ) AS t(topic)
    WHERE COALESCE(
        CASE WHEN jsonb_typeof(c.topic_polarity) = 'object' THEN c.topic_polarity -> t.topic END,
        '-1'::jsonb
    ) = '-1'::jsonb
"""


def _scope_comments_sql(scope: base.Scope) -> tuple[str, tuple]:
    queryset = CommentAnalysis.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    rows = base.segment_filter(queryset, scope.filters).values(
        "response_id", "topics", "topic_polarity", "segments"
    )
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def _complaint_counts(
    scope: base.Scope, keys: tuple[str, ...], topics_of_interest: set[str] | None = None
) -> tuple[int, int, dict[str, tuple[Counter, dict[str, Counter]]]]:
    """The scope's complaining responses (those with a comment complaining about a topic), those
    complaining about one of ``topics_of_interest``, and per attribute ``keys``: complaining
    responses per value (its text) and, per value, complaining responses per topic. Counted in
    SQL on PostgreSQL, else from ``_complaining`` (the same numbers)."""
    interest = set(topics_of_interest or ())
    if not base.in_database():
        complaining = _complaining(scope)
        by_key = {}
        for key in keys:
            complaints: Counter = Counter()
            topics: dict[str, Counter] = defaultdict(Counter)
            for complained, segments in complaining.values():
                value = segments.get(key)
                if value in (None, ""):
                    continue
                complaints[str(value)] += 1
                topics[str(value)].update(complained)
            by_key[key] = (complaints, topics)
        about = sum(1 for complained, _segments in complaining.values() if complained & interest)
        return len(complaining), about, by_key
    comments, params = _scope_comments_sql(scope)
    values = "".join(f", c.segments ->> %s AS v{i}" for i in range(len(keys)))
    rows_sql = _COMPLAINT_ROWS.format(values=values, comments=comments)
    rows_params = (*keys, *params)
    by_key = {key: (Counter(), defaultdict(Counter)) for key in keys}
    # One pass: the totals (grouping set ``()``), and per key its values and (value, topic) pairs.
    columns = [f"v{i}" for i in range(len(keys))]
    sets = ["()", *(f"({c})" for c in columns), *(f"({c}, topic)" for c in columns)]
    flags = "".join(f"GROUPING({c}), " for c in columns)
    picked = "".join(f"{c}, " for c in columns)
    # without keys, only the totals: ``topic`` is in no grouping set then
    topic_flag, topic_column = ("GROUPING(topic)", "topic") if keys else ("1", "NULL")
    total = about = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {flags}{topic_flag}, {picked}{topic_column}, count(DISTINCT response_id), "  # noqa: S608
            "count(DISTINCT response_id) FILTER (WHERE topic = ANY(%s)) "
            f"FROM ({rows_sql}) AS r GROUP BY GROUPING SETS ({', '.join(sets)})",
            [sorted(interest), *rows_params],
        )
        for row in cursor.fetchall():
            grouped, all_topics = row[: len(keys)], row[len(keys)]
            values, topic = row[len(keys) + 1 : 2 * len(keys) + 1], row[2 * len(keys) + 1]
            n, n_interest = row[-2], row[-1]
            position = next((i for i, flag in enumerate(grouped) if not flag), None)
            if position is None:
                total, about = n, n_interest
                continue
            value = values[position]
            if value in (None, ""):
                continue
            complaints, topics = by_key[keys[position]]
            if all_topics:
                complaints[value] = n
            else:
                topics[value][topic] = n
    return total, about, by_key


# -- stages -------------------------------------------------------------------------------------------


def stages_for_scope(*, scope: base.Scope, ranked_topics: list[dict]) -> list[dict]:
    """Per process stage (in the process's order): the score of the matrix row asking about it,
    and its top pain points (``ranked_topics``: the pain-point report's ranked topics)."""
    stages = [value for value, _label in Topic.Stage.choices]
    rows = [r for r in _scored_rows(_definition(scope)) if r["item"] in stages]
    answers = _answers(scope, {r["question"] for r in rows})
    scores = {}
    for row in rows:
        values = _values(row, answers)
        scores[row["item"]] = {
            "result": metrics.metric_compute(
                values, metric=MEAN_ON_SCALE.get(row["scale"], "mean")
            ).as_dict(),
            "scale": row["scale"],
        }
    by_stage: dict[str, list[dict]] = defaultdict(list)
    for topic in ranked_topics:
        if topic.get("stage"):
            by_stage[topic["stage"]].append(topic)
    out = []
    for stage in stages:
        if stage not in scores and stage not in by_stage:
            continue
        out.append(
            {
                "stage": stage,
                "score": scores.get(stage),
                "topics": by_stage.get(stage, [])[:TOP_STAGE_TOPICS],
            }
        )
    return out


# -- rider experience ------------------------------------------------------------------------------------


def _on_time(scope: base.Scope) -> dict | None:
    """The share delivered on time (the first ``ON_TIME_KEYS`` attribute the facts hold),
    cached under the survey's counts version (``tables.cached``)."""
    return tables.cached(scope, ("on-time", ON_TIME_KEYS), partial(_on_time_counted, scope))


def _on_time_counted(scope: base.Scope) -> dict | None:
    for key in ON_TIME_KEYS:
        values = (
            base.facts(scope)
            .annotate(value=KeyTextTransform(key, "segments"))
            .exclude(value__isnull=True)
            .values("value")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts = Counter()
        for row in values:
            text = str(row["value"]).strip().lower()
            if text in TRUE:
                counts["yes"] += row["n"]
            elif text in FALSE:
                counts["no"] += row["n"]
        n = counts["yes"] + counts["no"]
        if n:
            flags = np.repeat([1.0, 0.0], [counts["yes"], counts["no"]])
            return {"key": key, "result": metrics.metric_compute(flags, metric="rate").as_dict()}
    return None


def rider_experience_for_scope(*, scope: base.Scope) -> dict:
    definition = _definition(scope)
    of_riders = scope.survey.audience == Audience.RIDER
    rows = [
        r
        for r in _scored_rows(definition)
        # satisfaction scales only: a 0-10 recommendation (NPS) is no satisfaction score
        if r["scale"] != SCALED_KINDS["nps"]
        and (of_riders or RIDER_TEAM_PREFIX in (r["item"] or r["question"]))
    ]
    answers = _answers(scope, {r["question"] for r in rows})
    satisfaction = []
    for row in rows:
        values = _values(row, answers)
        top = (values >= row["scale"][1] - 1).astype(float)
        satisfaction.append({**row, "result": metrics.metric_compute(top, metric="rate").as_dict()})
    ids = base.taxonomy_ids(scope.survey)
    rider_topics = set(
        Topic.objects.filter(taxonomy_id__in=ids, team__startswith=RIDER_TEAM_PREFIX).values_list(
            "key", flat=True
        )
    )
    what = ("rider-complaints", tuple(sorted(rider_topics)))
    total, about_riders = tables.cached(scope, what, partial(_rider_complaints, scope, rider_topics))
    flags = np.repeat([1.0, 0.0], [about_riders, total - about_riders])
    return {
        # Nothing about riders to show (a merchant survey): the page leaves the section out.
        "relevant": bool(rows or rider_topics),
        "audience": scope.survey.audience,
        "satisfaction": satisfaction,
        "complaints": {
            "topics": sorted(rider_topics),
            "result": metrics.metric_compute(flags, metric="rate").as_dict(),
        },
        "on_time": _on_time(scope),
    }


def _rider_complaints(scope: base.Scope, rider_topics: set[str]) -> tuple[int, int]:
    """The scope's responses, and those complaining about a rider topic."""
    total = base.facts(scope).count()
    _complaining_total, about, _by_key = _complaint_counts(scope, (), rider_topics)
    return total, min(total, about)


# -- complaints by scenario ------------------------------------------------------------------------------


def complaints_by_scenario(*, scope: base.Scope, keys: tuple[str, ...] = SCENARIO_KEYS) -> dict:
    """Per attribute (scenario, district type, merchant type): the complaint rate of each value
    against the rest and the topics complained about there; counted from the facts and the
    comments, cached under the survey's counts version (``tables.cached``)."""
    return tables.cached(scope, ("scenario", tuple(keys)), partial(_complaints_counted, scope, tuple(keys)))


def _complaints_counted(scope: base.Scope, keys: tuple[str, ...]) -> dict:
    facts = base.facts(scope)
    total = facts.count()
    keys = tuple(key for key in keys if key not in scope.filters)
    complaining, _about, by_key = _complaint_counts(scope, keys)
    out = {}
    for key in keys:
        responses = {
            str(row["value"]): row["n"]
            for row in facts.annotate(value=KeyTextTransform(key, "segments"))
            .values("value")
            .annotate(n=Count("pk"))
            .order_by()
            if row["value"] not in (None, "")
        }
        if not responses:
            continue
        counted, counted_topics = by_key[key]
        complaints = Counter({v: k for v, k in counted.items() if v in responses})
        topics = {v: found for v, found in counted_topics.items() if v in responses}
        # A comment analysed before its response's facts were written would count twice over.
        complaints = Counter({v: min(k, responses[v]) for v, k in complaints.items()})
        out[key] = complaint_rates(
            responses, complaints, topics, total=total, total_complaints=min(complaining, total)
        )[:MAX_VALUES]
    return {"responses": total, "complaining": complaining, "by_attribute": out}
