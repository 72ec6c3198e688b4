"""Starter templates: survey definitions (docs/survey-definition.md) shipped as JSON files here.

A template has the shape of a published definition without ``version``; loading one makes a
draft survey (``surveys.services.survey_template_load``).
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class TemplateInfo:
    key: str
    audience: str
    title: dict
    introduction: dict
    primary_question: str
    question_count: int
    locales: tuple[str, ...]


@cache
def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def template_keys() -> list[str]:
    return sorted(path.stem for path in TEMPLATE_DIR.glob("*.json"))


def template_definition(key: str) -> dict | None:
    """A fresh copy of the template's definition, or None when there is no such template."""
    if key not in template_keys():
        return None
    return json.loads(json.dumps(_read(TEMPLATE_DIR / f"{key}.json")))


def template_info(key: str) -> TemplateInfo | None:
    definition = template_definition(key)
    if definition is None:
        return None
    return TemplateInfo(
        key=key,
        audience=definition["audience"],
        title=definition["title"],
        introduction=definition.get("introduction") or {},
        primary_question=definition.get("primary_question", ""),
        question_count=len(definition.get("questions", [])),
        locales=tuple(definition.get("locales", [])),
    )
