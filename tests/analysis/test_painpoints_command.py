"""``manage.py painpoints FILE`` end to end on small files, with no database and no broker."""

import csv
import io
import json

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EDGE_ROWS = [
    ("等了一个小时才送到，饭都凉了", 2, "北京"),
    ("骑手态度很差，还把汤洒了", 1, "北京"),
    ("The food was cold and it took forever", 3, "上海"),
    ("送餐太慢了 but the rider was nice", 6, "上海"),
    ("<script>alert('x')</script>难吃", 0, "北京"),
    ("😡😡", 2, "上海"),
    ("好", 10, "北京"),
    ("太慢" * 1200, 5, "上海"),
    ("", 9, "北京"),
]
ANGRY = [
    "送餐太慢了，等了很久",
    "饭菜都凉了，差评",
    "少送了一份米饭",
    "味道太难吃了",
    "汤洒了一袋子",
    "分量太少还贵",
]
HAPPY = [
    "很快，好吃",
    "味道不错，分量足",
    "骑手很准时",
    "包装很好，满意",
    "超级好吃，下次还点",
    "服务很好，赞",
]

DETRACTOR_WORDS = ["太慢", "凉了", "汤"]  # weighted log-odds, highest z first
PROMOTER_WORD = "好吃"


def rows():
    extra = [(t, 1, "北京") for t in ANGRY * 2] + [(t, 10, "上海") for t in HAPPY * 2]
    return EDGE_ROWS + extra


