"""Detractor likelihood from a comment's text, learnt from the platform's own scored comments.

Features: TF-IDF (sublinear) of the comment's terms (tokens and phrases: jieba words with the
domain dictionary, English lemmas, negations joined to their heads) plus TF-IDF of single
characters of the normalised text (robust to segmentation errors and to words missing from the
dictionary). On waimai_10k (5-fold AUROC) words alone scored 0.939, words + characters 0.948,
words + character 1-2-grams 0.950 at nearly twice the scoring cost in the first pass.
Classifier: L2 logistic regression, whose probabilities are used as the
likelihood. No downloaded weights: everything is fitted on the caller's data.

A model needs at least ``MIN_PER_CLASS`` (10) labelled comments of each class (detractor, not
detractor); with fewer, ``detractor_model_fit`` returns None. ``out_of_fold_likelihood`` needs
every training part of its folds to reach that minimum, so at least ``MIN_PER_CLASS + 1`` of
each class (it raises the number of folds above ``n_splits`` when a class is small), and
returns None otherwise. Likelihoods for comments that have a score are cross-fitted: each fold's
comments are scored by a model that never saw them, so a comment's own score never informs its
own likelihood. Comments without a score are scored by a model fitted on all labelled ones.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, repeat

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from analysis.text.pipeline import ProcessedComment

MIN_PER_CLASS = 10
MISMATCH_THRESHOLD = 0.7
_C = 2.0
CHAR_NGRAMS = (1, 1)  # ``DetractorModel.score`` counts exactly these: single characters


def _terms(doc: ProcessedComment) -> tuple[str, ...]:
    return doc.terms


def _text(doc: ProcessedComment) -> str:
    return doc.text


def _table(vectorizer: TfidfVectorizer, coefficients: np.ndarray) -> dict[str, tuple[float, float]]:
    """feature -> (idf x coefficient, idf squared): what one occurrence adds to the dot product
    and to the squared norm."""
    idf = vectorizer.idf_
    return {
        feature: (float(idf[column] * coefficients[column]), float(idf[column] * idf[column]))
        for feature, column in vectorizer.vocabulary_.items()
    }


def _block(counts: Counter[str], table: dict[str, tuple[float, float]]) -> float:
    """One l2-normalised sublinear TF-IDF block dotted with its coefficients."""
    dot = 0.0
    squares = 0.0
    get = table.get
    for feature, count in counts.items():
        entry = get(feature)
        if entry is not None:
            if count == 1:
                dot += entry[0]
                squares += entry[1]
            else:
                weight = 1.0 + math.log(count)
                dot += weight * entry[0]
                squares += weight * weight * entry[1]
    return dot / math.sqrt(squares) if squares else 0.0


def _block_many(n: int, lengths: Sequence[int], columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``_block`` for ``n`` comments at once: ``columns`` holds the feature column of each
    feature occurrence (-1 for features the model does not know), comment after comment,
    ``lengths[i]`` of them for comment ``i``; ``weights`` is ``(idf x coefficient, idf
    squared)`` per column."""
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    known = columns >= 0
    width = weights.shape[1]
    pairs, counts = np.unique(rows[known] * width + columns[known], return_counts=True)
    rows, columns = np.divmod(pairs, width)
    tf = 1.0 + np.log(counts)  # sublinear tf; exactly 1.0 for a single occurrence
    dot = np.bincount(rows, weights=tf * weights[0, columns], minlength=n)
    squares = np.bincount(rows, weights=tf * tf * weights[1, columns], minlength=n)
    out = np.zeros(n)
    np.divide(dot, np.sqrt(squares), out=out, where=squares > 0)
    return out


def _weights(table: dict[str, tuple[float, float]]) -> np.ndarray:
    return np.array(list(table.values()), dtype=float).reshape(-1, 2).T.copy()


@dataclass(frozen=True)
class DetractorModel:
    words: TfidfVectorizer
    chars: TfidfVectorizer
    classifier: LogisticRegression
    word_table: dict[str, tuple[float, float]]
    char_table: dict[str, tuple[float, float]]
    intercept: float

    def predict(self, docs: Sequence[ProcessedComment]) -> np.ndarray:
        """Likelihood (0 to 1) that each comment comes from a detractor (batched)."""
        if not len(docs):
            return np.zeros(0)
        features = hstack([self.words.transform(docs), self.chars.transform(docs)]).tocsr()
        return self.classifier.predict_proba(features)[:, 1]

    def score(self, doc: ProcessedComment) -> float:
        """The same likelihood for one comment, without building matrices: the first pass
        scores each comment as it is processed. Features of a comment that never occurred in
        training (except in idf-less form) add nothing, as in ``predict``."""
        text = doc.text
        chars = Counter(text)  # character 1-grams, counted in C
        z = self.intercept + _block(Counter(doc.terms), self.word_table) + _block(chars, self.char_table)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def score_many(self, docs: Sequence[ProcessedComment]) -> np.ndarray:
        """``score`` of many comments at once (equal to within rounding), vectorised: the first
        pass scores its comments in batches of some hundreds."""
        n = len(docs)
        if not n:
            return np.zeros(0)
        word_columns, word_weights, char_lookup, char_weights = self._batch_tables
        lengths = [len(d.tokens) + len(d.phrases) for d in docs]
        terms = chain.from_iterable(chain.from_iterable((d.tokens, d.phrases) for d in docs))
        columns = np.fromiter(map(word_columns.get, terms, repeat(-1)), dtype=np.int64, count=sum(lengths))
        z = self.intercept + _block_many(n, lengths, columns, word_weights)
        texts = [d.text for d in docs]
        codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        columns = char_lookup[np.minimum(codes, len(char_lookup) - 1)]
        z += _block_many(n, [len(t) for t in texts], columns, char_weights)
        with np.errstate(over="ignore"):
            likelihood = 1.0 / (1.0 + np.exp(-np.maximum(z, -700.0)))
        likelihood[z <= -700] = 0.0
        return likelihood

    @cached_property
    def _batch_tables(self) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
        """The two tables as arrays: word -> column, character code point -> column (-1 for
        any other, the last entry included), and the weights of the columns."""
        word_columns = {feature: column for column, feature in enumerate(self.word_table)}
        chars = list(self.char_table)
        codes = [ord(c) for c in chars] if all(len(c) == 1 for c in chars) else []
        if len(codes) != len(chars):
            raise ValueError("character features must be single characters")
        char_lookup = np.full(max(codes, default=0) + 2, -1, dtype=np.int64)
        char_lookup[codes] = np.arange(len(codes))
        return word_columns, _weights(self.word_table), char_lookup, _weights(self.char_table)

    def __getstate__(self) -> dict:
        # the batch tables are derived: not stored with the model
        return {k: v for k, v in self.__dict__.items() if k != "_batch_tables"}


