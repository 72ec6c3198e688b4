"""Database taxonomy rows as the pure ``analysis.taxonomy.Taxonomy``, and the survey's analysis
settings (taxonomy, text questions, score question)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from analysis.models import SurveyAnalysisSettings, Topic
from analysis.taxonomy import Taxonomy, taxonomy_from_dict

TEXT_KINDS = ("short_text", "long_text")
SCORE_KINDS = {"nps": "nps", "csat": "csat", "ces": "ces", "rating": "rating"}


def taxonomy_digest(topics: list[dict]) -> str:
    """A fingerprint of the active topics' matching content (keys, terms, exclusions, ambiguous
    terms)."""
    content = [
        {
            "key": t["key"],
            "terms": t["terms"],
            "exclusions": t["exclusions"],
            "ambiguous": t.get("ambiguous") or {},
        }
        for t in sorted(topics, key=lambda t: t["key"])
    ]
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TaxonomySnapshot:
    taxonomy: Taxonomy | None
    version: str
    topic_ids: dict[str, int]


def taxonomy_snapshot_for_survey(*, survey_id: int) -> TaxonomySnapshot:
    """The survey's taxonomy (active topics only) as pure data, its content version, topic ids."""
    settings_row = (
        SurveyAnalysisSettings.objects.filter(survey_id=survey_id).select_related("taxonomy").first()
    )
    if settings_row is None or settings_row.taxonomy is None:
        return TaxonomySnapshot(None, "none", {})
    taxonomy = settings_row.taxonomy
    rows = list(
        Topic.objects.filter(taxonomy=taxonomy, is_active=True)
        .order_by("position", "key")
        .values("id", "key", "label", "stage", "team", "terms", "exclusions", "ambiguous")
    )
    usable = [r for r in rows if any((r["terms"] or {}).values())]
    pure = taxonomy_from_dict(
        {
            "key": taxonomy.key,
            "label": taxonomy.name,
            "topics": [
                {k: r[k] for k in ("key", "label", "stage", "team", "terms", "exclusions", "ambiguous")}
                for r in usable
            ],
        }
    )
    return TaxonomySnapshot(pure, taxonomy_digest(usable), {r["key"]: r["id"] for r in usable})


@dataclass(frozen=True)
class QuestionPlan:
    text_keys: tuple[str, ...]
    score_key: str | None
    metric: str | None


def question_plan(definition: dict, settings_row: SurveyAnalysisSettings | None) -> QuestionPlan:
    """Which questions of a published definition are analysed as text, and which is the score."""
    questions = definition.get("questions") or []
    kinds = {q["key"]: q.get("kind") for q in questions}
    text_keys = tuple(q["key"] for q in questions if q.get("kind") in TEXT_KINDS)
    if settings_row is not None and settings_row.text_question_keys:
        chosen = set(settings_row.text_question_keys)
        text_keys = tuple(k for k in text_keys if k in chosen)
    score_key = (settings_row.primary_question_key if settings_row else "") or definition.get(
        "primary_question"
    )
    metric = SCORE_KINDS.get(kinds.get(score_key)) if score_key else None
    if metric is None:
        score_key = None
    return QuestionPlan(text_keys, score_key, metric)
