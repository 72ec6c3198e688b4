"""CSV and XLSX files from rows, written as the rows arrive (flat memory). Pure: no Django.

Every text cell that a spreadsheet would read as a formula or a command (it begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, in both formats:
respondents' text must never run in a spreadsheet (OWASP "CSV injection"). Numbers stay numbers;
a negative score is a number cell, not text, and is not touched.

CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly. XLSX is the smallest
workbook Excel, LibreOffice and openpyxl read (one worksheet, no styles of its own): the
worksheet's XML is written row by row into the zip as the rows come (text as inline strings, no
shared string table, deflate level 1), so neither memory nor a temporary file grows with the rows.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK_CHARS = 64 * 1024
XLSX_MAX_ROWS = 1_048_576  # a worksheet's rows, the header included


class TooManyRows(ValueError):
    """More rows than an XLSX worksheet holds."""


def neutralise(text: str) -> str:
    """``text`` that no spreadsheet runs: an apostrophe before a formula's first character."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> Any:
    """A value ready for a cell: text neutralised, None empty, booleans as true/false."""
    kind = value.__class__
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is float and value.is_integer():
        return int(value)  # a score of 9, not 9.0
    if kind is int or kind is float:
        return value
    return neutralise(str(value))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file as UTF-8 byte chunks of about 64 KiB, the BOM first."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
        if buffer.tell() >= CSV_CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


# Text that cannot go into XML as it is: markup characters, a carriage return (an XML reader
# would read a line feed), control characters XML 1.0 cannot hold (dropped, as before), and
# whitespace at either end (kept with xml:space="preserve").
_XML_UNSAFE = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]|^\s|\s$")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MAX_CHARS = 32_767  # a cell's text
XLSX_BATCH_ROWS = 512  # rows joined into one write to the zip
XLSX_COMPRESS_LEVEL = 1  # deflate: a third of the CPU of level 6 on sheet XML, a file ~20 % larger

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CONTENT_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CONTENT_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CONTENT_TYPE}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN_NS}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
# Characters a sheet's name cannot hold.
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def xml_text(text: str) -> str:
    """Text escaped for XML: markup escaped, a carriage return kept as a character reference,
    the control characters XML 1.0 cannot hold dropped."""
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _text_cell(text: str) -> str:
    """An inline string cell of text that needs escaping or keeps whitespace at either end."""
    text = xml_text(text[:XLSX_MAX_CHARS])
    if not text:
        return "<c/>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _plain(text: str) -> bool:
    """Whether a row's text cells, joined by ``|``, all go into XML as they are: printable (no
    control character, line break, tab or space other than the ASCII one), no markup character,
    no space at either end of a cell, none longer than a cell holds. A ``|`` of the text beside a
    space is a false alarm, which only sends the row through the cell by cell checks."""
    return (
        len(text) <= XLSX_MAX_CHARS
        and text.isprintable()
        and "&" not in text
        and "<" not in text
        and ">" not in text
        and " |" not in text
        and "| " not in text
        and text[:1] != " "
        and text[-1:] != " "
    )


def xlsx_row(number: int, values: Iterable[Any]) -> str:
    """One worksheet row's XML: text (neutralised) as inline strings, numbers as numbers, an
    empty cell as a cell without a value. Cells carry no reference of their own (``r`` is
    optional: each cell is the column after the one before; Excel, LibreOffice and openpyxl read
    it so), which makes the XML smaller and the writer about 1.5 times as fast; every row has
    every column. Most rows' text needs no escaping: one check of the whole row's text spares
    the check of each cell."""
    values = [cell(value) for value in values]
    check = not _plain("|".join([value for value in values if value.__class__ is str]))
    parts = []
    append = parts.append
    unsafe = _XML_UNSAFE.search
    for value in values:
        if value.__class__ is str:
            if not value:
                append("<c/>")
            elif check and (len(value) > XLSX_MAX_CHARS or unsafe(value)):
                append(_text_cell(value))
            else:
                append(f'<c t="inlineStr"><is><t>{value}</t></is></c>')
        elif value.__class__ is int:
            append(f"<c><v>{value}</v></c>")
        elif value - value == 0:  # a float, neither NaN nor infinite
            append(f"<c><v>{value:.16g}</v></c>")
        else:
            append("<c/>")
    return f'<row r="{number}">{"".join(parts)}</row>'


def xlsx_write(
    target: str | IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "export",
) -> None:
    """Write an XLSX workbook of one worksheet (header, then rows) to a path or a binary file.

    TooManyRows once the rows are more than a worksheet holds (the file is then incomplete:
    the caller removes it)."""
    name = xml_text(_SHEET_NAME_UNSAFE.sub("_", title)[:31].strip("'") or "export").replace('"', "&quot;")
    limit = XLSX_MAX_ROWS
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESS_LEVEL) as archive:
        for part, xml in _PARTS.items():
            archive.writestr(part, _XML_HEAD + xml)
        archive.writestr(
            "xl/workbook.xml",
            f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
            f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            batch = [f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}"><sheetData>', xlsx_row(1, header)]
            number = 1
            for row in rows:
                number += 1
                if number > limit:
                    raise TooManyRows(limit - 1)
                batch.append(xlsx_row(number, row))
                if len(batch) >= XLSX_BATCH_ROWS:
                    sheet.write("".join(batch).encode("utf-8"))
                    batch.clear()
            batch.append("</sheetData></worksheet>")
            sheet.write("".join(batch).encode("utf-8"))
