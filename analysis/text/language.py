"""Language of one normalised comment from the ratio of its scripts.

Chinese is counted in ideographs, English in Latin words (runs of letters), because one
ideograph carries about as much as one English word. With ``h`` ideographs and ``w`` words the
share of Chinese is ``h / (h + w)``:

- no ideograph and no word (emoji only, digits, punctuation, empty): ``none``;
- share >= ``ZH_MIN_SHARE`` (0.7): ``zh`` (so "app很卡，闪退" is Chinese);
- share <= ``EN_MAX_SHARE`` (0.3): ``en``;
- otherwise ``mixed``.
"""

from __future__ import annotations

import re

ZH = "zh"
EN = "en"
MIXED = "mixed"
NONE = "none"
LANGUAGES = (ZH, EN, MIXED, NONE)

ZH_MIN_SHARE = 0.7
EN_MAX_SHARE = 0.3

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z\u00c0-\u024f]+(?:'[a-z]+)?", re.IGNORECASE)


def language_detect(text: str) -> str:
    """``zh``, ``en``, ``mixed`` or ``none`` for a normalised comment."""
    words = len(_LATIN_WORD.findall(text))
    if not words:  # the usual Chinese comment: no need to count its ideographs
        return ZH if _HAN.search(text) else NONE
    han = len(_HAN.findall(text))
    share = han / (han + words)
    if share >= ZH_MIN_SHARE:
        return ZH
    if share <= EN_MAX_SHARE:
        return EN
    return MIXED
