"""The CSV and XLSX writers, with no database: BOM, formulas neutralised, values kept."""

import csv
import datetime as dt
import io
import zipfile
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from exports.writers import (
    BOM,
    XLSX_MAX_ROWS,
    TooManyRows,
    cell,
    csv_chunks,
    neutralise,
    xlsx_row,
    xlsx_write,
)

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


def read_back(data: bytes, *, read_only: bool = False) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=read_only).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def write(header, rows, **kwargs) -> bytes:
    target = io.BytesIO()
    xlsx_write(target, header, rows, **kwargs)
    return target.getvalue()


@pytest.mark.parametrize(("text", "expected"), FORMULAS)
def test_xlsx_text_a_spreadsheet_would_run_reads_back_with_its_apostrophe(text, expected) -> None:
    # a header cell and a data cell that would run as formulas or commands
    data = write([text], [(text,)])

    # read back: text cells, exactly the neutralised text (tab and carriage return kept)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [[expected], [expected]]
    assert [c.data_type for row in sheet.iter_rows() for c in row] == ["s", "s"]


def test_xlsx_keeps_numbers_as_numbers_and_text_as_text() -> None:
    rows = [(9, 9.0, -2, -2.5, 0.1 + 0.2, 12345678901234567, "9", "-2", True, False)]

    sheet = load_workbook(io.BytesIO(write(list("abcdefghij"), rows))).active

    values = [c.value for c in sheet[2]]
    assert values == [9, 9, -2, -2.5, 0.3, 12345678901234567, "9", "'-2", "true", "false"]
    assert [c.data_type for c in sheet[2]] == ["n"] * 6 + ["s"] * 4
    assert [type(v) for v in values[:5]] == [int, int, int, float, float]


def test_xlsx_writes_dates_and_times_as_the_csv_does() -> None:
    # dates reach the writer as text (local_time, isoformat) or as date objects: both text cells,
    # the same text as the CSV's
    rows = [("2026-05-03 14:05:09", dt.date(2026, 5, 3), dt.datetime(2026, 5, 3, 14, 5, 9))]  # noqa: DTZ001

    values = read_back(write(["a", "b", "c"], rows))[1]

    assert values == ["2026-05-03 14:05:09", "2026-05-03", "2026-05-03 14:05:09"]
    csv_values = list(
        csv.reader(io.StringIO(b"".join(csv_chunks(["a", "b", "c"], rows)).decode("utf-8-sig")))
    )
    assert csv_values[1] == values


def test_xlsx_keeps_chinese_text_markup_and_whitespace() -> None:
    rows = [("送餐太慢了，饭都凉了", "<b>a & b</b>", "  两边有空格  ", "line\nbreak", "\u3000全角")]

    values = read_back(write(["中文", "markup", "spaces", "newline", "ideographic"], rows))

    assert values == [
        ["中文", "markup", "spaces", "newline", "ideographic"],
        ["送餐太慢了，饭都凉了", "<b>a & b</b>", "  两边有空格  ", "line\nbreak", "\u3000全角"],
    ]


def test_xlsx_empty_cells_keep_the_columns_after_them() -> None:
    # None, empty text, text of only control characters and a NaN are empty cells
    rows = [(None, "", 1, "\x01\x02", "x", float("nan"), 2.5)]

    header = list("abcdefg")
    assert read_back(write(header, rows))[1] == [None, None, 1, None, "x", None, 2.5]
    # a reader that streams the rows sees every column of every row
    assert read_back(write(header, rows), read_only=True) == [header, [None, None, 1, None, "x", None, 2.5]]


def test_xlsx_text_longer_than_a_cell_holds_is_cut_at_its_limit() -> None:
    values = read_back(write(["long"], [("长" * 40_000,)]))

    assert values[1] == ["长" * 32_767]


def test_xlsx_is_a_workbook_of_one_named_sheet_that_parses_as_xml() -> None:
    data = write(["id"], [(1,)], title="pain-points")

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        for name in names:
            ElementTree.fromstring(archive.read(name))  # noqa: S314 - our own file: each part well-formed
    assert names == [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
    ]
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["pain-points"]


def test_xlsx_sheet_names_drop_characters_a_sheet_cannot_hold() -> None:
    workbook = load_workbook(
        io.BytesIO(write(["id"], [], title="a/b:c*d?e[f]g & h — 长的名字长的名字长的名字长的"))
    )

    assert workbook.sheetnames == ["a_b_c_d_e_f_g & h — 长的名字长的名字长的名"]  # 31 characters


def test_xlsx_sheet_names_keep_quotes_and_markup() -> None:
    workbook = load_workbook(io.BytesIO(write(["id"], [], title='"a" & <b>')))

    assert workbook.sheetnames == ['"a" & <b>']


def test_xlsx_rows_are_cells_in_column_order() -> None:
    assert xlsx_row(7, ("a<b", 3, 0.5, None, "x")) == (
        '<row r="7"><c t="inlineStr"><is><t xml:space="preserve">a&lt;b</t></is></c>'
        '<c><v>3</v></c><c><v>0.5</v></c><c/><c t="inlineStr"><is><t>x</t></is></c></row>'
    )


NEEDING_CARE = [
    "a & b",
    "<b>",
    "x>y",
    "tab\tin",
    "new\nline",
    "cr\rin",
    " lead",
    "trail ",
    "a | b",
    "\u3000全",
]


@pytest.mark.parametrize("text", [*NEEDING_CARE, "\x0bv"])
def test_xlsx_text_needing_care_is_found_among_plain_cells(text) -> None:
    # one cell that needs escaping or keeps its spaces, among plain ones
    row = ("plain", text, "送餐太慢了", 3)

    values = read_back(write(["a", "b", "c", "d"], [row]))[1]

    expected = text.replace("\x0b", "")  # a control character XML cannot hold is dropped
    assert values == ["plain", expected, "送餐太慢了", 3]


def test_xlsx_cells_past_column_z_read_back_in_their_columns() -> None:
    header = [f"c{n}" for n in range(30)]
    row = tuple(range(30))

    sheet = load_workbook(io.BytesIO(write(header, [row]))).active

    assert (sheet["Z2"].value, sheet["AA2"].value, sheet["AD2"].value) == (25, 26, 29)


def test_xlsx_a_sheet_of_every_row_it_holds(monkeypatch) -> None:
    monkeypatch.setattr("exports.writers.XLSX_MAX_ROWS", 4)

    # a header and three rows fill the (smaller) sheet exactly
    assert read_back(write(["n"], [(1,), (2,), (3,)]), read_only=True) == [["n"], [1], [2], [3]]
