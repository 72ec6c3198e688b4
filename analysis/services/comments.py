"""Per-response analysis: run once on the ``analysis`` queue right after a submit, stored.

``response_analyse`` is idempotent (it upserts by response and counts a response in the
aggregates once, guarded by ``ResponseFacts.counted_at``), so its task may be delivered twice.
A stored comment is segmented again only when the segmentation dictionaries changed; when only
the taxonomy changed its stored tokens are tagged again without segmenting. A drained batch is
analysed by ``analysis.services.batch`` with the same helpers (``comment_work``,
``comment_fields``, ``fact_fields``, ``comment_likelihoods``), so both store the same rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np
from django.db import transaction
from django.utils import timezone

from analysis import hooks, metrics
from analysis.detractor import MISMATCH_THRESHOLD, DetractorModel
from analysis.models import CommentAnalysis, CommentTopic, ResponseFacts, SurveyAnalysisSettings
from analysis.painpoints.counts import mention_polarity
from analysis.selectors.taxonomy import QuestionPlan, question_plan
from analysis.services.aggregates import (
    FactValues,
    aggregate_deltas_add,
    aggregates_add,
    aggregates_apply,
    counts_changed,
)
from analysis.services.context import AnalysisContext, analysis_context_for_survey
from analysis.services.detractor import detractor_model_for_survey
from analysis.taxonomy import TopicMatch
from analysis.text.clauses import clause_spans
from analysis.text.pipeline import ProcessedComment
from analysis.text.polarity import Clause, mention_clauses, polarity_combine, topic_polarity
from responses.models import Response

logger = logging.getLogger(__name__)

SEGMENT_VALUE_MAX = 255
# The columns ``comment_fields`` and ``fact_fields`` give (what an upsert of either row sets).
COMMENT_COLUMNS = (
    "survey_id",
    "completed_day",
    "text",
    "language",
    "tokens",
    "phrases",
    "topics",
    "topic_polarity",
    "segments",
    "clauses",
    "covered_clauses",
    "truncated",
    "pipeline_version",
    "dictionary_version",
    "detractor_likelihood",
    "analysed_at",
)
FACT_COLUMNS = (
    "survey_id",
    "survey_version_id",
    "completed_at",
    "completed_day",
    "metric",
    "primary_score",
    "is_detractor",
    "is_promoter",
    "has_comment",
    "topics",
    "topic_polarity",
    "segments",
    "locale",
    "channel",
    "respondent_type",
)


@dataclass(frozen=True)
class AnalyseResult:
    response_id: int
    segmented: int  # comments run through the text pipeline
    retagged: int  # comments tagged again from stored tokens
    unchanged: int
    counted: bool  # the response's counts were added to (or moved in) the aggregates


_FACT_COLUMN_MAX = {
    name: ResponseFacts._meta.get_field(name).max_length for name in ("channel", "respondent_type")
}


def response_segments(response: Response) -> dict[str, str]:
    """The frozen segments of a response: event attributes plus channel, respondent type, locale."""
    context = response.context or {}
    segments: dict[str, str] = {}
    for key, value in (context.get("attributes") or {}).items():
        if isinstance(value, str | int | float | bool) and value != "":
            segments[str(key)] = str(value)[:SEGMENT_VALUE_MAX]
    for key in ("channel", "respondent_type"):
        if context.get(key):
            # as long as the facts' own column allows (an open link's channel is typed in the admin)
            segments[key] = str(context[key])[: _FACT_COLUMN_MAX[key]]
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


def comment_likelihoods(model: DetractorModel | None, docs: list[ProcessedComment]) -> list[float | None]:
    """Stored detractor likelihoods of ``docs`` (None without a model). ``score_many`` gives each
    comment the same value whatever else is in the call, so a batch stores what one response
    alone would."""
    if model is None:
        return [None] * len(docs)
    return [round(value, 4) for value in model.score_many(docs).tolist()]


def clause_coverage(text: str, matches: tuple[TopicMatch, ...]) -> tuple[int, int]:
    """How many clauses a normalised comment has (``analysis.text.clauses``) and how many of
    them hold a term of a matched taxonomy topic, located as the polarity of a mention is
    (``analysis.text.polarity.mention_clauses``): the stored comment's share of the clause
    coverage (``analysis.discovery``), without tagging each clause again."""
    clauses = [Clause(start, end, 0.0) for start, end in clause_spans(text)]
    if not clauses or not matches:
        return len(clauses), 0
    terms = [term for match in matches for term in match.terms]
    return len(clauses), len(mention_clauses(text, clauses, terms))


def comment_topics(comment: CommentAnalysis | dict) -> tuple[list[str], dict[str, int]]:
    """A stored comment's topics as the facts count them: its taxonomy topics, then its
    discovered topics (``clusters``), with the polarity of each."""
    get = comment.get if isinstance(comment, dict) else lambda name: getattr(comment, name)
    clusters = get("clusters") or {}
    keys = [*get("topics"), *(k for k in clusters if k not in get("topics"))]
    return keys, {**(get("topic_polarity") or {}), **clusters}


def comment_fields(
    response: Response,
    doc: ProcessedComment,
    matches: tuple[TopicMatch, ...],
    segments: dict[str, str],
    context: AnalysisContext,
    likelihood: float | None,
    now,
) -> dict:
    """The CommentAnalysis columns (besides response and question) of one analysed comment."""
    return {
        "survey_id": response.survey_id,
        "completed_day": timezone.localtime(response.completed_at).date(),
        "text": doc.text,
        "language": doc.language,
        "tokens": list(doc.tokens),
        "phrases": list(doc.phrases),
        "topics": [m.key for m in matches],
        # topic key -> -1 complaint, 0 neutral, 1 praise (as ``manage.py painpoints`` gives it)
        "topic_polarity": topic_polarity(doc.text, matches, neutral_from_comment=True),
        "segments": segments,
        **dict(zip(("clauses", "covered_clauses"), clause_coverage(doc.text, matches), strict=True)),
        "truncated": doc.truncated,
        "pipeline_version": context.pipeline_version,
        "dictionary_version": context.dictionary_version,
        "detractor_likelihood": likelihood,
        "analysed_at": now,
    }


@dataclass(frozen=True)
class CommentWork:
    """What to do with a response's text answers, decided from the stored rows."""

    gone: list[int]  # stored comments whose answer is now empty (deleted)
    topics: dict[str, list[str]]  # question -> topics of the unchanged stored comments
    polarity: dict[str, dict[str, int]]  # question -> their polarity (``comment_topics``)
    clusters: dict[str, dict[str, int]]  # question -> discovered topics of a comment tagged again
    segments_outdated: list[int]  # unchanged stored comments whose copy of the segments is outdated
    keys: list[str]  # questions to tag (and segment, unless ``docs`` came from stored tokens)
    docs: list[ProcessedComment]
    segmented: int
    retagged: int


