"""The CSV and XLSX writers, with no database: BOM, formulas neutralised, values kept."""

import csv
import io

import pytest
from openpyxl import load_workbook

from exports.writers import BOM, XLSX_MAX_ROWS, TooManyRows, cell, csv_chunks, neutralise, xlsx_write

FORMULAS = [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1", "'+1"),
    ("-2", "'-2"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
]


@pytest.mark.parametrize(("text", "expected"), FORMULAS)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text, expected) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize("text", ["送餐太慢了", "a=b", "1+1", "", "'quoted", " =not first"])
def test_other_text_is_unchanged(text) -> None:
    assert neutralise(text) == text


def test_cells_keep_numbers_and_write_whole_floats_as_integers() -> None:
    assert [cell(v) for v in (None, True, False, 9.0, 0.25, -2, -2.5, "-2")] == [
        "",
        "true",
        "false",
        9,
        0.25,
        -2,
        -2.5,
        "'-2",
    ]


def test_csv_starts_with_a_bom_and_reads_back_neutralised() -> None:
    # given rows with Chinese text, a formula and a negative number
    rows = [(1, "送餐太慢了", -2), (2, "=1+1", 3.5)]

    # when they are written as CSV
    data = b"".join(csv_chunks(["id", "text", "score"], rows))

    # then the file is UTF-8 with a BOM, and every cell reads back as written
    assert data.startswith(BOM.encode("utf-8"))
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["id", "text", "score"],
        ["1", "送餐太慢了", "-2"],
        ["2", "'=1+1", "3.5"],
    ]


def test_csv_comes_in_chunks_as_rows_are_read() -> None:
    # given many rows produced lazily
    rows = ((n, "x" * 100) for n in range(5000))

    # when written
    chunks = list(csv_chunks(["n", "text"], rows))

    # then the file is several chunks, none much larger than 64 KiB, together the whole file
    assert len(chunks) > 5
    assert max(len(c) for c in chunks) < 70 * 1024
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 5001


def test_xlsx_reads_back_with_text_cells_and_numbers(tmp_path) -> None:
    # given rows with formulas, control characters and numbers
    path = tmp_path / "out.xlsx"
    rows = [(1, '=HYPERLINK("http://evil.example","x")', -2), (2, "bad\x01char", 0.5)]

    # when written as XLSX
    xlsx_write(str(path), ["id", "text", "score"], rows, title="responses")

    # then no cell is a formula: the text has its apostrophe, numbers are numbers
    sheet = load_workbook(path).active
    assert sheet.title == "responses"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["id", "text", "score"],
        [1, '\'=HYPERLINK("http://evil.example","x")', -2],
        [2, "badchar", 0.5],
    ]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("exports.writers.XLSX_MAX_ROWS", 3)

    with pytest.raises(TooManyRows):
        xlsx_write(str(tmp_path / "big.xlsx"), ["n"], [(1,), (2,), (3,)])

    assert XLSX_MAX_ROWS == 1_048_576
