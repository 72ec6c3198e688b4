"""The text pipeline: one raw comment in, one ``ProcessedComment`` out.

normalise -> detect the language -> segment (jieba + domain dictionary + extra terms for
Chinese and mixed text, lemmatised words for English, emoji as tokens) -> drop stopwords
(negations, intensifiers and 等 are kept) -> join negations to their heads -> phrases.

jieba runs with its HMM new-word guessing off (``hmm=False``): the domain dictionary carries
the vocabulary that matters here, the HMM costs about a third of segmentation time, and on
waimai_10k turning it off moved the detractor model's AUROC by less than 0.001 (see
BENCHMARKS.md). Pass ``hmm=True`` for text full of names the dictionaries do not know.

``ProcessedComment.dictionary_version`` fingerprints everything that changes tokens (this
module's version, the domain dictionary, the stopword lists and the extra terms): a stored
result is recomputed only when it differs from ``TextPipeline.dictionary_version``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import emoji

from analysis.text.language import EN, NONE, language_detect
from analysis.text.normalise import MAX_COMMENT_CHARS, normalise_text
from analysis.text.phrases import MAX_PHRASES_PER_COMMENT, Item, clause_terms
from analysis.text.segment import (
    domain_dict_digest,
    english_words,
    expand_contractions,
    lemma_en,
    terms_normalised,
    tokenizer_build,
)
from analysis.text.stopwords import (
    EN_PATH,
    INTENSIFIERS_EN,
    INTENSIFIERS_ZH,
    NEGATIONS_EN,
    NEGATIONS_ZH,
    ZH_PATH,
    stopwords_en,
    stopwords_zh,
)

# Bump when the pipeline's code changes what it produces.
PIPELINE_VERSION = "3"  # 2: phrases never repeat a token; 3: HTML character references decoded

_HAN_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"^[a-z0-9][a-z0-9+#&._%\-]*$")
# Characters in the ranges that hold emoji; only text with one of them is scanned for emoji.
_MAYBE_EMOJI = re.compile(
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a-\u23ff\u24c2"
    "\u25aa-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff]"
)
_CACHE_MAX = 500_000
_BREAK = Item("", False, False)  # a punctuation token: ends the clause
_EN_CLAUSES = re.compile(r"[.,!?;:()\[\]{}\"<>/\\|…\n]+")


@dataclass(frozen=True, slots=True)
class ProcessedComment:
    """What the first pass stores for one comment."""

    text: str
    language: str
    tokens: tuple[str, ...]
    phrases: tuple[str, ...]
    truncated: bool
    dictionary_version: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tokens": list(self.tokens), "phrases": list(self.phrases)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProcessedComment:
        return cls(
            text=data["text"],
            language=data["language"],
            tokens=tuple(data["tokens"]),
            phrases=tuple(data["phrases"]),
            truncated=bool(data["truncated"]),
            dictionary_version=data["dictionary_version"],
        )

    @property
    def terms(self) -> tuple[str, ...]:
        """Tokens then phrases: the features keywords and clustering count."""
        return self.tokens + self.phrases


class TextPipeline:
    """Normalise, detect, segment and phrase comments with one private jieba tokenizer."""

    def __init__(
        self, *, extra_terms: Iterable[str] = (), max_chars: int = MAX_COMMENT_CHARS, hmm: bool = False
    ) -> None:
        self.max_chars = max_chars
        self.extra_terms = terms_normalised(normalise_text(t)[0] for t in extra_terms)
        self.hmm = hmm
        self._tokenizer = tokenizer_build(self.extra_terms)
        self._segment = self._tokenizer.lcut_no_hmm if not hmm else partial(self._tokenizer.lcut, HMM=True)
        self._cache: dict[str, Item | None] = {}
        self._stop_zh = stopwords_zh()
        self._stop_en = stopwords_en()
        digest = hashlib.sha256()
        digest.update(PIPELINE_VERSION.encode())
        digest.update(domain_dict_digest().encode())
        digest.update(ZH_PATH.read_bytes())
        digest.update(EN_PATH.read_bytes())
        digest.update("\n".join(self.extra_terms).encode())
        digest.update(b"hmm" if hmm else b"dag")
        self.dictionary_version = digest.hexdigest()[:16]

    # -- public ---------------------------------------------------------------------------
    def process(self, raw: str | None) -> ProcessedComment:
        text, truncated = normalise_text(raw, max_chars=self.max_chars)
        language = language_detect(text)
        tokens: list[str] = []
        phrases: list[str] = []
        if text:
            clauses, emojis = self._clauses(text, language)
            for clause in clauses:
                if len(clause) == 1:
                    if clause[0].is_content:
                        tokens.append(clause[0].text)
                    continue
                clause_terms(clause, tokens, phrases)
            tokens.extend(emojis)
        return ProcessedComment(
            text=text,
            language=language,
            tokens=tuple(tokens),
            # Interned: stored results repeat the same phrases across many comments.
            phrases=tuple(map(sys.intern, dict.fromkeys(phrases)))[:MAX_PHRASES_PER_COMMENT],
            truncated=truncated,
            dictionary_version=self.dictionary_version,
        )

    def process_many(self, texts: Iterable[str | None]) -> Iterator[ProcessedComment]:
        for text in texts:
            yield self.process(text)

    def term_tokens(self, term: str) -> tuple[str, ...]:
        """Tokens of a taxonomy term as a comment would have them (for matching)."""
        return self.process(term).tokens

    def is_current(self, stored: ProcessedComment) -> bool:
        """Whether a stored result was made with this pipeline's dictionaries."""
        return stored.dictionary_version == self.dictionary_version

    # -- internals ------------------------------------------------------------------------
    def _clauses(self, text: str, language: str) -> tuple[list[list[Item]], list[str]]:
        emojis: list[str] = []
        if _MAYBE_EMOJI.search(text):
            found = emoji.emoji_list(text)
            if found:
                emojis = [e["emoji"] for e in found]
                text = emoji.replace_emoji(text, replace=" , ")
        clauses: list[list[Item]] = []
        if language == EN:
            clauses = self._english_clauses(text)
        elif language != NONE:
            clauses = self._chinese_clauses(text)
        return clauses, emojis

    def _english_clauses(self, text: str) -> list[list[Item]]:
        clauses = []
        for part in _EN_CLAUSES.split(text):
            clause = [self._english_item(word) for word in english_words(part)]
            if clause:
                clauses.append(clause)
        return clauses

    def _english_item(self, word: str) -> Item:
        item = self._cache.get(word)
        if item is None:
            lemma = lemma_en(word)
            negation = word in NEGATIONS_EN
            stop = self._stop_en
            content = word[0].isalpha() and len(word) > 1 and word not in stop and lemma not in stop
            item = Item(sys.intern(lemma), False, content or negation, negation, word in INTENSIFIERS_EN)
            self._remember(word, item)
        return item

    def _remember(self, token: str, item: Item | None) -> None:
        # Comments share a small vocabulary: classify each distinct token once. The cap keeps
        # memory bounded on adversarial input.
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[token] = item

    def _classify(self, token: str) -> Item | None:
        """The item for a jieba token; None for whitespace, ``_BREAK`` for punctuation."""
        if _HAN_CHAR.match(token):
            negation = token in NEGATIONS_ZH
            content = negation or token not in self._stop_zh
            item = Item(sys.intern(token), True, content, negation, token in INTENSIFIERS_ZH)
        elif _WORD.match(token):
            return self._english_item(token)
        elif token.isspace():
            item = None
        else:
            item = _BREAK
        self._remember(token, item)
        return item

    def _chinese_clauses(self, text: str) -> list[list[Item]]:
        if "'" in text:
            text = expand_contractions(text)
        cache = self._cache
        clauses: list[list[Item]] = []
        clause: list[Item] = []
        for token in self._segment(text):
            item = cache[token] if token in cache else self._classify(token)
            if item is None:
                continue
            if item is _BREAK:
                if clause:
                    clauses.append(clause)
                    clause = []
            else:
                clause.append(item)
        if clause:
            clauses.append(clause)
        return clauses


def pipeline_process(
    texts: Sequence[str | None], *, extra_terms: Iterable[str] = ()
) -> list[ProcessedComment]:
    """Process a batch of comments with a pipeline built for ``extra_terms``."""
    pipeline = TextPipeline(extra_terms=extra_terms)
    return [pipeline.process(text) for text in texts]
