"""The whole text analysis of a set of comments, as ``manage.py painpoints`` runs it.

Pure: plain columns in, a report dict (the ``painpoints`` JSON contract) and one row per input
comment out; no ORM, no broker. Steps: the text pipeline on every comment, taxonomy tagging,
detractor likelihood (cross-fitted for scored comments), pain-point ranking
(``analysis.painpoints``) of taxonomy and discovered topics together, keywords and examples per
topic, metrics (``analysis.metrics``). Whether the taxonomy is used, and the topics discovered on
the clauses of the comments it does not cover, come from ``analysis.discovery``.

Each topic mention gets a polarity from its clause (``analysis.text.polarity``: -1 complaint,
0 neutral, 1 praise): a taxonomy topic's from the clauses holding its terms, a discovered
topic's from its member clauses (``analysis.text.clauses`` cuts both the same way). It is passed
to the ranking as the frame's ``topic_polarity`` column and written per row. English keywords
and names are shown as real words (``analysis.text.display``).
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
from analysis.clustering import DEFAULT_THREADS
from analysis.detractor import out_of_fold_likelihood
from analysis.discovery import (
    AUTO,
    NONE,
    clauses_build,
    examples_pick,
    mention_polarities,
    taxonomy_fit,
    topic_label,
    topics_discover,
)
from analysis.first_pass import analyse_many
from analysis.keywords import keywords_scopes, keywords_separating
from analysis.painpoints import painpoint_analyse, strength_as_dict, topic_impact_as_dict
from analysis.taxonomy import Taxonomy, TopicTagger
from analysis.text.display import SurfaceForms
from analysis.text.pipeline import ProcessedComment, TextPipeline
from analysis.text.polarity import (
    COMPLAINT,
    PRAISE,
    topic_polarity,
)

MAX_EXAMPLES = 5
MAX_KEYWORDS = 8
SOURCE_TAXONOMY = "taxonomy"
SOURCE_DISCOVERED = "discovered"
NEAR_SEPARATORS = ("…", "...")


@dataclass(frozen=True, slots=True)
class CommentRow:
    """What ``--comments-out`` writes for one input row."""

    row: int
    language: str
    topics: tuple[str, ...]  # taxonomy topics, then discovered ones
    topic_polarity: dict[str, int]  # topic key -> -1 complaint, 0 neutral, 1 praise
    cluster: str | None  # the discovered topics, joined by ";" (None: none)
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
    positions: Sequence[int], docs: Sequence[ProcessedComment], rank: dict[int, float]
) -> tuple[int, ...]:
    """Up to ``MAX_EXAMPLES`` representative comments: highest rank, then mid length, then order;
    distinct and with content (``analysis.discovery.examples_pick``)."""
    lengths = [len(docs[p].text) for p in positions]
    median = float(np.median(lengths)) if lengths else 0.0
    ordered = sorted(positions, key=lambda p: (-rank.get(p, 0.0), abs(len(docs[p].text) - median), p))
    return examples_pick(ordered, docs, limit=MAX_EXAMPLES)


def highlight_terms(terms: Iterable[str]) -> list[str]:
    """Taxonomy terms as the text holds them: a near-term ``态度…差`` is highlighted as its parts."""
    out: list[str] = []
    for term in terms:
        parts = [term]
        for separator in NEAR_SEPARATORS:
            if separator in term:
                parts = [p.strip() for p in term.split(separator)]
                break
        out.extend(p for p in parts if p and p not in out)
    return out


def _present(keywords: Iterable[str], text: str) -> list[str]:
    """The keywords found in a comment's (normalised, case-folded) text."""
    return [k for k in keywords if k and k in text]


def _example(position: int, texts: Sequence[str], docs: Sequence[ProcessedComment], terms: list[str]) -> dict:
    return {
        "row": int(position),
        "text": str(texts[position]),
        "language": docs[position].language,
        "highlight": terms,
    }


def data_language(languages: dict[str, int]) -> str:
    """``zh-hans`` when Chinese (and mixed) comments are at least as many as English ones,
    else ``en``: the language a report of these comments is shown in by default."""
    chinese = languages.get("zh", 0) + languages.get("mixed", 0)
    return "en" if languages.get("en", 0) > chinese else "zh-hans"


# Why the ranking holds what it holds (``summary.ranking.reason``).
RANKED = "ranked"  # at least one pain point
NO_COMMENTS = "no_comments"  # no comment with text
NO_TOPICS = "no_topics"  # no comment mentions any topic
ALL_PRAISED = "all_praised"  # every topic is praised more often than complained about
NO_COMPLAINTS = "no_complaints"  # topics are mentioned, but never as a complaint


