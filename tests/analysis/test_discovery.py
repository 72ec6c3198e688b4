"""Taxonomy coverage and the auto decision, topic discovery on clauses, names, examples and the
highlighted HTML: pure functions, no database."""

import itertools

import numpy as np
import pytest

from analysis.clustering import nearest_centre
from analysis.discovery import (
    COVERAGE_THRESHOLD,
    TaxonomyFit,
    examples_pick,
    holds_keyword,
    taxonomy_fit,
    topic_label,
    topics_discover,
)
from analysis.report_render import highlight_html, report_language, report_to_html
from analysis.taxonomy import taxonomy_load
from analysis.text.clauses import clauses_split
from analysis.text.pipeline import TextPipeline
from analysis.voc_analysis import data_language

# Four subjects of hotel reviews; each review says three of them, one clause each.
SUBJECTS = [
    ["隔音很差", "隔音不好晚上吵", "房间隔音太差", "隔音效果一般"],
    ["早餐品种少", "早餐不好吃", "自助早餐一般", "早餐品种单一"],
    ["位置很方便", "位置离地铁近", "位置交通便利", "位置好找"],
    ["前台服务热情", "前台服务员态度好", "服务员很热情", "前台服务周到"],
]
HOTEL_REVIEWS = [
    f"{SUBJECTS[a][(n + v) % 4]}，{SUBJECTS[b][(n + v + 1) % 4]}，但是{SUBJECTS[c][(n + v + 2) % 4]}。"
    for n, (a, b, c) in enumerate(itertools.permutations(range(4), 3))
    for v in range(2)
]
DELIVERY_COMMENTS = [
    "送餐太慢了，等了两个小时",
    "骑手态度很差",
    "饭菜都凉了，味道一般",
    "很好吃，下次还点",
    "少送一份米饭",
    "包装很好，没有洒",
]


@pytest.fixture(scope="module")
def pipeline():
    return TextPipeline()


def test_clauses_split_at_punctuation_and_contrast_words():
    assert clauses_split("位置很好，但是隔音差。早餐一般  不过服务不错；不但便宜而且干净、安静") == [
        "位置很好",
        "隔音差",
        "早餐一般",
        "服务不错",
        "不但便宜而且干净、安静",
    ]
    assert clauses_split("The room was clean but the walls were thin. However, breakfast was great!") == [
        "The room was clean",
        "the walls were thin",
        "breakfast was great",
    ]
    assert clauses_split("  ，。 ") == []


def test_taxonomy_fit_decides_on_clause_coverage_at_the_threshold():
    assert COVERAGE_THRESHOLD == 0.25
    # auto: 1 clause of 4 covered is exactly the threshold -> used
    fit = taxonomy_fit(
        name="food_delivery", mode="auto", comments_matched=[True, False], clauses_matched=[1, 0, 0, 0]
    )
    assert fit == TaxonomyFit("food_delivery", 0.5, 0.25, 0.25, True, "covers")
    # auto: every comment matched, but only 2 of 9 clauses -> not used
    fit = taxonomy_fit(
        name="food_delivery", mode="auto", comments_matched=[True, True], clauses_matched=[1, 1] + [0] * 7
    )
    assert fit == TaxonomyFit("food_delivery", 1.0, 2 / 9, 0.25, False, "below_threshold")
    # a named taxonomy is forced whatever its coverage
    assert taxonomy_fit(
        name="food_delivery", mode="food_delivery", comments_matched=[False], clauses_matched=[False]
    ) == TaxonomyFit("food_delivery", 0.0, 0.0, 0.25, True, "forced")
    assert taxonomy_fit(name=None, mode="none", comments_matched=[], clauses_matched=[]) == TaxonomyFit(
        None, None, None, 0.25, False, "none_requested"
    )
    fit = taxonomy_fit(name="food_delivery", mode="auto", comments_matched=[], clauses_matched=[])
    assert fit == TaxonomyFit("food_delivery", None, None, 0.25, False, "no_comments")


