"""Reading an analyst's CSV or XLSX export for ``manage.py painpoints FILE``.

Every problem with the input becomes a ``ReportInputError`` (a ``ValueError``) whose message
names the file, the column or the encoding, and lists the columns that do exist; never a
traceback.

Detection rules:

- Format by extension: ``.xlsx`` / ``.xlsm`` through openpyxl (first sheet), anything else is
  read as delimited text.
- Encoding: a byte-order mark decides (UTF-8, UTF-16); otherwise strict UTF-8, then GBK, then
  GB18030 (what Excel in China writes when saving "CSV"), then charset-normalizer's best guess.
  Bytes that none of them decodes are an error naming the encodings tried.
- Delimiter: comma, tab or semicolon, whichever splits the first lines into the most columns
  with the same count on every line (comma on a tie).
- Every cell is read as text, so segment values stay as written ("01" stays "01"); blank cells
  are NaN. Only the score column is converted to numbers.
- Text column, when not given: among the columns that are not numbers, not the score and not a
  segment column, the one with the longest average text.
- Score column, when not given: a numeric column whose values are all within 0..10 (every usual
  metric scale); a name that says score (score, nps, csat, ces, rating, star, 评分, 分数, 打分,
  推荐, 满意, 星) is preferred; if several qualify, the leftmost such column, with a warning. None
  when no column qualifies (the report then has no metric).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", "\t", ";")
SNIFF_LINES = 50
SCORE_NAME_HINTS = (
    "score",
    "nps",
    "csat",
    "ces",
    "rating",
    "star",
    "评分",
    "分数",
    "打分",
    "推荐",
    "满意",
    "星",
)
# Tried in order after the byte-order marks; GBK before GB18030 so the name reported is the one
# Excel users know, although GB18030 decodes every GBK file the same way.
STRICT_ENCODINGS = ("utf-8", "gbk", "gb18030")


class ReportInputError(ValueError):
    """The input file cannot be used as it is; the message says why and what exists."""


@dataclass(frozen=True)
class LoadedTable:
    frame: pd.DataFrame
    text_column: str
    score_column: str | None
    encoding: str | None  # None for XLSX
    warnings: tuple[str, ...]


def _columns_list(frame: pd.DataFrame) -> str:
    return ", ".join(str(c) for c in frame.columns) or "(none)"


def _decode(raw: bytes, path: Path) -> tuple[str, str, bool]:
    """(text, encoding, whether the encoding is only a statistical guess)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding, False
            except UnicodeDecodeError as exc:
                raise ReportInputError(
                    f"{path.name}: starts with a {encoding} byte-order mark but byte {exc.start} "
                    f"is not valid {encoding}"
                ) from None
    if b"\x00" in raw[:4096]:
        raise ReportInputError(
            f"{path.name}: is not a text file (it contains NUL bytes); save it as CSV (UTF-8) or XLSX"
        )
    for encoding in STRICT_ENCODINGS:
        try:
            return raw.decode(encoding), encoding, False
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding:
        return str(best), best.encoding, True
    raise ReportInputError(
        f"{path.name}: unknown text encoding (not UTF-8, GBK, GB18030 or any encoding that could be "
        "detected); save it as CSV UTF-8 or XLSX"
    )


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        header = counts[0]
        consistent = sum(1 for c in counts if c == header)
        score = (header if header > 1 else 0, consistent)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_text(path: Path, raw: bytes) -> tuple[pd.DataFrame, str, list[str]]:
    text, encoding, guessed = _decode(raw, path)
    warnings = []
    if guessed:
        warnings.append(
            f"the file is neither UTF-8 nor GBK/GB18030; its encoding was guessed as {encoding}: "
            "if the text looks wrong, save the file as CSV UTF-8"
        )
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReportInputError(f"{path.name}: the file is empty")
    delimiter = _sniff_delimiter(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ReportInputError(f"{path.name}: cannot be read as a table ({exc})") from None
    except pd.errors.EmptyDataError:
        raise ReportInputError(f"{path.name}: the file is empty") from None
    return frame, encoding, warnings


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReportInputError(f"{path.name}: cannot be read as an XLSX workbook ({exc})") from None
    return frame


def _resolve(frame: pd.DataFrame, name: str, role: str, path: Path) -> str:
    if name in frame.columns:
        return name
    folded = {str(c).strip().casefold(): c for c in frame.columns}
    match = folded.get(name.strip().casefold())
    if match is not None:
        return str(match)
    raise ReportInputError(f"{path.name}: {role} column {name!r} not found; columns: {_columns_list(frame)}")


def _numeric(series: pd.Series) -> pd.Series | None:
    """The column as numbers (blank = NaN), or None when a non-blank cell is not a number.

    Full-width digits (１０, as typed with a Chinese input method) count as digits. Each distinct
    value is converted once, so a score column of a million rows costs a handful of conversions.
    """
    present = series.dropna()
    if present.empty:
        return None
    head = present.iloc[:200].astype(str).map(_normal_number)
    if pd.to_numeric(head[head != ""], errors="coerce").isna().any():
        return None  # a text column: no need to look at the rest
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    cleaned = pd.Series([_normal_number(str(u)) for u in uniques], dtype=object)
    numbers = pd.to_numeric(cleaned.where(cleaned != "", None), errors="coerce")
    if (numbers.isna() & cleaned.ne("")).any() or numbers.isna().all():
        return None
    lookup = np.append(numbers.to_numpy(dtype=float), np.nan)
    values = lookup[codes]  # code -1 (NaN) picks the trailing NaN
    return pd.Series(values, index=series.index, name=series.name)  # float64, NaN where blank


def _normal_number(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _guess_score(frame: pd.DataFrame, exclude: set[str]) -> tuple[str | None, list[str]]:
    candidates = []
    for column in frame.columns:
        if column in exclude:
            continue
        numbers = _numeric(frame[column])
        if numbers is None:
            continue
        values = numbers.dropna()
        if values.empty or values.min() < 0 or values.max() > 10 or values.nunique() < 2:
            continue
        candidates.append(str(column))
    if not candidates:
        return None, []
    named = [c for c in candidates if any(hint in c.casefold() for hint in SCORE_NAME_HINTS)]
    pool = named or candidates
    warnings = []
    if len(pool) > 1:
        warnings.append(
            f"several columns look like scores ({', '.join(pool)}); using {pool[0]!r}, "
            "pass --score-column to choose another"
        )
    return pool[0], warnings


def _guess_text(frame: pd.DataFrame, exclude: set[str], path: Path) -> str:
    best, best_length = None, 0.0
    for column in frame.columns:
        if column in exclude or _numeric(frame[column]) is not None:
            continue
        values = frame[column].dropna().astype(str)
        if values.empty:
            continue
        length = float(values.str.len().mean())
        if length > best_length:
            best, best_length = str(column), length
    if best is None:
        raise ReportInputError(
            f"{path.name}: no text column found (every column is empty or numeric); "
            f"columns: {_columns_list(frame)}"
        )
    return best


def read_table(
    path: str | Path,
    *,
    text_column: str | None = None,
    score_column: str | None = None,
    segment_columns: Sequence[str] = (),
) -> LoadedTable:
    """Read a CSV/TSV or XLSX export; ``frame`` keeps every column, the score column as numbers.

    Raises ReportInputError for a missing file, an empty file, an unknown encoding, a missing
    column or a score column with non-numeric values.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReportInputError(f"{path}: file not found") from None
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not raw.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise ReportInputError(f"{path.name}: the file is empty")

    encoding: str | None
    warnings: list[str] = []
    if path.suffix.lower() == ".xls":
        raise ReportInputError(
            f"{path.name}: the old Excel .xls format is not supported; save it as .xlsx or CSV UTF-8"
        )
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame, encoding = _read_excel(path), None
    else:
        frame, encoding, warnings = _read_text(path, raw)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty or len(frame.columns) == 0:
        raise ReportInputError(
            f"{path.name}: the file has a header but no rows; columns: {_columns_list(frame)}"
        )

    segments = [_resolve(frame, name, "segment", path) for name in segment_columns]
    if score_column is not None:
        score_column = _resolve(frame, score_column, "score", path)
        if _numeric(frame[score_column]) is None:
            bad = frame[score_column].dropna().astype(str).str.strip()
            bad = bad[(bad != "") & pd.to_numeric(bad, errors="coerce").isna()]
            if bad.empty:
                raise ReportInputError(f"{path.name}: score column {score_column!r} has no values")
            row = int(bad.index[0])
            raise ReportInputError(
                f"{path.name}: score column {score_column!r} is not numeric: "
                f"line {row + 2} (counting the header as line 1) has {bad.iloc[0]!r}"
            )
    if text_column is not None:
        text_column = _resolve(frame, text_column, "text", path)
    else:
        text_column = _guess_text(frame, {score_column or "", *segments}, path)
        warnings.append(f"text column not given; using {text_column!r} (the longest texts)")
    if score_column is None:
        score_column, score_warnings = _guess_score(frame, {text_column, *segments})
        warnings.extend(score_warnings)
        if score_column is not None and not score_warnings:
            warnings.append(f"score column not given; using {score_column!r}")
    if score_column is not None:
        frame[score_column] = _numeric(frame[score_column])
    return LoadedTable(frame, text_column, score_column, encoding, tuple(warnings))
