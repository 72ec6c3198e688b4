"""Writes of the exports app: record an export, stream it, run it in the background, delete its
file. One owner per state change of ``Export``.

A streamed export is recorded when it starts and finished when its last byte is produced. A
background export is a ``pending`` row and a task on the ``default`` queue; the task (maybe
delivered twice) writes the file under a temporary name, renames it into place, and marks the
row ``done`` with a conditional UPDATE, so a second delivery either finds it done or writes the
same file again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.selectors.scope import Scope
from exports import selectors
from exports.errors import ExportErrorCode as Code
from exports.models import Export
from exports.writers import XLSX_MAX_ROWS, TooManyRows, csv_chunks, xlsx_write
from ops.services import audit_record
from surveys.models import Survey

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    Export.Format.CSV: "text/csv; charset=utf-8",
    Export.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A background export writes its progress at most this often (rows), and at every percent.
PROGRESS_EVERY_ROWS = 10_000


def exports_root() -> Path:
    return Path(settings.EXPORTS_ROOT)


def export_file_name(export: Export) -> str:
    """The name a user's browser saves the file under."""
    day = timezone.localtime(export.created_at).date().isoformat()
    return f"{export.survey_key}-{export.kind}-{day}.{export.format}"


def export_table(*, kind: str, survey: Survey, filters: Mapping[str, Any], with_contact: bool):
    """The header and rows of one export, from its stored filters."""
    if kind == Export.Kind.FUNNEL:
        return selectors.funnel_table(
            survey=survey,
            date_from=_day(filters.get("from")),
            date_to=_day(filters.get("to")),
            group_by=filters.get("group_by", ""),
            attributes=dict(filters.get("attributes") or {}),
        )
    scope = Scope(survey, _day(filters["from"]), _day(filters["to"]), dict(filters.get("attributes") or {}))
    if kind == Export.Kind.RESPONSES:
        return selectors.responses_table(scope=scope, with_contact=with_contact)
    if kind == Export.Kind.COMMENTS:
        return selectors.comments_table(
            scope=scope,
            q=filters.get("q", ""),
            topic=filters.get("topic", ""),
            band=filters.get("band", ""),
            language=filters.get("language", ""),
            topics=list(filters.get("topics") or []),
        )
    return selectors.painpoints_table(scope=scope, topics=list(filters.get("topics") or []))


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _too_many_rows(count: int) -> ValidationError:
    return ValidationError(
        _(
            "An XLSX sheet holds at most %(max)s rows; this export has %(count)s. "
            "Choose CSV or narrow the filters."
        )
        % {"max": XLSX_MAX_ROWS - 1, "count": count},
        code=Code.TOO_MANY_ROWS,
    )


def export_record(
    *, user, kind: str, survey: Survey, format: str, mode: str, filters: Mapping[str, Any], with_contact: bool
) -> Export:
    """The record of an export (who, what, which filters), written before any row is read, with
    its audit entry (``exports.export.started``)."""
    with transaction.atomic():
        export = Export.objects.create(
            user=user,
            username=user.get_username(),
            kind=kind,
            survey=survey,
            survey_key=survey.key,
            format=format,
            mode=mode,
            filters=dict(filters),
            with_contact=with_contact,
            status=Export.Status.RUNNING if mode == Export.Mode.STREAM else Export.Status.PENDING,
            created_at=timezone.now(),
        )
        audit_record(
            action="exports.export.started",
            instance=export,
            actor=user,
            after=export_snapshot(export),
            now=export.created_at,
        )
    return export


def export_snapshot(export: Export) -> dict[str, Any]:
    """What an audit entry of an export shows: what was taken out, how, with which filters."""
    return {
        "kind": export.kind,
        "survey": export.survey_key,
        "format": export.format,
        "mode": export.mode,
        "filters": dict(export.filters),
        "with_contact": export.with_contact,
    }


def export_download_record(*, export: Export, user) -> None:
    """Audit the download of a background export's file (``exports.export.downloaded``): its
    maker, or another user allowed to download any export."""
    audit_record(
        action="exports.export.downloaded",
        instance=export,
        actor=user,
        after={**export_snapshot(export), "rows": export.rows, "made_by": export.username},
    )


def _finish(export: Export, *, rows: int, file_name: str = "") -> None:
    Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
        status=Export.Status.DONE, progress=100, rows=rows, file_name=file_name, finished_at=timezone.now()
    )


def _fail(export: Export, error: str) -> None:
    Export.objects.filter(pk=export.pk, status__in=[Export.Status.PENDING, Export.Status.RUNNING]).update(
        status=Export.Status.FAILED, error=error[:255], finished_at=timezone.now()
    )


@dataclass
class StreamedExport:
    export: Export
    content_type: str
    file_name: str
    # CSV: byte chunks produced as rows are read; XLSX: a finished temporary file.
    chunks: Iterator[bytes] | None = None
    file: IO[bytes] | None = None


def _counted(rows: Iterable, counter: list[int]) -> Iterator:
    for row in rows:
        counter[0] += 1
        yield row