def _analyse(texts, **kwargs):
    from analysis.voc_analysis import comments_analyse

    return comments_analyse(texts, **kwargs).report


def test_auto_uses_the_taxonomy_on_delivery_comments():
    report = _analyse(DELIVERY_COMMENTS, taxonomy=taxonomy_load("food_delivery"))
    # 5 of 6 comments, 7 of 10 clauses have a food_delivery topic (很好吃, 下次还点 and 没有洒 not)
    assert report["summary"]["taxonomy"] == {
        "name": "food_delivery",
        "coverage": 0.8333,
        "clause_coverage": 0.7,
        "threshold": 0.25,
        "used": True,
        "reason": "covers",
    }
    assert [t["key"] for t in report["topics"]][:2] == ["delivery_time", "food_temperature"]
    assert {t["source"] for t in report["topics"]} == {"taxonomy"}


def test_auto_does_not_rank_the_taxonomy_on_hotel_reviews():
    # 服务…差 would tag a rider-attitude complaint and 早餐不好吃 taste, yet most clauses are about
    # noise, location and the front desk
    texts = [*HOTEL_REVIEWS, "前台服务很差，早餐不好吃"]
    report = _analyse(texts, taxonomy=taxonomy_load("food_delivery"))
    fit = report["summary"]["taxonomy"]
    assert (fit["used"], fit["reason"]) == (False, "below_threshold")
    # 9 of 49 comments (18 %) but 10 of 146 clauses (7 %)
    assert (fit["coverage"], fit["clause_coverage"]) == (0.1837, 0.0685)
    assert {t["source"] for t in report["topics"]} == {"discovered"}
    assert not {"rider_attitude", "taste"} & {t["key"] for t in report["topics"]}
    # forced, the same taxonomy's topics are ranked
    forced = _analyse(texts, taxonomy=taxonomy_load("food_delivery"), taxonomy_mode="food_delivery")
    assert forced["summary"]["taxonomy"]["reason"] == "forced"
    assert {"rider_attitude", "taste"} <= {t["key"] for t in forced["topics"]}


def test_discovery_on_clauses_gives_one_topic_per_subject_and_a_review_feeds_three():
    report = _analyse(HOTEL_REVIEWS, taxonomy=None, scores=[1.0] * 24 + [5.0] * 24, metric="csat")
    assert report["summary"]["clauses"] == 144
    # each subject is in 36 of the 48 reviews: every review is in three topics
    emerging = {e["label"]["zh-hans"]: e["mentions"] for e in report["emerging"]}
    # the praised location is named by its top phrase 位置很方便 (a strength: its praise word)
    assert emerging == dict.fromkeys(["位置很方便 / 地铁", "前台 / 服务员", "早餐 / 品种", "隔音 / 吵"], 36)
    # the complaints are pain points, counted by their complaint mentions (隔音效果一般 and
    # 自助早餐一般 are neutral clauses: they take their review's polarity); the praised subjects are
    # strengths, never pain points
    topics = {t["label"]["zh-hans"]: t for t in report["topics"]}
    assert {label: t["mentions"] for label, t in topics.items()} == {"早餐 / 品种": 28, "隔音 / 吵": 29}
    strengths = {s["label"]["zh-hans"]: (s["mentions"], s["complaint_mentions"]) for s in report["strengths"]}
    assert strengths == {"前台 / 服务员": (36, 0), "位置很方便 / 地铁": (23, 9)}
    # ranked like any topic: share, detractor rate and impact
    noise = topics["隔音 / 吵"]
    assert (noise["source"], round(noise["share"], 4)) == ("discovered", 0.6042)
    assert noise["detractor_rate"] is not None and noise["impact"] is not None
    assert noise["label"] == {"zh-hans": "隔音 / 吵", "en": "隔音 / 吵"}
    # the emerging list still carries them, for compatibility
    assert sorted(e["key"] for e in report["emerging"]) == sorted(
        t["key"] for t in report["topics"] + report["strengths"]
    )
    # examples are distinct, and their highlighted terms are the topic's keywords they hold
    texts = [e["text"] for e in noise["examples"]]
    assert len(texts) == 5 and len(set(texts)) == 5
    assert all("隔音" in e["highlight"] and "隔音" in e["text"] for e in noise["examples"])


