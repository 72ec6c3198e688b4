"""English display words: real words for lemmas, no repeated token in a phrase."""

from analysis.taxonomy import taxonomy_load
from analysis.text import TextPipeline
from analysis.text.display import SurfaceForms, topic_name
from analysis.voc_analysis import comments_analyse


def test_a_lemma_that_is_no_word_shows_the_most_used_word():
    forms = SurfaceForms(
        ["my order was cancelled", "they cancelled it again", "cancelling is easy", "i wait"]
    )
    # simplemma's lemma of "cancelled" and "cancelling" is "cancell"
    assert forms.word("cancell") == "cancelled"
    assert forms.word("wait") == "wait"  # used as a word: the lemma itself
    assert forms.word("unseen") == "unseen"
    assert forms.term("cancell order") == "cancelled order"
    assert forms.term("broadband broadband") == "broadband"
    assert forms.term("not cancell") == "not cancelled"
    assert forms.term("送餐慢") == "送餐慢"


def test_a_phrase_shows_as_the_comments_write_it():
    texts = ["the tasting menu was long", "a tasting menu", "Tasting menus are fine", "i taste it"]
    forms = SurfaceForms([t.casefold() for t in texts], phrases=["taste menu", "taste long"])
    # "taste" is a word of its own, yet the phrase is written "tasting menu"
    assert forms.word("taste") == "taste"
    assert forms.term("taste menu") == "tasting menu"
    # a phrase never written as one run of words: word by word
    assert forms.term("taste long") == "taste long"
    # a phrase not asked for: word by word
    assert forms.term("menu long") == "menu long"


def test_phrases_never_repeat_a_token():
    doc = TextPipeline().process("the broadband broadband speed broadband is slow")
    assert "broadband broadband" not in doc.phrases
    assert not [p for p in doc.phrases if len(p.split()) != len(set(p.split()))]
    assert doc.phrases[:2] == ("broadband speed", "speed broadband")


def test_report_keywords_are_real_english_words():
    # given English comments about cancelled orders, no taxonomy (every comment clustered)
    texts = ["My order was cancelled again", "They cancelled my order", "Order cancelled twice"] * 4 + [
        "Broadband broadband is down",
        "The broadband is down again",
        "broadband down all week",
    ] * 4
    # when analysed
    report = comments_analyse(texts, taxonomy=None, clusters=2).report
    # then no keyword shows the lemma "cancell", and no phrase repeats a word (before:
    # ["order cancell", "broadband", "cancell", "order", "broadband broadband"], ...)
    assert [cluster["keywords"] for cluster in report["emerging"]] == [
        ["broadband", "order cancelled", "cancelled", "order", "week"],
        ["cancelled order", "cancelled", "order"],
    ]


def test_ranked_topic_keywords_are_real_english_words():
    texts = ["The food was cold, order cancelled", "cold food and the order was cancelled"] * 3
    report = comments_analyse(texts, taxonomy=taxonomy_load("food_delivery")).report
    assert [(t["key"], [k["term"] for k in t["keywords"]][:5]) for t in report["topics"]] == [
        ("food_temperature", ["cancelled", "cold", "food", "order", "order cancelled"])
    ]


def test_the_platform_names_an_emerging_topic_as_the_command_does():
    keywords = ["隔音", "隔音差", "噪音", "房间"]
    assert topic_name(keywords) == "隔音差 / 噪音"
    assert topic_name(keywords, parts=1) == "隔音差"
    # no usable keyword: no name (the caller shows the topic's key instead)
    assert topic_name(["里"]) == ""
