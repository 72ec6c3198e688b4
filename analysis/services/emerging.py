"""Emerging topics: topics discovered in the clauses of stored comments no taxonomy topic
covers; and what ops staff do with one (promote to the taxonomy, merge into a topic, rename,
dismiss).

Discovery is the ``painpoints`` command's (``analysis.discovery``): the uncovered comments are
split into clauses (``analysis.text.clauses``), the clauses clustered, and a member clause is a
mention only when it holds one of the topic's keywords (``holds_keyword``). A long review thus
feeds several topics (位置很好，但是隔音太差，早餐也一般: 隔音 and 早餐), each with the polarity of its
own clause (``analysis.discovery.mention_polarities``), and its examples are the comments nearest
the topic's normalised centre that have content (``examples_pick``).

Re-clustering goes through ``analysis.clustering.merge_with_previous``: a topic a person edited
keeps its key, label and status; only its counts, keywords and examples are refreshed.

Each comment is given its discovered topics (``CommentAnalysis.clusters``: each topic's key in
the discovered namespace, ``~<id>``, with its polarity), and the facts of the responses whose
topics changed are counted again (``facts_topics_refresh``), so the pain-point ranking, its
filters, trends and segments count discovered topics as they count taxonomy topics: stored once
per comment, summed by the daily aggregates, never clustered again at read time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.clustering import EmergingCluster, merge_with_previous
from analysis.discovery import clauses_build, mention_polarities, topics_discover
from analysis.errors import AnalysisErrorCode as Code
from analysis.models import (
    CommentAnalysis,
    EmergingTopic,
    SurveyAnalysisSettings,
    Topic,
    discovered_topic_key,
)
from analysis.services.aggregates import counts_changed
from analysis.services.comments import facts_topics_refresh
from analysis.services.context import analysis_context_for_survey
from analysis.text.pipeline import ProcessedComment
from ops.enqueue import task_enqueue_on_commit
from surveys.models import Survey

MAX_COMMENTS = 5000
_HAN = re.compile("[\u3400-\u9fff]")


@dataclass(frozen=True)
class DiscoverResult:
    comments: int
    clusters: int
    kept_edited: int
    moved: int = 0  # responses whose counts moved (their comments' discovered topics changed)
    clauses: int = 0  # clauses of those comments given to the clustering


def _in_range(survey: Survey, date_from: dt.date, date_to: dt.date):
    return CommentAnalysis.objects.filter(
        survey=survey,
        response__facts__completed_day__gte=date_from,
        response__facts__completed_day__lte=date_to,
    )


def _uncovered(survey: Survey, date_from: dt.date, date_to: dt.date) -> list[dict]:
    rows = (
        _in_range(survey, date_from, date_to)
        .order_by("-id")
        .values("id", "text", "language", "tokens", "phrases", "truncated", "pipeline_version", "topics")
    )
    found = []
    for row in rows.iterator(chunk_size=2000):
        if not row["topics"]:
            found.append(row)
            if len(found) == MAX_COMMENTS:
                break
    return found


def _previous(row: EmergingTopic) -> EmergingCluster:
    return EmergingCluster(
        key=row.key,
        keywords=tuple(row.keywords),
        mentions=row.mentions,
        examples=(),
        label=row.label or None,
        status=row.status,
    )


def clustering_threads() -> int | None:
    """The BLAS/OpenMP threads a clustering fit may use (``ANALYSIS_CLUSTERING_THREADS``; 0 is
    None: the libraries' defaults)."""
    return settings.ANALYSIS_CLUSTERING_THREADS or None


def cluster_discover(
    *, survey: Survey, date_from: dt.date, date_to: dt.date, seed: int = 0
) -> DiscoverResult:
    """Discover topics in the clauses of the scope's uncovered comments with the command's
    algorithm (``analysis.discovery.topics_discover``: the number of clusters chosen by the
    Krzanowski-Lai index, a broad cluster stored as its sub-topics, a member clause a mention
    only when it holds one of the topic's keywords), and reconcile with the stored emerging
    topics without touching what a person edited. A comment belongs to every topic one of its
    clauses mentions, with that clause's polarity."""
    rows = _uncovered(survey, date_from, date_to)
    docs = [
        ProcessedComment(
            text=r["text"],
            language=r["language"],
            tokens=tuple(r["tokens"]),
            phrases=tuple(r["phrases"]),
            truncated=r["truncated"],
            dictionary_version=r["pipeline_version"],
        )
        for r in rows
    ]
    # Clauses are not stored: a comment of several clauses is split and its clauses processed
    # here, with the pipeline the comments were analysed with.
    pipeline = analysis_context_for_survey(survey_id=survey.pk).pipeline
    clauses, owners = clauses_build(docs, range(len(docs)), pipeline.process)
    discovery = topics_discover(
        clauses,
        owners,
        docs,
        seed=seed,
        subtopic_share=settings.ANALYSIS_SUBTOPIC_SHARE,
        subtopic_min_size=settings.ANALYSIS_SUBTOPIC_MIN_SIZE,
        threads=clustering_threads(),
    )
    polarities = mention_polarities(discovery, clauses, owners, docs)
    found = [
        EmergingCluster(
            key=topic.key,
            keywords=topic.keywords,
            mentions=topic.mentions,
            examples=topic.examples,
            members=topic.members,
            parent=topic.parent,
        )
        for topic in discovery.topics
    ]
    parents = {p.key: p for p in discovery.parents}
    now = timezone.now()
    with transaction.atomic():
        stored = {row.key: row for row in EmergingTopic.objects.select_for_update().filter(survey=survey)}
        previous = [_previous(row) for row in stored.values()]
        merged = merge_with_previous(previous, found)
        kept_edited = len(merged) - len(found)  # edited topics nothing new matched: left as they are
        assigned: dict[int, dict[str, int]] = {}  # comment id -> its discovered topics and polarities
        # merge_with_previous gives one cluster per new one, in order, then the kept previous ones
        for topic, cluster in zip(discovery.topics, merged, strict=False):
            values = {
                "keywords": list(cluster.keywords),
                "mentions": cluster.mentions,
                "example_comment_ids": [rows[i]["id"] for i in cluster.examples],
                "parent_key": cluster.parent or "",
                "parent_keywords": list(parents[cluster.parent].keywords) if cluster.parent else [],
                "discovered_at": now,
            }
            row = stored.get(cluster.key)
            if row is None:
                row = EmergingTopic.objects.create(survey=survey, key=cluster.key, **values)
            else:
                # label, status and the edited flag stay as the person left them
                EmergingTopic.objects.filter(pk=row.pk).update(**values)
                kept_edited += int(row.is_edited_by_person)
            topic_key = discovered_topic_key(row.pk)
            for position in cluster.members:
                assigned.setdefault(rows[position]["id"], {})[topic_key] = polarities[position][topic.key]
        keys = {c.key for c in merged}
        EmergingTopic.objects.filter(
            survey=survey, is_edited_by_person=False, status=EmergingTopic.Status.NEW
        ).exclude(key__in=keys).delete()
        moved = _clusters_store(survey, date_from, date_to, assigned)
    return DiscoverResult(len(rows), len(found), kept_edited, moved, len(clauses))


def _clusters_store(
    survey: Survey, date_from: dt.date, date_to: dt.date, assigned: dict[int, dict[str, int]]
) -> int:
    """Give the range's comments their discovered topics (none for a comment not clustered
    now) and count their responses' facts again; how many responses' counts moved."""
    holding = _in_range(survey, date_from, date_to).exclude(clusters={}).values_list("id", flat=True)
    ids = set(holding) | set(assigned)
    changed: list[CommentAnalysis] = []
    for pk, response_id, clusters in CommentAnalysis.objects.filter(pk__in=ids).values_list(
        "pk", "response_id", "clusters"
    ):
        new = assigned.get(pk, {})
        if clusters != new:
            changed.append(CommentAnalysis(pk=pk, response_id=response_id, clusters=new))
    if not changed:
        return 0
    counts_changed([survey.pk])  # the cached comment samples hold the clusters
    CommentAnalysis.objects.bulk_update(changed, ["clusters"], batch_size=1000)
    return facts_topics_refresh(response_ids=[c.response_id for c in changed])


def _split_terms(keywords) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {"zh-hans": [], "en": []}
    for word in keywords:
        terms["zh-hans" if _HAN.search(word) else "en"].append(word)
    return terms


def _reanalyse_later(survey_id: int) -> None:
    from analysis.tasks import comments_reanalyse

    # After commit; a broker that is down is logged, not raised into the committed request.
    task_enqueue_on_commit(comments_reanalyse, survey_id)


def _taxonomy_of(survey_id: int):
    settings_row = (
        SurveyAnalysisSettings.objects.filter(survey_id=survey_id).select_related("taxonomy").first()
    )
    if settings_row is None or settings_row.taxonomy is None:
        raise ValidationError(
            _("The survey has no taxonomy: link one in its analysis settings first."), code=Code.NO_TAXONOMY
        )
    return settings_row.taxonomy


def emerging_promote(
    *, emerging: EmergingTopic, key: str, label: dict, stage: str = Topic.Stage.OTHER, team: str = ""
) -> Topic:
    """Make a cluster a taxonomy topic, its keywords the seed terms; comments are re-tagged."""
    with transaction.atomic():
        taxonomy = _taxonomy_of(emerging.survey_id)
        if Topic.objects.filter(taxonomy=taxonomy, key=key).exists():
            raise ValidationError(
                {
                    "key": ValidationError(
                        _("A topic with key %(key)s exists.") % {"key": key}, code=Code.TOPIC_KEY_TAKEN
                    )
                }
            )
        topic = Topic.objects.create(
            taxonomy=taxonomy,
            key=key,
            label=label,
            stage=stage,
            team=team,
            terms=_split_terms(emerging.keywords),
            position=Topic.objects.filter(taxonomy=taxonomy).count(),
        )
        EmergingTopic.objects.filter(pk=emerging.pk).update(
            status=EmergingTopic.Status.PROMOTED, topic=topic, is_edited_by_person=True
        )
        _reanalyse_later(emerging.survey_id)
    return topic


def emerging_merge(*, emerging: EmergingTopic, topic: Topic) -> Topic:
    """Add a cluster's keywords to an existing topic's seed terms; comments are re-tagged."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        terms = {k: list(v) for k, v in (topic.terms or {}).items()}
        for language, words in _split_terms(emerging.keywords).items():
            current = terms.setdefault(language, [])
            current.extend(w for w in words if w not in current)
        topic.terms = terms
        topic.save(update_fields=["terms", "updated_at"])
        EmergingTopic.objects.filter(pk=emerging.pk).update(
            status=EmergingTopic.Status.MERGED, topic=topic, is_edited_by_person=True
        )
        _reanalyse_later(emerging.survey_id)
    return topic


def emerging_rename(*, emerging: EmergingTopic, label: str) -> None:
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": ValidationError(_("A label is required."), code="required")})
    EmergingTopic.objects.filter(pk=emerging.pk).update(
        label=label[:120], status=EmergingTopic.Status.RENAMED, is_edited_by_person=True
    )


def emerging_dismiss(*, emerging: EmergingTopic) -> None:
    EmergingTopic.objects.filter(pk=emerging.pk).update(
        status=EmergingTopic.Status.DISMISSED, is_edited_by_person=True
    )