def test_a_member_clause_is_a_mention_only_when_it_holds_a_keyword(pipeline):
    # given three noise reviews three times and a review with no subject of its own
    texts = ["房间隔音很差，晚上很吵", "隔音不好，楼道噪音大", "晚上很吵，房间隔音差"] * 3 + ["再也不来了"]
    docs = [pipeline.process(t) for t in texts]
    clauses, owners = [], []
    for position, doc in enumerate(docs):
        for part in clauses_split(doc.text):
            clauses.append(pipeline.process(part))
            owners.append(position)
    # when one topic is discovered in their 19 clauses
    discovery = topics_discover(clauses, owners, docs, k=1, seed=0)
    # then k-means put every clause in it, but only those holding one of its five keywords are
    # its mentions: not 楼道噪音大 (噪音 is no keyword) and not 再也不来了
    (topic,) = discovery.topics
    assert discovery.clustering.clusters[0].mentions == 19
    assert topic.keywords == ("隔音", "吵", "差", "很吵", "房间")
    assert topic.clause_members == (0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17)
    assert (topic.clauses, topic.mentions, topic.members) == (15, 9, tuple(range(9)))
    assert [holds_keyword(clauses[c], topic.keywords) for c in (3, 18)] == [False, False]


@pytest.mark.parametrize(
    ("keywords", "polarity", "name"),
    [
        # a top phrase that adds a sentiment word replaces its keyword
        (("隔音", "隔音差", "噪音", "房间"), None, "隔音差 / 噪音"),
        (("新鲜", "不新鲜", "水果"), -1, "不新鲜 / 水果"),  # a negation before it
        # of the topic's sign when it is known: a pain point is not named 感觉不错
        (("感觉", "郁闷", "感觉不错", "感觉很"), None, "感觉不错 / 郁闷"),
        (("感觉", "郁闷", "感觉不错", "感觉很"), -1, "感觉 / 郁闷"),
        (("质量", "质量不错", "行", "质量很", "质量很好"), 1, "质量不错"),
        # no intensifier, function word or character that says nothing (款, 里, 行)
        (("满意", "很满意", "非常满意"), 1, "满意"),
        (("手机", "款手机", "款", "一款", "朋友"), None, "手机 / 一款"),
        (("房间", "房间里", "里", "房间小", "房间也"), None, "房间"),
        (("送到", "快递也", "快递"), None, "送到 / 快递"),  # 快递也 is cut off
        (("喝蒙牛", "蒙牛喝", "牛奶"), None, "喝蒙牛 / 牛奶"),  # 蒙牛喝 repeats 蒙牛
        # no run of Chinese content words (前台服务周到 is a clause, not a name)
        (("前台", "服务员", "热情", "前台服务周到"), None, "前台 / 服务员"),
        # a single character does not lead while a longer keyword is there; a sentiment
        # character (吵, 旧, 很差) may follow
        (("住", "入住", "下次"), None, "入住 / 下次"),
        (("设施", "旧", "老"), None, "设施 / 旧"),
        (("隔音", "吵", "差", "很差", "晚上"), -1, "隔音 / 吵"),
        (("差", "贵"), -1, "差 / 贵"),
        # English: a content word extends, no repeated token, no part repeating a word
        (("broadband broadband", "broadband", "slow broadband", "engineer"), -1, "slow broadband / engineer"),
        (("wait", "staff", "long", "wait staff", "minute"), -1, "wait staff / long"),
        (("good", "food", "very good", "good food", "selection"), 1, "good food / selection"),
        (("back", "anytime", "back anytime", "absolutely back"), 1, "back anytime"),
        ((), None, ""),
    ],
)
def test_topic_label_from_top_phrases(keywords, polarity, name):
    assert topic_label(keywords, polarity=polarity) == {"zh-hans": name, "en": name}


