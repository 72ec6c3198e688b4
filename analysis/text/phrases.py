"""Phrases: negation joined to its head, n-grams inside a clause, collocations over a corpus.

A comment's tokens arrive as clauses (split at punctuation) of ``Item``s. Inside a clause:

- a negation (不, 没, 没有, not, never ...) is joined to the next content word, with one
  intensifier allowed between them: 不 + 新鲜 -> 不新鲜, 不是 很 新鲜 -> 不是很新鲜,
  not very fresh -> "not fresh". The bare head disappears, so 不慢 never counts as 慢;
- phrases are adjacent content words (bigrams, with at most one stopword or number between
  them, kept in the Chinese surface: 等 了 很久 -> 等了很久) and trigrams of three adjacent
  content words. English phrases join lemmas with a space ("cold food", "take forever").
  A phrase never repeats a token ("broadband broadband" says no more than "broadband").

``collocations`` ranks adjacent token pairs over a whole corpus by pointwise mutual
information, for keyword lists and cluster names.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_PHRASES_PER_COMMENT = 60


@dataclass(frozen=True, slots=True)
class Item:
    """One surface token: its text (lemma for English), script and role."""

    text: str
    is_han: bool
    is_content: bool
    is_negation: bool = False
    is_intensifier: bool = False


@dataclass(frozen=True, slots=True)
class Collocation:
    phrase: str
    parts: tuple[str, str]
    count: int
    pmi: float


def _join(left: str, right: str, *, han: bool) -> str:
    return left + right if han else f"{left} {right}"


def negation_join(clause: Sequence[Item]) -> list[tuple[Item, int, int]]:
    """Items of a clause with each negation merged into its head; each with its span."""
    if not any(item.is_negation for item in clause):
        return [(item, i, i) for i, item in enumerate(clause)]
    out: list[tuple[Item, int, int]] = []
    i = 0
    n = len(clause)
    while i < n:
        item = clause[i]
        if item.is_negation and i + 1 < n:
            j = i + 1
            if clause[j].is_intensifier and not clause[j].is_negation and j + 1 < n:
                j += 1
            head = clause[j]
            if head.is_content and not head.is_negation and not head.is_intensifier:
                if item.is_han and head.is_han:
                    text = "".join(c.text for c in clause[i : j + 1])
                else:
                    text = _join(item.text, head.text, han=item.is_han)
                out.append((Item(text, head.is_han, True), i, j))
                i = j + 1
                continue
        out.append((item, i, i))
        i += 1
    return out


def clause_phrases(clause: Sequence[Item], joined: Sequence[tuple[Item, int, int]]) -> list[str]:
    """Bigrams and trigrams of content words inside one clause."""
    content = [(item, start, end) for item, start, end in joined if item.is_content]
    phrases: list[str] = []
    for k in range(len(content) - 1):
        a, _a_start, a_end = content[k]
        b, b_start, b_end = content[k + 1]
        gap = b_start - a_end - 1
        if gap > 1 or (a.is_intensifier and b.is_intensifier) or a.text == b.text:
            continue
        if a.is_han and b.is_han:
            middle = clause[a_end + 1].text if gap else ""
            phrases.append(a.text + middle + b.text)
        else:
            phrases.append(_join(a.text, b.text, han=False))
        if gap == 0 and k + 2 < len(content):
            c, c_start, _ = content[k + 2]
            if c_start == b_end + 1 and c.text != a.text and c.text != b.text:
                if a.is_han and b.is_han and c.is_han:
                    phrases.append(a.text + b.text + c.text)
                elif not (a.is_han or b.is_han or c.is_han):
                    phrases.append(f"{a.text} {b.text} {c.text}")
    return phrases


def clause_terms(clause: Sequence[Item], tokens: list[str], phrases: list[str]) -> None:
    """Append a clause's content tokens (negations joined) and its phrases: what
    ``negation_join`` then ``clause_phrases`` give, without building spans for the usual clause
    that holds no negation."""
    for item in clause:
        if item.is_negation:
            joined = negation_join(clause)
            tokens.extend([j.text for j, _, _ in joined if j.is_content])
            phrases.extend(clause_phrases(clause, joined))
            return
    content = [(i, item) for i, item in enumerate(clause) if item.is_content]
    tokens.extend([item.text for _, item in content])
    last = len(content) - 1
    for k in range(last):
        a_at, a = content[k]
        b_at, b = content[k + 1]
        gap = b_at - a_at - 1
        if gap > 1 or (a.is_intensifier and b.is_intensifier) or a.text == b.text:
            continue
        if a.is_han and b.is_han:
            phrases.append(a.text + clause[a_at + 1].text + b.text if gap else a.text + b.text)
        else:
            phrases.append(f"{a.text} {b.text}")
        if gap == 0 and k + 1 < last:
            c_at, c = content[k + 2]
            if c_at == b_at + 1 and c.text != a.text and c.text != b.text:
                if a.is_han and b.is_han and c.is_han:
                    phrases.append(a.text + b.text + c.text)
                elif not (a.is_han or b.is_han or c.is_han):
                    phrases.append(f"{a.text} {b.text} {c.text}")


def collocations(
    token_lists: Iterable[Sequence[str]], *, min_count: int = 3, min_pmi: float = 1.0, top: int = 200
) -> tuple[Collocation, ...]:
    """Adjacent token pairs over a corpus, by PMI, seen at least ``min_count`` times."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for tokens in token_lists:
        unigrams.update(tokens)
        bigrams.update(itertools.pairwise(tokens))
    total = sum(unigrams.values())
    if not total:
        return ()
    found = []
    for (a, b), count in bigrams.items():
        if count < min_count or a == b:
            continue
        pmi = math.log(count * total / (unigrams[a] * unigrams[b]))
        if pmi >= min_pmi:
            han = _is_han(a) and _is_han(b)
            found.append(Collocation(_join(a, b, han=han), (a, b), count, round(pmi, 4)))
    found.sort(key=lambda c: (-c.pmi * math.log(1 + c.count), c.phrase))
    return tuple(found[:top])


def _is_han(text: str) -> bool:
    return bool(text) and "\u3400" <= text[0] <= "\u9fff"
