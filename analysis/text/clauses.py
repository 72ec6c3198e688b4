"""Clauses of one comment: the units topic discovery clusters.

A long review talks about several things (位置很好，但是隔音差，早餐一般); clustering it whole puts it
with whatever it mentions most. A clause is a span between punctuation marks (Chinese or ASCII,
full-width or half-width, line breaks; not the enumeration comma 、, which joins items of one
list), split again at a contrast word (但是, 但, 可是, 然而; "but", "however", "although",
"though", "whereas" in English; 不过 and 只是 are dropped where they open a clause). The contrast
word itself is dropped: it says how two clauses relate, not what either is about. ``不但`` ("not
only") and ``但愿`` are not contrasts. Blank clauses are dropped; the rest keep their text as
written (only stripped).

Pure: no Django, no pipeline; the caller processes each clause as a comment.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[,.!?;:，。！？；：~～…\n\r\t()（）\[\]【】「」『』\"“”]+|\s{2,}")
_CONTRAST_ZH = re.compile(r"(?<!不)但是|(?<!不)但(?!愿)|可是|然而")
_LEADING_ZH = ("不过", "只是")
_CONTRAST_EN = re.compile(r"\b(?:but|however|although|though|whereas)\b", re.IGNORECASE)


def clauses_split(text: str) -> list[str]:
    """The non-blank clauses of ``text``, in order."""
    out = []
    for part in _PUNCTUATION.split(text or ""):
        for piece in _CONTRAST_ZH.split(part):
            for clause in _CONTRAST_EN.split(piece):
                clause = clause.strip(" ,、-—")
                if clause.startswith(_LEADING_ZH):
                    clause = clause[2:].strip(" ,、-—")
                if clause:
                    out.append(clause)
    return out