@pytest.fixture(autouse=True)
def english(monkeypatch):
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANGUAGE", "en")


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "responses.csv"
    pd.DataFrame(rows(), columns=["comment", "nps", "city"]).to_csv(path, index=False)
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("painpoints", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_comments(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def taxonomy_only(polarity: dict) -> dict:
    return {k: v for k, v in polarity.items() if not k.startswith("emerging-")}


def test_json_report_and_comments_csv(csv_file, tmp_path):
    # given an export with Chinese, English, mixed, HTML, emoji-only, one-character, very long
    # and empty comments / when
    comments_out = tmp_path / "comments.csv"
    out, err = run(
        csv_file,
        "--text-column",
        "comment",
        "--score-column",
        "nps",
        "--metric",
        "nps",
        "--segment-columns",
        "city",
        "--comments-out",
        comments_out,
    )
    report = json.loads(out)
    # then the JSON has the contract's keys
    assert set(report) >= {"topics", "emerging", "metrics"}
    for topic in report["topics"]:
        assert set(topic) >= {
            "key",
            "label",
            "mentions",
            "share",
            "detractor_rate",
            "impact",
            "keywords",
            "examples",
            "segments",
        }
        assert set(topic["label"]) == {"zh-hans", "en"}
        assert 1 <= len(topic["examples"]) <= 5
    for cluster in report["emerging"]:
        assert set(cluster) >= {"key", "keywords", "mentions", "examples"}
    assert report["metrics"]["metric"] == "nps"
    assert report["metrics"]["n"] == 33
    delivery = next(t for t in report["topics"] if t["key"] == "delivery_time")
    assert delivery["label"] == {"zh-hans": "配送慢/超时", "en": "Late delivery"}
    assert delivery["mentions"] == 6
    assert {e["text"] for e in delivery["examples"]} >= {"等了一个小时才送到，饭都凉了"}
    assert report["summary"]["languages"] == {"en": 1, "mixed": 2, "none": 1, "zh": 28}
    assert report["summary"]["truncated"] == 1
    assert report["summary"]["detractor_model"] is True
    assert [w["term"] for w in report["separating_words"]["detractors"][:3]] == DETRACTOR_WORDS
    assert report["separating_words"]["promoters"][0]["term"] == PROMOTER_WORD
    # and one CSV row per input row
    comments = read_comments(comments_out)
    assert list(comments[0]) == [
        "row",
        "language",
        "topics",
        "cluster",
        "detractor_likelihood",
        "topic_polarity",
    ]
    assert len(comments) == 33
    # "the rider was nice" names the rider in praise: no rider complaint
    taxonomy_keys = [
        ";".join(k for k in c["topics"].split(";") if k and not k.startswith("emerging-")) for c in comments
    ]
    assert [(c["row"], c["language"], k) for c, k in zip(comments[:9], taxonomy_keys, strict=False)] == [
        ("0", "zh", "delivery_time;food_temperature"),
        ("1", "zh", "rider_attitude;packaging_spill"),
        ("2", "en", "delivery_time;food_temperature"),
        ("3", "mixed", "delivery_time"),
        ("4", "mixed", "taste"),
        ("5", "none", ""),
        ("6", "zh", ""),
        ("7", "zh", "delivery_time"),
        ("8", "none", ""),
    ]
    # and each topic's polarity from its clause, a JSON object per row
    assert [taxonomy_only(json.loads(c["topic_polarity"])) for c in comments[:9]] == [
        {"delivery_time": -1, "food_temperature": -1},
        {"rider_attitude": -1, "packaging_spill": -1},
        {"delivery_time": -1, "food_temperature": -1},
        {"delivery_time": -1},
        {"taste": -1},
        {},
        {},
        {"delivery_time": -1},
        {},
    ]
    # 味道不错，分量足 and 包装很好，满意: praise
    assert [taxonomy_only(json.loads(comments[i]["topic_polarity"])) for i in (22, 24)] == [
        {"taste": 1, "portion_price": 1},
        {"packaging_spill": 1},
    ]
    # the topics discovered in a comment's uncovered clauses follow its taxonomy topics and are
    # its cluster column
    for comment, keys in zip(comments, taxonomy_keys, strict=True):
        discovered = [k for k in comment["topics"].split(";") if k.startswith("emerging-")]
        assert comment["topics"] == ";".join(k for k in (keys, *discovered) if k)
        assert comment["cluster"] == ";".join(discovered)
    # the default taxonomy (auto) covers these delivery comments, so its topics are ranked
    assert report["summary"]["taxonomy"]["name"] == "food_delivery"
    assert report["summary"]["taxonomy"]["used"] is True
    assert report["summary"]["taxonomy"]["reason"] == "covers"
    assert "Taxonomy food_delivery covers" in err
    # a discovered topic carries its polarity too, from its own clauses
    for comment in comments:
        polarity = json.loads(comment["topic_polarity"])
        for key in comment["cluster"].split(";") if comment["cluster"] else ():
            assert polarity[key] in (-1, 0, 1)
    assert comments[8]["detractor_likelihood"] == ""  # no comment, no likelihood
    likelihoods = [float(c["detractor_likelihood"]) for c in comments if c["detractor_likelihood"]]
    assert len(likelihoods) == 32
    assert all(0.0 <= v <= 1.0 for v in likelihoods)
    assert "Comments" in err  # the progress bar is on stderr


def test_xlsx_html_output_escapes_script(tmp_path):
    path = tmp_path / "responses.xlsx"
    pd.DataFrame(rows(), columns=["comment", "nps", "city"]).to_excel(path, index=False)
    out_path = tmp_path / "report.html"
    run(path, "--text-column", "comment", "--score-column", "nps", "--format", "html", "--out", out_path)
    html = out_path.read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_taxonomy_none_clusters_every_comment(csv_file, tmp_path):
    comments_out = tmp_path / "comments.csv"
    out, err = run(csv_file, "--taxonomy", "none", "--clusters", "3", "--comments-out", comments_out)
    report = json.loads(out)
    # the three discovered topics are ranked: the complaint as a pain point, the two praised as
    # strengths; all three are still listed as emerging
    assert len(report["emerging"]) == 3
    assert [t["key"] for t in report["topics"]] == ["emerging-味道-太慢"]
    assert sorted(s["key"] for s in report["strengths"]) == ["emerging-包装-包装很", "emerging-好吃-超级"]
    assert sorted(t["key"] for t in report["topics"] + report["strengths"]) == sorted(
        c["key"] for c in report["emerging"]
    )
    assert {t["source"] for t in report["topics"] + report["strengths"]} == {"discovered"}
    assert report["summary"]["taxonomy"] == {
        "name": None,
        "coverage": None,
        "clause_coverage": None,
        "threshold": 0.25,
        "used": False,
        "reason": "none_requested",
    }
    assert err.splitlines()[-1] == "No taxonomy: 3 topics discovered in the comments are ranked."
    assert report["summary"]["uncovered"] == 32
    comments = read_comments(comments_out)
    # the emoji-only one and 好 have no subject word; of the other 30, a comment is in a topic
    # only where a clause of it holds one of the topic's keywords: 22 do
    assert (comments[5]["topics"], comments[6]["topics"]) == ("", "")
    assert sum(1 for c in comments if c["topics"]) == 22
    assert all(c["topics"] == c["cluster"] for c in comments)
    assert comments[0]["cluster"].startswith("emerging-")


def test_without_scores_there_is_no_likelihood(tmp_path):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"comment": ["送餐太慢", "凉了", "很好吃"]}).to_csv(path, index=False)
    comments_out = tmp_path / "comments.csv"
    out, _ = run(path, "--comments-out", comments_out)
    report = json.loads(out)
    assert report["metrics"] == {}
    assert [t["key"] for t in report["topics"]] == ["delivery_time", "food_temperature"]
    assert [c["detractor_likelihood"] for c in read_comments(comments_out)] == ["", "", ""]