def test_examples_have_content_and_are_distinct(pipeline):
    noise = "房间隔音很差，晚上很吵"
    texts = ["房间", "中规中矩。", noise, noise, "隔音差，楼下酒吧噪音大"]
    docs = [pipeline.process(t) for t in texts]
    # nearest first: the empty ones and the repeated text are passed over
    assert examples_pick([0, 1, 2, 3, 4, 2], docs) == (2, 4)
    # only when nothing has content do the nearest distinct ones stand in
    assert examples_pick([1, 0, 1], docs) == (1, 0)


def test_nearest_centre_puts_empty_vectors_last():
    # a comment whose terms were all pruned has a zero vector; the centre of unit vectors is
    # nearer the origin than its members, so Euclidean distance put it first
    vectors = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    centre = np.array([0.3, 0.3])  # the mean of the three unit rows and the zero row, say
    assert np.linalg.norm(vectors - centre, axis=1).argmin() == 0
    assert nearest_centre(vectors, centre).tolist() == [3, 1, 2, 0]


def test_highlight_escapes_everything_and_marks_only_the_terms():
    text = '<script>alert("x")</script>服务态度差 & <b>Slow</b>'
    html = highlight_html(text, ["态度", "差", "slow", "<b>"])
    assert str(html) == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;服务<mark>态度</mark><mark>差</mark> &amp; "
        "<mark>&lt;b&gt;</mark><mark>Slow</mark>&lt;/b&gt;"
    )
    # overlapping terms: the longest wins, no nested marks
    assert str(highlight_html("隔音差", ["隔音", "隔音差"])) == "<mark>隔音差</mark>"
    assert str(highlight_html("a<b", None)) == "a&lt;b"


def test_html_report_highlights_examples_and_states_the_taxonomy_decision():
    report = {
        "topics": [
            {
                "key": "emerging-隔音-吵",
                "label": {"zh-hans": "隔音 / 吵", "en": "隔音 / 吵"},
                "source": "discovered",
                "mentions": 2,
                "examples": [{"text": "<img src=x onerror=alert(1)>隔音差", "highlight": ["隔音"]}],
            }
        ],
        "summary": {
            "language": "zh-hans",
            "discovered": 1,
            "taxonomy": {
                "name": "food_delivery",
                "coverage": 0.56,
                "clause_coverage": 0.09,
                "threshold": 0.25,
                "used": False,
                "reason": "below_threshold",
            },
        },
    }
    html = report_to_html(report, lang="en")
    assert "<li>&lt;img src=x onerror=alert(1)&gt;<mark>隔音</mark>差</li>" in html
    assert "<img" not in html
    assert (
        "Taxonomy food_delivery covers only 9.0% of the comments&#x27; clauses (56.0% of the comments), "
        "below the 25.0% it needs"
    ) in html
    chinese = report_to_html(report, lang="zh-hans")
    assert "分类体系 food_delivery 仅覆盖评论中 9.0% 的分句" in chinese


def test_report_language_follows_the_data_unless_forced():
    assert data_language({"zh": 3, "mixed": 1, "en": 4}) == "zh-hans"
    assert data_language({"zh": 3, "en": 4}) == "en"
    assert data_language({}) == "zh-hans"
    assert report_language({"summary": {"language": "en"}}) == "en"
    assert report_language({"summary": {"language": "en"}}, "zh-hans") == "zh-hans"
    assert report_language({}) == "zh-hans"


def test_share_counts_the_true_flags_of_any_sequence():
    from analysis.discovery import share
    from analysis.selectors.coverage import _Flags

    # a list, and the coverage's counted flags (3 true of 13, never listed one by one)
    assert share([True, False, True, False]) == 0.5
    assert share([]) is None
    flags = _Flags(3, 13)
    assert (flags.count(True), flags.count(False), len(flags)) == (3, 10, 13)
    assert share(flags) == share(list(flags)) == 3 / 13
