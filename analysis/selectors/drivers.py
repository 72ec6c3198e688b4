"""Key drivers of a survey's score over a scope: which other scored questions (each matrix row
too), segment attributes and topics move it, with 95 % bootstrap intervals. The maths is
``analysis.drivers`` (relative weights: each driver's share of the R² of a linear model of the
score, correlated drivers sharing credit); here the scope's responses become its table.

- The target is the primary question's score (0-10 for NPS, 1-5 for CSAT ...), per response.
- Questions: every other NPS/CSAT/CES/rating question and every matrix row of the survey's
  latest version, as numbers. A response that skipped one is left out (listwise), so a question
  answered by fewer than ``MIN_ANSWERED`` of the rows is not used.
- Attributes: the aggregated segment keys (``settings.ANALYSIS_SEGMENT_KEYS``) the scope is not
  filtered on, with 2 to ``MAX_LEVELS`` values among the rows; a response without the attribute
  is in an "unknown" level.
- Topics: 1 when a response's comments mention the topic, else 0, for the ``MAX_TOPICS`` most
  mentioned topics with at least ``MIN_TOPIC_MENTIONS`` mentions.

The newest ``MAX_ROWS`` scored responses of the scope are used (a sample that keeps the page
fast at any volume; the number is shown). Too few rows or no driver: ``error`` says why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from functools import partial

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analysis.drivers import MIN_ROWS, driver_importance
from analysis.models import SurveyAnalysisSettings
from analysis.selectors import scope as base
from analysis.selectors import tables
from analysis.selectors.taxonomy import SCORE_KINDS, question_plan
from analysis.services.aggregates import segment_keys
from responses.models import Answer
from surveys.models import SurveyVersion

MAX_ROWS = 3000
MAX_LEVELS = 12
MAX_TOPICS = 15
MIN_TOPIC_MENTIONS = 5
MIN_ANSWERED = 0.5
N_BOOT = 200
SEED = 0
UNKNOWN = ""

QUESTION, ATTRIBUTE, TOPIC = "question", "attribute", "topic"


def _questions(definition: dict, score_key: str | None) -> list[dict]:
    """The scored questions (and matrix rows) other than the primary one, as driver columns."""
    found = []
    for question in definition.get("questions") or []:
        key, kind = question.get("key"), question.get("kind")
        if key == score_key:
            continue
        if kind in SCORE_KINDS:
            found.append({"column": f"q:{key}", "question": key, "item": None, "text": question.get("text")})
        elif kind == "matrix":
            for item in question.get("items") or []:
                found.append(
                    {
                        "column": f"q:{key}.{item['key']}",
                        "question": key,
                        "item": item["key"],
                        "text": item.get("label"),
                        "question_text": question.get("text"),
                    }
                )
    return found


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def drivers_for_scope(*, scope: base.Scope) -> dict:
    """``{"metric", "n", "r_squared", "drivers": [...], "error"}``; each driver ``{"kind",
    "key", "column", "importance", "share", "low", "high", "rank", "correlation", "performance",
    "quadrant", "text"?, "value_levels"?}``, most important first. Fitted once per scope and
    survey version, cached under the survey's counts version (``tables.cached``: every write of
    its facts replaces it); the entry holds an error untranslated, translated when read."""
    version = SurveyVersion.objects.filter(survey=scope.survey).order_by("-number").first()
    settings_row = SurveyAnalysisSettings.objects.filter(survey=scope.survey).first()
    plan = question_plan(version.definition, settings_row) if version else None
    empty = {"metric": plan.metric if plan else None, "n": 0, "r_squared": None, "drivers": [], "error": ""}
    if plan is None or plan.metric is None:
        return {**empty, "error": _("This survey has no score question to explain.")}
    what = ("drivers", version.pk, plan.score_key, plan.metric, MAX_ROWS, N_BOOT, SEED)
    found = dict(tables.cached(scope, what, partial(_drivers_fitted, scope, version, plan)))
    error, args = found.pop("error_args", ("", None))
    found["error"] = (_(error) % args if args else _(error)) if error else ""
    return found


def _drivers_fitted(scope: base.Scope, version: SurveyVersion, plan) -> dict:
    """The fit of ``drivers_for_scope``; an error as ``error_args`` (its text and arguments)."""
    empty = {"metric": plan.metric, "n": 0, "r_squared": None, "drivers": []}
    rows = list(
        base.facts(scope, newest_first=True)
        .filter(primary_score__isnull=False)
        .order_by("-completed_day", "-pk")
        .values_list("pk", "primary_score", "segments", "topics")[:MAX_ROWS]
    )
    if len(rows) < MIN_ROWS:
        return {
            **empty,
            "n": len(rows),
            "error_args": (
                gettext_noop("Key drivers need at least %(min)s scored responses; this scope has %(n)s."),
                {"min": MIN_ROWS, "n": len(rows)},
            ),
        }
    ids = [r[0] for r in rows]
    frame = pd.DataFrame({"score": [r[1] for r in rows]}, index=ids)
    columns: dict[str, dict] = {}

    questions = _questions(version.definition, plan.score_key)
    if questions:
        wanted = {q["question"] for q in questions}
        values: dict[str, dict[int, float]] = {q["column"]: {} for q in questions}
        by_question: dict[str, list[dict]] = {}
        for q in questions:
            by_question.setdefault(q["question"], []).append(q)
        answers = Answer.objects.filter(response_id__in=ids, question_key__in=wanted).values_list(
            "response_id", "question_key", "value"
        )
        for response_id, key, value in answers.iterator(chunk_size=5000):
            for q in by_question[key]:
                number = _number(value.get(q["item"]) if q["item"] and isinstance(value, dict) else value)
                if number is not None:
                    values[q["column"]][response_id] = number
        for q in questions:
            answered = values[q["column"]]
            if len(answered) >= MIN_ANSWERED * len(ids) and len(set(answered.values())) > 1:
                frame[q["column"]] = pd.Series(answered, dtype=float)
                columns[q["column"]] = {"kind": QUESTION, "key": q["item"] or q["question"], **q}

    for key in segment_keys():
        if key in scope.filters:
            continue
        levels = [str((r[2] or {}).get(key) or UNKNOWN) for r in rows]
        distinct = set(levels)
        if 2 <= len(distinct) <= MAX_LEVELS:
            column = f"a:{key}"
            frame[column] = levels
            counts = Counter(levels)
            columns[column] = {
                "kind": ATTRIBUTE,
                "key": key,
                "column": column,
                "levels": sorted(counts.items(), key=lambda item: (-item[1], item[0])),
            }

    mentions = Counter(topic for r in rows for topic in (r[3] or ()))
    chosen = [
        key
        for key, count in sorted(mentions.items(), key=lambda item: (-item[1], item[0]))
        if count >= MIN_TOPIC_MENTIONS and count < len(rows)
    ][:MAX_TOPICS]
    for key in chosen:
        column = f"t:{key}"
        frame[column] = [1.0 if key in (r[3] or ()) else 0.0 for r in rows]
        columns[column] = {"kind": TOPIC, "key": key, "column": column, "mentions": mentions[key]}

    if not columns:
        return {
            **empty,
            "n": len(rows),
            "error_args": (gettext_noop("Nothing to explain the score with in this scope."), None),
        }
    complete = frame.dropna()
    if len(complete) < MIN_ROWS:
        return {
            **empty,
            "n": len(complete),
            "error_args": (
                gettext_noop(
                    "Key drivers need at least %(min)s responses with every question answered; here %(n)s."
                ),
                {"min": MIN_ROWS, "n": len(complete)},
            ),
        }
    # A column constant in the complete rows explains nothing (the maths refuses it): left out.
    usable = [c for c in columns if complete[c].nunique() > 1]
    if complete["score"].nunique() < 2 or not usable:
        return {
            **empty,
            "n": len(complete),
            "error_args": (gettext_noop("Every response in this scope has the same score."), None),
        }
    try:
        results = driver_importance(complete, target="score", drivers=usable, n_boot=N_BOOT, seed=SEED)
    except ValueError:
        return {
            **empty,
            "n": len(complete),
            "error_args": (gettext_noop("Too few responses for this many drivers."), None),
        }
    drivers = [{**columns[r.driver], **asdict(r)} for r in results]
    return {
        "metric": plan.metric,
        "n": results[0].n,
        "r_squared": results[0].r_squared,
        "drivers": drivers,
    }
