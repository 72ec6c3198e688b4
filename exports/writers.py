"""CSV and XLSX files from rows, written as the rows arrive (flat memory). Pure: no Django.

Every text cell that a spreadsheet would read as a formula or a command (it begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, in both formats:
respondents' text must never run in a spreadsheet (OWASP "CSV injection"). Numbers stay numbers;
a negative score is a number cell, not text, and is not touched.

CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly. XLSX goes through
openpyxl's write-only workbook, which writes each row to a temporary file as it comes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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


def _xlsx_cell(value: Any) -> Any:
    value = cell(value)
    if isinstance(value, str):
        # Characters XML 1.0 cannot hold (control characters) would make openpyxl refuse the row.
        return ILLEGAL_CHARACTERS_RE.sub("", value) if ILLEGAL_CHARACTERS_RE.search(value) else value
    return value


def xlsx_write(
    target: str | IO[bytes],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "export",
) -> None:
    """Write an XLSX workbook of one worksheet (header, then rows) to a path or a binary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    sheet.append([_xlsx_cell(name) for name in header])
    written = 1
    try:
        for row in rows:
            written += 1
            if written > XLSX_MAX_ROWS:
                raise TooManyRows(XLSX_MAX_ROWS - 1)
            sheet.append([_xlsx_cell(value) for value in row])
    except BaseException:
        # Finish the sheet's temporary file and remove it: a worker lives long.
        sheet.close()
        sheet._writer.cleanup()
        raise
    workbook.save(target)
