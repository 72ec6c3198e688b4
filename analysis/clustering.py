"""Emerging topics: comments no taxonomy topic covers, clustered and named by their keywords.

Representation: TF-IDF (sublinear tf) of the comment's terms (jieba/English tokens plus
in-clause phrases, without negations, intensifiers and negated words, which carry sentiment
rather than subject) side by side with TF-IDF of Chinese character bigrams (they recover
compounds jieba split) -> LSA (truncated SVD, 20 components) -> unit length, so Euclidean
k-means is spherical (cosine) k-means. On online_shopping_10_cats this scored NMI 0.58-0.59
against 0.45-0.48 for plain term TF-IDF with 100 components (see BENCHMARKS.md).
k-means runs with several initialisations and a fixed seed (deterministic).

Unless the caller forces ``k``, the number of clusters is the k in ``k_range`` with the highest
Krzanowski-Lai index: with W(k) the k-means within-cluster scatter and p the dimension,
DIFF(k) = (k-1)^(2/p) W(k-1) - k^(2/p) W(k) and KL(k) = |DIFF(k) / DIFF(k+1)|, large where
going to k clusters gains much and going further gains little (the k^(2/p) factor is how W
would shrink with k in p dimensions with no cluster structure). Never more than sqrt(n)
clusters, so a cluster averages at least sqrt(n) comments. The silhouette used before kept
rising with k on these vectors (0.23 at 2 to 0.46 at 19 on online_shopping_10_cats) and so
always picked the top of the range; the Calinski-Harabasz index picked 5 with 20 components
but 2 with 30 or 50; the Krzanowski-Lai index picks 5 there with 20, 30 or 50 components (and
seeds 0 to 2 at 20), and costs one k-means fit more than the range. See BENCHMARKS.md for the
criteria compared.

Each cluster is named by its c-TF-IDF keywords (class-based TF-IDF: a term's frequency in the
cluster times log(1 + average cluster size / the term's frequency overall)) and shown with the
comments nearest its normalised centroid (cosine; comments with no vector last). Its key is
derived from the two top keywords ("emerging-配送-慢"), so clustering again on similar data gives
the same key. ``merge_with_previous`` carries over what a person decided (promoted, renamed,
dismissed, merged) and never overwrites it.

Sub-topics (second level): the Krzanowski-Lai index picks few clusters where the comments are
mostly one broad kind (waimai_10k's uncovered comments: 2, praise and dishes). When k was chosen
(not forced), a cluster holding more than ``subtopic_share`` of the clustered comments is
clustered again inside itself and replaced by its sub-topics, each of which names its parent's
key. Its comments are embedded afresh (TF-IDF and LSA fitted on them alone, so the directions
are the ones that vary inside the cluster, not the ones that separated it from the others) and
k is chosen by the same index, with three stop rules:

- size: only clusters of at least 2 x ``subtopic_min_size`` comments are tried, and only a k
  whose every sub-topic holds at least ``subtopic_min_size`` comments is eligible (as well as
  k <= sqrt(m) for m comments, the first level's cap);
- structure: the Krzanowski-Lai index cannot say "one cluster" (it needs W(0)), so the split
  must also pass the gap statistic's one-cluster rule (Tibshirani, Walther & Hastie 2001) at the
  chosen k: one cluster unless Gap(1) < Gap(k) - s(k), Gap(j) = E*[log W*(j)] - log W(j) with
  the expectation over ``GAP_REFERENCES`` samples of one Gaussian with the comments' own
  covariance (one blob of the same shape), s(k) the references' standard deviation of
  log W*(k) times sqrt(1 + 1/B). A threshold on the index itself does not work: on structureless
  points both of its differences are near zero and its maximum is noise, mostly larger (2.15 to
  379, median 10.6, over 100 reference sets) than on real comments (1.3 to 2.5);
- depth: two levels; a sub-topic is not split again.

The fits (k-means, the truncated SVD) run with at most ``threads`` BLAS and OpenMP threads
(``threadpoolctl``; default 1): these fits are small, and on a busy 2-core host one k-means fit
took 8.4 s with the default OpenMP threads against 0.64 s with one thread (the threads wait for
cores that other processes hold). ``threads=None`` leaves the libraries' defaults.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import hstack
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from analysis.keywords import is_keyword_candidate
from analysis.text.pipeline import ProcessedComment

MIN_COMMENTS = 6  # fewer comments than this are not clustered
DEFAULT_K_RANGE = (2, 12)
SVD_COMPONENTS = 20
STATUS_NEW = "new"
EDITED_STATUSES = frozenset({"promoted", "renamed", "dismissed", "merged"})
MATCH_MIN_JACCARD = 0.3
SUBTOPIC_SHARE = 0.2  # a cluster with more than this share of the clustered comments is split
SUBTOPIC_MIN_SIZE = 30  # the fewest comments a sub-topic may hold
GAP_REFERENCES = 5
DEFAULT_THREADS = 1

_SLUG = re.compile(r"[^\w\u3400-\u9fff]+")


@dataclass(frozen=True, slots=True)
class EmergingCluster:
    key: str
    keywords: tuple[str, ...]
    mentions: int
    examples: tuple[int, ...]  # positions in the clustered input, closest to the centroid first
    members: tuple[int, ...] = ()
    label: str | None = None  # set by a person
    status: str = STATUS_NEW  # new | promoted | renamed | dismissed | merged
    parent: str | None = None  # the key of the first-level cluster this sub-topic was split from

    @property
    def edited(self) -> bool:
        return self.status in EDITED_STATUSES or self.label is not None


@dataclass(frozen=True, slots=True)
class ClusteringResult:
    clusters: tuple[EmergingCluster, ...]
    assignments: tuple[str | None, ...]  # cluster key per input document (None: not clustered)
    k: int
    chosen_by: str  # "forced" | "krzanowski_lai" | "none"
    score: float | None  # the Krzanowski-Lai index of the chosen k (None when forced or infinite)
    parents: tuple[EmergingCluster, ...] = ()  # first-level clusters replaced by their sub-topics
    splits: tuple[SubtopicSplit, ...] = ()  # one per first-level cluster large enough to try


@dataclass(frozen=True, slots=True)
class SubtopicSplit:
    """The second-level decision for one large first-level cluster."""

    key: str
    mentions: int
    k: int  # the sub-topics it was split into (1: kept whole)
    score: float | None  # the Krzanowski-Lai index of that k inside the cluster
    gap: float | None  # Gap(k) - Gap(1): how much better k clusters fit than one blob of this shape
    spread: float | None  # s(k); the split stands when gap > spread
    outcome: str  # "split" | "one_cluster" (the gap rule) | "too_small" (no k with big enough sub-topics)


_NEGATED = ("不", "没", "not ", "no ", "never ")
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]{2,}")


def subject_terms(doc: ProcessedComment) -> list[str]:
    """The terms that say what a comment is about (no negation, intensifier or negated word)."""
    return [
        t
        for t in doc.terms
        if is_keyword_candidate(t) and not t.startswith(_NEGATED) and any(c.isalnum() for c in t)
    ]


def han_bigrams(doc: ProcessedComment) -> list[str]:
    return [run[i : i + 2] for run in _HAN_RUN.findall(doc.text) for i in range(len(run) - 1)]


def _tfidf(docs: Sequence[ProcessedComment], analyzer: Any) -> Any:
    for min_df in (3, 1):
        try:
            return TfidfVectorizer(
                analyzer=analyzer, sublinear_tf=True, min_df=min_df, max_df=0.3 if min_df > 1 else 1.0
            ).fit_transform(docs)
        except ValueError:  # nothing left after pruning: small inputs
            continue
    return None


def embed(docs: Sequence[ProcessedComment], *, seed: int = 0, components: int = SVD_COMPONENTS) -> np.ndarray:
    """LSA vectors of unit length for processed comments."""
    parts = [m for m in (_tfidf(docs, subject_terms), _tfidf(docs, han_bigrams)) if m is not None]
    if not parts:
        return np.zeros((len(docs), 1))
    matrix = hstack(parts).tocsr()
    n_components = min(components, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if n_components >= 2:
        # identical comments have no variance: the explained-variance ratio (unused) divides by 0
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = TruncatedSVD(n_components=n_components, random_state=seed).fit_transform(matrix)
    else:
        matrix = matrix.toarray()
    return normalize(matrix)


def _kmeans(vectors: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(vectors)
    return model.labels_, model.cluster_centers_


def fit_threads(threads: int | None) -> AbstractContextManager:
    """Within it the BLAS and OpenMP thread pools use at most ``threads`` threads (None: the
    libraries' defaults, usually one per core)."""
    if threads is None:
        return nullcontext()
    if threads < 1:
        raise ValueError(f"threads must be 1 or more (or None), not {threads}")
    return threadpool_limits(limits=threads)


def k_upper_bound(n: int, high: int) -> int:
    """The largest k worth trying for n points: at most ``high`` and at most sqrt(n)."""
    return min(high, math.isqrt(n), n - 1)


def krzanowski_lai(within: dict[int, float], k: int, dims: int) -> float:
    """|DIFF(k) / DIFF(k+1)|, DIFF(j) = (j-1)^(2/p) W(j-1) - j^(2/p) W(j) (Krzanowski & Lai 1988).

    ``within`` maps j to the within-cluster scatter W(j) for j = k-1, k, k+1 (W(1): the total
    scatter). Infinite when going from k to k+1 clusters gains nothing (every cluster already a
    single repeated point) while going to k gained something.
    """

    def diff(j: int) -> float:
        return (j - 1) ** (2 / dims) * within[j - 1] - j ** (2 / dims) * within[j]

    tolerance = 1e-12 * max(within[1], 1e-12)
    gained, next_gain = abs(diff(k)), abs(diff(k + 1))
    if next_gain <= tolerance:
        return math.inf if gained > tolerance else 0.0
    return gained / next_gain


class KChoice(NamedTuple):
    k: int
    score: float | None  # the Krzanowski-Lai index, rounded to 4 decimals (None when infinite)
    labels: np.ndarray | None  # the k-means fit at k (None when nothing could be scored)
    centers: np.ndarray | None


def choose_k(vectors: np.ndarray, k_range: tuple[int, int], seed: int, *, min_size: int = 1) -> KChoice:
    """The k in ``k_range`` (at most sqrt(n)) with the highest Krzanowski-Lai index, and its fit.

    Ties go to the smaller k. When the range is empty (fewer distinct points than its low end),
    k is its high end (1 for a single distinct point) and nothing is fitted. With ``min_size``,
    only a k whose every cluster holds at least that many points is eligible (none: no fit).
    """
    low, high = k_range
    high = k_upper_bound(len(vectors), min(high, len(vectors) // max(min_size, 1)))
    if high < low:
        return KChoice(max(1, high), None, None, None)
    distinct = len(np.unique(np.round(vectors, 6), axis=0))
    within = {1: float(((vectors - vectors.mean(axis=0)) ** 2).sum())}
    fits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for k in range(max(2, low - 1), high + 2):
        if k > distinct:  # more clusters than distinct points: no scatter left
            within[k] = 0.0
            continue
        labels, centers = _kmeans(vectors, k, seed)
        fits[k] = (labels, centers)
        within[k] = float(((vectors - centers[labels]) ** 2).sum())
    best = KChoice(max(1, min(low, high)), None, None, None)
    best_score = -1.0
    dims = vectors.shape[1]
    for k in range(low, high + 1):
        if k not in fits or np.bincount(fits[k][0], minlength=k).min() < min_size:
            continue
        score = krzanowski_lai(within, k, dims)
        if score > best_score:
            best_score = score
            best = KChoice(k, round(score, 4) if score < math.inf else None, *fits[k])
    return best


def ctfidf_keywords(
    docs: Sequence[Sequence[str]], labels: Sequence[int], *, top: int = 5
) -> dict[int, tuple[str, ...]]:
    """Top c-TF-IDF terms per cluster label."""
    per_cluster: dict[int, Counter[str]] = {}
    overall: Counter[str] = Counter()
    for terms, label in zip(docs, labels, strict=True):
        kept = [t for t in set(terms) if is_keyword_candidate(t)]
        per_cluster.setdefault(label, Counter()).update(kept)
        overall.update(kept)
    if not per_cluster:
        return {}
    average = sum(sum(c.values()) for c in per_cluster.values()) / len(per_cluster)
    out = {}
    for label, counts in per_cluster.items():
        total = sum(counts.values()) or 1
        scored = sorted(
            ((count / total) * math.log(1 + average / overall[term]), term) for term, count in counts.items()
        )
        scored.sort(key=lambda s: (-s[0], s[1]))
        out[label] = tuple(term for _, term in scored[:top])
    return out


def cluster_key(keywords: Sequence[str], taken: set[str]) -> str:
    parts = [_SLUG.sub("_", k).strip("_") for k in keywords[:2]]
    base = "emerging-" + "-".join(p for p in parts if p) if any(parts) else "emerging"
    key = base
    n = 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    taken.add(key)
    return key


def _scatter(vectors: np.ndarray) -> float:
    return float(((vectors - vectors.mean(axis=0)) ** 2).sum())


def gap_versus_one(
    vectors: np.ndarray, within_k: float, k: int, seed: int, *, references: int = GAP_REFERENCES
) -> tuple[float, float]:
    """Gap(k) - Gap(1) and s(k) of the gap statistic, references drawn from one Gaussian with
    the vectors' covariance (scatter does not depend on the mean); ``within_k`` is the vectors'
    k-means scatter W(k).

    Large when k clusters fit the vectors better than k clusters fit one blob of the same
    shape; near 0 (within s(k)) for points with no cluster structure.
    """
    total = _scatter(vectors)
    if total <= 0:
        return 0.0, 0.0
    if within_k <= 1e-12 * total:  # k distinct points: a perfect partition
        return math.inf, 0.0
    centred = vectors - vectors.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    scale = singular / math.sqrt(max(len(vectors) - 1, 1))
    rng = np.random.default_rng(seed)
    log_one, log_k = [], []
    for _ in range(references):
        reference = (rng.standard_normal((len(vectors), len(scale))) * scale) @ axes
        labels, centers = _kmeans(reference, k, seed)
        log_one.append(math.log(_scatter(reference)))
        log_k.append(math.log(float(((reference - centers[labels]) ** 2).sum())))
    gap = (float(np.mean(log_k)) - math.log(within_k)) - (float(np.mean(log_one)) - math.log(total))
    return gap, float(np.std(log_k)) * math.sqrt(1 + 1 / references)


class ClusterFit(NamedTuple):
    """A k-means fit: a label per row of ``vectors`` and the centre of each label."""

    labels: np.ndarray
    centers: np.ndarray
    vectors: np.ndarray


def subtopics_choose(
    docs: Sequence[ProcessedComment],
    *,
    key: str,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = 0,
    min_size: int = SUBTOPIC_MIN_SIZE,
) -> tuple[SubtopicSplit, ClusterFit | None]:
    """Whether one cluster's comments split into sub-topics, and the fit when they do."""
    vectors = embed(docs, seed=seed)
    low = max(2, k_range[0])
    choice = choose_k(vectors, (low, k_range[1]), seed, min_size=min_size)
    if choice.labels is None or choice.centers is None or choice.k < 2:
        return SubtopicSplit(key, len(docs), 1, None, None, None, "too_small"), None
    within = float(((vectors - choice.centers[choice.labels]) ** 2).sum())
    gap, spread = gap_versus_one(vectors, within, choice.k, seed)
    split = gap > spread
    decision = SubtopicSplit(
        key,
        len(docs),
        choice.k if split else 1,
        choice.score,
        round(gap, 4) if gap < math.inf else None,
        round(spread, 4),
        "split" if split else "one_cluster",
    )
    return decision, ClusterFit(choice.labels, choice.centers, vectors) if split else None


def nearest_centre(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Row order of ``vectors`` by cosine to the normalised ``centre``, nearest first; rows with
    no vector (a comment whose terms were all pruned) come last. Euclidean distance to the raw
    centre put those zero rows first: the centre of unit vectors is shorter than 1, and so
    nearer to the origin than to most of its members."""
    norm = float(np.linalg.norm(centre))
    lengths = np.linalg.norm(vectors, axis=1)
    cosine = (
        vectors @ (centre / norm) / np.where(lengths > 0, lengths, 1.0)
        if norm > 0
        else np.zeros(len(vectors))
    )
    cosine = np.where(lengths > 0, cosine, -np.inf)
    return np.argsort(-cosine, kind="stable")


def _named_clusters(
    fit: ClusterFit,
    terms: Sequence[Sequence[str]],
    positions: Sequence[int],
    taken: set[str],
    *,
    n_keywords: int,
    n_examples: int,
    parent: str | None = None,
) -> list[EmergingCluster]:
    """Clusters of one fit, named by c-TF-IDF among themselves, largest first; ``positions``
    maps a row of the fit to its position in the clustered input."""
    names = ctfidf_keywords(terms, fit.labels, top=n_keywords)
    # Order clusters by size (then by name) so output and keys do not depend on k-means' label ids.
    sizes = Counter(fit.labels.tolist())
    order = sorted(sizes, key=lambda label: (-sizes[label], names.get(label, ())))
    clusters = []
    for label in order:
        members = np.flatnonzero(fit.labels == label)
        closest = members[nearest_centre(fit.vectors[members], fit.centers[label])[:n_examples]]
        keywords = names.get(label, ())
        clusters.append(
            EmergingCluster(
                key=cluster_key(keywords, taken),
                keywords=keywords,
                mentions=len(members),
                examples=tuple(positions[i] for i in closest),
                members=tuple(positions[i] for i in members),
                parent=parent,
            )
        )
    return clusters


def cluster_comments(
    docs: Sequence[ProcessedComment],
    *,
    k: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = 0,
    n_keywords: int = 5,
    n_examples: int = 5,
    subtopic_share: float | None = SUBTOPIC_SHARE,
    subtopic_min_size: int = SUBTOPIC_MIN_SIZE,
    threads: int | None = DEFAULT_THREADS,
) -> ClusteringResult:
    """Cluster processed comments; comments with no subject term stay unclustered. The fits use
    at most ``threads`` BLAS/OpenMP threads (None: the libraries' defaults).

    When k is chosen (not forced) and ``subtopic_share`` is not None, a cluster with more than
    that share of the clustered comments (and at least 2 x ``subtopic_min_size``) is replaced by
    its sub-topics when it has any (see the module docstring); ``clusters`` are then the finest
    topics, each sub-topic naming its parent, and ``parents`` the clusters they replaced.
    """
    if subtopic_share is not None and not 0 < subtopic_share <= 1:
        raise ValueError(f"subtopic_share must be above 0 and at most 1, not {subtopic_share}")
    if subtopic_min_size < 1:
        raise ValueError(f"subtopic_min_size must be 1 or more, not {subtopic_min_size}")
    usable = [i for i, doc in enumerate(docs) if subject_terms(doc)]
    assignments: list[str | None] = [None] * len(docs)
    if len(usable) < MIN_COMMENTS or (k is not None and k < 1):
        return ClusteringResult((), tuple(assignments), 0, "none", None)
    subset = [docs[i] for i in usable]
    with fit_threads(threads):
        vectors = embed(subset, seed=seed)
        score = None
        # Duplicate comments give identical vectors: never ask for more clusters than distinct points.
        distinct = len(np.unique(np.round(vectors, 6), axis=0))
        labels = centers = None
        if k is None:
            k, score, labels, centers = choose_k(vectors, (k_range[0], min(k_range[1], distinct)), seed)
            chosen_by = "krzanowski_lai"
        else:
            k = min(k, distinct)
            chosen_by = "forced"
        if labels is None or centers is None:
            labels, centers = _kmeans(vectors, k, seed)
        terms = [subject_terms(d) for d in docs]
        taken: set[str] = set()
        first = _named_clusters(
            ClusterFit(labels, centers, vectors),
            [terms[i] for i in usable],
            usable,
            taken,
            n_keywords=n_keywords,
            n_examples=n_examples,
        )
        clusters: list[EmergingCluster] = []
        parents: list[EmergingCluster] = []
        splits: list[SubtopicSplit] = []
        for cluster in first:
            large = subtopic_share is not None and cluster.mentions > subtopic_share * len(usable)
            if chosen_by != "krzanowski_lai" or not large or cluster.mentions < 2 * subtopic_min_size:
                clusters.append(cluster)
                continue
            decision, fit = subtopics_choose(
                [docs[i] for i in cluster.members],
                key=cluster.key,
                k_range=k_range,
                seed=seed,
                min_size=subtopic_min_size,
            )
            splits.append(decision)
            if fit is None:
                clusters.append(cluster)
                continue
            parents.append(cluster)
            clusters.extend(
                _named_clusters(
                    fit,
                    [terms[i] for i in cluster.members],
                    cluster.members,
                    taken,
                    n_keywords=n_keywords,
                    n_examples=n_examples,
                    parent=cluster.key,
                )
            )
        for cluster in clusters:
            for position in cluster.members:
                assignments[position] = cluster.key
        return ClusteringResult(
            tuple(clusters), tuple(assignments), k, chosen_by, score, tuple(parents), tuple(splits)
        )


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def merge_with_previous(
    previous: Sequence[EmergingCluster], new: Sequence[EmergingCluster]
) -> tuple[EmergingCluster, ...]:
    """New clusters reconciled with the previous run, never overwriting a person's edits.

    - A new cluster matching a previous one (same key, or keyword Jaccard >= 0.3, best match
      first) takes the previous key, so links and history follow it.
    - If that previous cluster was edited by a person (a label, or status promoted, renamed,
      dismissed or merged), its key, label and status are kept exactly; only the counts,
      keywords, examples and members are refreshed.
    - An edited previous cluster that matches nothing new is kept unchanged; an unedited one
      that matches nothing disappears.
    - A sub-topic never takes the key of the cluster it was split from: that key names the
      broad cluster (a previous run's broad cluster goes, or stays unchanged when edited).
    """
    unmatched_previous = list(previous)
    merged: list[EmergingCluster] = []
    taken = {p.key for p in previous} | {c.parent for c in new if c.parent}
    for cluster in new:
        best = None
        best_score = 0.0
        for candidate in unmatched_previous:
            if candidate.key == cluster.parent:
                continue
            score = 1.0 if candidate.key == cluster.key else _jaccard(candidate.keywords, cluster.keywords)
            if score > best_score:
                best, best_score = candidate, score
        if best is not None and best_score >= MATCH_MIN_JACCARD:
            unmatched_previous.remove(best)
            merged.append(replace(cluster, key=best.key, label=best.label, status=best.status))
            continue
        key = cluster.key
        if key in taken:
            key = cluster_key([*cluster.keywords[:2]], taken)
        taken.add(key)
        merged.append(replace(cluster, key=key))
    merged.extend(p for p in unmatched_previous if p.edited)
    return tuple(merged)
