"""Sub-topics of emerging topics: the second level of clustering against the first level alone.

Run by hand (not in the test suite); k-means runs on one thread (threadpoolctl) so the
timings repeat on a shared machine:

    .venv/bin/python benchmarks/cluster_subtopics.py [--data-dir ../shared/data] [--repeat 3]

- waimai_10k: the comments no food_delivery topic covers (what the platform clusters), once
  with the first level only (``subtopic_share=None``, the baseline) and once with sub-topics
  (the defaults), in the same run. Per topic: size, keywords, two example comments; for each
  partition: the mean NPMI of each topic's top 5 keywords (document co-occurrence among the
  clustered comments; higher: the keywords belong together), the share of a topic's comments
  that hold one of those keywords (the label describes them), the cosine silhouette on the
  first level's vectors, and each split cluster's sub-topics' silhouette on the vectors they
  were found in; CPU-bound wall time of ``cluster_comments`` (best of ``--repeat``, embedding
  included).
- online_shopping_10_cats (EVALUATION.md's sample): NMI, AMI, ARI against the category of the
  first level and of the sub-topics, for several ``subtopic_share`` values.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import jieba  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    adjusted_mutual_info_score,
    adjusted_rand_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from threadpoolctl import threadpool_limits  # noqa: E402

from analysis.clustering import (  # noqa: E402
    SUBTOPIC_MIN_SIZE,
    SUBTOPIC_SHARE,
    ClusteringResult,
    cluster_comments,
    embed,
    subject_terms,
)
from benchmarks.voc_eval import default_data_dir, load_shopping, load_waimai  # noqa: E402

SEED = 0
SHARES = (None, 0.5, 0.3, 0.2, 0.1)


def npmi(keywords: tuple[str, ...], documents: list[frozenset[str]]) -> float | None:
    """Mean normalised PMI of the keyword pairs, over documents (Bouma 2009); a pair never seen
    together scores -1."""
    n = len(documents)
    values = []
    for a, b in itertools.combinations(keywords, 2):
        pa = sum(a in d for d in documents) / n
        pb = sum(b in d for d in documents) / n
        pab = sum(a in d and b in d for d in documents) / n
        if not pa or not pb:
            continue
        values.append(-1.0 if pab == 0 else (1.0 if pab == 1 else math.log(pab / (pa * pb)) / -math.log(pab)))
    return float(np.mean(values)) if values else None


def timed(docs, repeat: int, **options) -> tuple[ClusteringResult, float]:
    best = math.inf
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = cluster_comments(docs, seed=SEED, **options)
        best = min(best, time.perf_counter() - started)
    return result, round(best, 2)


def describe(result: ClusteringResult, docs, texts, vectors, usable, documents) -> dict:
    labels = [result.assignments[p] for p in usable]
    coherence = [npmi(c.keywords, documents) for c in result.clusters]
    weights = [c.mentions for c in result.clusters]
    row = {p: r for r, p in enumerate(usable)}
    covered = [
        sum(bool(documents[row[p]] & set(c.keywords)) for p in c.members) / c.mentions
        for c in result.clusters
    ]
    scored = [(v, w) for v, w in zip(coherence, weights, strict=True) if v is not None]
    out = {
        "topics": len(result.clusters),
        "first level k": result.k,
        "KL index": result.score,
        "NPMI of top 5 keywords, mean over topics": round(float(np.mean([v for v, _ in scored])), 4),
        "NPMI, weighted by mentions": round(
            float(np.average([v for v, _ in scored], weights=[w for _, w in scored])), 4
        ),
        "comments holding one of their topic's 5 keywords": round(
            float(np.average(covered, weights=weights)), 4
        ),
        "cosine silhouette on the first-level vectors": round(
            float(silhouette_score(vectors, labels, metric="cosine")), 4
        )
        if len(set(labels)) > 1
        else None,
        "sizes": [c.mentions for c in result.clusters],
    }
    if result.splits:
        out["splits"] = [
            {
                "cluster": s.key,
                "mentions": s.mentions,
                "k": s.k,
                "KL index": s.score,
                "Gap(k) - Gap(1)": s.gap,
                "s(k)": s.spread,
                "outcome": s.outcome,
            }
            for s in result.splits
        ]
        within = {}
        for parent in result.parents:
            local = embed([docs[p] for p in parent.members], seed=SEED)
            sub = [result.assignments[p] for p in parent.members]
            within[parent.key] = round(float(silhouette_score(local, sub, metric="cosine")), 4)
        out["cosine silhouette of each split cluster's sub-topics, on its own vectors"] = within
    out["by topic"] = [
        {
            "key": c.key,
            "parent": c.parent,
            "mentions": c.mentions,
            "keywords": list(c.keywords),
            "NPMI": None if v is None else round(v, 3),
            "keyword coverage": round(share, 3),
            "examples": [texts[e] for e in c.examples[:2]],
        }
        for c, v, share in zip(result.clusters, coherence, covered, strict=True)
    ]
    return out


def eval_waimai(data: Path, pipeline, repeat: int) -> dict:
    from analysis.taxonomy import TopicTagger, taxonomy_load

    frame = load_waimai(data)
    tagger = TopicTagger(taxonomy_load("food_delivery"), pipeline)
    all_docs = [pipeline.process(t) for t in frame["review"]]
    uncovered = [i for i, d in enumerate(all_docs) if not tagger.tag(d)]
    docs = [all_docs[i] for i in uncovered]
    texts = [frame["review"].iloc[i] for i in uncovered]
    usable = [i for i, d in enumerate(docs) if subject_terms(d)]
    vectors = embed([docs[i] for i in usable], seed=SEED)
    documents = [frozenset(subject_terms(docs[i])) for i in usable]
    flat, flat_seconds = timed(docs, repeat, subtopic_share=None)
    finer, finer_seconds = timed(docs, repeat)
    sweep = {}
    for share in SHARES[1:]:
        for min_size in (15, SUBTOPIC_MIN_SIZE, 60):
            result = cluster_comments(docs, seed=SEED, subtopic_share=share, subtopic_min_size=min_size)
            sweep[f"share {share}, min size {min_size}"] = len(result.clusters)
    negative = frame["label"].to_numpy()[uncovered] == 0
    return {
        "comments": len(docs),
        "with a subject word": len(usable),
        "negative (label 0)": int(negative.sum()),
        "defaults": {"subtopic_share": SUBTOPIC_SHARE, "subtopic_min_size": SUBTOPIC_MIN_SIZE},
        "baseline: first level only": describe(flat, docs, texts, vectors, usable, documents),
        "sub-topics": describe(finer, docs, texts, vectors, usable, documents),
        "seconds (best of repeats, one thread)": {
            "first level only": flat_seconds,
            "sub-topics": finer_seconds,
        },
        "topics by share and minimum size": sweep,
        "negative share by topic": {
            c.key: round(float(np.mean([negative[p] for p in c.members])), 3) for c in finer.clusters
        },
    }


def eval_shopping(data: Path, pipeline) -> dict:
    texts, truth = load_shopping(data)
    docs = [pipeline.process(t) for t in texts]

    def scores(labels) -> dict:
        return {
            "NMI": round(normalized_mutual_info_score(truth, labels), 4),
            "AMI": round(adjusted_mutual_info_score(truth, labels), 4),
            "ARI": round(adjusted_rand_score(truth, labels), 4),
        }

    out = {"n": len(texts)}
    for share in SHARES:
        result = cluster_comments(docs, seed=SEED, subtopic_share=share)
        parent = {c.key: c.parent or c.key for c in result.clusters}
        fine = [a if a is not None else "-" for a in result.assignments]
        first = [parent[a] if a is not None else "-" for a in result.assignments]
        out[f"share {share}"] = {
            "topics": len(result.clusters),
            "first level": {**scores(first), "k": result.k},
            "sub-topics": scores(fine),
            "split": [(s.key, s.mentions, s.k, s.outcome) for s in result.splits],
        }
        for p in result.parents:
            categories = Counter(truth[i] for i in p.members).most_common(6)
            out[f"share {share}"].setdefault("categories in split clusters", {})[p.key] = categories
            sub = [result.assignments[i] for i in p.members]
            cats = [truth[i] for i in p.members]
            out[f"share {share}"].setdefault("NMI inside split clusters", {})[p.key] = round(
                normalized_mutual_info_score(cats, sub), 4
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VOC_DATA_DIR", default_data_dir()))
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each variant (best kept)")
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    import django

    django.setup()
    from analysis.text import TextPipeline

    pipeline = TextPipeline()
    started = time.perf_counter()
    with threadpool_limits(1):
        out = {
            "waimai_10k uncovered": eval_waimai(args.data_dir, pipeline, args.repeat),
            "online_shopping_10_cats": eval_shopping(args.data_dir, pipeline),
        }
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