def _enough(labels: np.ndarray) -> bool:
    positives = int(labels.sum())
    return positives >= MIN_PER_CLASS and len(labels) - positives >= MIN_PER_CLASS


def detractor_model_fit(
    docs: Sequence[ProcessedComment], is_detractor: Sequence[bool], *, seed: int = 0
) -> DetractorModel | None:
    """Fit a model; None when either class has fewer than ``MIN_PER_CLASS`` comments."""
    labels = np.asarray(is_detractor, dtype=bool)
    if len(labels) != len(docs) or not _enough(labels):
        return None
    words = TfidfVectorizer(analyzer=_terms, sublinear_tf=True, min_df=1)
    docs = list(docs)
    chars_matrix = None
    for min_df in (2, 1):  # min_df=2 can leave nothing on tiny inputs
        chars = TfidfVectorizer(
            analyzer="char", preprocessor=_text, ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=min_df
        )
        try:
            chars_matrix = chars.fit_transform(docs)
            break
        except ValueError:
            continue
    words_matrix = words.fit_transform(docs)
    features = hstack([words_matrix, chars_matrix]).tocsr()
    classifier = LogisticRegression(C=_C, max_iter=2000, random_state=seed)
    classifier.fit(features, labels)
    coefficients = classifier.coef_[0]
    split = words_matrix.shape[1]
    return DetractorModel(
        words,
        chars,
        classifier,
        _table(words, coefficients[:split]),
        _table(chars, coefficients[split:]),
        float(classifier.intercept_[0]),
    )


def _splits(requested: int, minority: int) -> int | None:
    """Folds enough that every training part keeps ``MIN_PER_CLASS`` of the smaller class."""
    for splits in range(max(2, requested), minority + 1):
        if minority - math.ceil(minority / splits) >= MIN_PER_CLASS:
            return splits
    return None


def out_of_fold_likelihood(
    docs: Sequence[ProcessedComment],
    labels: Sequence[bool | None],
    *,
    n_splits: int = 5,
    seed: int = 0,
) -> np.ndarray | None:
    """A likelihood for every comment: cross-fitted for labelled ones, a full model for the rest.

    ``labels`` holds True (detractor), False (not a detractor) or None (no score). Returns None
    when either class has fewer than ``MIN_PER_CLASS`` labelled comments.
    """
    docs = list(docs)
    labelled = np.array([label is not None for label in labels], dtype=bool)
    index = np.flatnonzero(labelled)
    y = np.array([bool(labels[i]) for i in index], dtype=bool)
    if not _enough(y):
        return None
    splits = _splits(n_splits, min(int(y.sum()), int(len(y) - y.sum())))
    if splits is None:
        return None
    result = np.full(len(docs), np.nan)
    folds = StratifiedKFold(n_splits=splits, shuffle=True, random_state=seed)
    for train, test in folds.split(np.zeros(len(y)), y):
        model = detractor_model_fit([docs[index[i]] for i in train], y[train], seed=seed)
        if model is not None:  # never fall back to a model that saw these comments
            result[index[test]] = model.predict([docs[index[i]] for i in test])
    missing = np.flatnonzero(~labelled)
    if len(missing):
        model = detractor_model_fit([docs[i] for i in index], y, seed=seed)
        if model is not None:
            result[missing] = model.predict([docs[i] for i in missing])
    return result


def mismatch_flags(
    is_high_score: Sequence[bool],
    likelihood: Sequence[float] | None,
    *,
    threshold: float = MISMATCH_THRESHOLD,
) -> np.ndarray:
    """True where a high score comes with a comment that reads like a detractor's."""
    high = np.asarray(is_high_score, dtype=bool)
    if likelihood is None:
        return np.zeros(len(high), dtype=bool)
    values = np.nan_to_num(np.asarray(likelihood, dtype=float), nan=0.0)
    return high & (values > threshold)
