"""Each review domain on the data held, run through the whole analysis with ``--taxonomy auto``.

Run by hand (not in the test suite), a few minutes on 2 cores:

    .venv/bin/python benchmarks/domains.py [--data-dir ../shared/data] [--per-domain 600]

Domains: every category of online_shopping_10_cats (书籍, 平板, 手机, 水果, 洗发水, 热水器, 蒙牛,
衣服, 计算机, 酒店; a sample of ``--per-domain`` reviews each, ``random_state=0``), waimai_10k (the
food-delivery reference, same sample size), and the UCI yelp and amazon sentences (English, all
1,000 each). The label is the score proxy: 0 (negative) is CSAT 1 (a detractor), 1 is CSAT 5.

Printed per domain: the taxonomy's coverage (comments and clauses), whether it was used, the
number of ranked topics and of discovered ones, the top five pain points' labels, and whether
any of those five is named in food-delivery words (配送, 骑手, 送餐, 外卖, delivery, rider ...);
outside waimai none should be. When nothing ranks: why (``summary.ranking``) and the strength
most complained about. The data is read where it lies, never copied.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import jieba  # noqa: E402

from analysis.taxonomy import taxonomy_load  # noqa: E402
from analysis.voc_analysis import comments_analyse  # noqa: E402

SEED = 0
TOP = 5
# Words that name a food-delivery pain point: none belongs in another domain's top pain points.
DELIVERY_WORDS = (
    "配送",
    "骑手",
    "送餐",
    "外卖",
    "餐品",
    "出餐",
    "超时",
    "delivery",
    "rider",
    "courier",
)


def default_data_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data"


def domains(data: Path, per_domain: int) -> list[tuple[str, list[str], np.ndarray]]:
    out = []
    frame = pd.read_csv(data / "zh" / "online_shopping_10_cats.csv").dropna(subset=["review"])
    frame["review"] = frame["review"].astype(str).str.replace("\ufeff", "", regex=False).str.strip()
    frame = frame[frame["review"] != ""]
    for category, group in frame.groupby("cat", sort=True):
        sample = group.sample(min(len(group), per_domain), random_state=SEED)
        out.append((str(category), sample["review"].tolist(), sample["label"].to_numpy()))
    waimai = pd.read_csv(data / "zh" / "waimai_10k.csv").dropna(subset=["review"])
    sample = waimai.sample(min(len(waimai), per_domain), random_state=SEED)
    out.append(("waimai_10k", sample["review"].astype(str).tolist(), sample["label"].to_numpy()))
    for name in ("uci_yelp_labelled.txt", "uci_amazon_cells_labelled.txt"):
        english = pd.read_csv(data / "en" / name, sep="\t", header=None, quoting=3, names=["review", "label"])
        out.append(
            (name.removesuffix(".txt"), english["review"].astype(str).tolist(), english["label"].to_numpy())
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VOC_DATA_DIR", default_data_dir()))
    )
    parser.add_argument("--per-domain", type=int, default=600)
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    import django

    django.setup()
    taxonomy = taxonomy_load("food_delivery")
    failures = []
    for name, texts, labels in domains(args.data_dir, args.per_domain):
        started = time.perf_counter()
        report = comments_analyse(
            texts, scores=np.where(labels == 0, 1.0, 5.0), metric="csat", taxonomy=taxonomy
        ).report
        seconds = time.perf_counter() - started
        fit = report["summary"]["taxonomy"]
        language = report["summary"]["language"]
        top = [t["label"][language] for t in report["topics"][:TOP]]
        delivery = [label for label in top if any(w in label.lower() for w in DELIVERY_WORDS)]
        if delivery and name != "waimai_10k":
            failures.append(name)
        outcome = report["summary"]["ranking"]
        why = ""
        if not report["topics"]:
            nearest = outcome["most_complained"]
            why = f"\n  nothing ranks: {outcome['reason']}, {outcome['strengths']} strengths" + (
                f"; most complained about: {nearest['label'][language]} "
                f"({nearest['complaint_mentions']} complaint / {nearest['mentions']} praise mentions)"
                if nearest
                else ""
            )
        print(
            f"{name}: n={len(texts)} coverage={fit['coverage']:.3f} "
            f"clause_coverage={fit['clause_coverage']:.3f} "
            f"used={fit['used']} topics={len(report['topics'])} discovered={report['summary']['discovered']} "
            f"({seconds:.1f} s)\n  top {TOP}: {' | '.join(top)}\n  food-delivery names: "
            f"{', '.join(delivery) if delivery else 'none'}{why}",
            flush=True,
        )
    print(
        f"domains named in food-delivery words (waimai aside): {', '.join(failures) if failures else 'none'}"
    )


if __name__ == "__main__":
    main()