def comment_work(
    answers: dict,
    existing: dict[str, CommentAnalysis],
    text_keys: tuple[str, ...],
    context: AnalysisContext,
    segments: dict[str, str],
) -> CommentWork:
    """Which stored comments stay, go, are tagged again from their tokens or segmented again."""
    wanted = {k: _comment_text(answers.get(k)) for k in text_keys}
    wanted = {k: v for k, v in wanted.items() if v}
    topics: dict[str, list[str]] = {}
    polarity: dict[str, dict[str, int]] = {}
    clusters: dict[str, dict[str, int]] = {}
    segments_outdated: list[int] = []
    keys: list[str] = []
    docs: list[ProcessedComment] = []
    segmented = retagged = 0
    for key, raw in wanted.items():
        stored = existing.get(key)
        if stored is not None and stored.dictionary_version == context.dictionary_version:
            topics[key], polarity[key] = comment_topics(stored)
            if stored.segments != segments:
                segments_outdated.append(stored.pk)
            continue
        if stored is not None:  # a discovered topic stays until the next discovery
            clusters[key] = dict(stored.clusters or {})
        if stored is not None and stored.pipeline_version == context.pipeline_version:
            docs.append(_doc(stored))
            retagged += 1
        else:
            docs.append(context.pipeline.process(raw))
            segmented += 1
        keys.append(key)
    gone = [c.pk for k, c in existing.items() if k not in wanted]
    return CommentWork(gone, topics, polarity, clusters, segments_outdated, keys, docs, segmented, retagged)


