"""Per-response analysis: run once on the ``analysis`` queue right after a submit, stored.

``response_analyse`` is idempotent (it upserts by response and counts a response in the
aggregates once, guarded by ``ResponseFacts.counted_at``), so its task may be delivered twice.
A stored comment is segmented again only when the segmentation dictionaries changed; when only
the taxonomy changed its stored tokens are tagged again without segmenting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from analysis import metrics
from analysis.detractor import MISMATCH_THRESHOLD
from analysis.models import CommentAnalysis, CommentTopic, ResponseFacts, SurveyAnalysisSettings
from analysis.selectors.taxonomy import question_plan
from analysis.services.aggregates import FactValues, aggregates_apply
from analysis.services.context import AnalysisContext, analysis_context_for_survey
from analysis.services.detractor import detractor_model_for_survey
from analysis.text.pipeline import ProcessedComment
from responses.models import Response
from surveys.models import Survey

logger = logging.getLogger(__name__)

SEGMENT_VALUE_MAX = 255


@dataclass(frozen=True)
class AnalyseResult:
    response_id: int
    segmented: int  # comments run through the text pipeline
    retagged: int  # comments tagged again from stored tokens
    unchanged: int
    counted: bool  # the response's counts were added to (or moved in) the aggregates


def response_segments(response: Response) -> dict[str, str]:
    """The frozen segments of a response: event attributes plus channel, respondent type, locale."""
    context = response.context or {}
    segments: dict[str, str] = {}
    for key, value in (context.get("attributes") or {}).items():
        if isinstance(value, str | int | float | bool) and value != "":
            segments[str(key)] = str(value)[:SEGMENT_VALUE_MAX]
    for key in ("channel", "respondent_type"):
        if context.get(key):
            segments[key] = str(context[key])
    segments["locale"] = str(context.get("locale") or response.locale or "")
    return segments


def _score(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _comment_text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _doc(stored: CommentAnalysis) -> ProcessedComment:
    return ProcessedComment(
        text=stored.text,
        language=stored.language,
        tokens=tuple(stored.tokens),
        phrases=tuple(stored.phrases),
        truncated=stored.truncated,
        dictionary_version=stored.pipeline_version,
    )


def _comments_store(
    response: Response,
    answers: dict,
    text_keys: tuple[str, ...],
    context: AnalysisContext,
    now,
    segments: dict[str, str],
) -> tuple[dict[str, list[str]], int, int, int]:
    """Upsert the response's CommentAnalysis rows (with the response's segments); returns topics
    per question and counts."""
    existing = {c.question_key: c for c in CommentAnalysis.objects.filter(response=response)}
    wanted = {k: _comment_text(answers.get(k)) for k in text_keys}
    wanted = {k: v for k, v in wanted.items() if v}
    gone = [c.pk for k, c in existing.items() if k not in wanted]
    if gone:
        CommentAnalysis.objects.filter(pk__in=gone).delete()
    topics: dict[str, list[str]] = {}
    segmented = retagged = unchanged = 0
    for key, raw in wanted.items():
        stored = existing.get(key)
        if stored is not None and stored.dictionary_version == context.dictionary_version:
            topics[key] = list(stored.topics)
            unchanged += 1
            if stored.segments != segments:
                CommentAnalysis.objects.filter(pk=stored.pk).update(segments=segments)
            continue
        if stored is not None and stored.pipeline_version == context.pipeline_version:
            doc = _doc(stored)
            retagged += 1
        else:
            doc = context.pipeline.process(raw)
            segmented += 1
        matches = context.tagger.tag(doc) if context.tagger is not None else ()
        keys = [m.key for m in matches]
        model = detractor_model_for_survey(response.survey_id)
        likelihood = round(model.score(doc), 4) if model is not None else None
        comment, _created = CommentAnalysis.objects.update_or_create(
            response=response,
            question_key=key,
            defaults={
                "survey_id": response.survey_id,
                "completed_day": timezone.localtime(response.completed_at).date(),
                "text": doc.text,
                "language": doc.language,
                "tokens": list(doc.tokens),
                "phrases": list(doc.phrases),
                "topics": keys,
                "segments": segments,
                "truncated": doc.truncated,
                "pipeline_version": context.pipeline_version,
                "dictionary_version": context.dictionary_version,
                "detractor_likelihood": likelihood,
                "analysed_at": now,
            },
        )
        CommentTopic.objects.filter(comment=comment).delete()
        CommentTopic.objects.bulk_create(
            [
                CommentTopic(
                    comment=comment, topic_id=context.snapshot.topic_ids[m.key], matched_terms=list(m.terms)
                )
                for m in matches
            ]
        )
        topics[key] = keys
    return topics, segmented, retagged, unchanged


def response_analyse(*, response_id: int) -> AnalyseResult | None:
    """Analyse one completed response: comments, topics, facts, aggregates. None when the
    response does not exist or is not completed (logged, nothing written)."""
    response = (
        Response.objects.select_related("survey_version")
        .filter(pk=response_id, status=Response.Status.COMPLETED)
        .first()
    )
    if response is None:
        logger.warning("response %s not found or not completed; nothing analysed", response_id)
        return None
    settings_row = SurveyAnalysisSettings.objects.filter(survey_id=response.survey_id).first()
    plan = question_plan(response.survey_version.definition, settings_row)
    context = analysis_context_for_survey(survey_id=response.survey_id)
    now = timezone.now()
    with transaction.atomic():
        # The response row's lock serialises two deliveries of the same task.
        Response.objects.select_for_update().filter(pk=response.pk).values_list("pk", flat=True).get()
        answers = dict(response.answers.values_list("question_key", "value"))
        segments = response_segments(response)
        topics, segmented, retagged, unchanged = _comments_store(
            response, answers, plan.text_keys, context, now, segments
        )
        score = _score(answers.get(plan.score_key)) if plan.score_key else None
        is_detractor = is_promoter = False
        if score is not None and plan.metric is not None:
            is_detractor = bool(metrics.detractor_mask([score], metric=plan.metric)[0])
            is_promoter = bool(metrics.promoter_mask([score], metric=plan.metric)[0])
        completed_at = response.completed_at
        fields = {
            "survey_id": response.survey_id,
            "survey_version_id": response.survey_version_id,
            "completed_at": completed_at,
            "completed_day": timezone.localtime(completed_at).date(),
            "metric": plan.metric or "",
            "primary_score": score,
            "is_detractor": is_detractor,
            "is_promoter": is_promoter,
            "has_comment": bool(topics),
            "topics": sorted({key for keys in topics.values() for key in keys}),
            "segments": segments,
            "locale": segments.get("locale", ""),
            "channel": segments.get("channel", ""),
            "respondent_type": segments.get("respondent_type", ""),
        }
        if segmented or retagged:
            mismatch = is_promoter
            CommentAnalysis.objects.filter(response=response).update(is_mismatch=False)
            if mismatch:
                CommentAnalysis.objects.filter(
                    response=response, detractor_likelihood__gt=MISMATCH_THRESHOLD
                ).update(is_mismatch=True)
        facts = ResponseFacts.objects.filter(pk=response.pk).first()
        counted = False
        if facts is not None and facts.counted_at is not None:
            before = FactValues.of(facts)
            for name, value in fields.items():
                setattr(facts, name, value)
            after = FactValues.of(facts)
            facts.save(update_fields=list(fields))
            if before != after:  # re-analysis moved it: take the old counts out, add the new
                aggregates_apply(survey_id=response.survey_id, values=before, sign=-1)
                aggregates_apply(survey_id=response.survey_id, values=after, sign=1)
                counted = True
        else:
            facts, _created = ResponseFacts.objects.update_or_create(response=response, defaults=fields)
            if ResponseFacts.objects.filter(pk=response.pk, counted_at__isnull=True).update(counted_at=now):
                aggregates_apply(survey_id=response.survey_id, values=FactValues.of(facts), sign=1)
                counted = True
    return AnalyseResult(response.pk, segmented, retagged, unchanged, counted)


@dataclass(frozen=True)
class ReanalyseResult:
    responses: int
    segmented: int
    retagged: int


def comments_reanalyse(*, survey_id: int | None = None) -> ReanalyseResult:
    """Analyse again every response whose stored comments are stale (made with other
    dictionaries or another taxonomy), and completed responses never analysed."""
    surveys = Survey.objects.all() if survey_id is None else Survey.objects.filter(pk=survey_id)
    responses = segmented = retagged = 0
    for survey_pk in surveys.values_list("pk", flat=True):
        context = analysis_context_for_survey(survey_id=survey_pk)
        stale = set(
            CommentAnalysis.objects.filter(survey_id=survey_pk)
            .exclude(dictionary_version=context.dictionary_version)
            .values_list("response_id", flat=True)
        )
        missing = set(
            Response.objects.filter(
                survey_id=survey_pk, status=Response.Status.COMPLETED, facts__isnull=True
            ).values_list("pk", flat=True)
        )
        for pk in sorted(stale | missing):
            result = response_analyse(response_id=pk)
            if result is not None:
                responses += 1
                segmented += result.segmented
                retagged += result.retagged
    return ReanalyseResult(responses, segmented, retagged)
