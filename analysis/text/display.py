"""English terms as people read them: real words, no token repeated.

The pipeline matches and counts English by simplemma lemma, and a lemma is not always a word:
simplemma gives ``cancell`` for "cancelled" and "cancelling". For display, each lemma becomes
itself when the comments use it as a word, and otherwise the word the comments use most for it
(``cancell`` -> "cancelled"); a phrase the comments write as one run of words shows as they
most often write it (``taste menu`` -> "tasting menu"), and any phrase shows each of its words
once ("broadband broadband" -> "broadband"). Chinese terms are shown as they are.

**Topic names** (``topic_name``): a discovered topic is named by its top keywords, best first,
in the data's own words (there is no translation), at most ``NAME_PARTS`` of them joined by
" / ". A keyword is replaced by the highest-ranked phrase among the keywords that extends it
with a word that says something: a sentiment word (隔音 -> 隔音差, "broadband" -> "slow
broadband" when "slow" is one; of the topic's own sign when it is known: a pain point is not
named 感觉不错), a negation before it (新鲜 -> 不新鲜) or, in English, a content word
("battery" -> "battery life"); never an intensifier, a function word or one character that is
no sentiment word (满意 stays 满意, not 很满意; 手机 not 款手机). A part that contains a part
already chosen, is contained in one or repeats one of its words is skipped, and so is a phrase
that repeats a token ("broadband broadband") or a Chinese one ending in an intensifier (快递也,
服务很). A single Chinese character, intensified or not, is
too vague for a name (里, 款, 先) unless it is a sentiment word (吵, 很差, 旧), and even then it
never leads while a longer keyword is there. The
command names discovered topics with it and so does the platform's page
(``analysis.discovery.topic_label``). Pure: no Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from analysis.text.polarity import lexicon
from analysis.text.segment import english_words, lemma_en
from analysis.text.stopwords import INTENSIFIERS_EN, NEGATIONS_EN, NEGATIONS_ZH, stopwords_en

NAME_PARTS = 2
NAME_SEPARATOR = " / "
# Degree adverbs and particles a Chinese keyword may carry at its edges (很差, 快递也). Not the
# pipeline's whole intensifier list: 快, 大, 小, 超, 真 begin words (快递, 大家, 小哥, 超市, 真实).
_DEGREE_ZH = (
    "非常",
    "特别",
    "十分",
    "极其",
    "比较",
    "相当",
    "有点",
    "有些",
    "过于",
    "很",
    "太",
    "挺",
    "也",
    "都",
)


def _most_used(counts: Counter[str]) -> str:
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


class SurfaceForms:
    """The words a set of (normalised) comments uses for each English lemma, and for each of
    ``phrases`` (lemmas joined by spaces) the runs of words they write it with."""

    def __init__(self, texts: Iterable[str], *, phrases: Iterable[str] = ()) -> None:
        wanted = {tuple(p.split()) for p in phrases if " " in p}
        sizes = sorted({len(p) for p in wanted})
        words: Counter[str] = Counter()
        runs: dict[tuple[str, ...], Counter[str]] = {}
        for text in texts:
            if not text:
                continue
            found = english_words(text)
            words.update(found)
            if not wanted or len(found) < 2:
                continue
            lemmas = [lemma_en(w) for w in found]
            for size in sizes:
                for start in range(len(found) - size + 1):
                    key = tuple(lemmas[start : start + size])
                    if key in wanted:
                        runs.setdefault(key, Counter())[" ".join(found[start : start + size])] += 1
        self._forms: dict[str, Counter[str]] = {}
        for word, count in words.items():
            self._forms.setdefault(lemma_en(word), Counter())[word] += count
        self._runs = {" ".join(key): _most_used(counts) for key, counts in runs.items()}

    def word(self, lemma: str) -> str:
        """The lemma when the comments use it as a word, else their most used word for it."""
        forms = self._forms.get(lemma)
        if not forms or lemma in forms:
            return lemma
        return _most_used(forms)

    def term(self, term: str) -> str:
        """A keyword or phrase for display: English words as real words, each word once; a
        phrase the comments write as one run of words, as they most often write it."""
        if not term or not any("a" <= c <= "z" for c in term):
            return term
        run = self._runs.get(term)
        if run is not None and len(set(run.split())) == len(run.split()):
            return run
        shown: list[str] = []
        for part in term.split(" "):
            word = self.word(part) if part.isascii() else part
            if word not in shown:
                shown.append(word)
        return " ".join(shown)


def _han(term: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in term)


def _evaluative(word: str) -> bool:
    return bool(lexicon().get(word))


def _core(term: str) -> str:
    """A Chinese term without the intensifiers before it (很差 -> 差, 非常满意 -> 满意)."""
    core = term
    while _han(core):
        head = next((i for i in _DEGREE_ZH if core.startswith(i) and len(core) > len(i)), None)
        if head is None:
            break
        core = core[len(head) :]
    return core


def _vague(term: str) -> bool:
    """One Chinese character, intensified or not (里, 款, 住, 差, 很差): too vague to lead a name."""
    return _han(term) and len(_core(term)) == 1


def _usable(term: str) -> bool:
    """A keyword that may be part of a name: no repeated token, no lone non-evaluative
    character, no Chinese phrase ending in an intensifier (快递也, 服务很: the rest is cut off)."""
    words = term.split()
    if not term or len(words) != len(set(words)):
        return False
    if _han(term) and len(term) > 1 and term.endswith(_DEGREE_ZH):
        return False
    return not _vague(term) or _evaluative(_core(term))


def _says_something(addition: str, polarity: int | None) -> bool:
    """Whether the words a phrase adds to a keyword make a better name: a sentiment word (of
    the topic's ``polarity`` when it is given; Chinese after its intensifiers: 很差), or in
    English a content word (no function word, intensifier or negation). Chinese phrases are
    written without spaces, so a Chinese content word cannot be told from a run of several
    (前台 + 服务周到): only sentiment extends a Chinese keyword."""
    addition = addition.strip()
    if not addition:
        return False
    value = lexicon().get(_core(addition))
    if value:
        return polarity is None or value == polarity
    if _han(addition):
        return False
    stop = stopwords_en() | INTENSIFIERS_EN | NEGATIONS_EN
    words = addition.split()
    return all(w.isalpha() and len(w) > 2 and w not in stop for w in words)


def _extends(phrase: str, term: str, polarity: int | None) -> bool:
    """``phrase`` is ``term`` with words that say something added before or after it."""
    if phrase == term or term not in phrase:
        return False
    if _han(term) or _han(phrase):
        before, _, after = phrase.partition(term)
        if before in NEGATIONS_ZH and not after:  # 新鲜 -> 不新鲜: the term's sentiment, flipped
            flipped = -lexicon().get(term, 0)
            return polarity is None or flipped == polarity
        return bool(before or after) and all(_says_something(p, polarity) for p in (before, after) if p)
    words, parts = phrase.split(), term.split()
    for start in range(len(words) - len(parts) + 1):
        if words[start : start + len(parts)] == parts:
            added = words[:start] + words[start + len(parts) :]
            return bool(added) and _says_something(" ".join(added), polarity)
    return False


def _words(term: str) -> set[str]:
    """English: its words; Chinese (written without spaces): its character pairs, so 喝蒙牛 and
    蒙牛喝 share 蒙牛."""
    if _han(term):
        return {term[i : i + 2] for i in range(len(term) - 1)} or {term}
    return set(term.split())


def _overlaps(term: str, chosen: list[str]) -> bool:
    return any(term in c or c in term or _words(term) & _words(c) for c in chosen)


def topic_name(keywords: Iterable[str], *, parts: int = NAME_PARTS, polarity: int | None = None) -> str:
    """A readable name from a topic's keywords (display forms), best first: see the module
    docstring. ``polarity`` -1 (a pain point) or 1 (a strength): a phrase adds only a sentiment
    word of that sign (a pain point is not named 感觉不错). Empty when no keyword is usable."""
    ranked = [k for k in dict.fromkeys(keywords) if _usable(k)]
    form = {k: next((p for p in ranked if _extends(p, k, polarity)), k) for k in ranked}
    chosen: list[str] = []
    covered: list[str] = []  # the names chosen and the keywords they stand for
    # a sentiment character (差, 吵) may be a part, but never the first while a longer keyword is there
    for keyword in [k for k in ranked if not _vague(k)][:1] + ranked:
        if len(chosen) == parts:
            break
        name = form[keyword]
        if not _overlaps(name, covered) and not _overlaps(keyword, covered):
            chosen.append(name)
            covered.extend((name, keyword))
    return NAME_SEPARATOR.join(chosen)
