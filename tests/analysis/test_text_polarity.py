"""Clause polarity of topic mentions: clauses, negation, intensifiers, zh and en."""

import pytest

from analysis.taxonomy import TopicMatch
from analysis.text.normalise import normalise_text
from analysis.text.polarity import (
    LEXICON_PATH,
    clause_spans,
    clauses_analyse,
    lexicon,
    mention_polarity,
    text_polarity,
    topic_polarity,
)
from analysis.text.segment import lemma_en


def norm(text):
    return normalise_text(text)[0]


def clause_polarities(text):
    text = norm(text)
    return [(text[c.start : c.end].strip(), c.polarity) for c in clauses_analyse(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # contrast words and punctuation cut clauses
        ("位置好，但隔音差", [("位置好", 1), ("隔音差", -1)]),
        ("房间有点旧，不过早餐很丰富", [("房间有点旧", -1), ("早餐很丰富", 1)]),
        ("很好吃，就是送得太慢", [("很好吃", 1), ("送得太慢", -1)]),
        ("Great location, but the room was noisy", [("great location", 1), ("the room was noisy", -1)]),
        (
            "The room was clean although the breakfast was poor",
            [("the room was clean", 1), ("the breakfast was poor", -1)],
        ),
        # Chinese: 不错 is praise, negation flips, two negations cancel
        ("味道不错", [("味道不错", 1)]),
        ("不好吃", [("不好吃", -1)]),
        ("不新鲜", [("不新鲜", -1)]),
        ("不太新鲜", [("不太新鲜", -1)]),
        ("不是很好", [("不是很好", -1)]),
        ("不是不好吃", [("不是不好吃", 1)]),
        ("没有问题", [("没有问题", 1)]),
        ("不推荐", [("不推荐", -1)]),
        # absence and excess without any sentiment word
        ("没有送到", [("没有送到", -1)]),
        ("别买", [("别买", -1)]),
        ("太油了", [("太油了", -1)]),
        # intensifiers; 好 before a sentiment word intensifies it
        ("太好了", [("太好了", 1)]),
        ("非常满意", [("非常满意", 1)]),
        ("好慢啊", [("好慢啊", -1)]),
        # longer words block the sentiment words inside them
        ("凉皮很好吃", [("凉皮很好吃", 1)]),
        ("一般般", [("一般般", 0)]),
        ("等了一个小时才到", [("等了一个小时才到", 0)]),
        # English: negation (contractions expanded), absence, excess, double meaning of "not bad"
        ("not good", [("not good", -1)]),
        ("The fish wasn't fresh", [("the fish wasn't fresh", -1)]),
        ("My order never arrived", [("my order never arrived", -1)]),
        ("I did not receive my order", [("i did not receive my order", -1)]),
        ("not bad", [("not bad", 1)]),
        ("no problem", [("no problem", 1)]),
        ("The staff were not at all helpful", [("the staff were not at all helpful", -1)]),
        ("The food was too salty", [("the food was too salty", -1)]),
        ("The wait was too long", [("the wait was too long", -1)]),
        ("The rider was lovely and fast", [("the rider was lovely and fast", 1)]),
        ("", []),
    ],
)
def test_clause_polarity_table(text, expected):
    assert clause_polarities(text) == expected


def test_clause_scores_weight_intensifiers_and_sum():
    text = norm("很好吃，好吃，太少了，没有送到")
    assert [c.score for c in clauses_analyse(text)] == [1.5, 1.0, -1.5, -0.5]
    assert text_polarity(text) == 1  # 1.5 + 1 - 1.5 - 0.5


def test_clause_spans_keeps_spans_of_the_text():
    text = norm("位置很好,但是隔音差!不过早餐不错")
    assert [text[a:b] for a, b in clause_spans(text)] == ["位置很好", "隔音差", "早餐不错"]
    # 不但 is "not only", 不过如此 a complaint: neither is a contrast word
    assert [norm("不但好吃而且便宜")[a:b] for a, b in clause_spans(norm("不但好吃而且便宜"))] == [
        "不但好吃而且便宜"
    ]


def test_baseline_without_clauses_or_negation_counts_words_alone():
    assert text_polarity(norm("不新鲜"), clauses=False, negation=False) == 1
    assert text_polarity(norm("不新鲜")) == -1
    assert text_polarity(norm("位置好，但隔音差，服务很差"), clauses=False, negation=False) == -1


@pytest.mark.parametrize(
    ("text", "matches", "expected"),
    [
        (
            "位置好，但隔音差",
            [TopicMatch("location", ("位置",)), TopicMatch("noise", ("隔音",))],
            {"location": 1, "noise": -1},
        ),
        (
            "味道不错，就是送餐太慢了",
            [TopicMatch("delivery_time", ("太慢",)), TopicMatch("taste", ("味道",))],
            {"delivery_time": -1, "taste": 1},
        ),
        # an A…B term is located by its head
        ("骑手态度很差，但是饭很好吃", [TopicMatch("rider_attitude", ("态度…差",))], {"rider_attitude": -1}),
        # English terms are located by their lemmas: "took forever" in "it took forever"
        (
            "The food was great but it took forever",
            [TopicMatch("delivery_time", ("took forever",)), TopicMatch("taste", ("dish", "food"))],
            {"delivery_time": -1, "taste": 1},
        ),
        # mentioned in a complaint and in praise: a complaint
        ("味道还行，味道有点咸", [TopicMatch("taste", ("味道",))], {"taste": -1}),
        ("", [], {}),
    ],
)
def test_topic_polarity_from_each_mention_clause(text, matches, expected):
    assert topic_polarity(norm(text), matches) == expected


def test_neutral_clause_takes_the_comment_polarity_when_asked():
    text = norm("等了一个小时才到，饭都凉了，太差了")
    match = [TopicMatch("delivery_time", ("等了",))]
    assert topic_polarity(text, match) == {"delivery_time": 0}
    assert topic_polarity(text, match, neutral_from_comment=True) == {"delivery_time": -1}
    # a term that does not occur takes the comment's polarity
    assert topic_polarity(text, [TopicMatch("x", ("不存在",))]) == {"x": -1}
    assert mention_polarity(text, ["不存在"]) is None


def test_lexicon_is_a_data_file_with_its_source():
    head = LEXICON_PATH.read_text(encoding="utf-8").splitlines()[:6]
    assert any("Source:" in line for line in head)
    words = lexicon()
    assert (words["不错"], words["差"], words["好久"], words["bad"]) == (1, -1, 0, -1)
    assert set(words.values()) == {-1, 0, 1}
    # English entries are kept as lemmas, so every inflection matches
    assert (lemma_en("disappointed"), words[lemma_en("disappointed")]) == ("disappoint", -1)
    assert text_polarity(norm("We were disappointed")) == -1
