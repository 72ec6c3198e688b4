"""Reading analysts' exports: encodings, delimiters, XLSX, column guessing and clear refusals."""

import codecs
import re

import pandas as pd
import pytest

from analysis.report_io import LoadedTable, ReportInputError, read_table

ROWS = [
    ("评论", "评分", "城市"),
    ("配送太慢了，等了一个小时才到", "3", "北京"),
    ("味道很好，下次还点", "10", "上海"),
    ("骑手态度差", "0", "01"),
]


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def delimited(delimiter: str = ",", rows=ROWS) -> str:
    return "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"


@pytest.mark.parametrize(
    ("encode", "expected_encoding"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("gbk"), "gbk"),
        (lambda text: text.encode("gb18030"), "gbk"),  # GBK characters are encoded alike in GB18030
        (lambda text: text.encode("utf-16"), "utf-16"),  # Excel's "Unicode text" export
    ],
)
def test_encodings_are_detected(tmp_path, encode, expected_encoding):
    # Given the same table written in one encoding
    path = write(tmp_path, "export.csv", encode(delimited()))
    # When it is read with no hint
    table = read_table(path, segment_columns=["城市"])
    # Then the text is intact, the columns guessed and the encoding named
    assert table.encoding == expected_encoding
    assert table.text_column == "评论"
    assert table.score_column == "评分"
    assert table.frame["评论"].tolist() == [
        "配送太慢了，等了一个小时才到",
        "味道很好，下次还点",
        "骑手态度差",
    ]
    assert table.frame["评分"].tolist() == [3, 10, 0]
    assert table.frame["城市"].tolist() == ["北京", "上海", "01"]  # segment values stay text


def test_gb18030_only_characters_are_read_as_gb18030(tmp_path):
    # 𠮷 (U+20BB7) exists in GB18030 but not in GBK
    rows = [("text", "score"), ("𠮷野家的外卖送晚了", "2"), ("很好", "5")]
    path = write(tmp_path, "export.csv", delimited(",", rows).encode("gb18030"))
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert table.frame["text"].tolist() == ["𠮷野家的外卖送晚了", "很好"]


def test_an_encoding_that_is_only_guessed_is_reported_with_a_warning(tmp_path):
    data = "comment,score\ncafé froid et crème brûlée en retard,1\nbien,5\n".encode("cp1252")
    table = read_table(write(tmp_path, "fr.csv", data), text_column="comment")
    assert table.encoding not in ("utf-8", "gbk", "gb18030")
    assert table.warnings[0].startswith(
        "the file is neither UTF-8 nor GBK/GB18030; its encoding was guessed as "
    )
    assert table.frame["score"].tolist() == [1, 5]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiters_are_detected(tmp_path, delimiter):
    path = write(tmp_path, "export.txt", delimited(delimiter).encode("utf-8"))
    table = read_table(path, text_column="评论", score_column="评分")
    assert list(table.frame.columns) == ["评论", "评分", "城市"]
    assert len(table.frame) == 3
    assert table.warnings == ()


def test_quoted_commas_inside_comments_survive(tmp_path):
    data = b'comment,score\n"slow, cold, and late",1\n"fine",5\n'
    table = read_table(write(tmp_path, "a.csv", data))
    assert table.frame["comment"].tolist() == ["slow, cold, and late", "fine"]


def test_xlsx_is_read(tmp_path):
    path = tmp_path / "export.xlsx"
    pd.DataFrame(
        {"comment": ["送餐太慢", "包装破了汤洒了"], "nps": [2, 6], "city": ["北京", "上海"]}
    ).to_excel(path, index=False)
    table = read_table(path, segment_columns=["city"])
    assert table == LoadedTable(
        frame=table.frame,
        text_column="comment",
        score_column="nps",
        encoding=None,
        warnings=(
            "text column not given; using 'comment' (the longest texts)",
            "score column not given; using 'nps'",
        ),
    )
    assert table.frame["nps"].tolist() == [2, 6]


