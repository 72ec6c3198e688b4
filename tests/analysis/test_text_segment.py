"""DomainTokenizer cuts exactly as jieba does (without the HMM), only faster."""

import random

import jieba
import pytest

from analysis.text.segment import DomainTokenizer, domain_terms, tokenizer_build

COMMENTS = [
    "送餐太慢了，等了一个多小时，饭都凉了",
    "骑手态度很好，准时送达，味道不错，下次还点",
    "出餐慢，汤都漏汤了，差评！！！",
    "app很卡，闪退了三次，客服也不回复",
    "iphone12下单，优惠券用不了，配送费8.5元",
    "c++ c# 3.14% a-b_c test@example.com 2026-11-27",
    "送餐太慢了 but the rider was nice",
    "味道一般般吧，分量少，性价比不高",
    "外卖小哥冒雨送餐，辛苦了👍",
    "一点都不辣，说好的特辣呢？？",
    "",
    "好",
    "abc",
    "12345",
]


def _plain_like(tokenizer: DomainTokenizer) -> jieba.Tokenizer:
    plain = jieba.Tokenizer()
    plain.FREQ = tokenizer.FREQ
    plain.total = tokenizer.total
    plain.initialized = True
    return plain


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [term for term, _, _ in domain_terms()[:200]] + list("的了不好快慢送餐骑手很差评味道一般")
    pieces = words + list("abcXYZ0123._-+#% ，。！?") + ["ok", "app", "10元"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(count)]


@pytest.fixture(scope="module")
def tokenizer():
    return tokenizer_build(())


def test_the_pipeline_tokenizer_is_the_faster_one(tokenizer):
    assert isinstance(tokenizer, DomainTokenizer)


@pytest.mark.parametrize("text", COMMENTS)
def test_cut_without_hmm_equals_jieba(tokenizer, text):
    expected = _plain_like(tokenizer).lcut(text, HMM=False)
    assert tokenizer.lcut(text, HMM=False) == expected
    assert tokenizer.lcut_no_hmm(text) == expected


def test_cut_without_hmm_equals_jieba_on_random_text(tokenizer):
    # given 2,000 random strings of dictionary words, characters, Latin letters and punctuation
    texts = _random_texts(2000, seed=7)
    plain = _plain_like(tokenizer)
    # when / then every one is cut identically
    assert [t for t in texts if tokenizer.lcut(t, HMM=False) != plain.lcut(t, HMM=False)] == []
    assert [t for t in texts if tokenizer.lcut_no_hmm(t) != plain.lcut(t, HMM=False)] == []


def test_a_word_added_later_is_used_with_the_new_total():
    # given a private tokenizer that has already cut once
    tokenizer = DomainTokenizer()
    main = tokenizer_build(())
    tokenizer.FREQ = dict(main.FREQ)
    tokenizer.total = main.total
    tokenizer.initialized = True
    before = tokenizer.lcut("骑手小哥送餐超快", HMM=False)
    # when a word is added
    tokenizer.add_word("送餐超快", 50000)
    # then it is cut as one word, exactly as jieba would
    after = tokenizer.lcut("骑手小哥送餐超快", HMM=False)
    assert "送餐超快" in after and "送餐超快" not in before
    assert after == _plain_like(tokenizer).lcut("骑手小哥送餐超快", HMM=False)
    assert tokenizer.lcut_no_hmm("骑手小哥送餐超快") == after
