"""Evaluation of the text analysis on real data, as ../shared/data/EVALUATION.md describes.

Run by hand (not in the test suite); every figure is printed beside its baseline from the same
run, with fixed seeds:

    .venv/bin/python benchmarks/voc_eval.py [--data-dir ../shared/data] [--only clustering,...]

Sections: ``clustering`` (online_shopping_10_cats), ``painpoints``, ``painpoints_auto`` (the
whole analysis with ``--taxonomy auto``) and ``detractor`` (waimai_10k), ``mams`` (English
aspects). The data is read where it lies, never copied.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


import jieba  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import LatentDirichletAllocation  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    adjusted_mutual_info_score,
    adjusted_rand_score,
    f1_score,
    normalized_mutual_info_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from analysis.clustering import cluster_comments  # noqa: E402
from analysis.detractor import out_of_fold_likelihood  # noqa: E402
from analysis.painpoints import painpoint_rank  # noqa: E402
from analysis.taxonomy import TopicTagger, taxonomy_load  # noqa: E402
from analysis.text import TextPipeline  # noqa: E402
from analysis.text.stopwords import stopwords_zh  # noqa: E402
from analysis.voc_analysis import comments_analyse  # noqa: E402

SEED = 0
_WORDLIKE = re.compile(r"[\w\u3400-\u9fff]")
SECTIONS = ("clustering", "painpoints", "painpoints_auto", "detractor", "mams")

# EVALUATION.md: the themes a process owner must see among the top pain points of the negatives.
THEMES = {
    "delivery time": ("慢", "超时", "等了", "小时", "迟到", "晚"),
    "food temperature": ("凉了", "冷了", "凉", "冷"),
    "missing or wrong items": ("少送", "漏送", "送错", "漏"),
    "rider or service attitude": ("态度",),
    "taste": ("味道", "难吃"),
    "portion or price": ("分量", "量少", "贵"),
    "packaging or spills": ("洒", "漏汤", "包装"),
}

# MAMS categories <- food_delivery topics, read as a restaurant's (English terms only). Topics
# about the app, refunds and hygiene have no MAMS category; ambience, menu, place and
# miscellaneous have no topic in a delivery taxonomy, so their recall is 0 by construction.
MAMS_MAPPING = {
    "taste": "food",
    "food_temperature": "food",
    "delivery_time": "service",
    "merchant_preparation": "service",
    "rider_attitude": "staff",
    "portion_price": "price",
}
MAMS_CATEGORIES = ("food", "service", "staff", "price", "ambience", "menu", "place", "miscellaneous")


def default_data_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data"


def jieba_tokens(texts: list[str]) -> list[list[str]]:
    """Baseline tokens: bare ``jieba.lcut``, without punctuation and the shipped stopwords."""
    stop = stopwords_zh()
    return [[t for t in jieba.lcut(text) if _WORDLIKE.search(t) and t not in stop] for text in texts]


def _identity(x):
    return x


# -- clustering ---------------------------------------------------------------------------
def load_shopping(data: Path) -> tuple[list[str], np.ndarray]:
    """EVALUATION.md's sample of online_shopping_10_cats: texts and their categories."""
    frame = pd.read_csv(data / "zh" / "online_shopping_10_cats.csv").dropna(subset=["review"])
    frame["review"] = frame["review"].astype(str).str.replace("\ufeff", "", regex=False).str.strip()
    frame = frame[(frame["review"] != "") & (frame["review"] != "nan")]
    sample = pd.concat(
        [g.sample(min(len(g), 1000), random_state=SEED) for _, g in frame.groupby("cat", sort=True)]
    )
    return sample["review"].tolist(), sample["cat"].to_numpy()


