"""Polarity of each topic mention from the clause it sits in: -1 complaint, 0 neutral, 1 praise.

A comment is cut into clauses at punctuation and at contrast words (但/但是/不过/可是/然而/就是/
只是/却, but/however/although/though/whereas/except), so 位置好，但隔音差 gives the location
clause 1 and the noise clause -1. A clause's score is the sum of its sentiment words
(``analysis/data/sentiment_lexicon.txt``), each:

- flipped by a negation just before it (不/没/没有/别/未/无/不是 ..., not/no/never ...), with
  intensifiers allowed in between (不太好, 不是很新鲜, "not very good"); two negations cancel
  (不是不好吃 is praise);
- weighted 1.5 after an intensifier (很/太/非常/特别 ..., very/too/really ...).

Two more complaint signals hold without any sentiment word: an absence (没/没有/未/无/不会 ...
or never/no/nothing/"did not" before a plain word: 没送到, "never arrived") counts -0.5, and an
excess (太/过于/有点, too/overly before a plain word: 太油, 有点小, "too long") counts -1. Chinese words
match as substrings of the normalised text, the longest at each position, so 不错 is one praise
word, 好久 (a long time) is not 好, and 凉皮 (a dish) is not 凉. English words are compared by
their simplemma lemma (the pipeline's ``lemma_en``), contractions expanded ("wasn't fresh" is
"was not fresh").

A topic mention is located by the taxonomy terms that matched it: each Chinese term where it
occurs in the text, each English term in the clauses holding all its lemmas. A topic mentioned
in several clauses is a complaint when at least as many of them are negative as positive.

Pure: no Django; text in, numbers out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from analysis.text.clauses import clause_spans
from analysis.text.segment import english_words, lemma_en
from analysis.text.stopwords import NEGATIONS_EN, NEGATIONS_ZH

LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "sentiment_lexicon.txt"

COMPLAINT = -1
NEUTRAL = 0
PRAISE = 1

INTENSIFIER_WEIGHT = 1.5
ABSENCE_SCORE = -0.5
EXCESS_SCORE = -1.0
# Characters (Chinese) or words (English) allowed between a negation or intensifier and the
# word it modifies: 没有那么好 (那么), "was not at all good" (at, all).
_ZH_GAP = 2
_EN_SCOPE = 3

# 不用 (no need) and 不够 (a complaint by itself, in the lexicon) are no negations here.
_NEGATIONS_ZH = (NEGATIONS_ZH - {"不用", "不够"}) | {
    "毫不",
    "绝不",
    "并没有",
    "从没",
    "从未",
    "并非",
    "不算",
    "没那么",
    "不那么",
}
# Negations that signal a missing thing (or advise against it) before a plain word: 没送到, 没有餐具,
# 不会再来, 别买.
_ABSENCE_ZH = frozenset(
    {"没", "没有", "未", "无", "毫无", "没什么", "木有", "从没", "从未", "并没有", "不会", "不能", "不要",
     "不是", "别"}
)  # fmt: skip
_INTENSIFIERS_ZH = frozenset(
    {"很", "太", "非常", "特别", "十分", "挺", "真", "超", "超级", "极", "极其", "相当", "比较", "有点",
     "有些", "过于", "实在", "蛮", "巨", "贼", "那么", "这么", "太过", "好"}
)  # fmt: skip
_EXCESS_ZH = frozenset({"太", "过于", "太过", "有点", "有些"})

_NEGATIONS_EN = NEGATIONS_EN | {"nobody", "neither", "nowhere"}
_ABSENCE_EN = frozenset({"not", "no", "never", "nothing", "none", "without", "nobody", "cannot"})
_INTENSIFIERS_EN = frozenset(
    {"very", "too", "really", "so", "quite", "extremely", "pretty", "absolutely", "totally",
     "completely", "highly", "super", "truly", "incredibly", "overly", "especially", "terribly",
     "seriously"}
)  # fmt: skip
# Words that only carry a modifier across to the next word ("not at all good", "was not the
# best"); they do not weight it.
_CARRIERS_EN = frozenset(
    {"at", "all", "that", "be", "a", "the", "an", "have", "do", "even", "ever", "any", "as"}
)
_EXCESS_EN = frozenset({"too", "overly"})

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a normalised comment: its span and sentiment score."""

    start: int
    end: int
    score: float

    @property
    def polarity(self) -> int:
        return polarity_of(self.score)


