"""Where a comment's own words hold the terms a search matched, for highlighting. Pure: no Django.

A search matches stored tokens, which are made from the normalised text (full-width folded,
traditional to simplified, case-folded; English lemmatised). The respondent's original words are
what a reader sees, so each original character is folded the same way on its own and the terms
are found in the folded text: a Chinese term as a substring, an English term word by word, each
word of the text whose lemma is one of the term's words (a search for "rider" marks "Riders").

``highlight_parts`` returns the text cut into ``(part, is_match)`` pieces; the caller escapes
each piece when rendering (the text is never trusted as markup).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from analysis.text.normalise import to_simplified
from analysis.text.segment import lemma_en

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9][a-z0-9'’]*")


def _folded(text: str) -> tuple[str, list[int]]:
    """The text folded character by character, and for each folded character its original index."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = to_simplified(unicodedata.normalize("NFKC", char)).casefold()
        folded.append(piece)
        origin.extend([index] * len(piece))
    return "".join(folded), origin


def highlight_parts(text: str, terms: Iterable[str]) -> list[tuple[str, bool]]:
    """The text in pieces, each flagged when it belongs to one of the terms; ``[]`` for ``""``."""
    if not text:
        return []
    han_terms = sorted({t for t in terms if t and _HAN.search(t)}, key=len, reverse=True)
    english = {word for t in terms if t and not _HAN.search(t) for word in t.split()}
    folded, origin = _folded(text)
    marked = [False] * len(text)
    for term in han_terms:
        start = folded.find(term)
        while start >= 0:
            for position in range(start, start + len(term)):
                marked[origin[position]] = True
            start = folded.find(term, start + len(term))
    if english:
        for match in _WORD.finditer(folded):
            word = match.group().replace("’", "'").split("'")[0]
            if word in english or (word and lemma_en(word) in english):
                for position in range(match.start(), match.end()):
                    marked[origin[position]] = True
    parts: list[tuple[str, bool]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or marked[index] != marked[start]:
            parts.append((text[start:index], marked[start]))
            start = index
    return parts
