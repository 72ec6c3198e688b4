"""Normalisation of one comment before language detection and segmentation.

Steps, in order: decode HTML character references, strip byte-order marks and zero-width
characters, cut at
``MAX_COMMENT_CHARS`` (flagged), NFKC (full-width letters, digits and punctuation become
half-width), traditional to simplified Chinese, case-fold, collapse whitespace. Emoji are left
in place; the segmenter turns each one into a token.

HTML character references come with comments exported from web forms and review sites
(``&amp;``, ``&#39;``, ``&quot;``, ``&#x597d;``, ``&nbsp;``): each is decoded once (``&amp;amp;``
becomes ``&amp;``, as a browser shows it) by the standard library's ``html.unescape``. Only
references closed by ``;`` are decoded: HTML5 also decodes some names without it (``&not`` in
``&notice``), which would change ordinary text.

Traditional to simplified uses OpenCC (the ``opencc`` package, the maintained upstream C++
library with its own Python binding) with the ``t2s`` profile. It was chosen over
``opencc-python-reimplemented`` because it is the maintained upstream with the current
dictionaries. Most comments are already simplified: a comment is passed to OpenCC only when it
holds one of the characters that can change under ``t2s`` (``analysis/data/opencc_t2s_chars.txt``,
written from the installed OpenCC's own dictionaries by ``scripts/opencc_t2s_chars.py``; a text
without any of them converts to itself). With an OpenCC version other than the one the file was
made from, every text holding an ideograph is converted, as before.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

T2S_CHARS_PATH = Path(__file__).resolve().parent.parent / "data" / "opencc_t2s_chars.txt"

# A comment longer than this is cut here (after removing invisible characters) and flagged
# as truncated. 2,000 characters is about ten times the longest comment in the real review sets
# we measured on (waimai_10k: max 463), so only pasted documents or abuse reach it.
MAX_COMMENT_CHARS = 2000

_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200e\u200f\u2060\u00ad]")
_WHITESPACE = re.compile(r"\s+")
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# Any CJK ideograph: only text holding one needs the traditional-to-simplified pass.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _convertible() -> frozenset[str] | None:
    """The characters that can change under ``t2s`` with the installed OpenCC; None when the
    shipped list was made from another OpenCC version."""
    lines = T2S_CHARS_PATH.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split()[:3] != ["#", "OpenCC", opencc.__version__]:
        return None
    return frozenset("".join(lines[1:]))


def to_simplified(text: str) -> str:
    """Traditional Chinese characters to simplified (OpenCC ``t2s``); other text unchanged."""
    convertible = _convertible()
    if convertible is None:
        if not _HAN.search(text):
            return text
    elif convertible.isdisjoint(text):
        return text
    return _converter().convert(text)


def _reference_decode(match: re.Match[str]) -> str:
    return html.unescape(match.group())


def html_unescape(text: str) -> str:
    """``text`` with its HTML character references (closed by ``;``) decoded, once."""
    if "&" not in text:
        return text
    return _CHARACTER_REFERENCE.sub(_reference_decode, text)


def normalise_text(text: str | None, *, max_chars: int = MAX_COMMENT_CHARS) -> tuple[str, bool]:
    """Return ``(normalised text, truncated)`` for one raw comment (``None`` is empty)."""
    if text is None:
        return "", False
    if not isinstance(text, str):
        text = str(text)
    text = html_unescape(text)
    text = _INVISIBLE.sub("", text)
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = text.casefold()
    text = _WHITESPACE.sub(" ", text).strip()
    return text, truncated
