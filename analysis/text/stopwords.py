"""Stopword lists for Chinese and English that keep what carries a complaint.

The shipped lists (``analysis/data/stopwords_zh.txt``, ``stopwords_en.txt``) are built from
``stopwordsiso`` 0.7.1 (MIT; see ``analysis/data/NOTICE.md``) minus the words in ``KEEP_ZH`` and
``KEEP_EN``: negations (不 没 无 别 非 未, not, never ...), intensifiers (很 太 非常, very, too
...), 等 (等了一个小时) and words that name a complaint in English review text (late, long,
forever, wrong ...). Rebuild them with ``python -m analysis.text.stopwords`` (needs
``stopwordsiso``, a development requirement).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ZH_PATH = DATA_DIR / "stopwords_zh.txt"
EN_PATH = DATA_DIR / "stopwords_en.txt"

NEGATIONS_ZH = frozenset(
    {
        "不",
        "没",
        "没有",
        "无",
        "别",
        "非",
        "未",
        "不是",
        "不够",
        "不太",
        "不要",
        "不能",
        "不会",
        "不用",
        "不怎么",
        "并不",
        "从不",
        "从来不",
        "毫无",
        "没什么",
        "木有",
    }
)
INTENSIFIERS_ZH = frozenset(
    {
        "很",
        "太",
        "好",
        "还",
        "再",
        "最",
        "更",
        "非常",
        "特别",
        "极",
        "极其",
        "十分",
        "挺",
        "真",
        "超",
        "巨",
        "贼",
        "又",
        "才",
        "都",
        "也",
        "实在",
        "相当",
        "比较",
        "有点",
        "有些",
        "一点",
        "过于",
        "越来越",
        "居然",
        "竟然",
        "根本",
        "完全",
        "简直",
        "多",
        "少",
        "大",
        "小",
        "快",
        "慢",
    }
)
KEEP_ZH = NEGATIONS_ZH | INTENSIFIERS_ZH | {"等", "等等", "久", "差", "好的", "不错", "坏", "贵"}

NEGATIONS_EN = frozenset({"not", "no", "never", "nothing", "none", "nor", "without", "cannot", "hardly"})
INTENSIFIERS_EN = frozenset(
    {
        "very",
        "too",
        "really",
        "so",
        "quite",
        "extremely",
        "pretty",
        "absolutely",
        "totally",
        "completely",
        "much",
        "most",
        "more",
        "least",
        "less",
        "enough",
        "little",
        "few",
        "highly",
        "super",
        "truly",
        "incredibly",
        "overly",
        "barely",
    }
)
KEEP_EN = (
    NEGATIONS_EN
    | INTENSIFIERS_EN
    | {
        "late",
        "long",
        "forever",
        "wrong",
        "slow",
        "bad",
        "poor",
        "good",
        "great",
        "best",
        "worst",
        "well",
        "cold",
        "hot",
        "take",
        "took",
        "taken",
        "wait",
        "waited",
        "ask",
        "asked",
        "order",
        "ordered",
        "right",
        "old",
        "new",
        "small",
        "big",
        "clean",
        "dirty",
        "cheap",
        "expensive",
        "fine",
        "nice",
        "work",
        "worked",
        "help",
        "helpful",
        "show",
        "showed",
        "full",
        "empty",
        "home",
        "seem",
        "seemed",
        "thank",
        "thanks",
        "away",
        "back",
        "early",
        "hour",
        "hours",
        "minute",
        "minutes",
        "serious",
        "sorry",
        "quick",
        "quickly",
        "fast",
        "high",
        "low",
    }
)


@lru_cache(maxsize=1)
def stopwords_zh() -> frozenset[str]:
    """The shipped Chinese stopword list."""
    return _read(ZH_PATH)


@lru_cache(maxsize=1)
def stopwords_en() -> frozenset[str]:
    """The shipped English stopword list."""
    return _read(EN_PATH)


def _read(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def stopwords_build() -> tuple[int, int]:
    """Write the two lists from ``stopwordsiso``; return how many words each holds."""
    import stopwordsiso  # development requirement, only needed to rebuild

    header = "# built by `python -m analysis.text.stopwords` from stopwordsiso 0.7.1 (MIT)\n"
    counts = []
    for lang, keep, path in (("zh", KEEP_ZH, ZH_PATH), ("en", KEEP_EN, EN_PATH)):
        words = sorted(w.strip().casefold() for w in stopwordsiso.stopwords(lang) if w.strip())
        kept = [w for w in dict.fromkeys(words) if w not in keep]
        path.write_text(header + "\n".join(kept) + "\n", encoding="utf-8")
        counts.append(len(kept))
    return counts[0], counts[1]


if __name__ == "__main__":
    zh, en = stopwords_build()
    print(f"stopwords_zh.txt: {zh} words, stopwords_en.txt: {en} words")
