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
- A response complains about a topic when its facts' polarity of the topic (its comments'
  mentions combined) is a complaint, as the pain-point ranking counts it; it complains when it
  does so about a taxonomy topic. The counts are the aggregates' (``complaint_mentions`` per
  topic, ``complaining``), through the count tables the pain-point report reads.
- On-time share: responses whose event carried ``on_time`` (true/false, 1/0, yes/no).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import partial

import numpy as np
import pandas as pd
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform

from analysis import metrics
from analysis.models import DISCOVERED_TOPIC_PREFIX, ON_TIME_KEYS, Topic
from analysis.painpoints.complaints import complaint_rates
from analysis.painpoints.counts import COMPLAINT, mention_polarity
from analysis.selectors import scope as base
from analysis.selectors import tables
from responses.models import Answer
from surveys.models import Audience, SurveyVersion

SCENARIO_KEYS = ("scenario", "district_type", "merchant_type")
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


def complaint_tables(scope: base.Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scope's count tables for its complaint figures: its totals and topics (the rows
    without a segment), and per segment value of the other keys its responses, complaining
    responses and complaint mentions per topic. The same cached tables the pain-point report
    reads: the aggregates (a filter on an aggregated key: its pair rows), else the facts."""
    table = tables.count_table(scope, pairs=True)
    if scope.filters and scope.from_aggregates:
        return table, tables.pair_table(scope, ("responses", "complaining", "complaint_mentions"))
    if table.empty:
        return table, table
    inside = (table["segment_key"] != "") & ~table["segment_key"].isin(list(scope.filters))
    return table, table[inside]


def _complained(table: pd.DataFrame) -> pd.DataFrame:
    """Topic rows with complaint mentions of taxonomy topics (not discovered ones)."""
    rows = table[(table["topic_key"] != "") & (table["complaint_mentions"] > 0)]
    return rows[~rows["topic_key"].str.startswith(DISCOVERED_TOPIC_PREFIX)]


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
    # One read of the facts holding any of the keys (a partial index: none read when none has one).
    names = [f"v{i}" for i in range(len(ON_TIME_KEYS))]
    rows = (
        base.facts(scope)
        .filter(segments__has_any_keys=list(ON_TIME_KEYS))
        .annotate(
            **{name: KeyTextTransform(key, "segments") for name, key in zip(names, ON_TIME_KEYS, strict=True)}
        )
        .values(*names)
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = [([row[name] for name in names], row["n"]) for row in rows]
    for position, key in enumerate(ON_TIME_KEYS):
        counts = Counter()
        for values, n in found:
            if values[position] is None:
                continue
            text = str(values[position]).strip().lower()
            if text in TRUE:
                counts["yes"] += n
            elif text in FALSE:
                counts["no"] += n
        if counts["yes"] + counts["no"]:
            flags = np.repeat([1.0, 0.0], [counts["yes"], counts["no"]])
            return {"key": key, "result": metrics.metric_compute(flags, metric="rate").as_dict()}
    return None


def rider_experience_for_scope(*, scope: base.Scope, counted: tuple | None = None) -> dict:
    """Rider satisfaction, complaints about riders and the on-time share of the scope
    (``counted``: its ``complaint_tables`` when the caller has read them)."""
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
    total, about_riders = _rider_complaints(scope, rider_topics, counted)
    return {
        # Nothing about riders to show (a merchant survey): the page leaves the section out.
        "relevant": bool(rows or rider_topics),
        "audience": scope.survey.audience,
        "satisfaction": satisfaction,
        "complaints": {
            "topics": sorted(rider_topics),
            "result": metrics.metric_compute_classes(
                about_riders, total - about_riders, 0, metric="rate"
            ).as_dict(),
        },
        "on_time": _on_time(scope),
    }


def _rider_complaints(scope: base.Scope, rider_topics: set[str], counted: tuple | None) -> tuple[int, int]:
    """The scope's responses, and those complaining about a rider topic: from the count table
    when at most one rider topic is complained about in the scope (its complaint mentions), else
    counted from the facts (cached under the survey's counts version, ``tables.cached``)."""
    table, _segments = counted or complaint_tables(scope)
    if table.empty:
        return 0, 0
    totals = table[table["segment_key"] == ""]
    total = int(totals.loc[totals["topic_key"] == "", "responses"].sum())
    complained = _complained(totals)
    mentions = complained[complained["topic_key"].isin(rider_topics)].groupby("topic_key")[
        "complaint_mentions"
    ]
    found = {str(k): int(v) for k, v in mentions.sum().items()}
    if len(found) <= 1:
        return total, min(total, sum(found.values()))
    what = ("rider-complaints", tuple(sorted(found)))
    return total, min(total, tables.cached(scope, what, partial(_complaining_about, scope, set(found))))


def _complaining_about(scope: base.Scope, topics: set[str]) -> int:
    """The scope's responses complaining about one of ``topics`` (their facts' polarity)."""
    if base.in_database():
        about = Q()
        for key in sorted(topics):
            # a mention the polarity object does not name is a complaint (``mention_polarity``)
            complaint = ~Q(topic_polarity__has_key=key) | Q(topic_polarity__contains={key: COMPLAINT})
            about |= Q(topics__contains=[key]) & complaint
        return base.facts(scope).filter(about).count()
    rows = base.facts(scope).values_list("topics", "topic_polarity")
    return sum(
        1
        for keys, polarity in rows.iterator(chunk_size=5000)
        if any(key in topics and mention_polarity(polarity, key) == COMPLAINT for key in keys or ())
    )


# -- complaints by scenario ------------------------------------------------------------------------------


def complaints_by_scenario(
    *, scope: base.Scope, keys: tuple[str, ...] = SCENARIO_KEYS, counted: tuple | None = None
) -> dict:
    """Per attribute (scenario, district type, merchant type; those among the aggregated keys,
    ``settings.ANALYSIS_SEGMENT_KEYS``, and not filtered on): the complaint rate of each value
    against the rest and the topics complained about there, from the scope's count tables
    (``complaint_tables``, or ``counted`` when the caller has read them)."""
    table, segments = counted or complaint_tables(scope)
    if table.empty:
        return {"responses": 0, "complaining": 0, "by_attribute": {}}
    totals = table[(table["segment_key"] == "") & (table["topic_key"] == "")]
    total, complaining = int(totals["responses"].sum()), int(totals["complaining"].sum())
    keys = tuple(key for key in keys if key not in scope.filters)
    segments = segments[segments["segment_key"].isin(keys)]
    values = segments[segments["topic_key"] == ""].groupby(["segment_key", "segment_value"])
    value_counts = values[["responses", "complaining"]].sum()
    topic_counts = _complained(segments).groupby(["segment_key", "segment_value", "topic_key"])
    responses: dict[str, dict[str, int]] = defaultdict(dict)
    complaints: dict[str, Counter] = defaultdict(Counter)
    for (key, value), n, k in zip(
        value_counts.index, value_counts["responses"], value_counts["complaining"], strict=True
    ):
        if n:
            responses[key][str(value)] = int(n)
            if k:
                complaints[key][str(value)] = int(k)
    topics: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (key, value, topic), n in topic_counts["complaint_mentions"].sum().items():
        if str(value) in responses[key]:
            topics[key][str(value)][str(topic)] = int(n)
    out = {}
    for key in keys:
        if responses[key]:
            out[key] = complaint_rates(
                responses[key], complaints[key], topics[key], total=total, total_complaints=complaining
            )[:MAX_VALUES]
    return {"responses": total, "complaining": complaining, "by_attribute": out}
