"""The text pipeline and topic tagger a survey's analysis runs with, built once per process.

Building a pipeline loads jieba's dictionary (about a second); a worker keeps the last few,
keyed by their versions, so each response costs two small queries to check the versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.selectors.taxonomy import TaxonomySnapshot, taxonomy_snapshot_for_survey
from analysis.services.taxonomy import dictionary_terms_active, dictionary_version_combine
from analysis.taxonomy import TopicTagger
from analysis.text.pipeline import TextPipeline

_PIPELINES: dict[tuple[str, ...], TextPipeline] = {}
_TAGGERS: dict[tuple[str, str], TopicTagger] = {}
_KEEP = 4


@dataclass(frozen=True)
class AnalysisContext:
    pipeline: TextPipeline
    tagger: TopicTagger | None
    snapshot: TaxonomySnapshot
    pipeline_version: str
    dictionary_version: str


def pipeline_for_terms(terms: tuple[str, ...]) -> TextPipeline:
    pipeline = _PIPELINES.get(terms)
    if pipeline is None:
        if len(_PIPELINES) >= _KEEP:
            _PIPELINES.clear()
        pipeline = _PIPELINES[terms] = TextPipeline(extra_terms=terms)
    return pipeline


def analysis_context_for_survey(*, survey_id: int) -> AnalysisContext:
    pipeline = pipeline_for_terms(dictionary_terms_active())
    snapshot = taxonomy_snapshot_for_survey(survey_id=survey_id)
    tagger = None
    if snapshot.taxonomy is not None:
        key = (pipeline.dictionary_version, f"{snapshot.taxonomy.key}:{snapshot.version}")
        tagger = _TAGGERS.get(key)
        if tagger is None:
            if len(_TAGGERS) >= _KEEP:
                _TAGGERS.clear()
            tagger = _TAGGERS[key] = TopicTagger(snapshot.taxonomy, pipeline)
    return AnalysisContext(
        pipeline=pipeline,
        tagger=tagger,
        snapshot=snapshot,
        pipeline_version=pipeline.dictionary_version,
        dictionary_version=dictionary_version_combine(pipeline.dictionary_version, snapshot.version),
    )


def analysis_context_reset() -> None:
    """Forget built pipelines and taggers (tests that change the domain dictionary)."""
    _PIPELINES.clear()
    _TAGGERS.clear()
