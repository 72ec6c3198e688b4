"""Keywords of a scope (a topic, a segment, a cluster) and words that separate detractors.

Comments arrive as term lists (``ProcessedComment.terms``: tokens and phrases); each comment
counts a term once (document frequency), so one long comment repeating a word does not
dominate. Negations and intensifiers alone (不, 很, very) are kept in the text but never shown
as keywords.

- ``keywords_scope``: TF-IDF of the scope against the rest: the share of scope comments that
  use a term times the term's inverse document frequency over all comments, for terms used
  more often inside the scope than outside it.
- ``keywords_separating``: weighted log-odds ratio with an informative Dirichlet prior
  (Monroe, Colaresi and Quinn 2008, "Fightin' Words"), the prior being the corpus' own counts
  scaled by ``prior_scale``; z-scores above 0 lean to detractors, below 0 to promoters.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.text.stopwords import INTENSIFIERS_EN, INTENSIFIERS_ZH, NEGATIONS_EN, NEGATIONS_ZH

_NOT_KEYWORDS = INTENSIFIERS_ZH | INTENSIFIERS_EN | NEGATIONS_ZH | NEGATIONS_EN


@dataclass(frozen=True, slots=True)
class Keyword:
    term: str
    score: float
    count: int  # comments in the scope using the term
    count_rest: int  # comments outside the scope using it
    examples: tuple[int, ...]  # positions (in the input) of comments in the scope using it


@dataclass(frozen=True, slots=True)
class SeparatingWord:
    term: str
    z: float
    count_detractors: int
    count_promoters: int
    examples: tuple[int, ...]


def is_keyword_candidate(term: str) -> bool:
    return bool(term) and term not in _NOT_KEYWORDS and not term.replace(".", "").isdigit()


def _doc_sets(docs: Sequence[Sequence[str]]) -> list[set[str]]:
    return [{t for t in doc if is_keyword_candidate(t)} for doc in docs]


def _examples(sets: Sequence[set[str]], positions: Sequence[int], term: str, limit: int) -> tuple[int, ...]:
    found = []
    for position in positions:
        if term in sets[position]:
            found.append(position)
            if len(found) == limit:
                break
    return tuple(found)


def keywords_scope(
    docs: Sequence[Sequence[str]],
    in_scope: Sequence[bool],
    *,
    top: int = 10,
    min_count: int = 2,
    max_examples: int = 3,
) -> tuple[Keyword, ...]:
    """The ``top`` terms that characterise the scope against the rest of ``docs``."""
    sets = _doc_sets(docs)
    scope = [i for i, inside in enumerate(in_scope) if inside]
    n_all = len(sets)
    n_scope = len(scope)
    if not n_scope:
        return ()
    n_rest = n_all - n_scope
    df_scope: Counter[str] = Counter()
    df_all: Counter[str] = Counter()
    for i, terms in enumerate(sets):
        df_all.update(terms)
        if in_scope[i]:
            df_scope.update(terms)
    found = []
    for term, count in df_scope.items():
        if count < min_count:
            continue
        rest = df_all[term] - count
        if n_rest and rest / n_rest >= count / n_scope:
            continue
        score = (count / n_scope) * math.log(1 + n_all / df_all[term])
        found.append((score, term, count, rest))
    found.sort(key=lambda f: (-f[0], -f[2], f[1]))
    return tuple(
        Keyword(term, round(score, 6), count, rest, _examples(sets, scope, term, max_examples))
        for score, term, count, rest in found[:top]
    )


def keywords_separating(
    docs: Sequence[Sequence[str]],
    is_detractor: Sequence[bool | None],
    *,
    top: int = 10,
    min_count: int = 2,
    prior_scale: float = 0.1,
    max_examples: int = 3,
) -> tuple[tuple[SeparatingWord, ...], tuple[SeparatingWord, ...]]:
    """``(detractor words, promoter words)`` by weighted log-odds with an informative prior.

    ``is_detractor`` is True (detractor), False (promoter) or None (neither: passives and
    comments without a score count only towards the prior).
    """
    sets = _doc_sets(docs)
    counts_d: Counter[str] = Counter()
    counts_p: Counter[str] = Counter()
    counts_all: Counter[str] = Counter()
    for terms, label in zip(sets, is_detractor, strict=True):
        counts_all.update(terms)
        if label is True:
            counts_d.update(terms)
        elif label is False:
            counts_p.update(terms)
    vocab = sorted(t for t in counts_all if counts_d[t] + counts_p[t] >= min_count)
    if not vocab or not counts_d or not counts_p:
        return (), ()
    y_d = np.array([counts_d[t] for t in vocab], dtype=float)
    y_p = np.array([counts_p[t] for t in vocab], dtype=float)
    alpha = prior_scale * np.array([counts_all[t] for t in vocab], dtype=float)
    alpha0 = alpha.sum()
    n_d = y_d.sum()
    n_p = y_p.sum()
    delta = np.log((y_d + alpha) / (n_d + alpha0 - y_d - alpha)) - np.log(
        (y_p + alpha) / (n_p + alpha0 - y_p - alpha)
    )
    z = delta / np.sqrt(1.0 / (y_d + alpha) + 1.0 / (y_p + alpha))
    order = np.lexsort((np.array(vocab), -z))
    detractors = [i for i in order if z[i] > 0][:top]
    promoters = [i for i in order[::-1] if z[i] < 0][:top]
    pos_d = [i for i, label in enumerate(is_detractor) if label is True]
    pos_p = [i for i, label in enumerate(is_detractor) if label is False]

    def word(i: int, positions: list[int]) -> SeparatingWord:
        term = vocab[i]
        return SeparatingWord(
            term,
            round(float(z[i]), 4),
            int(y_d[i]),
            int(y_p[i]),
            _examples(sets, positions, term, max_examples),
        )

    return tuple(word(i, pos_d) for i in detractors), tuple(word(i, pos_p) for i in promoters)


def keywords_scopes(
    docs: Sequence[Sequence[str]],
    scopes: Sequence[Sequence[str]],
    *,
    top: int = 10,
    min_count: int = 2,
    max_examples: int = 3,
) -> dict[str, tuple[Keyword, ...]]:
    """``keywords_scope`` for every scope key at once, in one pass over ``docs``.

    ``scopes[i]`` lists the scope keys (topic keys) comment ``i`` belongs to. Gives the same
    keywords as calling ``keywords_scope`` once per key, at the cost of one pass.
    """
    df_all: Counter[str] = Counter()
    df_scope: dict[str, Counter[str]] = {}
    size: Counter[str] = Counter()
    examples: dict[tuple[str, str], list[int]] = {}
    for position, (doc, keys) in enumerate(zip(docs, scopes, strict=True)):
        terms = {t for t in doc if is_keyword_candidate(t)}
        df_all.update(terms)
        for key in keys:
            size[key] += 1
            counter = df_scope.get(key)
            if counter is None:
                counter = df_scope[key] = Counter()
            counter.update(terms)
            for term in terms:
                found = examples.setdefault((key, term), [])
                if len(found) < max_examples:
                    found.append(position)
    n_all = len(docs)
    out = {}
    for key, counts in df_scope.items():
        n_scope = size[key]
        n_rest = n_all - n_scope
        found = []
        for term, count in counts.items():
            if count < min_count:
                continue
            rest = df_all[term] - count
            if n_rest and rest / n_rest >= count / n_scope:
                continue
            found.append(((count / n_scope) * math.log(1 + n_all / df_all[term]), term, count, rest))
        found.sort(key=lambda f: (-f[0], -f[2], f[1]))
        out[key] = tuple(
            Keyword(term, round(score, 6), count, rest, tuple(examples[(key, term)]))
            for score, term, count, rest in found[:top]
        )
    return out