def eval_clustering(data: Path, pipeline: TextPipeline) -> dict:
    texts, truth = load_shopping(data)
    docs = [pipeline.process(t) for t in texts]

    def scores(labels) -> dict:
        return {
            "NMI": round(normalized_mutual_info_score(truth, labels), 4),
            "AMI": round(adjusted_mutual_info_score(truth, labels), 4),
            "ARI": round(adjusted_rand_score(truth, labels), 4),
        }

    out = {"n": len(texts)}
    for name, k in (("system k=10", 10), ("system k chosen", None)):
        started = time.perf_counter()
        result = cluster_comments(docs, k=k, seed=SEED)
        seconds = round(time.perf_counter() - started, 1)
        # the first level: a sub-topic counts as the cluster it was split from
        parent = {c.key: c.parent or c.key for c in result.clusters}
        labels = [parent[a] if a is not None else "-" for a in result.assignments]
        out[name] = {
            **scores(labels),
            "k": result.k,
            "chosen_by": result.chosen_by,
            "score": result.score,
            "seconds": seconds,
        }
        if result.parents:
            out[f"{name}, sub-topics"] = {
                **scores([a if a is not None else "-" for a in result.assignments]),
                "topics": len(result.clusters),
                "split": [(s.key, s.mentions, s.k, s.outcome) for s in result.splits],
            }
    tokens = jieba_tokens(texts)
    tfidf = TfidfVectorizer(analyzer=_identity).fit_transform(tokens)
    out["baseline TF-IDF+KMeans(10)"] = scores(KMeans(10, n_init=10, random_state=SEED).fit_predict(tfidf))
    counts = CountVectorizer(analyzer=_identity).fit_transform(tokens)
    lda = LatentDirichletAllocation(10, random_state=SEED).fit_transform(counts)
    out["baseline LDA(10)"] = scores(lda.argmax(axis=1))
    return out


# -- waimai --------------------------------------------------------------------------------
def load_waimai(data: Path) -> pd.DataFrame:
    frame = pd.read_csv(data / "zh" / "waimai_10k.csv").dropna(subset=["review"])
    frame["review"] = frame["review"].astype(str)
    return frame


def eval_painpoints(data: Path, pipeline: TextPipeline) -> dict:
    frame = load_waimai(data)
    tagger = TopicTagger(taxonomy_load("food_delivery"), pipeline)
    docs = [pipeline.process(t) for t in frame["review"]]
    tags = [tagger.tag(d) for d in docs]
    negative = frame["label"].to_numpy() == 0
    comments = pd.DataFrame(
        {
            "topics": [[m.key for m in t] for t in tags],
            # label 0 (complaint) as CSAT 1, label 1 (praise) as CSAT 5
            "score": np.where(negative, 1.0, 5.0),
        }
    )
    ranked = painpoint_rank(comments, metric="csat")
    top = ranked[:10]
    rows = []
    theme_rank: dict[str, int] = {}
    for rank, topic in enumerate(top, start=1):
        in_topic = np.array([topic.key in [m.key for m in t] for t in tags])
        share_neg = in_topic[negative].mean()
        share_pos = in_topic[~negative].mean()
        matched = Counter(
            term
            for t, neg in zip(tags, negative, strict=True)
            if neg
            for m in t
            if m.key == topic.key
            for term in m.terms
        )
        names = [term for term, _ in matched.most_common(10)]
        # A topic stands for the theme most of its top terms name (漏汤 is a spill, not a missing item).
        hits = {theme: sum(any(w in n for w in words) for n in names) for theme, words in THEMES.items()}
        best = max(hits.values())
        themes = [theme for theme, count in hits.items() if count and count == best][:1]
        for theme in themes:
            theme_rank.setdefault(theme, rank)
        rows.append(
            {
                "rank": rank,
                "topic": topic.key,
                "impact": topic.impact,
                "mentions": topic.mentions,
                "lift": round(float(share_neg / share_pos), 2) if share_pos else None,
                "terms": names[:6],
                "themes": themes,
            }
        )
    last_theme_rank = max(theme_rank.values(), default=0)
    positive_above = [
        r["topic"] for r in rows if r["rank"] < last_theme_rank and (r["lift"] or 99) < 1 and not r["themes"]
    ]
    return {
        "theme_recall": f"{len(theme_rank)}/{len(THEMES)}",
        "missing_themes": [t for t in THEMES if t not in theme_rank],
        "positive_only_above_themes": positive_above,
        "top10": rows,
    }


def eval_painpoints_auto(data: Path, pipeline: TextPipeline) -> dict:
    """The whole analysis (``comments_analyse``, what ``manage.py painpoints`` runs) with the default
    ``--taxonomy auto``: the taxonomy's decision and the seven themes among the top ten of the
    one ranking that holds taxonomy and discovered topics."""
    frame = load_waimai(data)
    negative = frame["label"].to_numpy() == 0
    report = comments_analyse(
        frame["review"].tolist(),
        scores=np.where(negative, 1.0, 5.0),
        metric="csat",
        taxonomy=taxonomy_load("food_delivery"),
    ).report
    rows = []
    theme_rank: dict[str, int] = {}
    for rank, topic in enumerate(report["topics"][:12], start=1):
        themes = []
        if topic["source"] == "taxonomy":
            names = [m["term"] for m in topic["matched_terms"]]
            hits = {theme: sum(any(w in n for w in words) for n in names) for theme, words in THEMES.items()}
            best = max(hits.values())
            themes = [theme for theme, count in hits.items() if count and count == best][:1]
        for theme in themes:
            theme_rank.setdefault(theme, rank)
        rows.append(
            {
                "rank": rank,
                "source": topic["source"],
                "label": topic["label"]["zh-hans"],
                "impact": round(topic["impact"], 2) if topic["impact"] is not None else None,
                "mentions": topic["mentions"],
                "themes": themes,
                "example": topic["examples"][0]["text"] if topic["examples"] else None,
            }
        )
    return {
        "taxonomy": report["summary"]["taxonomy"],
        "discovered": report["summary"]["discovered"],
        "theme_recall_top10": f"{sum(1 for r in theme_rank.values() if r <= 10)}/{len(THEMES)}",
        "theme_ranks": theme_rank,
        "top12": rows,
    }


