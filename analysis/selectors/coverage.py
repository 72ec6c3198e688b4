"""How well a survey's taxonomy covers the comments of a scope, measured as ``manage.py
painpoints --taxonomy auto`` measures it and decided by the same rule
(``analysis.discovery.taxonomy_fit``, ``COVERAGE_THRESHOLD`` on the share of clauses).

Counted over the scope's stored comments (its days and segment filters) in one query: the
comments with content (at least one token) and those a taxonomy topic tagged; the clauses the
comments were cut into at analysis time and those holding a matched taxonomy term
(``CommentAnalysis.clauses`` / ``covered_clauses``; comments analysed before these were stored
are left out of the clause share until they are analysed again). The offline command tags each
clause again; the platform locates the comment's matched terms in its clauses, as it does for
their polarity, so it needs no second tagging pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

from django.db.models import Count, Q, Sum

from analysis.discovery import AUTO, COVERAGE_THRESHOLD, taxonomy_fit
from analysis.models import Taxonomy
from analysis.selectors import comments, tables
from analysis.selectors import scope as base

# What the scope's ranking holds (``ranked``).
RANKED_TAXONOMY = "taxonomy"
RANKED_BOTH = "taxonomy_and_discovered"
RANKED_DISCOVERED = "discovered"
RANKED_NONE = "none"


class _Flags(Sequence):
    """``matched`` true flags then false ones, ``total`` in all: what ``taxonomy_fit`` reads,
    without a list per comment."""

    def __init__(self, matched: int, total: int) -> None:
        self.matched, self.total = matched, total

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[bool]:
        return chain(repeat(True, self.matched), repeat(False, self.total - self.matched))

    def count(self, value) -> int:
        return self.matched if value is True else self.total - self.matched if value is False else 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        if not -self.total <= index < self.total:
            raise IndexError(index)
        return (index % self.total) < self.matched


@dataclass(frozen=True)
class Coverage:
    taxonomy: str | None
    comments: int  # comments with content
    covered_comments: int  # ... tagged with a taxonomy topic
    clauses: int
    covered_clauses: int
    coverage: float | None  # covered_comments / comments
    clause_coverage: float | None  # covered_clauses / clauses (the decision's share)
    threshold: float
    fits: bool
    reason: str  # analysis.discovery.REASON_*


def coverage_for_scope(scope: base.Scope) -> Coverage:
    """The taxonomy's coverage of the scope's comments and whether it fits them."""
    ids = base.taxonomy_ids(scope.survey)
    name = Taxonomy.objects.filter(pk__in=ids).values_list("key", flat=True).first() if ids else None
    found = tables.cached(scope, ("coverage",), lambda: _counts(scope))
    n_comments, covered = found["n_comments"] or 0, found["n_covered"] or 0
    n_clauses, covered_clauses = found["n_clauses"] or 0, found["n_covered_clauses"] or 0
    fit = taxonomy_fit(
        name=name,
        mode=AUTO,
        comments_matched=_Flags(covered, n_comments),
        clauses_matched=_Flags(covered_clauses, n_clauses),
        threshold=COVERAGE_THRESHOLD,
    )
    return Coverage(
        taxonomy=name,
        comments=n_comments,
        covered_comments=covered,
        clauses=n_clauses,
        covered_clauses=covered_clauses,
        coverage=fit.coverage,
        clause_coverage=fit.clause_coverage,
        threshold=fit.threshold,
        fits=fit.used,
        reason=fit.reason,
    )


def _counts(scope: base.Scope) -> dict:
    """The scope's comments with content and their clauses, and those a taxonomy topic tagged.

    Without a filter, two counts, each read from a partial index of its own
    (``comment_content_idx``, ``comment_covered_idx``) without the comments' rows; with filters,
    one pass over the slice's comments (found through their segments), which both counts read."""
    has_content = ~Q(tokens=[])
    counted = Q(clauses__isnull=False)
    inside = comments.scope_comments(scope)
    if scope.filters:
        return inside.aggregate(
            n_comments=Count("id", filter=has_content),
            n_covered=Count("id", filter=has_content & ~Q(topics=[])),
            n_clauses=Sum("clauses", filter=has_content & counted),
            n_covered_clauses=Sum("covered_clauses", filter=has_content & counted),
        )
    found = inside.filter(has_content).aggregate(
        n_comments=Count("*"),
        n_clauses=Sum("clauses", filter=counted),
        n_covered_clauses=Sum("covered_clauses", filter=counted),
    )
    found["n_covered"] = inside.filter(has_content & ~Q(topics=[])).count()
    return found


def ranked_of(coverage: Coverage, *, discovered: int) -> str:
    """What the ranking was made of: the taxonomy's topics, with the discovered topics of the
    scope beside them when there are any, or only discovered topics (no taxonomy linked)."""
    if coverage.taxonomy is None:
        return RANKED_DISCOVERED if discovered else RANKED_NONE
    return RANKED_BOTH if discovered else RANKED_TAXONOMY


def coverage_as_dict(coverage: Coverage, *, ranked: str) -> dict:
    return {
        "taxonomy": coverage.taxonomy,
        "comments": coverage.comments,
        "covered_comments": coverage.covered_comments,
        "clauses": coverage.clauses,
        "covered_clauses": coverage.covered_clauses,
        "coverage": coverage.coverage,
        "clause_coverage": coverage.clause_coverage,
        "threshold": coverage.threshold,
        "fits": coverage.fits,
        "reason": coverage.reason,
        "ranked": ranked,
    }
