"""The whole text analysis of a set of comments, as ``manage.py painpoints`` runs it.

Pure: plain columns in, a report dict (the ``painpoints`` JSON contract) and one row per input
comment out; no ORM, no broker. Steps: the text pipeline on every comment, taxonomy tagging,
detractor likelihood (cross-fitted for scored comments), pain-point ranking
(``analysis.painpoints``), keywords and examples per topic, emerging topics among comments no
taxonomy topic covers (every comment with ``taxonomy=None``), metrics (``analysis.metrics``).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import metrics
from analysis.clustering import DEFAULT_THREADS, cluster_comments
from analysis.detractor import out_of_fold_likelihood
from analysis.first_pass import analyse_many
from analysis.keywords import keywords_scopes, keywords_separating
from analysis.painpoints import painpoint_analyse, strength_as_dict, topic_impact_as_dict
from analysis.taxonomy import Taxonomy, TopicTagger
from analysis.text.pipeline import ProcessedComment, TextPipeline

MAX_EXAMPLES = 5
MAX_KEYWORDS = 8


@dataclass(frozen=True, slots=True)
class CommentRow:
    """What ``--comments-out`` writes for one input row."""

    row: int
    language: str
    topics: tuple[str, ...]
    cluster: str | None
    detractor_likelihood: float | None
    truncated: bool


@dataclass(frozen=True)
class CommentsAnalysis:
    report: dict[str, Any]
    rows: tuple[CommentRow, ...]


def _has_text(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(str(value).strip())


def _examples(
    positions: Sequence[int], texts: Sequence[str], docs: Sequence[ProcessedComment], rank: dict[int, float]
) -> list[dict[str, Any]]:
    """Up to ``MAX_EXAMPLES`` representative comments: highest rank, then mid length, then order."""
    lengths = [len(docs[p].text) for p in positions]
    median = float(np.median(lengths)) if lengths else 0.0
    ordered = sorted(positions, key=lambda p: (-rank.get(p, 0.0), abs(len(docs[p].text) - median), p))
    return [
        {"row": int(p), "text": str(texts[p]), "language": docs[p].language} for p in ordered[:MAX_EXAMPLES]
    ]


def _metrics(scores: np.ndarray, metric: str | None) -> dict[str, Any]:
    if metric is None:
        return {}
    result = metrics.metric_compute(scores, metric=metric)
    return dataclasses.asdict(result)


def comments_analyse(
    texts: Sequence[Any],
    *,
    scores: Sequence[float] | None = None,
    metric: str | None = None,
    segments: pd.DataFrame | None = None,
    taxonomy: Taxonomy | None,
    clusters: int | None = None,
    clustering_threads: int | None = DEFAULT_THREADS,
    extra_terms: Iterable[str] = (),
    seed: int = 0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> CommentsAnalysis:
    """Analyse one column of comments (with optional scores and segment columns);
    ``clustering_threads`` limits the BLAS/OpenMP threads of the clustering fits."""
    n = len(texts)
    score_values = (
        np.asarray(pd.to_numeric(pd.Series(list(scores)), errors="coerce"), dtype=float)
        if scores is not None
        else np.full(n, np.nan)
    )
    if metric is None and scores is not None and not np.isnan(score_values).all():
        metric = metrics.metric_infer(score_values)
    pipeline = TextPipeline(extra_terms=extra_terms)
    has_text = [_has_text(t) for t in texts]
    originals = [str(t) if has_text[i] else "" for i, t in enumerate(texts)]
    iterator: Iterable[int] = range(n)
    if progress is not None:
        iterator = progress(iterator)
    tagger = TopicTagger(taxonomy, pipeline) if taxonomy is not None else None
    analysed = list(analyse_many((originals[i] for i in iterator), pipeline=pipeline, tagger=tagger))
    docs = [a.doc for a in analysed]
    tags = [a.topics if has_text[i] else () for i, a in enumerate(analysed)]
    topic_keys = [tuple(m.key for m in t) for t in tags]

    # Detractor likelihood: labels from the scores, cross-fitted (comments only).
    comment_positions = [i for i in range(n) if has_text[i]]
    likelihood = np.full(n, np.nan)
    model_trained = False
    if metric is not None and comment_positions:
        spec = metrics.spec_for(metric)
        if spec.detractor_max is not None:
            detractor = metrics.detractor_mask(score_values, metric=metric)
            labels = [None if np.isnan(score_values[i]) else bool(detractor[i]) for i in comment_positions]
            oof = out_of_fold_likelihood([docs[i] for i in comment_positions], labels, seed=seed)
            if oof is not None:
                likelihood[comment_positions] = np.clip(oof, 0.0, 1.0)
                model_trained = True

    frame = pd.DataFrame(
        {
            "text": [originals[i] if has_text[i] else np.nan for i in range(n)],
            "topics": [list(k) for k in topic_keys],
            "score": score_values,
            "detractor_likelihood": likelihood,
        }
    )
    segment_columns: list[str] = []
    if segments is not None:
        for column in segments.columns:
            frame[column] = segments[column].reset_index(drop=True)
            segment_columns.append(column)
    ranking = painpoint_analyse(frame, metric=metric, segment_columns=segment_columns) if n else None
    ranked = ranking.topics if ranking is not None else ()
    strengths = ranking.strengths if ranking is not None else ()

    terms = [d.terms for d in docs]
    detractor_rank = {i: (0.0 if np.isnan(likelihood[i]) else float(likelihood[i])) for i in range(n)}
    if metric is not None:
        observed = metrics.detractor_mask(score_values, metric=metric)
        for i in range(n):
            if not np.isnan(score_values[i]):
                detractor_rank[i] = float(observed[i])
    keywords_by_topic = keywords_scopes(terms, topic_keys, top=MAX_KEYWORDS)
    topics_out = []
    for impact in ranked:
        topic = taxonomy.topic(impact.key) if taxonomy is not None else None
        in_scope = [impact.key in keys for keys in topic_keys]
        positions = [i for i, inside in enumerate(in_scope) if inside]
        matched = Counter(term for i in positions for m in tags[i] if m.key == impact.key for term in m.terms)
        # Rank examples: detractor first, then how many of the topic's terms they carry.
        rank = {
            i: detractor_rank[i] + 0.1 * len(next(m.terms for m in tags[i] if m.key == impact.key))
            for i in positions
        }
        keywords = keywords_by_topic.get(impact.key, ())
        topics_out.append(
            {
                **topic_impact_as_dict(impact),
                "label": dict(topic.label) if topic else {"zh-hans": impact.key, "en": impact.key},
                "stage": topic.stage if topic else "",
                "team": topic.team if topic else "",
                "matched_terms": [{"term": t, "count": c} for t, c in matched.most_common(10)],
                "keywords": [
                    {"term": k.term, "count": k.count, "score": round(k.score, 4)} for k in keywords
                ],
                "examples": _examples(positions, originals, docs, rank),
            }
        )

    strengths_out = []
    for strength in strengths:
        topic = taxonomy.topic(strength.key) if taxonomy is not None else None
        strengths_out.append(
            {
                **strength_as_dict(strength),
                "label": dict(topic.label) if topic else {"zh-hans": strength.key, "en": strength.key},
            }
        )

    uncovered = [i for i in comment_positions if not topic_keys[i]]
    clustering = cluster_comments(
        [docs[i] for i in uncovered], k=clusters, seed=seed, threads=clustering_threads
    )
    cluster_of: dict[int, str] = {}
    emerging = []
    parents = {p.key: p for p in clustering.parents}
    for cluster in clustering.clusters:
        members = [uncovered[m] for m in cluster.members]
        for position in members:
            cluster_of[position] = cluster.key
        emerging.append(
            {
                "key": cluster.key,
                "keywords": list(cluster.keywords),
                "mentions": cluster.mentions,
                # a sub-topic names the broad cluster it was split from
                "parent": (
                    {
                        "key": cluster.parent,
                        "keywords": list(parents[cluster.parent].keywords),
                        "mentions": parents[cluster.parent].mentions,
                    }
                    if cluster.parent
                    else None
                ),
                "examples": [
                    {
                        "row": uncovered[e],
                        "text": originals[uncovered[e]],
                        "language": docs[uncovered[e]].language,
                    }
                    for e in cluster.examples
                ],
            }
        )

    # Words that separate detractors from promoters (scored comments only).
    separating: dict[str, list[dict[str, Any]]] = {"detractors": [], "promoters": []}
    if metric is not None and metrics.spec_for(metric).detractor_max is not None:
        detractor = metrics.detractor_mask(score_values, metric=metric)
        promoter = metrics.promoter_mask(score_values, metric=metric)
        sides = [
            True if has_text[i] and detractor[i] else False if has_text[i] and promoter[i] else None
            for i in range(n)
        ]
        for side, words in zip(("detractors", "promoters"), keywords_separating(terms, sides), strict=True):
            separating[side] = [
                {
                    "term": w.term,
                    "z": w.z,
                    "detractors": w.count_detractors,
                    "promoters": w.count_promoters,
                    "examples": [{"row": e, "text": originals[e]} for e in w.examples],
                }
                for w in words
            ]

    languages = Counter(docs[i].language for i in comment_positions)
    report = {
        "topics": topics_out,
        "strengths": strengths_out,
        "emerging": emerging,
        "metrics": _metrics(score_values, metric),
        "separating_words": separating,
        "summary": {
            "rows": n,
            "comments": len(comment_positions),
            "languages": dict(sorted(languages.items())),
            "truncated": sum(1 for i in comment_positions if docs[i].truncated),
            "taxonomy": taxonomy.key if taxonomy is not None else None,
            "metric": metric,
            "uncovered": len(uncovered),
            "clusters": {
                "k": clustering.k,
                "chosen_by": clustering.chosen_by,
                "score": clustering.score,
                "split": [
                    {
                        "key": split.key,
                        "mentions": split.mentions,
                        "k": split.k,
                        "score": split.score,
                        "gap": split.gap,
                        "spread": split.spread,
                        "outcome": split.outcome,
                    }
                    for split in clustering.splits
                ],
            },
            "detractor_model": model_trained,
            "dictionary_version": pipeline.dictionary_version,
        },
    }
    rows = tuple(
        CommentRow(
            row=i,
            language=docs[i].language,
            topics=topic_keys[i],
            cluster=cluster_of.get(i),
            detractor_likelihood=None if np.isnan(likelihood[i]) else round(float(likelihood[i]), 4),
            truncated=docs[i].truncated,
        )
        for i in range(n)
    )
    return CommentsAnalysis(report=report, rows=rows)
