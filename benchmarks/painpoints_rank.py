"""Throughput of the pain-point ranking, driver importance and export reading.

    .venv/bin/python benchmarks/painpoints_rank.py [--rows 1000000] [--topics 20]

Synthetic responses (seeded): an NPS score, 0-3 topics per comment, three segment columns. Each
measurement runs beside a baseline in the same process:

- ranking: ``painpoint_rank`` (impact, detractor rate, trend, segment lift with pairs) against a
  plain pandas loop that only computes mentions and impact per topic (``key in topics`` per row,
  then ``metric_compute`` on the rest), i.e. less work done the obvious way;
- drivers: relative weights against exact Shapley on the same data, 200 bootstrap resamples;
- reading: ``read_table`` against bare ``pandas.read_csv`` on the same GB18030 file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.drivers import driver_importance
from analysis.metrics import metric_compute
from analysis.painpoints import painpoint_rank
from analysis.report_io import read_table


def synthetic(rows: int, topics: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    keys = [f"topic_{i:02d}" for i in range(topics)]
    weights = 1.0 / np.arange(1, topics + 1)
    weights /= weights.sum()
    counts = rng.choice([0, 1, 1, 2, 3], rows)
    tagged = [list(rng.choice(keys, size=c, replace=False, p=weights)) if c else [] for c in counts]
    bad = np.array(["topic_00" in t or "topic_03" in t for t in tagged])
    scores = np.where(bad, rng.integers(0, 8, rows), rng.integers(5, 11, rows)).astype(float)
    scores[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "topics": tagged,
            "score": scores,
            "city": rng.choice(["北京", "上海", "广州", "深圳", "成都", "杭州"], rows),
            "district_type": rng.choice(["office", "residential", "business", "campus"], rows),
            "scenario": rng.choice(["peak", "night", "rain", "normal"], rows),
        }
    )


def baseline_rank(frame: pd.DataFrame) -> list[tuple[str, int, float | None]]:
    keys = sorted({k for t in frame["topics"] for k in t})
    overall = metric_compute(frame["score"], metric="nps").value
    out = []
    for key in keys:
        mask = frame["topics"].map(lambda t, key=key: key in t)
        rest = metric_compute(frame.loc[~mask, "score"], metric="nps").value
        out.append((key, int(mask.sum()), None if rest is None else rest - overall))
    return sorted(out, key=lambda r: -(r[2] or 0))


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}, pandas {pd.__version__}")

    frame, seconds = timed(synthetic, args.rows, args.topics)
    previous = synthetic(args.rows // 2, args.topics, seed=1)
    print(f"synthetic {args.rows:,} rows built in {seconds:.1f}s")

    ranked, ours = timed(
        painpoint_rank,
        frame,
        metric="nps",
        segment_columns=["city", "district_type", "scenario"],
        previous=previous,
    )
    naive, base = timed(baseline_rank, frame)
    assert [t.key for t in ranked[:2]] == [r[0] for r in naive[:2]]
    print(
        f"ranking   painpoint_rank {ours:7.2f}s ({args.rows / ours:,.0f} rows/s)  "
        f"baseline loop {base:7.2f}s ({args.rows / base:,.0f} rows/s)  speed-up x{base / ours:.1f}"
    )

    rng = np.random.default_rng(2)
    n = 5000
    items = rng.integers(1, 6, size=(n, 10)).astype(float)
    target = items @ np.linspace(1.0, 0.1, 10) + rng.normal(size=n) * 2
    drivers = pd.DataFrame(items, columns=[f"item_{i}" for i in range(10)]).assign(nps=target)
    columns = [f"item_{i}" for i in range(10)]
    _, weights = timed(driver_importance, drivers, target="nps", drivers=columns, n_boot=200)
    _, shapley = timed(
        driver_importance, drivers, target="nps", drivers=columns, n_boot=200, method="shapley"
    )
    print(
        f"drivers   relative weights {weights:6.2f}s  shapley {shapley:6.2f}s  "
        f"(10 items, {n} rows, 200 resamples)"
    )

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.csv"
        sample = pd.DataFrame(
            {
                "评论": ["配送太慢了，等了一个小时，饭菜都凉了"] * 200_000,
                "评分": rng.integers(0, 11, 200_000),
                "城市": rng.choice(["北京", "上海"], 200_000),
            }
        )
        sample.to_csv(path, index=False, encoding="gb18030")
        megabytes = path.stat().st_size / 1e6
        _, ours = timed(read_table, path, segment_columns=["城市"])
        _, base = timed(pd.read_csv, path, encoding="gb18030")
        print(
            f"reading   read_table {ours:6.2f}s ({megabytes / ours:.1f} MB/s)  "
            f"pandas.read_csv {base:6.2f}s ({megabytes / base:.1f} MB/s)  [{megabytes:.1f} MB GB18030]"
        )


if __name__ == "__main__":
    main()