def test_score_column_prefers_a_score_like_name(tmp_path):
    rows = [("id", "满意度评分", "other", "comment"), ("1", "4", "2", "too slow"), ("2", "5", "3", "ok")]
    table = read_table(write(tmp_path, "a.csv", delimited(",", rows).encode()))
    assert table.score_column == "满意度评分"
    assert table.text_column == "comment"


def test_several_score_candidates_warn(tmp_path):
    rows = [("score_a", "score_b", "comment"), ("1", "4", "too slow"), ("2", "5", "ok")]
    table = read_table(write(tmp_path, "a.csv", delimited(",", rows).encode()))
    assert table.score_column == "score_a"
    assert table.warnings[1] == (
        "several columns look like scores (score_a, score_b); using 'score_a', "
        "pass --score-column to choose another"
    )


def test_no_score_column_is_allowed(tmp_path):
    rows = [("comment", "city"), ("too slow", "北京"), ("ok", "上海")]
    table = read_table(write(tmp_path, "a.csv", delimited(",", rows).encode()), text_column="comment")
    assert (table.text_column, table.score_column) == ("comment", None)


def test_score_column_reads_full_width_digits_and_blanks(tmp_path):
    rows = [("评论", "评分"), ("太慢", "１"), ("还行", ""), ("很好", " 9 ")]
    table = read_table(write(tmp_path, "a.csv", delimited(",", rows).encode("gbk")))
    assert table.score_column == "评分"
    assert str(table.frame["评分"].dtype) == "float64"
    assert table.frame["评分"].fillna(-1).tolist() == [1.0, -1.0, 9.0]


def test_column_names_match_ignoring_case_and_spaces(tmp_path):
    rows = [(" Comment ", "Score"), ("too slow", "1"), ("ok", "5")]
    table = read_table(
        write(tmp_path, "a.csv", delimited(",", rows).encode()), text_column="comment", score_column="SCORE"
    )
    assert (table.text_column, table.score_column) == ("Comment", "Score")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"text_column": "comment"},
            "export.csv: text column 'comment' not found; columns: 评论, 评分, 城市",
        ),
        ({"score_column": "nps"}, "export.csv: score column 'nps' not found; columns: 评论, 评分, 城市"),
        (
            {"segment_columns": ["district"]},
            "export.csv: segment column 'district' not found; columns: 评论, 评分, 城市",
        ),
        (
            {"score_column": "城市"},
            "export.csv: score column '城市' is not numeric: "
            "line 2 (counting the header as line 1) has '北京'",
        ),
    ],
)
def test_wrong_columns_are_named_with_the_columns_that_exist(tmp_path, kwargs, message):
    path = write(tmp_path, "export.csv", delimited().encode("gbk"))
    with pytest.raises(ReportInputError) as caught:
        read_table(path, **kwargs)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("bom.csv", codecs.BOM_UTF8 + b"\r\n", "bom.csv: the file is empty"),
        ("blank.csv", b"  \n\n", "blank.csv: the file is empty"),
        (
            "header.csv",
            b"comment,score\n",
            "header.csv: the file has a header but no rows; columns: comment, score",
        ),
        (
            "binary.csv",
            b"PK\x03\x04\x00\x00\xff\xfe",
            "binary.csv: is not a text file (it contains NUL bytes)",
        ),
        ("fake.xlsx", b"comment,score\n", "fake.xlsx: cannot be read as an XLSX workbook"),
        (
            "numbers.csv",
            b"a,b\n1,2\n3,4\n",
            "numbers.csv: no text column found (every column is empty or numeric)",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old.xls: the old Excel .xls format is not supported"),
        (
            "ragged.csv",
            "评论,评分\n太慢,1\n太慢,1,多余,多余\n".encode(),
            "ragged.csv: cannot be read as a table (Error tokenizing data. C error: "
            "Expected 2 fields in line 3, saw 4",
        ),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, name, data, message):
    path = write(tmp_path, name, data)
    with pytest.raises(ReportInputError, match=re.escape(message)):
        read_table(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ReportInputError, match=r"nope\.csv: file not found"):
        read_table(tmp_path / "nope.csv")


def test_report_input_error_is_a_value_error():
    assert issubclass(ReportInputError, ValueError)