class Mention(Protocol):
    """A topic match: its key and the taxonomy terms that matched (``TopicMatch``)."""

    key: str
    terms: tuple[str, ...]


def polarity_of(score: float) -> int:
    return PRAISE if score > 0 else COMPLAINT if score < 0 else NEUTRAL


@lru_cache(maxsize=1)
def lexicon() -> Mapping[str, int]:
    """word -> polarity (1, -1, or 0 for a blocker); English words as lemmas."""
    entries: dict[str, int] = {}
    for line in LEXICON_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, value = line.split("\t")
        word = word.strip().casefold()
        if not _HAN.search(word):
            word = " ".join(lemma_en(w) for w in word.split())
        entries[word] = int(value)
    return entries


@lru_cache(maxsize=1)
def _zh_scanner() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for every Chinese lexicon word, negation and intensifier (longest first) and
    each word's kind: ``"s"`` sentiment or blocker, ``"n"`` negation, ``"i"`` intensifier."""
    kinds: dict[str, str] = {}
    for word in _INTENSIFIERS_ZH:
        kinds[word] = "i"
    for word in _NEGATIONS_ZH:
        kinds[word] = "n"
    for word in lexicon():
        if _HAN.search(word):
            kinds[word] = "s"
    words = sorted(kinds, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))), kinds


