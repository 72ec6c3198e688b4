"""Emerging topics: determinism, forced k, stable keys, and never overwriting a person's edits."""

import pytest

from analysis.clustering import EmergingCluster, cluster_comments, merge_with_previous
from analysis.text import TextPipeline

TEXTS = [
    "电池不耐用，充电很慢",
    "电池续航太差",
    "电池发热严重",
    "充电器坏了，电池鼓包",
    "房间很干净，前台热情",
    "酒店房间隔音差",
    "前台服务态度好，房间大",
    "酒店早餐一般，房间小",
    "衣服尺码偏小",
    "衣服面料很好，尺码标准",
    "这件衣服褪色",
    "衣服质量差，线头多",
]


@pytest.fixture(scope="module")
def docs():
    pipeline = TextPipeline()
    return [pipeline.process(t) for t in TEXTS]


def test_forced_k_groups_the_subjects(docs):
    # when
    result = cluster_comments(docs, k=3, seed=0)
    # then
    assert (result.k, result.chosen_by) == (3, "forced")
    assert result.assignments == tuple(
        ["emerging-电池-严重"] * 4 + ["emerging-房间-前台"] * 4 + ["emerging-衣服-尺码"] * 4
    )
    battery = next(c for c in result.clusters if c.key == "emerging-电池-严重")
    assert battery.keywords[:3] == ("电池", "严重", "充电")
    assert (battery.mentions, battery.members, battery.status) == (4, (0, 1, 2, 3), "new")
    assert set(battery.examples) == {0, 1, 2, 3}


def test_clustering_is_deterministic(docs):
    assert cluster_comments(docs, seed=0) == cluster_comments(docs, seed=0)


def test_k_is_chosen_by_silhouette(docs):
    result = cluster_comments(docs, seed=0)
    assert (result.k, result.chosen_by) == (4, "silhouette")
    assert [c.mentions for c in result.clusters] == [4, 4, 2, 2]


def test_too_few_comments_are_not_clustered(docs):
    result = cluster_comments(docs[:3], seed=0)
    assert (result.clusters, result.assignments, result.chosen_by) == ((), (None, None, None), "none")


def test_emoji_only_comments_stay_unclustered(docs):
    pipeline = TextPipeline()
    result = cluster_comments([*docs, pipeline.process("😡😡")], k=3, seed=0)
    assert result.assignments[-1] is None


def cluster(key, keywords, **kwargs):
    return EmergingCluster(
        key=key, keywords=keywords, mentions=kwargs.pop("mentions", 3), examples=(0,), **kwargs
    )


def test_merge_keeps_what_a_person_edited():
    # given a renamed, a dismissed and an untouched cluster from the last run
    previous = [
        cluster("emerging-电池-充电", ("电池", "充电", "续航"), label="电池问题", status="renamed"),
        cluster("emerging-衣服-尺码", ("衣服", "尺码"), status="dismissed"),
        cluster("emerging-房间-前台", ("房间", "前台")),
        cluster("emerging-早餐-一般", ("早餐", "一般"), status="promoted"),
    ]
    # and this run's clusters, with slightly different keywords and keys
    new = [
        cluster("emerging-电池-续航", ("电池", "续航", "发热"), mentions=9),
        cluster("emerging-衣服-尺码", ("衣服", "尺码", "褪色"), mentions=5),
        cluster("emerging-物流-快递", ("物流", "快递"), mentions=4),
    ]
    # when
    merged = merge_with_previous(previous, new)
    # then edits are kept, counts refreshed; the untouched unmatched cluster is gone; the
    # promoted one that matched nothing is kept as it was
    assert merged == (
        cluster(
            "emerging-电池-充电", ("电池", "续航", "发热"), mentions=9, label="电池问题", status="renamed"
        ),
        cluster("emerging-衣服-尺码", ("衣服", "尺码", "褪色"), mentions=5, status="dismissed"),
        cluster("emerging-物流-快递", ("物流", "快递"), mentions=4),
        cluster("emerging-早餐-一般", ("早餐", "一般"), status="promoted"),
    )


def test_merge_gives_a_new_cluster_a_free_key():
    previous = [cluster("emerging-a-b", ("x", "y"), status="dismissed")]
    new = [cluster("emerging-a-b", ("a", "b"))]
    # the same key wins the match even with other keywords: the dismissal stays
    assert merge_with_previous(previous, new)[0].status == "dismissed"
    unrelated = [cluster("emerging-a-b", ("p", "q"), status="new")]
    assert merge_with_previous([], unrelated) == tuple(unrelated)