def eval_detractor(data: Path, pipeline: TextPipeline) -> dict:
    frame = load_waimai(data)
    texts = frame["review"].tolist()
    y = (frame["label"].to_numpy() == 0).astype(int)  # detractor = negative review
    started = time.perf_counter()
    docs = [pipeline.process(t) for t in texts]
    likelihood = out_of_fold_likelihood(docs, [bool(v) for v in y], n_splits=5, seed=SEED)
    system_seconds = time.perf_counter() - started
    # Baseline: jieba unigrams + bigrams, TF-IDF, logistic regression, the same folds.
    tokens = jieba_tokens(texts)
    baseline = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, test in folds.split(np.zeros(len(y)), y):
        vectorizer = TfidfVectorizer(analyzer=_identity)
        bigrams = [t + [a + b for a, b in itertools.pairwise(t)] for t in tokens]
        x_train = vectorizer.fit_transform([bigrams[i] for i in train])
        model = LogisticRegression(max_iter=2000).fit(x_train, y[train])
        baseline[test] = model.predict_proba(vectorizer.transform([bigrams[i] for i in test]))[:, 1]

    def scores(p: np.ndarray) -> dict:
        predicted = (p >= 0.5).astype(int)
        return {
            "AUROC": round(roc_auc_score(y, p), 4),
            "F1 (detractor class)": round(f1_score(y, predicted), 4),
            "accuracy": round(accuracy_score(y, predicted), 4),
        }

    return {
        "system": {**scores(likelihood), "seconds": round(system_seconds, 1)},
        "baseline jieba uni+bigram TF-IDF + LR": scores(baseline),
    }


# -- MAMS ---------------------------------------------------------------------------------
def eval_mams(data: Path, pipeline: TextPipeline) -> dict:
    tagger = TopicTagger(taxonomy_load("food_delivery"), pipeline)
    sentences = []
    for split in ("train", "val", "test"):
        root = ET.parse(data / "en" / f"mams_acsa_{split}.xml").getroot()  # noqa: S314
        for sentence in root.iter("sentence"):
            negative = {
                a.get("category") for a in sentence.iter("aspectCategory") if a.get("polarity") == "negative"
            }
            sentences.append((sentence.findtext("text") or "", negative))
    per = {c: Counter() for c in MAMS_CATEGORIES}
    for text, negative in sentences:
        tagged = {MAMS_MAPPING[m.key] for m in tagger.tag(pipeline.process(text)) if m.key in MAMS_MAPPING}
        for category in MAMS_CATEGORIES:
            predicted = category in tagged
            actual = category in negative
            per[category][
                "tp" if predicted and actual else "fp" if predicted else "fn" if actual else "tn"
            ] += 1
    rows = {}
    f1s = []
    for category, c in per.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        rows[category] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "F1": round(f1, 4),
            "negative": c["tp"] + c["fn"],
        }
    mapped = sorted(set(MAMS_MAPPING.values()))
    return {
        "sentences": len(sentences),
        "per_category": rows,
        "macro_F1_all_8": round(float(np.mean(f1s)), 4),
        "macro_F1_mapped": round(float(np.mean([rows[c]["F1"] for c in mapped])), 4),
        "mapped_categories": mapped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VOC_DATA_DIR", default_data_dir()))
    )
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    import django

    django.setup()
    pipeline = TextPipeline()
    results = {}
    for section in args.only.split(","):
        started = time.perf_counter()
        results[section] = globals()[f"eval_{section}"](args.data_dir, pipeline)
        results[section]["section_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps({section: results[section]}, ensure_ascii=False, indent=1), flush=True)


if __name__ == "__main__":
    main()
