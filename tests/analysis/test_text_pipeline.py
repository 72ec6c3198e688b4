"""The text pipeline on Chinese, English and mixed comments."""

import jieba
import pytest

from analysis.text import ProcessedComment, TextPipeline
from analysis.text.phrases import collocations
from analysis.text.segment import domain_terms
from analysis.text.stopwords import stopwords_en, stopwords_zh


@pytest.fixture(scope="module")
def pipeline():
    return TextPipeline()


@pytest.mark.parametrize(
    ("raw", "tokens", "phrases"),
    [
        ("出餐慢，汤都漏汤了", ("出餐慢", "汤", "都", "漏汤"), ("汤都", "汤都漏汤", "都漏汤")),
        ("不新鲜，等了很久", ("不新鲜", "等", "很久"), ("等了很久",)),
        ("等了好久", ("等", "好久"), ("等了好久",)),
        ("外賣送得太慢了", ("外卖", "送得", "太慢"), ("外卖送得", "外卖送得太慢", "送得太慢")),
        (
            "The food was cold and it took forever",
            ("food", "cold", "take", "forever"),
            ("food cold", "take forever"),
        ),
        ("not fresh at all, very rude", ("not fresh", "very", "rude"), ("very rude",)),
        ("送餐太慢了 but the rider was nice", ("送餐", "太慢", "rider", "nice"), ("送餐太慢", "rider nice")),
        ("好", ("好",), ()),
        ("👍🏻👍", ("👍🏻", "👍"), ()),
        ("", (), ()),
    ],
)
def test_tokens_and_phrases(pipeline, raw, tokens, phrases):
    # when
    result = pipeline.process(raw)
    # then
    assert (result.tokens, result.phrases) == (tokens, phrases)


def test_domain_dictionary_keeps_domain_terms_whole(pipeline):
    # given terms bare jieba splits
    assert jieba.lcut("出餐慢") == ["出餐", "慢"]
    # when
    result = pipeline.process("出餐慢，漏汤，少送一份，骑手超时，还车押金不退")
    # then
    assert result.tokens == ("出餐慢", "漏汤", "少送", "一份", "骑手", "超时", "还车", "押金不退")


def test_domain_dictionary_has_a_few_hundred_terms_with_frequency_and_pos():
    terms = domain_terms()
    assert len(terms) > 400
    assert ("出餐慢", 3000, "a") in terms
    assert ("押金", 2000, "n") in terms


def test_negation_is_joined_to_its_head(pipeline):
    assert pipeline.process("菜不新鲜").tokens == ("菜", "不新鲜")
    assert pipeline.process("没有超时").tokens == ("没有超时",)
    assert pipeline.process("the soup was not hot").tokens == ("soup", "not hot")
    assert pipeline.process("didn't arrive").tokens == ("not arrive",)


def test_stopwords_keep_negations_intensifiers_and_deng():
    zh, en = stopwords_zh(), stopwords_en()
    for word in ("不", "没", "没有", "无", "别", "很", "太", "好", "还", "再", "等", "非", "不是"):
        assert word not in zh
    for word in ("not", "no", "never", "very", "too", "late", "forever"):
        assert word not in en
    assert {"的", "了", "是"} <= zh
    assert {"the", "was", "and"} <= en


def test_html_is_kept_as_text(pipeline):
    result = pipeline.process("<script>alert('x')</script>难吃")
    assert (result.text, result.language, result.tokens) == (
        "<script>alert('x')</script>难吃",
        "mixed",
        ("script", "alert", "script", "难吃"),
    )


def test_long_comment_is_flagged(pipeline):
    result = pipeline.process("慢" * 2500)
    assert (len(result.text), result.truncated) == (2000, True)


def test_extra_terms_stay_in_their_pipeline():
    # given a pipeline with an extra term
    with_term = TextPipeline(extra_terms=["准时宝"])
    without = TextPipeline()
    # when / then: only that pipeline knows it, the global jieba is untouched
    assert with_term.process("准时宝没用").tokens == ("准时宝", "没用")
    assert without.process("准时宝没用").tokens == ("准时", "宝", "没用")
    assert "准时宝" not in jieba.dt.FREQ
    assert with_term.dictionary_version != without.dictionary_version


def test_dictionary_version_is_stable_and_stored_results_round_trip(pipeline):
    # given a processed comment
    result = pipeline.process("等了很久")
    # when stored and read back
    restored = ProcessedComment.from_dict(result.to_dict())
    # then
    assert restored == result
    assert TextPipeline().dictionary_version == pipeline.dictionary_version
    assert len(pipeline.dictionary_version) == 16
    assert pipeline.is_current(restored)


def test_collocations_rank_pairs_by_pmi():
    docs = [["送餐", "太慢"]] * 4 + [["味道", "好"]] * 3 + [["送餐", "好"]]
    found = collocations(docs, min_count=3, min_pmi=0.1)
    # PMI log(3*16/(3*4)) = 1.3863 and log(4*16/(5*4)) = 1.1632, weighted by log(1 + count)
    assert [(c.phrase, c.parts, c.count, c.pmi) for c in found] == [
        ("味道好", ("味道", "好"), 3, 1.3863),
        ("送餐太慢", ("送餐", "太慢"), 4, 1.1632),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "出餐慢，汤都漏汤了",
        "不是很新鲜，等了很久很久很久",
        "非常非常好吃，特别快",
        "the food was not very fresh and really really cold",
        "送餐太慢了 but the rider was nice",
        "没有 不 好吃的",
    ],
)
def test_clause_terms_equal_negation_join_then_clause_phrases(pipeline, raw):
    from analysis.text.language import language_detect
    from analysis.text.normalise import normalise_text
    from analysis.text.phrases import clause_phrases, clause_terms, negation_join

    text = normalise_text(raw)[0]
    clauses, _ = pipeline._clauses(text, language_detect(text))
    for clause in clauses:
        tokens: list[str] = []
        phrases: list[str] = []
        clause_terms(clause, tokens, phrases)
        joined = negation_join(clause)
        assert tokens == [item.text for item, _, _ in joined if item.is_content]
        assert phrases == clause_phrases(clause, joined)
