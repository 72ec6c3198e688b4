"""Events from a CSV or XLSX file: the admin upload and ``manage.py import_events``.

Each row becomes the same event dict the API receives, then goes through ``events_ingest`` in
batches of up to 1,000: one validation path for all three entries.

Columns (header row first; names are case-insensitive; empty cells are left out):

==========================  ==============================================================
``source``                  source system (or ``--source`` / the upload form's default)
``external_id``             idempotency key within the source
``type``                    dotted event type, e.g. ``order.delivered``
``occurred_at``             ISO 8601 with offset, e.g. ``2026-05-01T12:30:00+08:00``
``respondent_type``         customer, merchant or rider
``respondent_ref``          the respondent's id in the source system
``respondent_email``        optional
``respondent_phone``        optional, E.164 or a Chinese mobile number
``respondent_locale``       optional, zh-hans or en
``respondent_timezone``     optional, IANA, e.g. Asia/Shanghai
``attr_<name>``             one attribute per column, e.g. ``attr_city``, ``attr_district_type``
``attributes``              or all attributes as a JSON object (``attr_`` columns win)
==========================  ==============================================================

Row numbers in results are the spreadsheet's: the header is row 1, the first event row 2.
"""

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from responses.distribution.ingestion import MAX_BATCH, ItemResult, ItemStatus, events_ingest
from responses.errors import ImportErrorCode
from responses.services.validation import ItemError

RESPONDENT_COLUMNS = {
    "respondent_type": "type",
    "respondent_ref": "ref",
    "respondent_email": "email",
    "respondent_phone": "phone",
    "respondent_locale": "locale",
    "respondent_timezone": "timezone",
}
EVENT_COLUMNS = ("source", "external_id", "type", "occurred_at")


class ImportFileError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class EventRow:
    row_number: int
    item: dict
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class RowResult:
    row_number: int
    result: ItemResult


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()  # an XLSX date has no offset: rejected unless typed as text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _identifier(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def row_to_event(row_number: int, row: dict[str, Any], *, default_source: str = "") -> EventRow:
    """Map one row (header -> cell) to an event dict as the API receives it."""
    cells = {str(key).strip().lower(): _cell(value) for key, value in row.items() if key is not None}
    item: dict[str, Any] = {}
    errors: list[ItemError] = []
    for name in EVENT_COLUMNS:
        if cells.get(name) is not None:
            item[name] = _identifier(cells[name]) if name != "occurred_at" else cells[name]
    if not item.get("source") and default_source:
        item["source"] = default_source
    respondent = {
        target: _identifier(cells[column])
        for column, target in RESPONDENT_COLUMNS.items()
        if cells.get(column) is not None
    }
    item["respondent"] = respondent
    attributes: dict[str, Any] = {}
    raw = cells.get("attributes")
    if raw is not None:
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            errors.append(
                ItemError(
                    "attributes",
                    ImportErrorCode.ATTRIBUTES_INVALID_JSON,
                    _("The attributes column is not valid JSON: %(error)s") % {"error": exc.msg},
                )
            )
            parsed = {}
        if isinstance(parsed, dict):
            attributes.update(parsed)
        else:
            item["attributes"] = parsed  # validation reports attributes_not_object
    for column, value in cells.items():
        if column.startswith("attr_") and len(column) > 5 and value is not None:
            attributes[column[5:]] = value
    item.setdefault("attributes", attributes)
    return EventRow(row_number, item, errors)


def _decode(data: bytes) -> str:
    # Spreadsheet programs in China often save CSV as GB18030 (GBK); UTF-8 (with or without
    # BOM) is tried first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."), ImportErrorCode.UNREADABLE_FILE)


def event_rows_read(*, stream: IO[bytes], filename: str, default_source: str = "") -> Iterator[EventRow]:
    """Rows of a .csv or .xlsx file as event dicts; raises ImportFileError if unreadable."""
    name = filename.lower()
    if name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(_decode(stream.read()), newline=""))
        if not reader.fieldnames:
            raise ImportFileError(_("The file has no header row."), ImportErrorCode.UNREADABLE_FILE)
        for number, row in enumerate(reader, start=2):
            if any((value or "").strip() for value in row.values() if isinstance(value, str)):
                yield row_to_event(number, row, default_source=default_source)
        return
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(
                _("The file is not a readable XLSX workbook: %(error)s") % {"error": exc},
                ImportErrorCode.UNREADABLE_FILE,
            ) from exc
        rows = book.active.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ImportFileError(_("The file has no header row."), ImportErrorCode.UNREADABLE_FILE)
        for number, values in enumerate(rows, start=2):
            if any(value not in (None, "") for value in values):
                yield row_to_event(
                    number, dict(zip(header, values, strict=False)), default_source=default_source
                )
        book.close()
        return
    raise ImportFileError(_("Upload a .csv or .xlsx file."), ImportErrorCode.UNSUPPORTED_FILE)


def events_import(
    *,
    rows: Iterable[EventRow],
    batch_size: int = MAX_BATCH,
    progress: Callable[[int], None] | None = None,
) -> list[RowResult]:
    """Ingest rows in batches (each batch one transaction); one result per row, in order."""
    results: list[RowResult] = []
    batch: list[EventRow] = []

    def flush() -> None:
        ingestable = [row for row in batch if not row.errors]
        outcomes = iter(events_ingest(source_system=None, items=[row.item for row in ingestable]))
        for row in batch:
            if row.errors:
                external_id = row.item.get("external_id")
                result = ItemResult(external_id, ItemStatus.REJECTED, errors=row.errors)
            else:
                result = next(outcomes)
            results.append(RowResult(row.row_number, result))
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return results
