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

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

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


CHUNK = 100_000


class _TermIds(dict):
    def __init__(self, vocabulary: dict[str, int]) -> None:
        super().__init__()
        self.vocabulary = vocabulary

    def __missing__(self, term: str) -> int:
        vocabulary = self.vocabulary
        term_id = vocabulary.setdefault(term, len(vocabulary)) if is_keyword_candidate(term) else -1
        self[term] = term_id
        return term_id


def _chunk_counts(
    docs: Sequence[Sequence[str]],
    scopes: Sequence[Sequence[str]],
    vocabulary: dict[str, int],
    scope_ids: dict[str, int],
) -> tuple[sparse.coo_matrix, np.ndarray, np.ndarray]:
    """For one chunk: scope x term document counts, term document counts, scope sizes (global ids)."""
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    # term -> global id, -1 for a term that is no keyword candidate; looked up in C, the
    # Python ``__missing__`` runs once per distinct term
    ids_of = _TermIds(vocabulary)
    ids = np.fromiter(
        map(ids_of.__getitem__, itertools.chain.from_iterable(docs)), dtype=np.int64, count=int(lengths.sum())
    )
    rows = np.repeat(np.arange(len(docs), dtype=np.int32), lengths)
    keep = ids >= 0
    width = max(len(vocabulary), 1)
    terms = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int32), (rows[keep], ids[keep])), shape=(len(docs), width)
    )
    terms.data[:] = 1  # duplicates were summed: one comment counts a term once
    scope_lengths = np.fromiter(map(len, scopes), dtype=np.int64, count=len(scopes))
    scope_codes = np.fromiter(
        (scope_ids.setdefault(k, len(scope_ids)) for k in itertools.chain.from_iterable(scopes)),
        dtype=np.int64,
    )
    scope_rows = np.repeat(np.arange(len(scopes), dtype=np.int32), scope_lengths)
    membership = sparse.csr_matrix(
        (np.ones(len(scope_rows), dtype=np.int32), (scope_rows, scope_codes)),
        shape=(len(docs), max(len(scope_ids), 1)),
    )
    membership.data[:] = 1
    return (
        (membership.T @ terms).tocoo(),
        np.asarray(terms.sum(axis=0)).ravel(),
        np.asarray(membership.sum(axis=0)).ravel(),
    )


def keywords_scopes(
    docs: Sequence[Sequence[str]],
    scopes: Sequence[Sequence[str]],
    *,
    top: int = 10,
    min_count: int = 2,
    max_examples: int = 3,
) -> dict[str, tuple[Keyword, ...]]:
    """``keywords_scope`` for every scope key at once (the same keywords).

    ``scopes[i]`` lists the scope keys (topic keys) comment ``i`` belongs to. Counts come from
    sparse matrices (comments x terms times comments x scopes), built a chunk of comments at a
    time, so re-analysing a million stored comments neither loops over their terms in Python nor
    holds them all in one matrix.
    """
    n_all = len(docs)
    vocabulary: dict[str, int] = {}
    scope_ids: dict[str, int] = {}
    pair_counts = sparse.coo_matrix((0, 0), dtype=np.int64)
    df_all = np.zeros(0, dtype=np.int64)
    sizes = np.zeros(0, dtype=np.int64)
    for start in range(0, n_all, CHUNK):
        pairs, df_chunk, sizes_chunk = _chunk_counts(
            docs[start : start + CHUNK], scopes[start : start + CHUNK], vocabulary, scope_ids
        )
        df_all = np.pad(df_all, (0, len(df_chunk) - len(df_all))) + df_chunk
        sizes = np.pad(sizes, (0, len(sizes_chunk) - len(sizes))) + sizes_chunk
        pair_counts.resize(pairs.shape)  # both only grow: ids are never reused
        pair_counts = (pair_counts + pairs).tocoo()
    if not scope_ids:
        return {}
    terms_of = {i: t for t, i in vocabulary.items()}
    keys_of = {i: k for k, i in scope_ids.items()}
    # The filters on whole arrays (the same divisions as one pair at a time), then the score of
    # each kept pair with ``math.log`` as before.
    s_all, t_all, c_all = pair_counts.row, pair_counts.col, pair_counts.data.astype(np.int64)
    n_scope_all = sizes[s_all]
    n_rest_all = n_all - n_scope_all
    rest_all = df_all[t_all] - c_all
    with np.errstate(divide="ignore", invalid="ignore"):
        over = (n_rest_all == 0) | ~(
            rest_all / np.where(n_rest_all == 0, 1, n_rest_all) >= c_all / n_scope_all
        )
    keep = (c_all >= min_count) & over
    candidates: dict[int, list[tuple[float, str, int, int]]] = {}
    for s_index, t_index, count, n_scope, rest in zip(
        s_all[keep].tolist(),
        t_all[keep].tolist(),
        c_all[keep].tolist(),
        n_scope_all[keep].tolist(),
        rest_all[keep].tolist(),
        strict=True,
    ):
        score = (count / n_scope) * math.log(1 + n_all / df_all[t_index])
        candidates.setdefault(s_index, []).append((score, terms_of[t_index], count, rest))
    chosen: dict[str, list[tuple[float, str, int, int]]] = {}
    for s_index, key in keys_of.items():
        found = sorted(candidates.get(s_index, []), key=lambda f: (-f[0], -f[2], f[1]))
        chosen[key] = found[:top]
    examples = _first_examples(docs, scopes, {k: {f[1] for f in v} for k, v in chosen.items()}, max_examples)
    return {
        key: tuple(
            Keyword(term, round(float(score), 6), count, rest, tuple(examples.get((key, term), ())))
            for score, term, count, rest in found
        )
        for key, found in chosen.items()
    }


def _first_examples(
    docs: Sequence[Sequence[str]], scopes: Sequence[Sequence[str]], wanted: dict[str, set[str]], limit: int
) -> dict[tuple[str, str], list[int]]:
    """The first ``limit`` comments of each scope using each wanted term; stops once all found."""
    found: dict[tuple[str, str], list[int]] = {}
    pending = {key: set(terms) for key, terms in wanted.items() if terms}
    for position, keys in enumerate(scopes):
        if not pending:
            break
        for key in keys:
            open_terms = pending.get(key)
            if not open_terms:
                continue
            for term in open_terms.intersection(docs[position]):
                bucket = found.setdefault((key, term), [])
                bucket.append(position)
                if len(bucket) == limit:
                    open_terms.discard(term)
            if not open_terms:
                del pending[key]
    return found
