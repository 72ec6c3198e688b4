"""Aspect polarity on real data: the clause polarity of ``analysis.text.polarity`` against baselines.

Run by hand (not in the test suite); the data is read where it lies, never copied:

    .venv/bin/python benchmarks/aspect_polarity.py [--data-dir ../shared/data]

Protocol (the same for the system and the baselines): every (review, aspect) pair whose gold
label says the aspect is mentioned is one case, its gold polarity -1 negative, 0 neutral, 1
positive.

- ASAP (Chinese restaurant reviews, ``zh/asap_{train,dev}_sample.csv``, 200 reviews, 18 aspect
  columns; -2 "not mentioned" is dropped). MAMS (English restaurant sentences,
  ``en/mams_acsa.csv``, all three splits, 8 categories; each sentence holds two or more aspects
  with different polarities).
- The aspect is located by a short list of its own words (``ASAP_TERMS``, ``MAMS_TERMS`` below,
  written once for this benchmark: the aspect's nouns and the plain adjectives that name it).
- system: what ``manage.py painpoints`` writes as ``topic_polarity`` (``topic_polarity(...,
  neutral_from_comment=True)``): the polarity of the clauses holding the aspect's words (clauses
  cut at punctuation and contrast words, negation-aware); when those clauses are neutral, or
  none of its words occurs (and for MAMS ``miscellaneous``), the polarity of the whole comment
  from the same clauses.
- system, clauses only: the same without the whole comment for neutral clauses (a located
  aspect in a clause without sentiment words is neutral).
- baseline "lexicon": the whole comment's polarity from the same lexicon, without clauses or
  negation (``text_polarity(clauses=False, negation=False)``): what a plain sentiment word
  count gives every aspect of the comment.
- baseline "whole comment": the system's own whole-comment polarity (clauses and negation,
  no aspect location), to separate what the clause location adds from what negation adds.
- ASAP also: baseline "stars": 4-5 stars positive, 3 neutral, 1-2 negative, for every aspect.

Reported: accuracy and macro-F1 over the three classes (``sklearn.metrics``), and how many
cases the aspect's words located.

Section ``mams_complaints``: voc_eval's MAMS measure (the food_delivery topics a sentence is
tagged with, mapped to MAMS categories, against the categories marked negative; macro-F1 over
the four mapped categories) for the tags alone and for the tags whose ``topic_polarity`` is -1
(what a pain point counts).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.taxonomy import TopicTagger, taxonomy_load  # noqa: E402
from analysis.text import TextPipeline  # noqa: E402
from analysis.text.normalise import normalise_text  # noqa: E402
from analysis.text.polarity import (  # noqa: E402
    NEUTRAL,
    clauses_analyse,
    mention_polarity,
    polarity_of,
    text_polarity,
    topic_polarity,
)
from benchmarks.voc_eval import MAMS_MAPPING  # noqa: E402

ASAP_TERMS = {
    "location_traffic": ("交通", "地铁", "公交", "打车", "站"),
    "location_distance_from_business_district": ("商圈", "市中心", "附近", "距离", "地段", "位置"),
    "location_easy_to_find": ("好找", "难找", "找到", "地址", "导航", "位置"),
    "service_wait_time": ("排队", "等位", "等了", "等号", "等待", "取号"),
    "service_waiters_attitude": ("服务", "服务员", "态度", "店员", "老板", "热情"),
    "service_parking_convenience": ("停车", "车位"),
    "service_serving_speed": ("上菜", "出菜", "上得"),
    "price_level": ("价格", "价位", "贵", "便宜", "人均", "价钱"),
    "price_cost_effective": ("性价比", "划算", "实惠", "值"),
    "price_discount": ("团购", "优惠", "折", "券", "活动", "套餐"),
    "environment_decoration": ("装修", "环境", "风格", "布置", "灯光"),
    "environment_noise": ("吵", "安静", "噪音", "音乐", "嘈杂"),
    "environment_space": ("空间", "座位", "宽敞", "拥挤", "挤", "桌"),
    "environment_cleaness": ("干净", "卫生", "整洁", "脏"),
    "dish_portion": ("分量", "份量", "量"),
    "dish_taste": ("味道", "口味", "口感", "好吃", "难吃", "鲜", "嫩", "香"),
    "dish_look": ("卖相", "颜值", "好看", "摆盘", "外观"),
    "dish_recommendation": ("推荐", "必点", "招牌", "下次", "再来", "回头"),
}
MAMS_TERMS = {
    "food": (
        "food",
        "dish",
        "meal",
        "dinner",
        "lunch",
        "breakfast",
        "appetizer",
        "dessert",
        "entree",
        "taste",
    ),
    "service": ("service", "served", "wait", "waited"),
    "staff": ("staff", "waiter", "waitress", "server", "hostess", "host", "bartender", "manager", "chef"),
    "price": ("price", "priced", "expensive", "cheap", "cost", "bill", "money", "worth", "overpriced"),
    "ambience": ("ambience", "ambiance", "atmosphere", "decor", "music", "noise", "noisy", "loud"),
    "menu": ("menu", "selection", "option", "choice", "variety"),
    "place": ("place", "restaurant", "location", "table", "seat", "bar", "spot", "room"),
    "miscellaneous": (),
}
MAMS_POLARITY = {"negative": -1, "neutral": 0, "positive": 1}


def default_data_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data"


def scores(gold: list[int], predicted: list[int]) -> dict:
    return {
        "accuracy": round(accuracy_score(gold, predicted), 4),
        "macro_F1": round(f1_score(gold, predicted, labels=[-1, 0, 1], average="macro", zero_division=0), 4),
    }


def evaluate(
    cases: list[tuple[str, tuple[str, ...], int]], extra: dict[str, list[int]] | None = None
) -> dict:
    """``cases``: (raw comment, the aspect's words, gold polarity)."""
    gold, system, strict, lexicon, whole = [], [], [], [], []
    located = 0
    for raw, terms, label in cases:
        text = normalise_text(raw)[0]
        clauses = clauses_analyse(text)
        comment = polarity_of(sum(c.score for c in clauses))
        value = mention_polarity(text, terms, clauses=clauses) if terms else None
        located += value is not None
        gold.append(label)
        # as topic_polarity(..., neutral_from_comment=True) gives it
        system.append(comment if value is None or value == NEUTRAL else value)
        strict.append(comment if value is None else value)
        whole.append(comment)
        lexicon.append(text_polarity(text, clauses=False, negation=False))
    out = {
        "cases": len(gold),
        "located": located,
        "gold": {str(k): gold.count(k) for k in (-1, 0, 1)},
        "system (aspect clauses, neutral -> comment)": scores(gold, system),
        "system, clauses only": scores(gold, strict),
        "baseline lexicon (whole comment, no clauses or negation)": scores(gold, lexicon),
        "baseline whole comment (clauses and negation, no aspect)": scores(gold, whole),
    }
    for name, predicted in (extra or {}).items():
        out[name] = scores(gold, predicted)
    return out


def eval_asap(data: Path) -> dict:
    frames = [
        pd.read_csv(data / "zh" / f"asap_{part}_sample.csv", encoding="utf-8-sig")
        for part in ("train", "dev")
    ]
    frame = pd.concat(frames, ignore_index=True)
    cases, stars = [], []
    for _, row in frame.iterrows():
        star = float(row["star"])
        for aspect, terms in ASAP_TERMS.items():
            label = int(row[aspect])
            if label == -2:
                continue
            cases.append((str(row["reviewbody"]), terms, label))
            stars.append(1 if star >= 4 else 0 if star >= 3 else -1)
    return {"reviews": len(frame), **evaluate(cases, {"baseline stars": stars})}


def eval_mams(data: Path) -> dict:
    frame = pd.read_csv(data / "en" / "mams_acsa.csv")
    cases = [
        (str(row.text), MAMS_TERMS[row.category], MAMS_POLARITY[row.polarity])
        for row in frame.itertuples(index=False)
    ]
    return {"sentences": int(frame[["split", "sentence_idx"]].drop_duplicates().shape[0]), **evaluate(cases)}


def eval_mams_complaints(data: Path) -> dict:
    frame = pd.read_csv(data / "en" / "mams_acsa.csv")
    pipeline = TextPipeline()
    tagger = TopicTagger(taxonomy_load("food_delivery"), pipeline)
    mapped = sorted(set(MAMS_MAPPING.values()))
    counts = {kind: {c: [0, 0, 0] for c in mapped} for kind in ("tags", "tags with polarity -1")}
    for (_split, _index), group in frame.groupby(["split", "sentence_idx"], sort=False):
        negative = set(group.loc[group["polarity"] == "negative", "category"])
        doc = pipeline.process(str(group["text"].iloc[0]))
        matches = tagger.tag(doc)
        polarity = topic_polarity(doc.text, matches, neutral_from_comment=True)
        predicted = {
            "tags": {MAMS_MAPPING[m.key] for m in matches if m.key in MAMS_MAPPING},
            "tags with polarity -1": {
                MAMS_MAPPING[k] for k, v in polarity.items() if v == -1 and k in MAMS_MAPPING
            },
        }
        for kind, categories in predicted.items():
            for category in mapped:
                tp_fp_fn = counts[kind][category]
                if category in categories:
                    tp_fp_fn[0 if category in negative else 1] += 1
                elif category in negative:
                    tp_fp_fn[2] += 1
    out = {}
    for kind, per in counts.items():
        f1s = {}
        for category, (tp, fp, fn) in per.items():
            f1s[category] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
        out[kind] = {"macro_F1_mapped": round(sum(f1s.values()) / len(f1s), 4), "F1": f1s}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("VOC_DATA_DIR", default_data_dir()))
    )
    args = parser.parse_args()
    results = {}
    for name, run in (("asap", eval_asap), ("mams", eval_mams), ("mams_complaints", eval_mams_complaints)):
        started = time.perf_counter()
        results[name] = run(args.data_dir)
        results[name]["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