def _comments_store(
    response: Response,
    answers: dict,
    text_keys: tuple[str, ...],
    context: AnalysisContext,
    now,
    segments: dict[str, str],
) -> tuple[dict[str, list[str]], dict[str, dict[str, int]], int, int, int]:
    """Upsert the response's CommentAnalysis rows (with the response's segments); returns topics
    and their polarity per question, and counts."""
    existing = {c.question_key: c for c in CommentAnalysis.objects.filter(response=response)}
    work = comment_work(answers, existing, text_keys, context, segments)
    if work.gone:
        CommentAnalysis.objects.filter(pk__in=work.gone).delete()
    if work.segments_outdated:
        CommentAnalysis.objects.filter(pk__in=work.segments_outdated).update(segments=segments)
    topics = dict(work.topics)
    polarity = dict(work.polarity)
    model = detractor_model_for_survey(response.survey_id) if work.docs else None
    for key, doc, likelihood in zip(work.keys, work.docs, comment_likelihoods(model, work.docs), strict=True):
        matches = context.tagger.tag(doc) if context.tagger is not None else ()
        fields = comment_fields(response, doc, matches, segments, context, likelihood, now)
        comment, _created = CommentAnalysis.objects.update_or_create(
            response=response, question_key=key, defaults=fields
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
        topics[key], polarity[key] = comment_topics({**fields, "clusters": work.clusters.get(key)})
    return topics, polarity, work.segmented, work.retagged, len(work.topics)


def facts_polarity(topics: dict[str, list[str]], polarity: dict[str, dict[str, int]]) -> dict[str, int]:
    """topic -> polarity over a response's comments (question -> topics, question -> polarity):
    each topic's mentions combined, a complaint winning ties (``polarity_combine``); a mention
    its comment's polarity does not name is a complaint."""
    found: dict[str, list[int]] = {}
    for question, keys in topics.items():
        for key in keys:
            found.setdefault(key, []).append(mention_polarity(polarity.get(question), key))
    return {key: polarity_combine(values) for key, values in sorted(found.items())}


def fact_fields(
    response: Response,
    plan: QuestionPlan,
    answers: dict,
    segments: dict,
    topics: dict,
    polarity: dict | None = None,
) -> dict:
    """The ResponseFacts columns (besides response and counted_at) of one analysed response
    (``topics`` and ``polarity`` per question, as ``comment_topics`` gives them)."""
    score = _score(answers.get(plan.score_key)) if plan.score_key else None
    is_detractor = is_promoter = False
    if score is not None and plan.metric is not None:
        # a float array takes the masks' fast path (a list goes through pandas: 1 ms a response)
        scores = np.array([score], dtype=float)
        is_detractor = bool(metrics.detractor_mask(scores, metric=plan.metric)[0])
        is_promoter = bool(metrics.promoter_mask(scores, metric=plan.metric)[0])
    completed_at = response.completed_at
    return {
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
        "topic_polarity": facts_polarity(topics, polarity or {}),
        "segments": segments,
        "locale": segments.get("locale", ""),
        "channel": segments.get("channel", ""),
        "respondent_type": segments.get("respondent_type", ""),
    }


def response_analyse(*, response_id: int) -> AnalyseResult | None:
    """Analyse one completed response: comments, topics, facts, aggregates. None when the
    response does not exist or is not completed (logged, nothing written)."""
    response = (
        Response.objects.select_related("survey_version")
        # Anonymised (retention, erasure): its analysis stays as it was, so the counts do.
        .filter(pk=response_id, status=Response.Status.COMPLETED, anonymised_at__isnull=True)
        .first()
    )
    if response is None:
        logger.warning("response %s not found, not completed or anonymised; nothing analysed", response_id)
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
        topics, polarity, segmented, retagged, unchanged = _comments_store(
            response, answers, plan.text_keys, context, now, segments
        )
        fields = fact_fields(response, plan, answers, segments, topics, polarity)
        if segmented or retagged:
            CommentAnalysis.objects.filter(response=response).update(is_mismatch=False)
            if fields["is_promoter"]:
                CommentAnalysis.objects.filter(
                    response=response, detractor_likelihood__gt=MISMATCH_THRESHOLD
                ).update(is_mismatch=True)
        counts_changed([response.survey_id])  # the facts are written (the cached count tables)
        facts = ResponseFacts.objects.filter(pk=response.pk).first()
        counted = False
        if facts is not None and facts.counted_at is not None:
            before = FactValues.of(facts)
            for name, value in fields.items():
                setattr(facts, name, value)
            after = FactValues.of(facts)
            facts.save(update_fields=list(fields))
            if before != after:  # re-analysis moved it: take the old counts out, add the new
                deltas: dict = {}
                aggregate_deltas_add(deltas, survey_id=response.survey_id, values=before, sign=-1)
                aggregate_deltas_add(deltas, survey_id=response.survey_id, values=after, sign=1)
                aggregates_add(deltas)
                counted = True
        else:
            facts, _created = ResponseFacts.objects.update_or_create(response=response, defaults=fields)
            if ResponseFacts.objects.filter(pk=response.pk, counted_at__isnull=True).update(counted_at=now):
                aggregates_apply(survey_id=response.survey_id, values=FactValues.of(facts), sign=1)
                counted = True
        transaction.on_commit(partial(hooks.response_analysed_run, response_ids=[response.pk]))
    return AnalyseResult(response.pk, segmented, retagged, unchanged, counted)


def facts_topics_refresh(*, response_ids, move_counts: bool = True) -> int:
    """Count the topics of the responses' stored comments (taxonomy and discovered, with their
    polarity, ``comment_topics``) into their facts again, moving their aggregate counts (old
    out, new in) when a counted response changed; how many responses changed. Locks the
    responses in id order, as the analysis does, so it waits for (never races) an analysis of
    the same responses. ``move_counts=False`` leaves the aggregates alone (a rebuild follows)."""
    ids = sorted(set(response_ids))
    if not ids:
        return 0
    moved = 0
    with transaction.atomic():
        list(
            Response.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        facts = list(ResponseFacts.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        topics: dict[int, dict[str, list[str]]] = {pk: {} for pk in ids}
        polarity: dict[int, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
        for comment in CommentAnalysis.objects.filter(response_id__in=ids).values(
            "response_id", "question_key", "topics", "topic_polarity", "clusters"
        ):
            question = comment["question_key"]
            topics[comment["response_id"]][question], polarity[comment["response_id"]][question] = (
                comment_topics(comment)
            )
        changed: list[ResponseFacts] = []
        deltas: dict = {}
        for row in facts:
            new_topics = sorted({key for keys in topics[row.pk].values() for key in keys})
            new_polarity = facts_polarity(topics[row.pk], polarity[row.pk])
            if new_topics == list(row.topics) and new_polarity == dict(row.topic_polarity or {}):
                continue
            before = FactValues.of(row)
            row.topics, row.topic_polarity = new_topics, new_polarity
            changed.append(row)
            after = FactValues.of(row)
            if row.counted_at is not None and before != after:
                moved += 1
                if move_counts:
                    aggregate_deltas_add(deltas, survey_id=row.survey_id, values=before, sign=-1)
                    aggregate_deltas_add(deltas, survey_id=row.survey_id, values=after, sign=1)
        counts_changed(row.survey_id for row in changed)
        ResponseFacts.objects.bulk_update(changed, ["topics", "topic_polarity"], batch_size=1000)
        aggregates_add(deltas)
    return moved
