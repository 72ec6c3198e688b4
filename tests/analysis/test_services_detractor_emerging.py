"""Detractor training on stored comments (out-of-fold), and emerging topics that never
overwrite a person's edit."""

import datetime as dt
import io
import itertools

import joblib
import numpy as np
import pytest

from analysis.detractor import detractor_model_fit, out_of_fold_likelihood
from analysis.models import CommentAnalysis, DetractorModelVersion, EmergingTopic
from analysis.selectors import emerging_for_survey
from analysis.services import (
    cluster_discover,
    detractor_model_train,
    emerging_dismiss,
    emerging_rename,
    response_analyse,
)
from analysis.text.pipeline import ProcessedComment
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

_BAD = [
    "送餐太慢了",
    "饭都凉了",
    "骑手态度很差",
    "汤洒了一地",
    "等了一个小时",
    "少送了一份饭",
    "太咸了不好吃",
    "包装破了",
]
_GOOD = [
    "很快很好吃",
    "骑手很有礼貌",
    "味道不错",
    "准时送达",
    "包装很用心",
    "饭很热乎",
    "分量很足",
    "服务很好",
]
# 16 of each: every training fold keeps the pure module's minimum of each class
BAD = _BAD + [f"{text}，很失望" for text in _BAD]
GOOD = _GOOD + [f"{text}，下次还点" for text in _GOOD]


def stored_docs():
    rows = CommentAnalysis.objects.order_by("id").values(
        "text", "language", "tokens", "phrases", "truncated", "pipeline_version"
    )
    return [
        ProcessedComment(
            r["text"],
            r["language"],
            tuple(r["tokens"]),
            tuple(r["phrases"]),
            r["truncated"],
            r["pipeline_version"],
        )
        for r in rows
    ]


def test_training_stores_out_of_fold_likelihoods_and_the_model():
    # given 32 scored comments (16 detractors, 16 promoters) and 2 unscored
    survey, version = analysed_survey()
    for text in BAD:
        response_analyse(response_id=completed(version, nps=2, why=text).pk)
    for text in GOOD:
        response_analyse(response_id=completed(version, nps=10, praise=text).pk)
    for text in ("送得太慢了", "很好吃"):
        response_analyse(response_id=completed(version, nps=None, why=text).pk)

    # when the model is trained
    result = detractor_model_train(survey_id=survey.pk)

    # then the stored likelihoods are the out-of-fold ones (the pure module on the same rows)
    assert (result.comments, result.scored, result.trained, result.version) == (34, 32, True, 1)
    docs = stored_docs()
    labels = [True] * 16 + [False] * 16 + [None, None]
    expected = np.round(np.clip(out_of_fold_likelihood(docs, labels, seed=0), 0, 1), 4)
    stored = list(CommentAnalysis.objects.order_by("id").values_list("detractor_likelihood", flat=True))
    assert stored == pytest.approx(list(expected))
    # and they differ from an in-sample fit's, which saw those comments
    in_sample = detractor_model_fit(docs[:32], labels[:32], seed=0).predict(docs[:32])
    assert not np.allclose(np.asarray(stored[:32]), in_sample, atol=1e-3)
    # and the stored model is the full model: it scores the unscored comments the same way
    payload = DetractorModelVersion.objects.get(survey=survey).payload
    model = joblib.load(io.BytesIO(bytes(payload)))
    assert stored[32:] == pytest.approx(list(np.round(model.predict(docs[32:]), 4)), abs=1e-4)


def test_training_with_too_few_scored_comments_writes_nothing():
    survey, version = analysed_survey()
    for text in BAD[:3]:
        response_analyse(response_id=completed(version, nps=2, why=text).pk)

    result = detractor_model_train(survey_id=survey.pk)

    assert result.trained is False
    assert DetractorModelVersion.objects.count() == 0
    assert set(CommentAnalysis.objects.values_list("detractor_likelihood", flat=True)) == {None}


def test_new_comments_are_scored_by_the_stored_model_and_mismatches_flagged():
    # given a trained model
    survey, version = analysed_survey()
    for text in BAD:
        response_analyse(response_id=completed(version, nps=1, why=text).pk)
    for text in GOOD:
        response_analyse(response_id=completed(version, nps=10, praise=text).pk)
    detractor_model_train(survey_id=survey.pk)

    # when a promoter writes a complaint
    response = completed(version, nps=10, why="送餐太慢了，饭都凉了，骑手态度很差")
    response_analyse(response_id=response.pk)

    # then the comment has a likelihood from the stored model and is flagged as a mismatch
    comment = CommentAnalysis.objects.get(response=response)
    assert comment.detractor_likelihood is not None
    assert comment.detractor_likelihood > 0.7
    assert comment.is_mismatch is True


UNCOVERED = [
    *("发票开不出来", "发票一直没有", "要发票报销", "发票申请三天了"),
    *("餐具没给", "没有餐具筷子", "餐具少了一套", "筷子餐具都没有"),
    *("wifi 太差", "wifi 连不上", "wifi 一直断"),
]


