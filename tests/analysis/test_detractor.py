"""Detractor likelihood: fitting, cross-fitted predictions, the minimum, mismatch flags."""

import numpy as np
import pytest

from analysis.detractor import (
    MIN_PER_CLASS,
    detractor_model_fit,
    mismatch_flags,
    out_of_fold_likelihood,
)
from analysis.text import TextPipeline

ANGRY = ["送餐太慢了，等了很久", "饭都凉了，太差了", "少送了一份，差评", "骑手态度很差", "汤洒了，难吃"]
HAPPY = ["很快，好吃", "味道不错，送餐快", "骑手很准时，赞", "分量足，好评", "包装很好，很满意"]


@pytest.fixture(scope="module")
def labelled():
    pipeline = TextPipeline()
    texts = [f"{t}{suffix}" for suffix in ("", "!", "。", "啊") for t in ANGRY + HAPPY]
    labels = [i % 10 < 5 for i in range(len(texts))]
    return [pipeline.process(t) for t in texts], labels


def test_model_separates_angry_from_happy_comments(labelled):
    docs, labels = labelled
    model = detractor_model_fit(docs, labels)
    pipeline = TextPipeline()
    likely = model.predict([pipeline.process("太慢了，凉了"), pipeline.process("很好吃，很快")])
    assert likely[0] > 0.5 > likely[1]


def test_out_of_fold_likelihood_ranks_detractors_first(labelled):
    docs, labels = labelled
    # when
    oof = out_of_fold_likelihood(docs, labels, n_splits=5, seed=0)
    # then every labelled comment is scored, and every detractor above every promoter
    assert oof.shape == (40,)
    assert ((oof >= 0) & (oof <= 1)).all()
    assert oof[np.array(labels)].min() > oof[~np.array(labels)].max()


def test_out_of_fold_never_lets_a_comment_inform_its_own_likelihood():
    # given one detractor whose words appear nowhere else
    pipeline = TextPipeline()
    texts = ["还行", "一般", "可以", "普通"] * 6 + ["独一无二的投诉词"]
    labels = [i % 2 == 0 for i in range(24)] + [True]
    docs = [pipeline.process(t) for t in texts]
    # when
    oof = out_of_fold_likelihood(docs, labels, seed=0)
    in_sample = detractor_model_fit(docs, labels).predict(docs[-1:])
    # then its cross-fitted likelihood is lower than what a model that saw it would say
    assert oof[-1] < in_sample[0]


def test_unscored_comments_get_the_full_model(labelled):
    docs, labels = labelled
    pipeline = TextPipeline()
    oof = out_of_fold_likelihood([*docs, pipeline.process("太慢了")], [*labels, None], seed=0)
    assert oof.shape == (41,)
    assert oof[-1] > 0.5


def test_too_few_labelled_comments_give_none(labelled):
    docs, labels = labelled
    few = docs[:20]
    few_labels = labels[:20]  # 10 of each: enough to fit, not to cross-fit
    assert MIN_PER_CLASS == 10
    assert detractor_model_fit(few[:18], few_labels[:18]) is None
    assert detractor_model_fit(few, few_labels) is not None
    assert out_of_fold_likelihood(few, few_labels) is None
    assert out_of_fold_likelihood(docs, [None] * len(docs)) is None


def test_mismatch_flags_a_high_score_with_an_angry_comment():
    flags = mismatch_flags([True, True, False, True], [0.9, 0.2, 0.95, np.nan])
    assert flags.tolist() == [True, False, False, False]
    assert mismatch_flags([True], None).tolist() == [False]


def test_single_comment_score_matches_the_batched_prediction(labelled):
    docs, labels = labelled
    model = detractor_model_fit(docs, labels)
    pipeline = TextPipeline()
    probes = [pipeline.process(t) for t in ("太慢了，凉了", "很好吃，很快", "😡", "", "the food was cold")]
    assert np.allclose([model.score(d) for d in probes], model.predict(probes), atol=1e-9)


def test_batched_scores_equal_the_single_comment_scores(labelled):
    # given comments with repeated words and characters, unknown ones, emoji and nothing
    docs, labels = labelled
    model = detractor_model_fit(docs, labels)
    pipeline = TextPipeline()
    texts = ("太慢了太慢了，凉了", "很好吃，很快", "😡", "", "the food was cold", "闻所未闻", "慢慢慢慢")
    probes = [pipeline.process(t) for t in texts]
    # when scored together / then as one at a time (to rounding)
    assert np.allclose(model.score_many(probes), [model.score(d) for d in probes], rtol=0, atol=1e-12)
    assert model.score_many([]).shape == (0,)


def test_a_stored_model_scores_in_batches_after_loading(labelled):
    import io

    import joblib

    docs, labels = labelled
    model = detractor_model_fit(docs, labels)
    model.score_many(docs[:2])  # builds the batch tables
    buffer = io.BytesIO()
    joblib.dump(model, buffer)  # as analysis.services.detractor stores it
    loaded = joblib.load(io.BytesIO(buffer.getvalue()))
    assert "_batch_tables" not in loaded.__dict__
    assert np.allclose(loaded.score_many(docs), model.score_many(docs), rtol=0, atol=1e-15)
