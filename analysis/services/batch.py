"""Analysis of a batch of completed responses (the ``analysis.responses_analyse`` task), with
set-based database work: the same rows as ``response_analyse`` run on each response, written
in one transaction per batch.

A batch reads its responses, answers, stored comments and facts in a few queries, runs the text
pipeline and tagging per comment and the detractor model once per survey (``score_many``), and
writes with bulk upserts: comments (``INSERT ... ON CONFLICT DO UPDATE``), their topics, the
facts, and the batch's aggregate rows summed by key into one upsert (``aggregates_add``).

The guarantees of the per-response path hold:

- Idempotent: the batch locks its responses' rows (in id order, so two batches sharing
  responses wait instead of deadlocking) and their facts rows, and counts a response whose
  facts have no ``counted_at`` once; a counted response moves in the aggregates only when its
  counted values changed (old counts out, new counts in).
- One response never blocks the others: when the batch fails (it rolls back as a whole), each
  of its responses is analysed alone by ``response_analyse``, and a response that fails alone
  is logged and left for the hourly sweep.
- Aggregate rows are written in key order by every writer, batch or single (see
  ``aggregates_add``). Counts are integers and so are the score sums of integer scores, so a
  batch's sums equal the single responses' sums exactly; fractional scores may differ in the
  last bits by the order of addition, as they already do between concurrent workers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from analysis import hooks
from analysis.detractor import MISMATCH_THRESHOLD
from analysis.models import CommentAnalysis, CommentTopic, ResponseFacts, SurveyAnalysisSettings
from analysis.selectors.taxonomy import question_plan
from analysis.services.aggregates import FactValues, aggregate_deltas_add, aggregates_add, counts_changed
from analysis.services.comments import (
    COMMENT_COLUMNS,
    FACT_COLUMNS,
    comment_fields,
    comment_likelihoods,
    comment_topics,
    comment_work,
    fact_fields,
    response_analyse,
    response_segments,
)
from analysis.services.context import analysis_context_for_survey
from analysis.services.detractor import detractor_model_for_survey
from responses.models import Answer, Response
from surveys.models import Survey

logger = logging.getLogger(__name__)

BATCH_SIZE = 50  # responses per transaction when re-analysing a survey


@dataclass(frozen=True)
class BatchResult:
    responses: int  # analysed (completed responses found)
    segmented: int  # comments run through the text pipeline
    retagged: int  # comments tagged again from stored tokens
    unchanged: int
    counted: int  # responses added to (or moved in) the aggregates
    batched: bool  # False when the batch failed and each response was analysed alone
    failed: tuple[int, ...] = ()  # ids whose analysis failed alone too (logged)


@dataclass
class _Pending:
    """One response of the batch on its way through the analysis."""

    response: Response
    answers: dict
    segments: dict[str, str]
    topics: dict[str, list[str]]
    polarity: dict[str, dict[str, int]] = field(default_factory=dict)
    clusters: dict[str, dict[str, int]] = field(default_factory=dict)
    segmented: int = 0
    retagged: int = 0
    unchanged: int = 0


def responses_analyse(*, response_ids: Sequence[int]) -> BatchResult:
    """Analyse a batch of completed responses in one transaction; when that fails, each alone.
    Ids that are missing or not completed are logged and skipped, as by ``response_analyse``."""
    ids = sorted(set(response_ids))
    try:
        return _batch_analyse(ids)
    except ConnectionError:
        raise
    except Exception:
        logger.exception("analysis of a batch of %s responses failed; analysing each alone", len(ids))
    return _each_alone(ids)


def _each_alone(ids: Iterable[int]) -> BatchResult:
    analysed = segmented = retagged = unchanged = counted = 0
    failed = []
    for response_id in ids:
        try:
            result = response_analyse(response_id=response_id)
        except ConnectionError:
            raise
        except Exception:
            logger.exception("analysis of response %s failed", response_id)
            failed.append(response_id)
            continue
        if result is not None:
            analysed += 1
            segmented += result.segmented
            retagged += result.retagged
            unchanged += result.unchanged
            counted += int(result.counted)
    return BatchResult(analysed, segmented, retagged, unchanged, counted, False, tuple(failed))


def _batch_analyse(ids: list[int]) -> BatchResult:
    responses = list(
        Response.objects.select_related("survey_version")
        # An anonymised response (retention, erasure) keeps the analysis it had: analysing its
        # emptied text again would change the counts that anonymising keeps.
        .filter(pk__in=ids, status=Response.Status.COMPLETED, anonymised_at__isnull=True)
        .order_by("pk")
    )
    found = {r.pk for r in responses}
    for response_id in ids:
        if response_id not in found:
            logger.warning("response %s not found or not completed; nothing analysed", response_id)
    if not responses:
        return BatchResult(0, 0, 0, 0, 0, True)
    survey_ids = sorted({r.survey_id for r in responses})
    settings_rows = {s.survey_id: s for s in SurveyAnalysisSettings.objects.filter(survey_id__in=survey_ids)}
    plans = {
        r.survey_version_id: question_plan(r.survey_version.definition, settings_rows.get(r.survey_id))
        for r in responses
    }
    contexts = {pk: analysis_context_for_survey(survey_id=pk) for pk in survey_ids}
    now = timezone.now()
    pks = [r.pk for r in responses]
    with transaction.atomic():
        # Row locks in id order serialise this batch with any other analysis of its responses.
        locked = Response.objects.select_for_update().filter(pk__in=pks).order_by("pk")
        list(locked.values_list("pk", flat=True))
        answers: dict[int, dict] = defaultdict(dict)
        for response_id, key, value in Answer.objects.filter(response_id__in=pks).values_list(
            "response_id", "question_key", "value"
        ):
            answers[response_id][key] = value
        stored: dict[int, dict[str, CommentAnalysis]] = defaultdict(dict)
        for comment in CommentAnalysis.objects.filter(response_id__in=pks):
            stored[comment.response_id][comment.question_key] = comment
        facts = {f.pk: f for f in ResponseFacts.objects.select_for_update().filter(pk__in=pks).order_by("pk")}
        pending = [_Pending(r, answers[r.pk], response_segments(r), {}) for r in responses]
        _comments_store(pending, stored, plans, contexts, now)
        counted = _facts_store(pending, plans, facts, now)
        transaction.on_commit(partial(hooks.response_analysed_run, response_ids=pks))
    return BatchResult(
        len(pending),
        sum(p.segmented for p in pending),
        sum(p.retagged for p in pending),
        sum(p.unchanged for p in pending),
        counted,
        True,
    )


def _comments_store(pending: list[_Pending], stored, plans, contexts, now) -> None:
    """Every comment of the batch: deletes, segment copies, one upsert, then their topics."""
    gone: list[int] = []
    segments_outdated: dict[int, dict] = {}
    work_by_survey: dict[int, list[tuple[_Pending, str, object]]] = defaultdict(list)
    for item in pending:
        response = item.response
        context = contexts[response.survey_id]
        work = comment_work(
            item.answers,
            stored[response.pk],
            plans[response.survey_version_id].text_keys,
            context,
            item.segments,
        )
        gone.extend(work.gone)
        segments_outdated.update(dict.fromkeys(work.segments_outdated, item.segments))
        item.topics.update(work.topics)
        item.polarity.update(work.polarity)
        item.clusters.update(work.clusters)
        item.segmented, item.retagged, item.unchanged = work.segmented, work.retagged, len(work.topics)
        work_by_survey[response.survey_id].extend(
            (item, key, doc) for key, doc in zip(work.keys, work.docs, strict=True)
        )
    if gone:
        CommentAnalysis.objects.filter(pk__in=gone).delete()
    if segments_outdated:
        CommentAnalysis.objects.bulk_update(
            [CommentAnalysis(pk=pk, segments=segments) for pk, segments in segments_outdated.items()],
            ["segments"],
        )
    rows: list[CommentAnalysis] = []
    matches_of: list[tuple] = []
    for survey_id, work in sorted(work_by_survey.items()):
        if not work:
            continue
        context = contexts[survey_id]
        docs = [doc for _item, _key, doc in work]
        likelihoods = comment_likelihoods(detractor_model_for_survey(survey_id), docs)
        for (item, key, doc), likelihood in zip(work, likelihoods, strict=True):
            matches = context.tagger.tag(doc) if context.tagger is not None else ()
            fields = comment_fields(item.response, doc, matches, item.segments, context, likelihood, now)
            rows.append(CommentAnalysis(response_id=item.response.pk, question_key=key, **fields))
            matches_of.append((context, matches))
            item.topics[key], item.polarity[key] = comment_topics(
                {**fields, "clusters": item.clusters.get(key)}
            )
    if rows:
        CommentAnalysis.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["response", "question_key"],
            update_fields=list(COMMENT_COLUMNS),
        )
        CommentTopic.objects.filter(comment_id__in=[row.pk for row in rows]).delete()
        CommentTopic.objects.bulk_create(
            [
                CommentTopic(
                    comment_id=row.pk,
                    topic_id=context.snapshot.topic_ids[m.key],
                    matched_terms=list(m.terms),
                )
                for row, (context, matches) in zip(rows, matches_of, strict=True)
                for m in matches
            ]
        )


def _facts_store(pending: list[_Pending], plans, facts: dict[int, ResponseFacts], now) -> int:
    """Upsert every response's facts and add the batch's counts in one aggregate upsert; how
    many responses were counted (or moved)."""
    rows: list[ResponseFacts] = []
    deltas: dict = {}
    touched: list[int] = []
    promoters: list[int] = []
    counted = 0
    for item in pending:
        response = item.response
        plan = plans[response.survey_version_id]
        fields = fact_fields(response, plan, item.answers, item.segments, item.topics, item.polarity)
        if item.segmented or item.retagged:
            touched.append(response.pk)
            if fields["is_promoter"]:
                promoters.append(response.pk)
        existing = facts.get(response.pk)
        after = FactValues.of(fields)
        counted_at = existing.counted_at if existing is not None else None
        if counted_at is not None:
            before = FactValues.of(existing)
            if before != after:  # re-analysis moved it: take the old counts out, add the new
                aggregate_deltas_add(deltas, survey_id=response.survey_id, values=before, sign=-1)
                aggregate_deltas_add(deltas, survey_id=response.survey_id, values=after, sign=1)
                counted += 1
        else:
            counted_at = now
            aggregate_deltas_add(deltas, survey_id=response.survey_id, values=after, sign=1)
            counted += 1
        rows.append(ResponseFacts(response_id=response.pk, counted_at=counted_at, **fields))
    if touched:
        CommentAnalysis.objects.filter(response_id__in=touched).update(is_mismatch=False)
    if promoters:
        CommentAnalysis.objects.filter(
            response_id__in=promoters, detractor_likelihood__gt=MISMATCH_THRESHOLD
        ).update(is_mismatch=True)
    counts_changed(row.survey_id for row in rows)
    ResponseFacts.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["response"],
        update_fields=[*FACT_COLUMNS, "counted_at"],
    )
    aggregates_add(deltas)
    return counted


@dataclass(frozen=True)
class ReanalyseResult:
    responses: int
    segmented: int
    retagged: int


def comments_reanalyse(*, survey_id: int | None = None) -> ReanalyseResult:
    """Analyse again every response whose stored comments are stale (made with other
    dictionaries or another taxonomy), and completed responses never analysed, in batches."""
    surveys = Survey.objects.all() if survey_id is None else Survey.objects.filter(pk=survey_id)
    responses = segmented = retagged = 0
    for survey_pk in surveys.values_list("pk", flat=True):
        context = analysis_context_for_survey(survey_id=survey_pk)
        stale = set(
            CommentAnalysis.objects.filter(survey_id=survey_pk, response__anonymised_at__isnull=True)
            .exclude(dictionary_version=context.dictionary_version)
            .values_list("response_id", flat=True)
        )
        missing = set(
            Response.objects.filter(
                survey_id=survey_pk, status=Response.Status.COMPLETED, facts__isnull=True
            ).values_list("pk", flat=True)
        )
        ids = sorted(stale | missing)
        for start in range(0, len(ids), BATCH_SIZE):
            result = responses_analyse(response_ids=ids[start : start + BATCH_SIZE])
            responses += result.responses
            segmented += result.segmented
            retagged += result.retagged
    return ReanalyseResult(responses, segmented, retagged)
