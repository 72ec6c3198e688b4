"""Ways to choose the number of emerging-topic clusters, compared on online_shopping_10_cats.

Run by hand (not in the test suite), single-threaded so the figures repeat under load:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cluster_k_selection.py [--data-dir ../shared/data]
        [--components 20]

Every criterion sees the system's own vectors (``analysis.clustering.embed``, seed 0) and the
system's k-means fits (10 initialisations, seed 0) for k = 2..20 (``--components`` changes the
LSA dimension, to see how each criterion depends on it), never the categories; the
categories only score the k each criterion picks (NMI against ``cat``, comments without a
subject word count as one more cluster, as in voc_eval.py). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import jieba  # noqa: E402
from sklearn.cluster import AgglomerativeClustering, KMeans  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.preprocessing import normalize  # noqa: E402

from analysis.clustering import (  # noqa: E402
    DEFAULT_K_RANGE,
    SVD_COMPONENTS,
    choose_k,
    embed,
    k_upper_bound,
    subject_terms,
)
from benchmarks.voc_eval import default_data_dir, load_shopping  # noqa: E402

SEED = 0
K_MAX = 20  # the sweep goes past the system's range to see whether a criterion depends on its top
SAMPLE = 2000  # silhouette sample
BOOTSTRAP = 5


def _fit(vectors: np.ndarray, k: int, seed: int = SEED, n_init: int = 10) -> KMeans:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(vectors)


def _argmax(scores: dict[int, float], high: int | None = None) -> int:
    return max((k for k in scores if high is None or k <= high), key=lambda k: scores[k])


def _kneedle(ks: list[int], inertia: list[float]) -> int:
    """Satopaa et al. 2011 for a decreasing convex curve: the k farthest below the chord."""
    x = (np.array(ks) - ks[0]) / (ks[-1] - ks[0])
    y = (np.array(inertia) - min(inertia)) / (max(inertia) - min(inertia))
    return ks[int(np.argmax((1 - y) - x))]


def _stability(vectors: np.ndarray, ks: range, rng: np.random.Generator) -> dict[int, float]:
    """Mean ARI between k-means fitted on two 80 % subsamples, compared on every point."""
    n = len(vectors)
    out = {}
    for k in ks:
        values = []
        for b in range(BOOTSTRAP):
            a = rng.choice(n, int(0.8 * n), replace=False)
            c = rng.choice(n, int(0.8 * n), replace=False)
            first = _fit(vectors[a], k, b, 3).predict(vectors)
            second = _fit(vectors[c], k, 100 + b, 3).predict(vectors)
            values.append(adjusted_rand_score(first, second))
        out[k] = float(np.mean(values))
    return out


def _prediction_strength(vectors: np.ndarray, ks: range, rng: np.random.Generator) -> dict[int, float]:
    """Tibshirani & Walther 2005, two halves, 3 repeats."""
    n = len(vectors)
    out = {}
    for k in ks:
        values = []
        for b in range(3):
            perm = rng.permutation(n)
            train, test = perm[: n // 2], perm[n // 2 :]
            test_labels = _fit(vectors[test], k, b, 3).labels_
            predicted = _fit(vectors[train], k, b, 3).predict(vectors[test])
            strengths = []
            for j in range(k):
                members = predicted[test_labels == j]
                m = len(members)
                if m >= 2:
                    counts = np.bincount(members, minlength=k)
                    strengths.append((counts * (counts - 1)).sum() / (m * (m - 1)))
            values.append(min(strengths))
        out[k] = float(np.mean(values))
    return out


def _gap(vectors: np.ndarray, ks: range, inertia: dict[int, float], rng: np.random.Generator) -> int:
    """Tibshirani et al. 2001, reference uniform over the principal-axes box, 5 references."""
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    rotated = centred @ axes.T
    references = [rng.uniform(rotated.min(0), rotated.max(0), size=rotated.shape) for _ in range(5)]
    gap, spread = {}, {}
    for k in [*ks, ks[-1] + 1]:
        logs = np.array([np.log(_fit(r, k, SEED, 1).inertia_) for r in references])
        gap[k] = logs.mean() - np.log(inertia[k])
        spread[k] = logs.std() * np.sqrt(1 + 1 / len(references))
    return next((k for k in ks if gap[k] >= gap[k + 1] - spread[k + 1]), ks[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VOC_DATA_DIR", default_data_dir()))
    )
    parser.add_argument("--components", type=int, default=SVD_COMPONENTS, help="LSA dimensions")
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    import django

    django.setup()
    from analysis.text import TextPipeline

    started = time.perf_counter()
    texts, truth = load_shopping(args.data_dir)
    pipeline = TextPipeline()
    docs = [pipeline.process(t) for t in texts]
    usable = [i for i, d in enumerate(docs) if subject_terms(d)]
    vectors = embed([docs[i] for i in usable], seed=SEED, components=args.components)
    n = len(vectors)

    def nmi(labels: np.ndarray) -> float:
        full = np.full(len(docs), "-", dtype=object)
        full[usable] = [str(label) for label in labels]
        return round(normalized_mutual_info_score(truth, full.astype(str)), 4)

    low, high = DEFAULT_K_RANGE
    high = k_upper_bound(n, high)
    ks = range(low, high + 1)
    fits = {k: _fit(vectors, k) for k in range(low, K_MAX + 1)}
    labels = {k: fit.labels_ for k, fit in fits.items()}
    inertia = {k: float(fit.inertia_) for k, fit in fits.items()}
    rng = np.random.default_rng(SEED)
    sample = rng.choice(n, SAMPLE, replace=False)
    silhouette = {
        k: float(silhouette_score(vectors[sample], labels[k][sample], metric="cosine")) for k in fits
    }
    half = rng.permutation(n)
    fit_half, held_out = half[: n // 2], half[n // 2 :][:SAMPLE]
    held_out_silhouette = {
        k: float(
            silhouette_score(
                vectors[held_out], _fit(vectors[fit_half], k).predict(vectors[held_out]), metric="cosine"
            )
        )
        for k in ks
    }
    # silhouette scaled down when the smallest cluster is under half the mean cluster size
    penalised = {k: silhouette[k] * min(1.0, 2 * np.bincount(labels[k]).min() / (n / k)) for k in fits}
    ch = {k: calinski_harabasz_score(vectors, labels[k]) for k in fits}
    db = {k: -davies_bouldin_score(vectors, labels[k]) for k in fits}
    within = {1: float(((vectors - vectors.mean(axis=0)) ** 2).sum()), **inertia}
    p = vectors.shape[1]

    def kl_diff(k: int) -> float:
        return (k - 1) ** (2 / p) * within[k - 1] - k ** (2 / p) * within[k]

    kl = {k: abs(kl_diff(k) / kl_diff(k + 1)) for k in range(low, K_MAX)}
    stability = _stability(vectors, ks, rng)
    strength = _prediction_strength(vectors, ks, rng)
    picks: dict[str, int] = {
        f"cosine silhouette, k {low}..{high} (the system before)": _argmax(silhouette, high),
        f"cosine silhouette, k {low}..{K_MAX}": _argmax(silhouette),
        "silhouette on a held-out half (k-means fitted on the other half)": _argmax(held_out_silhouette),
        "silhouette x min(1, 2 x smallest cluster / mean cluster size)": _argmax(penalised, high),
        f"Calinski-Harabasz, k {low}..{high}": _argmax(ch, high),
        f"Calinski-Harabasz, k {low}..{K_MAX}": _argmax(ch),
        f"Davies-Bouldin (lowest), k {low}..{high}": _argmax(db, high),
        f"Krzanowski-Lai, k {low}..{high} (the system now)": choose_k(vectors, DEFAULT_K_RANGE, SEED).k,
        f"Krzanowski-Lai, k {low}..{K_MAX - 1}": _argmax(kl),
        f"kneedle on inertia, k {low}..{high}": _kneedle(list(ks), [inertia[k] for k in ks]),
        f"kneedle on inertia, k {low}..{K_MAX}": _kneedle(list(fits), list(inertia.values())),
        "gap statistic (5 uniform references, first k with gap(k) >= gap(k+1) - s(k+1))": _gap(
            vectors, ks, inertia, rng
        ),
        "bootstrap stability (mean ARI of 5 pairs of 80 % subsamples), most stable k": _argmax(stability),
        "prediction strength >= 0.8, largest k": max((k for k in ks if strength[k] >= 0.8), default=1),
    }
    rows = {name: {"k": k, "NMI": nmi(labels[k]) if k in labels else None} for name, k in picks.items()}
    # over-cluster (k = 20), then merge clusters whose centroids are close (average linkage, cosine)
    centres = normalize(fits[K_MAX].cluster_centers_)
    for threshold in (0.4, 0.5, 0.6, 0.7):
        merge = AgglomerativeClustering(
            n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
        ).fit(centres)
        rows[f"k-means {K_MAX}, centroids merged below cosine distance {threshold}"] = {
            "k": int(merge.n_clusters_),
            "NMI": nmi(merge.labels_[labels[K_MAX]]),
        }
    out = {
        "n": len(docs),
        "components": vectors.shape[1],
        "clustered": n,
        "NMI by k": {k: nmi(labels[k]) for k in fits},
        "criteria": rows,
        "curves": {
            "silhouette": {k: round(v, 4) for k, v in silhouette.items()},
            "calinski_harabasz": {k: round(v, 1) for k, v in ch.items()},
            "davies_bouldin": {k: round(-v, 3) for k, v in db.items()},
            "stability": {k: round(v, 3) for k, v in stability.items()},
            "prediction_strength": {k: round(v, 3) for k, v in strength.items()},
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
