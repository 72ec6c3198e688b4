"""Throughput of the text analysis, as ../shared/data/EVALUATION.md ("Throughput") describes.

    .venv/bin/python benchmarks/voc_throughput.py [--n 1000000] [--corpus waimai|mixed]

Measured in one run, on the same comments (waimai_10k reviews repeated to ``--n``; ``mixed``
interleaves them with the UCI Yelp sentences and Chinese-English blends):

1. floor: bare ``jieba.lcut`` (jieba's defaults), one process;
2. first pass, one process: normalise, detect the language, segment, phrases, tag topics
   (food_delivery taxonomy), detractor likelihood (a model fitted on waimai_10k beforehand,
   not timed; scored in batches by ``analysis.first_pass.analyse_many``), results kept as they
   would be stored;
3. re-analysis from the stored results: pain-point ranking (``analysis.painpoints``) and
   keywords of every topic, without segmenting anything again;
4. the first pass on 2 processes (each its own pipeline, warmed up before timing).

Peak memory is ``ru_maxrss`` of this process (and of the worker processes, separately).
Rates are given per wall-clock second and per CPU second of this process
(``time.process_time``): on a machine shared with other work the CPU-time ratios are the
steadier comparison; the 2-process speed-up can only be measured on the wall clock.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import jieba  # noqa: E402

from analysis.detractor import detractor_model_fit  # noqa: E402
from analysis.first_pass import analyse_many  # noqa: E402
from analysis.keywords import keywords_scopes  # noqa: E402
from analysis.painpoints import painpoint_rank  # noqa: E402
from analysis.taxonomy import TopicTagger, taxonomy_load  # noqa: E402
from analysis.text import TextPipeline  # noqa: E402

_worker: dict = {}


def default_data_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data"


def corpus(data: Path, n: int, kind: str) -> tuple[list[str], list[str], np.ndarray]:
    """``n`` comments, the waimai reviews (for the model) and their labels."""
    waimai = pd.read_csv(data / "zh" / "waimai_10k.csv").dropna(subset=["review"])
    reviews = waimai["review"].astype(str).tolist()
    labels = waimai["label"].to_numpy() == 0
    base = reviews
    if kind == "mixed":
        yelp = [
            line.rsplit("\t", 1)[0]
            for line in (data / "en" / "uci_yelp_labelled.txt").read_text(encoding="utf-8").splitlines()
            if "\t" in line
        ]
        base = []
        for i, review in enumerate(reviews):
            english = yelp[i % len(yelp)]
            base.append(review if i % 3 == 0 else english if i % 3 == 1 else f"{review} {english}")
    repeats = -(-n // len(base))
    return (base * repeats)[:n], reviews, labels


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def first_pass(texts, pipeline, tagger, model) -> list[tuple]:
    """What the analysis queue stores per comment (``analyse_many``: likelihoods in batches)."""
    return [
        (doc, tuple(m.key for m in topics), likelihood)
        for doc, topics, likelihood in analyse_many(texts, pipeline=pipeline, tagger=tagger, model=model)
    ]


def _init(model) -> None:
    jieba.setLogLevel(logging.WARNING)
    pipeline = TextPipeline()
    _worker.update(
        pipeline=pipeline, tagger=TopicTagger(taxonomy_load("food_delivery"), pipeline), model=model
    )
    first_pass(["预热一下", "warm up"], pipeline, _worker["tagger"], model)


def _chunk(texts: list[str]) -> int:
    stored = first_pass(texts, _worker["pipeline"], _worker["tagger"], _worker["model"])
    return sum(len(topics) for _, topics, _ in stored)


def reanalyse(stored: list[tuple], scores: np.ndarray) -> tuple[int, int]:
    frame = pd.DataFrame({"topics": [list(t) for _, t, _ in stored], "score": scores})
    ranked = painpoint_rank(frame, metric="csat")
    keywords = keywords_scopes([doc.terms for doc, _, _ in stored], [t for _, t, _ in stored], top=10)
    return len(ranked), sum(len(k) for k in keywords.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--corpus", choices=("waimai", "mixed"), default="waimai")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VOC_DATA_DIR", default_data_dir()))
    )
    parser.add_argument("--chunk", type=int, default=20_000)
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    texts, reviews, labels = corpus(args.data_dir, args.n, args.corpus)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    pipeline = TextPipeline()
    tagger = TopicTagger(taxonomy_load("food_delivery"), pipeline)
    model = detractor_model_fit([pipeline.process(r) for r in reviews], labels)
    first_pass(texts[:2000], pipeline, tagger, model)  # warm caches (lemmas, token classes)
    results: dict = {"n": args.n, "corpus": args.corpus, "MB": round(megabytes, 1)}

    clock = {}

    def start() -> None:
        clock["wall"], clock["cpu"] = time.perf_counter(), time.process_time()

    def record(name: str, seconds: float | None = None) -> None:
        wall = time.perf_counter() - clock["wall"] if seconds is None else seconds
        cpu = time.process_time() - clock["cpu"]
        results[name] = {
            "seconds": round(wall, 2),
            "comments_per_s": round(args.n / wall),
            "MB_per_s": round(megabytes / wall, 2),
            "cpu_seconds": round(cpu, 2),
            "comments_per_cpu_s": round(args.n / cpu) if cpu > 0 else None,
        }
        print(name, results[name], flush=True)

    start()
    for text in texts:
        jieba.lcut(text)
    record("bare jieba.lcut")
    start()
    for text in texts:
        jieba.lcut(text, HMM=False)
    record("bare jieba.lcut HMM=False")

    start()
    stored = first_pass(texts, pipeline, tagger, model)
    record("first pass, 1 process")
    results["peak_MB_after_first_pass"] = round(rss_mb())

    scores = np.where(np.array([likelihood > 0.5 for _, _, likelihood in stored]), 1.0, 5.0)
    start()
    topics, keywords = reanalyse(stored, scores)
    record("re-analysis from stored results")
    results["re-analysis"] = {"topics": topics, "keywords": keywords}
    results["peak_MB_main_process"] = round(rss_mb())
    del stored

    chunks = [texts[i : i + args.chunk] for i in range(0, len(texts), args.chunk)]
    context = multiprocessing.get_context("fork")
    with context.Pool(2, initializer=_init, initargs=(model,)) as pool:
        pool.map(_chunk, [["预热"]] * 4)  # both workers initialised before timing
        start()
        tagged = sum(pool.imap_unordered(_chunk, chunks))
        record("first pass, 2 processes")  # its CPU figures are this idle parent's
    results["2 processes tagged topics"] = tagged
    results["peak_MB_worker"] = round(rss_mb(resource.RUSAGE_CHILDREN))

    bare = results["bare jieba.lcut"]["comments_per_s"]
    one = results["first pass, 1 process"]["comments_per_s"]

    def cpu_ratio(a: str, b: str) -> float:
        return round(results[a]["comments_per_cpu_s"] / results[b]["comments_per_cpu_s"], 3)

    results["cpu_time_ratios"] = {
        "first pass / bare jieba.lcut (target >= 0.80)": cpu_ratio(
            "first pass, 1 process", "bare jieba.lcut"
        ),
        "re-analysis / first pass (target >= 10)": cpu_ratio(
            "re-analysis from stored results", "first pass, 1 process"
        ),
    }
    results["ratios"] = {
        "first pass / bare jieba.lcut (target >= 0.80)": round(one / bare, 3),
        "first pass / bare jieba.lcut HMM=False": round(
            one / results["bare jieba.lcut HMM=False"]["comments_per_s"], 3
        ),
        "re-analysis / first pass (target >= 10)": round(
            results["re-analysis from stored results"]["comments_per_s"] / one, 1
        ),
        "2 processes / 1 process (target >= 1.7)": round(
            results["first pass, 2 processes"]["comments_per_s"] / one, 2
        ),
        "peak MB (target < 2048)": max(results["peak_MB_main_process"], results["peak_MB_worker"]),
    }
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
