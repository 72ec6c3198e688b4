"""analyse_many: the first pass in batches gives what one comment at a time gives."""

import pytest

from analysis.detractor import detractor_model_fit
from analysis.first_pass import Analysed, analyse_many
from analysis.taxonomy import TopicTagger, taxonomy_load
from analysis.text import TextPipeline

ANGRY = ["送餐太慢了，等了很久", "饭都凉了，太差了", "少送了一份，差评", "骑手态度很差", "汤洒了，难吃"]
HAPPY = ["很快，好吃", "味道不错，送餐快", "骑手很准时，赞", "分量足，好评", "包装很好，很满意"]


@pytest.fixture(scope="module")
def parts():
    pipeline = TextPipeline()
    texts = [f"{t}{suffix}" for suffix in ("", "!", "。", "啊") for t in ANGRY + HAPPY]
    model = detractor_model_fit([pipeline.process(t) for t in texts], [i % 10 < 5 for i in range(40)])
    return pipeline, TopicTagger(taxonomy_load("food_delivery"), pipeline), model


def test_batches_give_the_one_at_a_time_results_in_order(parts):
    pipeline, tagger, model = parts
    texts = ["送餐太慢了，饭都凉了", None, "", "😡", "the food was cold", "味道不错"] * 3
    # when processed in batches of 4 (the last one short)
    results = list(analyse_many(texts, pipeline=pipeline, tagger=tagger, model=model, batch=4))
    # then each equals the single-comment path
    assert len(results) == len(texts)
    for text, result in zip(texts, results, strict=True):
        doc = pipeline.process(text)
        assert result.doc == doc
        assert result.topics == tagger.tag(doc)
        assert result.likelihood == pytest.approx(model.score(doc), abs=1e-12)


def test_without_tagger_or_model(parts):
    pipeline, _, _ = parts
    results = list(analyse_many(iter(["太慢了"]), pipeline=pipeline))
    assert results == [Analysed(pipeline.process("太慢了"), (), None)]