def _score_zh(text: str, *, negation: bool) -> float:
    pattern, kinds = _zh_scanner()
    words = lexicon()
    found = [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
    score = 0.0
    for index, (start, end, word) in enumerate(found):
        kind = kinds[word]
        following = found[index + 1] if index + 1 < len(found) else None
        attached = following is not None and following[0] - end <= _ZH_GAP
        adjacent = following is not None and following[0] == end
        if kind == "s":
            value = words[word]
            if not value:
                continue
            # 好 before another sentiment word is an intensifier: 好慢, 好难吃.
            if word == "好" and following is not None and following[0] == end and kinds[following[2]] == "s":
                continue
            weight = 1.0
            flips = 0
            cursor = start
            j = index - 1
            while j >= 0 and kinds[found[j][2]] in "ni" and cursor - found[j][1] <= _ZH_GAP:
                if kinds[found[j][2]] == "n":
                    flips += 1
                else:
                    weight = INTENSIFIER_WEIGHT
                cursor = found[j][0]
                j -= 1
            if negation and flips % 2:
                value = -value
            score += value * weight
        elif not negation:
            continue
        elif kind == "n" and word in _ABSENCE_ZH:
            if (not attached or (kinds[following[2]] == "s" and not words[following[2]])) and _HAN.match(
                text, end
            ):
                score += ABSENCE_SCORE
        elif word in _EXCESS_ZH and not adjacent and _HAN.match(text, end):
            score += EXCESS_SCORE
    return score


def _score_en(text: str, *, negation: bool) -> float:
    words = lexicon()
    lemmas = [lemma_en(w) for w in english_words(text)]
    # two-word entries ("wait staff") first, as one token
    tokens: list[str] = []
    i = 0
    while i < len(lemmas):
        pair = f"{lemmas[i]} {lemmas[i + 1]}" if i + 1 < len(lemmas) else ""
        if pair in words:
            tokens.append(pair)
            i += 2
        else:
            tokens.append(lemmas[i])
            i += 1
    score = 0.0
    for index, token in enumerate(tokens):
        value = words.get(token)
        if value:
            weight = 1.0
            flips = 0
            for back in range(index - 1, max(-1, index - 1 - _EN_SCOPE), -1):
                previous = tokens[back]
                if previous in _NEGATIONS_EN:
                    flips += 1
                elif previous in _INTENSIFIERS_EN:
                    weight = INTENSIFIER_WEIGHT
                elif previous not in _CARRIERS_EN:
                    break
            if negation and flips % 2:
                value = -value
            score += value * weight
            continue
        if not negation or index + 1 >= len(tokens):
            continue
        following = tokens[index + 1]
        if following in words or following in _NEGATIONS_EN:
            continue
        if token in _ABSENCE_EN:
            # "never arrived", "no response", "did not arrive"; the modified word may sit after
            # a carrier ("not at all ...", "no one ...") but must not be a sentiment word
            ahead = [t for t in tokens[index + 1 : index + 1 + _EN_SCOPE] if t not in _CARRIERS_EN]
            if ahead and not any(t in words or t in _INTENSIFIERS_EN for t in ahead[:1]):
                score += ABSENCE_SCORE
        elif token in _EXCESS_EN and following not in _CARRIERS_EN and following[0].isalpha():
            score += EXCESS_SCORE
    return score


def clause_score(text: str, *, negation: bool = True) -> float:
    """Sentiment score of one clause (or, for a baseline, any text) of a normalised comment;
    ``negation=False`` sums the lexicon's words alone (no negation, absence or excess)."""
    score = 0.0
    if _HAN.search(text):
        score += _score_zh(text, negation=negation)
    if re.search("[a-z]", text):
        score += _score_en(text, negation=negation)
    return score


def clauses_analyse(text: str) -> tuple[Clause, ...]:
    """The clauses of a normalised comment with their scores."""
    return tuple(Clause(start, end, clause_score(text[start:end])) for start, end in clause_spans(text))


def text_polarity(text: str, *, clauses: bool = True, negation: bool = True) -> int:
    """Polarity of a whole comment: the sign of its clauses' summed scores. With
    ``clauses=False, negation=False``: the plain lexicon count over the whole text (a baseline)."""
    if not clauses:
        return polarity_of(clause_score(text, negation=negation))
    return polarity_of(sum(c.score for c in clauses_analyse(text)))


def _term_words(term: str) -> tuple[str, ...]:
    return tuple(lemma_en(w) for w in english_words(term.casefold()))


def mention_clauses(text: str, clauses: Sequence[Clause], terms: Iterable[str]) -> list[int]:
    """Indexes of the clauses of ``text`` holding any of ``terms`` (Chinese: where the term,
    or the head of an ``A…B`` term, occurs; English: a clause holding all the term's lemmas)."""
    found: set[int] = set()
    lemma_sets: list[frozenset[str]] | None = None
    for raw in terms:
        term = raw.casefold().strip()
        if _HAN.search(term):
            head = re.split(r"…|\.\.\.", term, maxsplit=1)[0].strip()
            at = text.find(head) if head else -1
            while at >= 0:
                for index, clause in enumerate(clauses):
                    if clause.start <= at < clause.end:
                        found.add(index)
                        break
                at = text.find(head, at + 1)
            continue
        words = set(_term_words(term))
        if not words:
            continue
        if lemma_sets is None:
            lemma_sets = [frozenset(_term_words(text[c.start : c.end])) for c in clauses]
        found.update(index for index, lemmas in enumerate(lemma_sets) if words <= lemmas)
    return sorted(found)


def polarity_combine(polarities: Iterable[int]) -> int:
    """One polarity for several mentions of a topic: a complaint wins ties with praise."""
    values = list(polarities)
    negative = values.count(COMPLAINT)
    positive = values.count(PRAISE)
    if negative and negative >= positive:
        return COMPLAINT
    return PRAISE if positive else NEUTRAL


def mention_polarity(
    text: str, terms: Iterable[str], *, clauses: Sequence[Clause] | None = None
) -> int | None:
    """Polarity of the clauses of ``text`` where ``terms`` occur; None when none holds them."""
    if clauses is None:
        clauses = clauses_analyse(text)
    located = mention_clauses(text, clauses, terms)
    if not located:
        return None
    return polarity_combine(clauses[i].polarity for i in located)


def topic_polarity(
    text: str, matches: Sequence[Mention], *, neutral_from_comment: bool = False
) -> dict[str, int]:
    """topic key -> polarity of its mention in ``text`` (a normalised comment).

    A mention whose terms cannot be located in a clause takes the whole comment's polarity.
    With ``neutral_from_comment``, so does a mention whose own clauses are neutral (等了一个小时
    in a comment that is a complaint elsewhere).
    """
    if not matches:
        return {}
    clauses = clauses_analyse(text)
    whole = polarity_of(sum(c.score for c in clauses))
    out: dict[str, int] = {}
    for match in matches:
        value = mention_polarity(text, match.terms, clauses=clauses)
        if value is None or (value == NEUTRAL and neutral_from_comment):
            value = whole
        out[match.key] = value
    return out