def test_reclustering_never_overwrites_a_persons_edit():
    # given uncovered comments clustered once
    survey, version = analysed_survey()
    for index, text in enumerate(UNCOVERED):
        response_analyse(
            response_id=completed(version, nps=5, why=text, completed_at=BASE + dt.timedelta(hours=index)).pk
        )
    first = cluster_discover(survey=survey, date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31))
    assert first.clusters >= 2
    topics = list(EmergingTopic.objects.order_by("-mentions", "key"))
    renamed, dismissed = topics[0], topics[1]

    # when a person renames one and dismisses another, and the clustering runs again
    emerging_rename(emerging=renamed, label="发票问题")
    emerging_dismiss(emerging=dismissed)
    for text in ("发票还没开", "餐具没有"):
        response_analyse(
            response_id=completed(version, nps=4, why=text, completed_at=BASE + dt.timedelta(days=1)).pk
        )
    cluster_discover(survey=survey, date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31))

    # then their label and status are as the person left them
    renamed.refresh_from_db()
    dismissed.refresh_from_db()
    assert (renamed.label, renamed.status, renamed.is_edited_by_person) == ("发票问题", "renamed", True)
    assert (dismissed.status, dismissed.is_edited_by_person) == ("dismissed", True)
    assert EmergingTopic.objects.filter(key=renamed.key).count() == 1


def nested_comments():
    """Two subjects (delivery, hotel), each with three sub-subjects of 30 comments: one word of
    the sub-subject's three and three of the subject's nine, e.g. "骑手很快，配送外卖"."""
    subjects = (
        (
            ("骑手", "配送", "外卖", "送餐", "小哥", "订单", "商家", "师傅", "餐厅"),
            (("很快", "准时", "及时"), ("礼貌", "热情", "微笑"), ("餐盒", "袋子", "包装")),
        ),
        (
            ("酒店", "房间", "前台", "入住", "床铺", "大堂", "客房", "服务员", "楼层"),
            (("干净", "整洁", "卫生"), ("早餐", "自助", "咖啡"), ("位置", "地铁", "交通")),
        ),
    )
    texts = []
    for pool, subs in subjects:
        triples = list(itertools.combinations(pool, 3))[:30]
        for words in subs:
            texts += [f"{a}{words[i % 3]}{b}{c}" for i, (a, b, c) in enumerate(triples)]
    return texts


def test_a_broad_cluster_is_stored_as_its_subtopics(settings):
    # given 180 uncovered comments of two subjects (no taxonomy: every comment is uncovered)
    settings.ANALYSIS_SUBTOPIC_MIN_SIZE = 5
    survey, version = analysed_survey(taxonomy=None)
    for index, text in enumerate(nested_comments()):
        when = BASE + dt.timedelta(minutes=index)
        response_analyse(response_id=completed(version, nps=5, why=text, completed_at=when).pk)

    # when they are clustered
    result = cluster_discover(survey=survey, date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31))

    # then each subject's cluster is stored as its sub-topics, one per word that sets a comment
    # apart inside its subject (each of 10 comments), all naming the subject's cluster
    rows = list(EmergingTopic.objects.order_by("parent_key", "key"))
    assert (result.comments, result.clusters, len(rows)) == (180, 18, 18)
    by_parent = {}
    for row in rows:
        assert row.mentions == 10
        by_parent.setdefault((row.parent_key, tuple(row.parent_keywords[:2])), []).append(row.keywords[0])
    assert by_parent == {
        ("emerging-酒店-前台", ("酒店", "前台")): [
            *("交通", "位置", "卫生", "咖啡", "地铁", "干净", "整洁", "早餐", "自助")
        ],
        ("emerging-骑手-配送", ("骑手", "配送")): [
            *("准时", "包装", "及时", "很快", "微笑", "热情", "礼貌", "袋子", "餐盒")
        ],
    }
    # and the list shows the broader cluster of each
    listed = emerging_for_survey(survey=survey)
    assert listed[0]["parent"] == {"key": "emerging-酒店-前台", "keywords": rows[0].parent_keywords}
    assert {t["parent"]["key"] for t in listed} == {"emerging-酒店-前台", "emerging-骑手-配送"}


@pytest.mark.parametrize("threads", [1, 2])
def test_discovery_fits_with_the_configured_threads(settings, monkeypatch, threads):
    # given uncovered comments, the thread setting, and a spy on scikit-learn's KMeans.fit
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_info

    settings.ANALYSIS_CLUSTERING_THREADS = threads
    survey, version = analysed_survey()
    for index, text in enumerate(UNCOVERED):
        response_analyse(
            response_id=completed(version, nps=5, why=text, completed_at=BASE + dt.timedelta(hours=index)).pk
        )
    seen = []
    fit = KMeans.fit

    def spy(self, *args, **kwargs):
        seen.append(tuple(sorted({(i["user_api"], i["num_threads"]) for i in threadpool_info()})))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(KMeans, "fit", spy)

    # when the emerging topics are discovered
    result = cluster_discover(survey=survey, date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31))

    # then every k-means fit ran with that many BLAS and OpenMP threads
    assert result.clusters >= 2
    assert len(seen) >= 2
    assert set(seen) == {(("blas", threads), ("openmp", threads))}