def ranking_outcome(
    *, comments: int, pain_points: int, strengths: Sequence[dict], mentioned: int
) -> dict[str, Any]:
    """What the ranking found, and when no pain point ranks, why: ``reason`` (the codes above)
    and the strength most complained about (``most_complained``: its key, label, complaint and
    praise mentions), the nearest thing to a pain point. ``strengths`` are the report's
    strengths (most praised first), ``mentioned`` the number of topics any comment mentions."""
    if pain_points:
        reason = RANKED
    elif not comments:
        reason = NO_COMMENTS
    elif not mentioned:
        reason = NO_TOPICS
    elif strengths:
        reason = ALL_PRAISED
    else:
        reason = NO_COMPLAINTS
    nearest = max(strengths, key=lambda s: s["complaint_mentions"], default=None)
    return {
        "pain_points": pain_points,
        "strengths": len(strengths),
        "reason": reason,
        "most_complained": (
            {
                "key": nearest["key"],
                "label": nearest["label"],
                "complaint_mentions": nearest["complaint_mentions"],
                "mentions": nearest["mentions"],
            }
            if nearest is not None and reason == ALL_PRAISED and nearest["complaint_mentions"]
            else None
        ),
    }


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
    taxonomy_mode: str = AUTO,
    clusters: int | None = None,
    clustering_threads: int | None = DEFAULT_THREADS,
    extra_terms: Iterable[str] = (),
    seed: int = 0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> CommentsAnalysis:
    """Analyse one column of comments (with optional scores and segment columns);
    ``clustering_threads`` limits the BLAS/OpenMP threads of the clustering fits.

    ``taxonomy_mode``: ``auto`` ranks the taxonomy's topics only when it covers the comments
    (``analysis.discovery.taxonomy_fit``), anything else forces it. Topics discovered in the
    comments it does not cover (every comment when it is not used) are ranked with its topics
    (``"source": "discovered"``) and also listed in ``emerging``; ``clusters`` forces their
    number."""
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
    polarities = [topic_polarity(docs[i].text, tags[i], neutral_from_comment=True) for i in range(n)]

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

    # Clauses: taxonomy coverage, and the units topic discovery clusters.
    clause_docs, owners = clauses_build(docs, comment_positions, pipeline.process)
    clause_tags = tagger.tag_many(clause_docs) if tagger is not None else [()] * len(clause_docs)
    fit = taxonomy_fit(
        name=taxonomy.key if taxonomy is not None else None,
        mode=taxonomy_mode if taxonomy is not None else NONE,
        comments_matched=[bool(tags[i]) for i in comment_positions if docs[i].tokens],
        clauses_matched=[bool(t) for t in clause_tags],
    )
    if not fit.used:
        tags = [()] * n
        topic_keys = [()] * n
        polarities = [{} for _ in range(n)]
    taxonomy_keys = {m.key for t in tags for m in t}
    uncovered = [i for i in comment_positions if not topic_keys[i]]
    # A taxonomy that fits explains the comments it covers; discovery takes the rest.
    open_clauses = [c for c, owner in enumerate(owners) if not topic_keys[owner]]
    open_docs = [clause_docs[c] for c in open_clauses]
    open_owners = [owners[c] for c in open_clauses]
    discovery = topics_discover(
        open_docs,
        open_owners,
        docs,
        k=clusters,
        seed=seed,
        threads=clustering_threads,
    )
    discovered_of: dict[int, list[str]] = {}
    for topic in discovery.topics:
        for position in topic.members:
            discovered_of.setdefault(position, []).append(topic.key)
    discovered = {topic.key: topic for topic in discovery.topics}
    # A discovered topic's polarity in a comment: its member clauses'.
    for position, values in mention_polarities(discovery, open_docs, open_owners, docs).items():
        polarities[position] = {**polarities[position], **values}
    topic_keys = [(*topic_keys[i], *discovered_of.get(i, ())) for i in range(n)]

    frame = pd.DataFrame(
        {
            "text": [originals[i] if has_text[i] else np.nan for i in range(n)],
            "topics": [list(k) for k in topic_keys],
            "topic_polarity": polarities,
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
    keywords_by_topic = keywords_scopes(terms, topic_keys, top=MAX_KEYWORDS)
    # the English phrases a report shows, read as the comments write them ("tasting menu")
    phrases = {
        k
        for k in (
            *(k for t in (*discovery.topics, *discovery.parents) for k in t.keywords),
            *(k.term for ks in keywords_by_topic.values() for k in ks),
        )
        if " " in k
    }
    shown = SurfaceForms((d.text for d in docs), phrases=phrases).term
    # One name per discovered topic in the whole report, named as what it ranks as.
    sign = {t.key: COMPLAINT for t in ranked} | {s.key: PRAISE for s in strengths}
    names = {
        topic.key: topic_label([shown(k) for k in topic.keywords], polarity=sign.get(topic.key))
        for topic in discovery.topics
    }
    detractor_rank = {i: (0.0 if np.isnan(likelihood[i]) else float(likelihood[i])) for i in range(n)}
    if metric is not None:
        observed = metrics.detractor_mask(score_values, metric=metric)
        for i in range(n):
            if not np.isnan(score_values[i]):
                detractor_rank[i] = float(observed[i])
    topics_out = []
    for impact in ranked:
        in_scope = [impact.key in keys for keys in topic_keys]
        positions = [i for i, inside in enumerate(in_scope) if inside]
        keywords = keywords_by_topic.get(impact.key, ())
        keyword_list = [
            {"term": shown(k.term), "count": k.count, "score": round(k.score, 4)} for k in keywords
        ]
        found = discovered.get(impact.key)
        if found is not None:
            topics_out.append(
                {
                    **topic_impact_as_dict(impact),
                    "label": names[impact.key],
                    "source": SOURCE_DISCOVERED,
                    "stage": "",
                    "team": "",
                    "matched_terms": [],
                    "keywords": keyword_list,
                    "discovered_keywords": list(dict.fromkeys(map(shown, found.keywords))),
                    "parent": found.parent,
                    "examples": [
                        _example(p, originals, docs, _present(found.keywords, docs[p].text))
                        for p in found.examples
                    ],
                }
            )
            continue
        topic = taxonomy.topic(impact.key) if taxonomy is not None and impact.key in taxonomy_keys else None
        terms_of = {i: next((m.terms for m in tags[i] if m.key == impact.key), ()) for i in positions}
        matched = Counter(term for i in positions for term in terms_of[i])
        # Rank examples: detractor first, then how many of the topic's terms they carry.
        rank = {i: detractor_rank[i] + 0.1 * len(terms_of[i]) for i in positions}
        topics_out.append(
            {
                **topic_impact_as_dict(impact),
                "label": dict(topic.label) if topic else {"zh-hans": impact.key, "en": impact.key},
                "source": SOURCE_TAXONOMY,
                "stage": topic.stage if topic else "",
                "team": topic.team if topic else "",
                "matched_terms": [{"term": t, "count": c} for t, c in matched.most_common(10)],
                "keywords": keyword_list,
                "examples": [
                    _example(p, originals, docs, highlight_terms(terms_of[p]))
                    for p in _examples(positions, docs, rank)
                ],
            }
        )

    strengths_out = []
    for strength in strengths:
        found = discovered.get(strength.key)
        topic = (
            taxonomy.topic(strength.key) if taxonomy is not None and strength.key in taxonomy_keys else None
        )
        if found is not None:
            label = names[strength.key]
        else:
            label = dict(topic.label) if topic else {"zh-hans": strength.key, "en": strength.key}
        strengths_out.append(
            {
                **strength_as_dict(strength),
                "label": label,
                "source": SOURCE_DISCOVERED if found is not None else SOURCE_TAXONOMY,
            }
        )

    parents = {p.key: p for p in discovery.parents}
    emerging = []
    for topic in discovery.topics:
        parent = parents.get(topic.parent) if topic.parent else None
        emerging.append(
            {
                "key": topic.key,
                "label": names[topic.key],
                "keywords": list(dict.fromkeys(map(shown, topic.keywords))),
                "mentions": topic.mentions,
                "clauses": topic.clauses,
                # a sub-topic names the broad cluster it was split from
                "parent": (
                    {
                        "key": parent.key,
                        "keywords": list(dict.fromkeys(map(shown, parent.keywords))),
                        "mentions": parent.mentions,
                    }
                    if parent is not None
                    else None
                ),
                "examples": [
                    _example(e, originals, docs, _present(topic.keywords, docs[e].text))
                    for e in topic.examples
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
                    "term": shown(w.term),
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
            "taxonomy": {
                "name": fit.name,
                "coverage": None if fit.coverage is None else round(fit.coverage, 4),
                "clause_coverage": None if fit.clause_coverage is None else round(fit.clause_coverage, 4),
                "threshold": fit.threshold,
                "used": fit.used,
                "reason": fit.reason,
            },
            "language": data_language(languages),
            "metric": metric,
            "ranking": ranking_outcome(
                comments=len(comment_positions),
                pain_points=len(topics_out),
                strengths=strengths_out,
                mentioned=len({k for keys in topic_keys for k in keys}),
            ),
            "uncovered": len(uncovered),
            "clauses": len(clause_docs),
            "discovered": len(discovery.topics),
            "clusters": {
                "k": discovery.clustering.k,
                "chosen_by": discovery.clustering.chosen_by,
                "score": discovery.clustering.score,
                "clauses": discovery.clauses,
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
                    for split in discovery.clustering.splits
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
            topic_polarity=polarities[i],
            cluster=";".join(discovered_of[i]) if i in discovered_of else None,
            detractor_likelihood=None if np.isnan(likelihood[i]) else round(float(likelihood[i]), 4),
            truncated=docs[i].truncated,
        )
        for i in range(n)
    )
    return CommentsAnalysis(report=report, rows=rows)
