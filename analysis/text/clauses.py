"""Clauses of one comment: the unit of polarity (``analysis.text.polarity``) and of topic
discovery (``analysis.discovery``). One splitter serves both, so a mention's polarity and the
discovered topic it falls in always come from the same span of text.

A long review talks about several things (位置很好，但是隔音差，早餐一般). A clause is a span between
punctuation marks (Chinese or ASCII, full-width or half-width, line breaks; not the enumeration
comma 、, which joins items of one list), or between Chinese words a space separates, split again
at a contrast word: 但/但是, 不过, 可是, 然而, 就是, 只是, 却; "but", "however", "although",
"though", "whereas", "except" in English (any case). The contrast word itself belongs to no
clause: it says how two clauses relate, not what either is about. ``不但`` ("not only"),
``但愿``, ``好不过`` and ``不过如此`` are not contrasts.

Pure: no Django, no pipeline.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(
    r"[,.!?;:。~…\n\r\t()\[\]\"，！？；：～（）【】「」『』“”]+"  # punctuation, half- and full-width
    r"|(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])"  # a space between Chinese words
    r"|\s{2,}"
    r"|(?<!不)但是?(?!愿)|(?<!好)不过(?!如此)|可是|然而|就是|只是|却"
    r"|\b(?:but|however|although|though|whereas|except)\b",
    re.IGNORECASE,
)
_EDGES = " ,、-—"


def clause_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-blank clause of ``text``, in order."""
    spans = []
    start = 0
    for cut in _SPLIT.finditer(text):
        if cut.start() > start and text[start : cut.start()].strip():
            spans.append((start, cut.start()))
        start = cut.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return spans


def clauses_split(text: str) -> list[str]:
    """The non-blank clauses of ``text`` as strings, stripped of spaces and list marks at their
    edges."""
    out = []
    for start, end in clause_spans(text or ""):
        clause = text[start:end].strip(_EDGES)
        if clause:
            out.append(clause)
    return out
