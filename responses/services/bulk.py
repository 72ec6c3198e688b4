"""Bulk inserts for ingestion: binary COPY on PostgreSQL, ``bulk_create`` elsewhere.

A 1,000-row multi-value INSERT spends most of its time in Python building and quoting SQL text
(the JSON contexts of invitations above all). ``COPY … FROM STDIN (FORMAT BINARY)`` sends typed
values instead. Values are taken from the model instances as they are (their ``__init__``
applied the defaults); JSON goes through the field's ``get_db_prep_save`` and ``auto_now(_add)``
fields get one time stamp, as ``bulk_create`` would do.

- ``bulk_insert``: rows that cannot conflict (a batch's invitations and suppressions).
- ``bulk_insert_ignore``: INSERT … ON CONFLICT DO NOTHING through a temporary table, returning
  chosen columns of the rows actually inserted (so the caller knows which were new).
"""

import itertools
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

# Django column types -> type names psycopg knows for binary COPY.
_COPY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "varchar": "varchar",
    "text": "text",
    "uuid": "uuid",
    "jsonb": "jsonb",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "double precision": "float8",
}
_STAMP = "stamp"
_JSON = "json"
_temp_names = itertools.count()


def _copy_type(field: models.Field) -> str | None:
    db_type = (field.target_field if field.is_relation else field).db_type(connection) or ""
    return _COPY_TYPES.get(db_type.split("(")[0].strip())


def _plan(fields: list[models.Field]) -> list[tuple[str, str, models.Field]]:
    plans = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            kind = _STAMP
        elif isinstance(field, models.JSONField):
            kind = _JSON
        else:
            kind = ""
        plans.append((field.attname, kind, field))
    return plans


def _copy_rows(
    cursor, table: str, fields: list[models.Field], types: list[str], rows, *, numbered: bool = False
) -> None:
    """COPY the rows into ``table`` (quoted); ``numbered`` adds their position as a last column."""
    quote = connection.ops.quote_name
    columns = ", ".join([quote(field.column) for field in fields] + (["ingest_position"] if numbered else []))
    stamp = timezone.now()
    plans = _plan(fields)
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([*types, "int4"] if numbered else types)
        for position, row in enumerate(rows):
            values = []
            for attname, kind, field in plans:
                if kind == _STAMP:
                    setattr(row, attname, stamp)
                    values.append(stamp)
                elif kind == _JSON:
                    values.append(field.get_db_prep_save(getattr(row, attname), connection))
                else:
                    values.append(getattr(row, attname))
            if numbered:
                values.append(position)
            copy.write_row(values)


def _copyable(model: type[models.Model]) -> tuple[list[models.Field], list[str]] | None:
    if connection.vendor != "postgresql":
        return None
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    types = [_copy_type(field) for field in fields]
    if None in types:
        return None
    return fields, types  # type: ignore[return-value]


def bulk_insert(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert new rows (primary keys are not read back)."""
    if not rows:
        return
    copyable = _copyable(model)
    if copyable is None:
        model.objects.bulk_create(rows)
        return
    fields, types = copyable
    with connection.cursor() as cursor:
        _copy_rows(cursor, connection.ops.quote_name(model._meta.db_table), fields, types, rows)


def bulk_insert_ignore(
    model: type[models.Model], rows: Sequence[models.Model], *, returning: Sequence[str]
) -> list[tuple] | None:
    """INSERT … ON CONFLICT DO NOTHING, keeping the rows' order; the ``returning`` columns of
    the rows inserted, or None where only ``bulk_create(ignore_conflicts=True)`` is available
    (the caller then reads back what it needs).
    """
    if not rows:
        return []
    copyable = _copyable(model)
    if copyable is None:
        model.objects.bulk_create(rows, ignore_conflicts=True)
        return None
    fields, types = copyable
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    temp = quote(f"ingest_{model._meta.model_name}_{next(_temp_names)}")
    columns = ", ".join(quote(field.column) for field in fields)
    back = ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    with connection.cursor() as cursor:
        # Same column types, no constraints; dropped right below (or at commit, on error).
        cursor.execute(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "  # noqa: S608  (names come from the model)
            f"SELECT {columns}, 0 AS ingest_position FROM {table} WITH NO DATA"
        )
        _copy_rows(cursor, temp, fields, types, rows, numbered=True)
        # Inserted in the given order (callers sort by the unique key), so two batches that
        # overlap wait on each other in one direction only and cannot deadlock.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} ORDER BY ingest_position "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {back}"
        )
        inserted = cursor.fetchall()
        cursor.execute(f"DROP TABLE {temp}")
    return inserted
