"""Pain-point taxonomies and the topic tagger.

A taxonomy is plain data (the shipped starters are ``analysis/data/taxonomies/*.json``; the
admin keeps edited ones in the database and passes them in as the same dict): topics with a
key, a bilingual label, a process stage, an owning team, seed terms and exclusions in both
languages.

Tagging one comment (``TopicTagger.tag``):

- Chinese terms match as substrings of the normalised text, so a term jieba splits (出餐 / 慢)
  still matches. All Chinese terms and exclusions are compiled into one trie-shaped regular
  expression, scanned once per comment; at each position the longest term wins, so 出餐慢 is
  a preparation complaint and not also a delivery-time 慢, and 凉皮 (a dish) is not 凉.
- A Chinese term written ``A…B`` matches A followed by B within ``NEAR_WINDOW`` characters in
  the same clause (态度…差 covers 态度差, 态度很差, 态度也太差了), B itself not negated.
- A Chinese match right after a negation (不, 没, 没有, 不太, 不是很 ...) is dropped: 不慢 is not
  a delay complaint, 不贵 is not a price complaint.
- English terms match the comment's lemmatised tokens and phrases, where a negation is already
  joined to its head ("not hot"), so "not slow" never matches "slow".
- An exclusion vetoes the terms it contains, where it occurs: 凉皮 (a dish) is not 凉 (a cold
  meal), "cold drink" is not "cold"; the rest of the comment still counts. In Chinese the
  longest match does this by itself; in English an exclusion phrase vetoes its topic's terms
  made of its own words.

- A term a topic lists as ``ambiguous`` (a plain noun such as "rider", "staff", 店员) tags the
  topic only where its clause is negative (``analysis.text.polarity``); only when the term
  cannot be located in a clause does the whole comment's polarity decide. "The rider was lovely
  and fast", "rider" and "The waiter brought the bill. It was a terrible evening" tag nothing
  (the person is named, not blamed); "the rider was rude" tags rider attitude. A topic matched
  by other terms as well is tagged as before. Measured on MAMS (``benchmarks/voc_eval.py``,
  negative-aspect macro-F1 over the four mapped categories): 0.406 when every mention of
  "waiter" or "price" tagged its topic, 0.368 when a neutral clause in a negative comment also
  counted, 0.338 with negative clauses only: most negative MAMS staff and price aspects carry
  no sentiment word ("Waiter brought white instead of red wine"), so the rule trades their
  recall for the precision of not blaming every person or price a comment names.

Each match carries the taxonomy terms that matched: the explanation shown to users.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from analysis.text.normalise import normalise_text
from analysis.text.pipeline import ProcessedComment, TextPipeline
from analysis.text.polarity import COMPLAINT, clauses_analyse, mention_polarity, polarity_of

TAXONOMY_DIR = Path(__file__).resolve().parent / "data" / "taxonomies"
LOCALES = ("zh-hans", "en")

# Longest first: the check is "does the text just before the match end with one of these".
NEGATION_PREFIXES_ZH = tuple(
    sorted(
        {
            "不",
            "没",
            "没有",
            "无",
            "未",
            "别",
            "不太",
            "不是",
            "不是很",
            "不算",
            "不算太",
            "不怎么",
            "没那么",
            "不那么",
            "没怎么",
            "从不",
            "毫不",
            "一点也不",
            "一点都不",
            "并没有",
        },
        key=len,
        reverse=True,
    )
)
NEAR_WINDOW = 6
NEAR_SEPARATORS = ("…", "...")
_CLAUSE_END = re.compile(r"[,.!?;:，。！？；：\n]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class TaxonomyError(ValueError):
    """A taxonomy that cannot be used; the message names the problem."""


class TaxonomyNotFoundError(LookupError):
    def __init__(self, name: str) -> None:
        self.name = name
        self.available = taxonomy_names()
        super().__init__(name)


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    label: Mapping[str, str]
    stage: str
    team: str
    terms: Mapping[str, tuple[str, ...]]
    exclusions: Mapping[str, tuple[str, ...]]
    # terms (among ``terms``) that name a thing, not a complaint: they tag only negative clauses
    ambiguous: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    key: str
    label: Mapping[str, str]
    topics: tuple[Topic, ...]

    def topic(self, key: str) -> Topic:
        for topic in self.topics:
            if topic.key == key:
                return topic
        raise KeyError(key)


class TopicMatch(NamedTuple):
    """One topic on one comment, with the taxonomy terms that matched (in taxonomy order).

    A named tuple rather than a dataclass: one is made per topic per comment in the first
    pass, where construction cost counts."""

    key: str
    terms: tuple[str, ...]


def taxonomy_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in TAXONOMY_DIR.glob("*.json")))


def taxonomy_load(name: str) -> Taxonomy:
    """A shipped taxonomy by name (``food_delivery`` ...); ``TaxonomyNotFoundError`` otherwise."""
    if name not in taxonomy_names():
        raise TaxonomyNotFoundError(name)
    return taxonomy_from_dict(json.loads((TAXONOMY_DIR / f"{name}.json").read_text(encoding="utf-8")))


def _terms(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if value is None:
        return dict.fromkeys(LOCALES, ())
    if not isinstance(value, Mapping):
        raise TaxonomyError(f"{where} must be an object keyed by locale")
    out = {}
    for locale in LOCALES:
        items = value.get(locale, [])
        if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
            raise TaxonomyError(f"{where}.{locale} must be a list of strings")
        out[locale] = tuple(t.strip() for t in items if t.strip())
    return out


def taxonomy_from_dict(data: Mapping[str, Any]) -> Taxonomy:
    """Validate plain data into a ``Taxonomy``; ``TaxonomyError`` names the first bad field."""
    topics = []
    seen: set[str] = set()
    for index, raw in enumerate(data.get("topics") or []):
        where = f"topics[{index}]"
        key = raw.get("key")
        if not isinstance(key, str) or not key:
            raise TaxonomyError(f"{where}.key is required")
        if key in seen:
            raise TaxonomyError(f"{where}.key {key!r} is used twice")
        seen.add(key)
        label = raw.get("label") or {}
        if not all(isinstance(label.get(locale), str) and label.get(locale) for locale in LOCALES):
            raise TaxonomyError(f"{where}.label needs both zh-hans and en")
        terms = _terms(raw.get("terms"), f"{where}.terms")
        if not any(terms.values()):
            raise TaxonomyError(f"{where}.terms has no term")
        ambiguous = _terms(raw.get("ambiguous"), f"{where}.ambiguous")
        for locale in LOCALES:
            for term in ambiguous[locale]:
                if term not in terms[locale]:
                    raise TaxonomyError(
                        f"{where}.ambiguous.{locale} {term!r} is not one of the topic's terms"
                    )
        topics.append(
            Topic(
                key=key,
                label={locale: label[locale] for locale in LOCALES},
                stage=str(raw.get("stage") or ""),
                team=str(raw.get("team") or ""),
                terms=terms,
                exclusions=_terms(raw.get("exclusions"), f"{where}.exclusions"),
                ambiguous=ambiguous,
            )
        )
    label = data.get("label") or {}
    return Taxonomy(key=str(data.get("key") or ""), label=dict(label), topics=tuple(topics))


def trie_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of ``words``, preferring the longest at each position."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = f"(?:{body})?"
        return body

    pattern = build(trie)
    return re.compile(pattern) if pattern else None


@dataclass(frozen=True, slots=True)
class _Entry:
    topic: int
    term: str
    exclusion: bool
    negatable: bool
    tokens: frozenset[str] = frozenset()
    tail: str = ""
    ambiguous: bool = False


def _near(text: str, start: int, tail: str) -> bool:
    """``tail`` within ``NEAR_WINDOW`` characters after ``start``, same clause, not negated."""
    window = text[start : start + NEAR_WINDOW + len(tail)]
    end = _CLAUSE_END.search(window)
    if end:
        window = window[: end.start()]
    position = window.find(tail)
    if position < 0:
        return False
    at = start + position
    return not text.endswith(NEGATION_PREFIXES_ZH, max(start, at - 4), at)


class TopicTagger:
    """A taxonomy compiled for fast tagging of processed comments."""

    def __init__(self, taxonomy: Taxonomy, pipeline: TextPipeline) -> None:
        self.taxonomy = taxonomy
        self._zh: dict[str, list[_Entry]] = {}
        self._en: dict[str, list[_Entry]] = {}
        for index, topic in enumerate(taxonomy.topics):
            ambiguous = {*topic.ambiguous.get("zh-hans", ()), *topic.ambiguous.get("en", ())}
            for kind, exclusion in ((topic.terms, False), (topic.exclusions, True)):
                for term in (*kind["zh-hans"], *kind["en"]):
                    self._add(index, term, exclusion, pipeline, ambiguous=not exclusion and term in ambiguous)
        self._regex = trie_regex(self._zh)
        self._order = {topic.key: i for i, topic in enumerate(taxonomy.topics)}

    def _add(
        self, index: int, term: str, exclusion: bool, pipeline: TextPipeline, *, ambiguous: bool = False
    ) -> None:
        normalised = normalise_text(term)[0]
        if not normalised:
            return
        if _HAN.search(normalised):
            head, tail = normalised, ""
            for separator in NEAR_SEPARATORS:
                if separator in normalised:
                    head, tail = (part.strip() for part in normalised.split(separator, 1))
                    break
            negatable = not head.startswith(NEGATION_PREFIXES_ZH)
            self._zh.setdefault(head, []).append(
                _Entry(index, term, exclusion, negatable, tail=tail, ambiguous=ambiguous)
            )
            return
        tokens = pipeline.term_tokens(normalised)
        if not tokens:
            return
        entries = self._en.setdefault(" ".join(tokens), [])
        if not any(e.topic == index and e.exclusion == exclusion for e in entries):
            words = frozenset(word for token in tokens for word in token.split())
            entries.append(_Entry(index, term, exclusion, False, words, ambiguous=ambiguous))

    def tag(self, comment: ProcessedComment) -> tuple[TopicMatch, ...]:
        matched: dict[int, list[_Entry]] = {}
        text = comment.text
        if self._regex is not None and comment.language in ("zh", "mixed"):
            for found in self._regex.finditer(text):
                start = found.start()
                negated = text.endswith(NEGATION_PREFIXES_ZH, max(0, start - 4), start)
                for entry in self._zh[found.group()]:
                    if entry.exclusion or (negated and entry.negatable):
                        continue
                    if entry.tail and not _near(text, found.end(), entry.tail):
                        continue
                    matched.setdefault(entry.topic, []).append(entry)
        if self._en and comment.language in ("en", "mixed"):
            excluded: list[_Entry] = []
            for term in (*comment.tokens, *comment.phrases):
                for entry in self._en.get(term, ()):
                    if entry.exclusion:
                        excluded.append(entry)
                    else:
                        matched.setdefault(entry.topic, []).append(entry)
            for exclusion in excluded:
                kept = [
                    e
                    for e in matched.get(exclusion.topic, ())
                    if not e.tokens or not e.tokens <= exclusion.tokens
                ]
                if exclusion.topic in matched:
                    matched[exclusion.topic] = kept
        clauses = None
        for index, entries in matched.items():
            if entries and all(e.ambiguous for e in entries):
                # only ambiguous nouns matched: a complaint only where their clause is negative
                if clauses is None:
                    clauses = clauses_analyse(text)
                terms = [e.term for e in entries]
                polarity = mention_polarity(text, terms, clauses=clauses)
                if polarity is None:
                    polarity = polarity_of(sum(c.score for c in clauses))
                if polarity != COMPLAINT:
                    matched[index] = []
        topics = self.taxonomy.topics
        return tuple(
            TopicMatch(topics[index].key, tuple(dict.fromkeys(e.term for e in entries)))
            for index, entries in sorted(matched.items())
            if entries
        )

    def tag_many(self, comments: Sequence[ProcessedComment]) -> list[tuple[TopicMatch, ...]]:
        return [self.tag(comment) for comment in comments]