@pytest.mark.parametrize("content", ["", "comment,nps\n"])
def test_empty_file_gives_an_empty_report(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")
    comments_out = tmp_path / "comments.csv"
    out, _ = run(path, "--comments-out", comments_out)
    assert json.loads(out) == {
        "topics": [],
        "emerging": [],
        "metrics": {},
        "summary": {"rows": 0, "comments": 0, "languages": {}, "truncated": 0},
    }
    assert comments_out.read_bytes() == b"row,language,topics,cluster,detractor_likelihood,topic_polarity\r\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "File not found: "),
        (["{csv}", "--text-column", "review"], "text column 'review' not found; columns: comment, nps, city"),
        (["{csv}", "--segment-columns", "district"], "segment column 'district' not found"),
        (
            ["{csv}", "--taxonomy", "hotels"],
            "Unknown taxonomy hotels: available are car_rental, food_delivery",
        ),
        (["{csv}", "--metric", "stars"], "Unknown metric stars: use one of nps, csat, ces, rating."),
        (["{csv}", "--clusters", "0"], "--clusters must be a whole number of 1 or more, not 0."),
        (["{csv}", "--format", "pdf"], "Unknown format pdf: use one of json, html, csv."),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(csv_file, tmp_path, args, message):
    out_path = tmp_path / "report.json"
    args = [str(csv_file) if a == "{csv}" else a for a in args]
    with pytest.raises(CommandError) as caught:
        run(*args, "--out", out_path)
    assert message in str(caught.value)
    assert not out_path.exists()


def test_errors_speak_chinese_to_a_chinese_user(monkeypatch, tmp_path):
    monkeypatch.setenv("LANGUAGE", "zh_CN.UTF-8")
    with pytest.raises(CommandError) as caught:
        run(tmp_path / "missing.csv")
    assert str(caught.value).startswith("找不到文件：")


def test_scores_without_comments_give_metrics_and_no_topics(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("comment,nps\n,9\n,3\n", encoding="utf-8")
    comments_out = tmp_path / "comments.csv"
    out, _ = run(path, "--text-column", "comment", "--score-column", "nps", "--comments-out", comments_out)
    report = json.loads(out)
    assert (report["topics"], report["emerging"]) == ([], [])
    assert (report["metrics"]["metric"], report["metrics"]["value"], report["metrics"]["n"]) == (
        "nps",
        0.0,
        2,
    )
    assert [(c["row"], c["language"], c["topics"], c["cluster"]) for c in read_comments(comments_out)] == [
        ("0", "none", "", ""),
        ("1", "none", "", ""),
    ]


def test_report_language_follows_the_data_and_language_forces_it(csv_file, tmp_path):
    # mostly Chinese comments: the HTML report is in Chinese although the user reads English
    chinese = tmp_path / "zh.html"
    _, err = run(csv_file, "--text-column", "comment", "--format", "html", "--out", chinese)
    html = chinese.read_text(encoding="utf-8")
    assert '<html lang="zh-hans">' in html
    assert "<h1>痛点报告</h1>" in html
    assert '<p class="taxonomy">分类体系 food_delivery 覆盖评论中' in html
    assert "Taxonomy food_delivery covers" in err  # the user's language on stderr
    # --language forces it
    english = tmp_path / "en.html"
    run(csv_file, "--text-column", "comment", "--format", "html", "--language", "en", "--out", english)
    assert '<html lang="en">' in english.read_text(encoding="utf-8")
    with pytest.raises(CommandError, match=r"^Unknown language fr: use one of zh-hans, en\.$"):
        run(csv_file, "--language", "fr")


def test_a_file_where_nothing_ranks_says_why(tmp_path):
    # given only praise, scored 9 and 10, one comment scored 0
    path = tmp_path / "praise.csv"
    rows = [(t, 10) for t in HAPPY * 3] + [("很快，好吃，分量足", 0)]
    pd.DataFrame(rows, columns=["comment", "nps"]).to_csv(path, index=False)
    # when analysed with no taxonomy
    out, err = run(path, "--taxonomy", "none", "--clusters", "2")
    report = json.loads(out)
    # then no pain point ranks, the summary says why and so does the command
    assert report["topics"] == []
    # (the detractor's comment is praise too: no topic has a complaint mention to name)
    assert report["summary"]["ranking"] == {
        "pain_points": 0,
        "strengths": 2,
        "reason": "all_praised",
        "most_complained": None,
    }
    assert err.splitlines()[-1] == (
        "No pain point ranks: each of the 2 topics found is praised more often than it is complained "
        "about, so they are listed as strengths."
    )
