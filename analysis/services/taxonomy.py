"""The taxonomy in the database: loading the shipped starters, and the versions that say which
dictionaries and which taxonomy produced a stored result."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction

from analysis.models import DictionaryTerm, SurveyAnalysisSettings, Taxonomy, Topic
from analysis.taxonomy import TAXONOMY_DIR, taxonomy_names

# Audience of each shipped starter (the JSON files carry no audience of their own).
STARTER_AUDIENCE = {
    "food_delivery": "customer",
    "merchant_onboarding": "merchant",
    "rider_experience": "rider",
    "car_rental": "customer",
}


@dataclass(frozen=True)
class StarterLoadResult:
    taxonomies_created: int
    topics_created: int


def taxonomy_load_starter(*, names: list[str] | None = None) -> StarterLoadResult:
    """Load the shipped starter taxonomies; idempotent: an existing taxonomy or topic (by key) is
    left as ops staff edited it, only missing ones are added."""
    names = list(names or taxonomy_names())
    unknown = sorted(set(names) - set(taxonomy_names()))
    if unknown:
        raise ValueError(
            f"unknown starter taxonomy: {', '.join(unknown)}; available: {', '.join(taxonomy_names())}"
        )
    taxonomies_created = topics_created = 0
    with transaction.atomic():
        for name in names:
            data = json.loads((TAXONOMY_DIR / f"{name}.json").read_text(encoding="utf-8"))
            taxonomy, created = Taxonomy.objects.get_or_create(
                key=data["key"],
                defaults={
                    "name": dict(data.get("label") or {}),
                    "audience": STARTER_AUDIENCE.get(name, ""),
                    "domain": name,
                },
            )
            taxonomies_created += int(created)
            for position, raw in enumerate(data.get("topics") or []):
                _topic, topic_created = Topic.objects.get_or_create(
                    taxonomy=taxonomy,
                    key=raw["key"],
                    defaults={
                        "position": position,
                        "label": dict(raw.get("label") or {}),
                        "stage": raw.get("stage") or Topic.Stage.OTHER,
                        "team": raw.get("team") or "",
                        "terms": {k: list(v) for k, v in (raw.get("terms") or {}).items()},
                        "exclusions": {k: list(v) for k, v in (raw.get("exclusions") or {}).items()},
                        "ambiguous": {k: list(v) for k, v in (raw.get("ambiguous") or {}).items()},
                    },
                )
                topics_created += int(topic_created)
    return StarterLoadResult(taxonomies_created, topics_created)


def survey_taxonomy_link(*, survey, taxonomy: Taxonomy | None) -> SurveyAnalysisSettings:
    """Analyse ``survey`` with ``taxonomy`` (creating its settings row when missing)."""
    settings_row, _created = SurveyAnalysisSettings.objects.update_or_create(
        survey=survey, defaults={"taxonomy": taxonomy}
    )
    return settings_row


def dictionary_terms_active() -> tuple[str, ...]:
    """The ops staff's domain terms segmentation keeps whole, sorted (part of the version)."""
    return tuple(sorted(set(DictionaryTerm.objects.filter(is_active=True).values_list("term", flat=True))))


def dictionary_version_combine(pipeline_version: str, taxonomy_version: str) -> str:
    """The stored ``dictionary_version``: segmentation dictionaries + dictionary terms + taxonomy."""
    return hashlib.sha256(f"{pipeline_version}:{taxonomy_version}".encode()).hexdigest()[:16]
