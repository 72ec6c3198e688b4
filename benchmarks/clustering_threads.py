"""Emerging-topic clustering with the BLAS/OpenMP thread pools limited or not.

    .venv/bin/python benchmarks/clustering_threads.py [--comments 3000] [--rounds 3] [--data ../shared/data]

``cluster_comments`` (the number of clusters chosen by the Krzanowski-Lai index: 12 k-means
fits and one SVD) on waimai_10k's negative reviews, with ``threads=None`` (the libraries'
defaults: one thread per core), 1 and 2, the three interleaved for ``--rounds`` rounds. Reports
the median wall and CPU seconds of this process per setting; the results must be the same.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from threadpoolctl import threadpool_info  # noqa: E402

from analysis.clustering import cluster_comments  # noqa: E402
from analysis.text import TextPipeline  # noqa: E402
from benchmarks._setup import machine  # noqa: E402

DATA_DIRS = (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=next((p for p in DATA_DIRS if p.is_dir()), None))
    args = parser.parse_args()
    if args.data is None or not args.data.is_dir():
        sys.exit("no shared/data beside the checkout: give --data (its README lists the datasets)")
    with open(args.data / "zh" / "waimai_10k.csv", encoding="utf-8") as handle:
        texts = [row["review"] for row in csv.DictReader(handle) if row["label"] == "0"][: args.comments]
    pipeline = TextPipeline()
    docs = [pipeline.process(text) for text in texts]
    settings = {"default threads": None, "1 thread": 1, "2 threads": 2}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in settings}
    results = {}
    load_before = machine()["load"]
    for _round in range(args.rounds):
        for name, threads in settings.items():
            started, cpu = time.perf_counter(), time.process_time()
            result = cluster_comments(docs, seed=0, threads=threads)
            samples[name].append((time.perf_counter() - started, time.process_time() - cpu))
            results[name] = (result.k, result.assignments)
    info = machine()
    pools = sorted({(i["user_api"], i["internal_api"], i["num_threads"]) for i in threadpool_info()})
    print(
        f"machine: {info['cpu']}, nproc {info['nproc']}, Python {info['python']}; load average "
        f"before {load_before}, after {info['load']}; pools by default: {pools}"
    )
    print(
        f"{len(docs)} comments, k chosen: {results['1 thread'][0]}; "
        f"same clusters in every setting: {len(set(results.values())) == 1}"
    )
    print()
    print("| setting | median wall s | median CPU s | wall s of each round |")
    print("| --- | --- | --- | --- |")
    for name, values in samples.items():
        walls = [wall for wall, _cpu in values]
        cpus = [cpu for _wall, cpu in values]
        rounds = " / ".join(f"{wall:.2f}" for wall in walls)
        print(f"| {name} | {statistics.median(walls):.2f} | {statistics.median(cpus):.2f} | {rounds} |")


if __name__ == "__main__":
    main()