def export_stream(
    *, user, kind: str, survey: Survey, format: str, filters: Mapping[str, Any], with_contact: bool
) -> StreamedExport:
    """An export answered in the request: recorded, then CSV streamed row by row, or XLSX
    written to a temporary file first (a zip is only readable once finished)."""
    table = export_table(kind=kind, survey=survey, filters=filters, with_contact=with_contact)
    if format == Export.Format.XLSX and (table.count or 0) > XLSX_MAX_ROWS - 1:
        raise _too_many_rows(table.count)
    export = export_record(
        user=user,
        kind=kind,
        survey=survey,
        format=format,
        mode=Export.Mode.STREAM,
        filters=filters,
        with_contact=with_contact,
    )
    counter = [0]
    rows = _counted(table.rows, counter)
    result = StreamedExport(
        export=export, content_type=CONTENT_TYPES[format], file_name=export_file_name(export)
    )
    if format == Export.Format.XLSX:
        target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
        try:
            xlsx_write(target, table.header, rows, title=table.title)
        except Exception as exc:
            target.close()
            _fail(export, type(exc).__name__)
            raise
        target.seek(0)
        _finish(export, rows=counter[0])
        result.file = target
        return result

    def chunks() -> Iterator[bytes]:
        finished = False
        try:
            yield from csv_chunks(table.header, rows)
            finished = True
        finally:
            if finished:
                _finish(export, rows=counter[0])
            else:  # the client went away, or reading failed
                _fail(export, "interrupted")

    result.chunks = chunks()
    return result


def export_start(
    *, user, kind: str, survey: Survey, format: str, filters: Mapping[str, Any], with_contact: bool
) -> Export:
    """Record a background export and enqueue its task once the row is committed."""
    from exports.tasks import export_run as export_run_task

    with transaction.atomic():
        export = export_record(
            user=user,
            kind=kind,
            survey=survey,
            format=format,
            mode=Export.Mode.BACKGROUND,
            filters=filters,
            with_contact=with_contact,
        )
        transaction.on_commit(partial(export_run_task.delay, export.pk))
    return export


def _progress(
    rows: Iterable, total: int | None, counter: list[int], write: Callable[[int], None]
) -> Iterator:
    """``rows``, counted; ``write(percent)`` at most once a percent (and every PROGRESS_EVERY_ROWS)."""
    step = max(1, min(PROGRESS_EVERY_ROWS, (total or 0) // 100))
    for row in rows:
        counter[0] += 1
        if total and counter[0] % step == 0:
            write(min(99, counter[0] * 100 // total))
        yield row


@contextmanager
def _progress_writer(export: Export) -> Iterator[Callable[[int], None]]:
    """Writes an export's progress, committed at once so the status API shows it. While the
    rows stream through COPY the connection serves nothing else: the progress then goes through
    a second connection of its own, closed afterwards."""
    query = f"UPDATE {Export._meta.db_table} SET progress = %s WHERE id = %s AND status = %s"  # noqa: S608
    if not selectors.reads_block_the_connection():

        def write(percent: int) -> None:
            Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(progress=percent)

        yield write
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:

        def write(percent: int) -> None:
            with side.cursor() as cursor:
                cursor.execute(query, [percent, export.pk, Export.Status.RUNNING])

        yield write
    finally:
        side.close()


def export_run(*, export_id: int) -> Export | None:
    """Write a background export's file and mark it done. Safe to run twice: a done (or
    deleted) export is left alone; two runs at once write the same file, renamed into place."""
    export = Export.objects.select_related("survey").filter(pk=export_id).first()
    if export is None:
        logger.warning("export %s not found; nothing written", export_id)
        return None
    if export.survey is None:
        _fail(export, "survey deleted")
        return export
    claimed = Export.objects.filter(
        pk=export.pk, status__in=[Export.Status.PENDING, Export.Status.RUNNING]
    ).update(status=Export.Status.RUNNING, progress=0)
    if not claimed:
        return export
    root = exports_root()
    root.mkdir(parents=True, exist_ok=True)
    file_name = f"{export.public_id}.{export.format}"
    partial_path = root / f"{export.public_id}.{uuid.uuid4().hex}.part"
    counter = [0]
    try:
        table = export_table(
            kind=export.kind, survey=export.survey, filters=export.filters, with_contact=export.with_contact
        )
        if export.format == Export.Format.XLSX and (table.count or 0) > XLSX_MAX_ROWS - 1:
            raise TooManyRows(table.count)
        with _progress_writer(export) as write:
            rows = _progress(table.rows, table.count, counter, write)
            if export.format == Export.Format.XLSX:
                xlsx_write(str(partial_path), table.header, rows, title=table.title)
            else:
                with open(partial_path, "wb") as out:
                    for chunk in csv_chunks(table.header, rows):
                        out.write(chunk)
        os.replace(partial_path, root / file_name)
    except TooManyRows:
        partial_path.unlink(missing_ok=True)
        _fail(export, Code.TOO_MANY_ROWS)
    except Exception:
        partial_path.unlink(missing_ok=True)
        _fail(export, Code.FAILED)
        logger.exception("export %s failed", export.pk)
    else:
        _finish(export, rows=counter[0], file_name=file_name)
    export.refresh_from_db()
    return export


def export_file_path(export: Export) -> Path | None:
    """The stored file of a finished background export, if it is still there."""
    if export.status != Export.Status.DONE or not export.file_name:
        return None
    path = exports_root() / export.file_name
    return path if path.is_file() else None


def export_delete(*, export: Export) -> Export:
    """Remove an export's file (retention); the record stays, marked ``deleted``."""
    if export.file_name:
        (exports_root() / export.file_name).unlink(missing_ok=True)
    Export.objects.filter(pk=export.pk).exclude(status=Export.Status.DELETED).update(
        status=Export.Status.DELETED, file_name="", file_deleted_at=timezone.now()
    )
    export.refresh_from_db()
    return export
