"""Search the stored comments of a scope by word, topic, score band and language.

The query is tokenised by the pipeline the comments were stored with (jieba with the domain
dictionary and the ops staff's dictionary terms for Chinese, lemmas for English, stopwords
dropped, a negation joined to its word), so "Riders" finds the stored ``rider`` and 不新鲜 finds
the comments that say the food was not fresh (and not those that say it was). A comment matches
when its stored tokens hold every token of the query; a phrase is made of tokens, so a comment
holding the query's phrase is always found.

Score bands are the metric's own classes (``analysis.metrics``), read from the response's facts:

====================  ==========================  ======================================
band                  NPS (0-10)                  CSAT 1-5 / CES 1-7 / rating 1-5
====================  ==========================  ======================================
``low``               detractor, 0-6              1-2 / 1-3 / 1-2 (the metric's detractors)
``mid``               passive, 7-8                3 / 4 / 3
``high``              promoter, 9-10              4-5 / 5-7 / 4-5 (its promoters)
====================  ==========================  ======================================

``detractor``, ``passive`` and ``promoter`` name the same bands (the words for NPS). A comment
whose response has no score is in no band.

On PostgreSQL the words and the topic are JSONB containments (``tokens @> [...]``, the tokens'
GIN index of migration 0010; ``segments @> {...}`` for the filters); elsewhere (SQLite) the
scope's rows are read and matched in Python, with the same results (``scope.in_database``).
Results are newest first (completed day, then the latest response) and pageable: ``CommentHits``
has ``count()`` and slicing for ``django.core.paginator.Paginator``, and ``iterator()`` streams
every hit in chunks for an export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from analysis.models import CommentAnalysis, ResponseFacts
from analysis.selectors import scope as base
from analysis.selectors.comments import originals
from analysis.services.context import pipeline_for_terms
from analysis.services.taxonomy import dictionary_terms_active
from analysis.text.highlight import highlight_parts
from analysis.text.language import LANGUAGES

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 10
CHUNK = 500

LOW, MID, HIGH = "low", "mid", "high"
BANDS = (LOW, MID, HIGH)
BAND_ALIASES = {"detractor": LOW, "passive": MID, "promoter": HIGH}
_ORDER = ("-completed_day", "-response_id", "-id")


def score_band_parse(value: str | None) -> str | None:
    """``low`` | ``mid`` | ``high`` (or their NPS names) -> the band; None for none given."""
    if value in (None, ""):
        return None
    band = BAND_ALIASES.get(value, value)
    if band not in BANDS:
        raise ValidationError(
            _("Score band: choose one of low, middle or high (detractor, passive or promoter)."),
            code="invalid_score_band",
        )
    return band


def query_terms(query: str) -> tuple[str, ...]:
    """The tokens a query is matched by, in the pipeline the comments were stored with."""
    query = (query or "").strip()
    if not query:
        return ()
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(
            _("Search words: at most %(limit)s characters.") % {"limit": MAX_QUERY_CHARS},
            code="query_too_long",
        )
    pipeline = pipeline_for_terms(dictionary_terms_active())
    terms = tuple(dict.fromkeys(pipeline.process(query).tokens))
    if not terms:
        raise ValidationError(
            _("Search words: “%(query)s” holds no word to search for (only common words or punctuation).")
            % {"query": query},
            code="query_without_words",
        )
    if len(terms) > MAX_QUERY_TERMS:
        raise ValidationError(
            _("Search words: at most %(limit)s words.") % {"limit": MAX_QUERY_TERMS},
            code="query_too_many_words",
        )
    return terms


@dataclass(frozen=True)
class CommentHit:
    """One matching comment, with what a page or an export shows of it."""

    id: int
    response_id: int
    question_key: str
    completed_day: dt.date | None
    language: str
    topics: tuple[str, ...]
    topic_polarity: dict
    segments: dict
    score: float | None
    band: str | None
    text: str  # the respondent's own words (the stored normalised text when the answer is gone)
    parts: tuple[tuple[str, bool], ...] = field(default=())  # text cut at the matched terms


def _band(score: float | None, is_detractor: bool, is_promoter: bool) -> str | None:
    if score is None:
        return None
    return LOW if is_detractor else HIGH if is_promoter else MID


class CommentHits:
    """The hits of one search, newest first: ``count()``, ``hits[a:b]``, ``iterator()``."""

    def __init__(self, queryset, terms: tuple[str, ...], ids: list[int] | None = None) -> None:
        self._queryset = queryset  # ordered (the PostgreSQL path); None when ids is given
        self._ids = ids  # the Python path: every matching id, in order
        self.terms = terms
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = len(self._ids) if self._ids is not None else self._queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def queryset(self):
        """Every hit as an ordered ``CommentAnalysis`` queryset (an export annotates it)."""
        if self._ids is None:
            return self._queryset
        return CommentAnalysis.objects.filter(pk__in=self._ids).order_by(*_ORDER)

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1][0]
        if self._ids is not None:
            wanted = self._ids[index]
            rows = {r["id"]: r for r in self._values(CommentAnalysis.objects.filter(pk__in=wanted))}
            return self._hits([rows[i] for i in wanted if i in rows])
        return self._hits(list(self._values(self._queryset[index])))

    def iterator(self, chunk_size: int = CHUNK) -> Iterator[CommentHit]:
        """Every hit, newest first, read ``chunk_size`` at a time (flat memory for an export)."""
        if self._ids is not None:
            for start in range(0, len(self._ids), chunk_size):
                yield from self[start : start + chunk_size]
            return
        # Keyset pagination on the order (no OFFSET that grows with every chunk).
        queryset = self._queryset
        while True:
            rows = list(self._values(queryset[:chunk_size]))
            yield from self._hits(rows)
            if len(rows) < chunk_size:
                return
            last = rows[-1]
            day, response, pk = last["completed_day"], last["response_id"], last["id"]
            queryset = self._queryset.filter(
                Q(completed_day__lt=day)
                | Q(completed_day=day, response_id__lt=response)
                | Q(completed_day=day, response_id=response, id__lt=pk)
            )

    @staticmethod
    def _values(queryset):
        return queryset.values(
            "id",
            "response_id",
            "question_key",
            "completed_day",
            "language",
            "text",
            "topics",
            "topic_polarity",
            "segments",
        )

    def _hits(self, rows: list[dict]) -> list[CommentHit]:
        if not rows:
            return []
        facts = ResponseFacts.objects.filter(pk__in={r["response_id"] for r in rows}).values_list(
            "pk", "primary_score", "is_detractor", "is_promoter"
        )
        scores = {pk: (score, _band(score, d, p)) for pk, score, d, p in facts}
        words = originals(rows)
        hits = []
        for row in rows:
            score, band = scores.get(row["response_id"], (None, None))
            text = words.get((row["response_id"], row["question_key"])) or row["text"]
            hits.append(
                CommentHit(
                    id=row["id"],
                    response_id=row["response_id"],
                    question_key=row["question_key"],
                    completed_day=row["completed_day"],
                    language=row["language"],
                    topics=tuple(row["topics"] or ()),
                    topic_polarity=dict(row["topic_polarity"] or {}),
                    segments=dict(row["segments"] or {}),
                    score=score,
                    band=band,
                    text=text,
                    parts=tuple(highlight_parts(text, self.terms)) if self.terms else ((text, False),),
                )
            )
        return hits


def _band_filter(queryset, band: str):
    if band == LOW:
        return queryset.filter(response__facts__is_detractor=True)
    if band == HIGH:
        return queryset.filter(response__facts__is_promoter=True)
    return queryset.filter(
        response__facts__primary_score__isnull=False,
        response__facts__is_detractor=False,
        response__facts__is_promoter=False,
    )


def comment_search(
    *,
    scope: base.Scope,
    query: str = "",
    topic: str | None = None,
    score_band: str | None = None,
    language: str | None = None,
    topics_any: Collection[str] | None = None,
) -> CommentHits:
    """The scope's comments holding every word of ``query``, tagged with ``topic``, in the score
    band and the language given, newest first. ``topics_any`` (a process owner's teams' topics):
    only comments tagged with at least one of them; an empty collection matches nothing.
    ValidationError (naming the field) for a query without words, an unknown band or language."""
    terms = query_terms(query)
    band = score_band_parse(score_band)
    if language and language not in LANGUAGES:
        raise ValidationError(_("Language: choose Chinese, English, mixed or none."), code="invalid_language")
    queryset = CommentAnalysis.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    if language:
        queryset = queryset.filter(language=language)
    if band:
        queryset = _band_filter(queryset, band)
    if base.in_database():
        queryset = base.segment_filter(queryset, scope.filters)
        if terms:
            queryset = queryset.filter(tokens__contains=list(terms))
        if topic:
            queryset = queryset.filter(topics__contains=[topic])
        if topics_any is not None:
            # ?| on the JSONB array: tagged with any of them
            queryset = (
                queryset.filter(topics__has_any_keys=sorted(topics_any)) if topics_any else queryset.none()
            )
        return CommentHits(queryset.order_by(*_ORDER), terms)
    # SQLite: no JSON containment; the scope's rows are read and matched here (same results).
    for key, value in scope.filters.items():
        queryset = queryset.filter(**{f"segments__{key}": value})
    wanted = set(terms)
    anyof = None if topics_any is None else set(topics_any)
    ids = [
        pk
        for pk, tokens, topics in queryset.order_by(*_ORDER).values_list("id", "tokens", "topics")
        if wanted.issubset(tokens or ())
        and (not topic or topic in (topics or ()))
        and (anyof is None or not anyof.isdisjoint(topics or ()))
    ]
    return CommentHits(None, terms, ids)
