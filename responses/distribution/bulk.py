"""Bulk inserts for ingestion: binary COPY on PostgreSQL, ``bulk_create`` elsewhere.

A 1,000-row multi-value INSERT spends most of its time in Python building and quoting SQL text
(the JSON contexts of invitations above all). ``COPY … FROM STDIN (FORMAT BINARY)`` sends typed
values instead. Rows are plain tuples, in the order of the ``columns`` named (field attnames:
``respondent_id``, not ``respondent``): building a model instance per row cost more than the
COPY itself. The columns not named are filled as ``bulk_create`` would fill them: the field's
default (evaluated once per call), one time stamp for ``auto_now(_add)`` fields. A field whose
default must differ per row (``uuid.uuid4``) has to be named; leaving it out is an error, not a
shared value. JSON values are Python objects, encoded by the database driver with
``json.dumps``, as the field's ``get_db_prep_save`` does (a JSON field with its own encoder
goes through ``bulk_create``).

- ``rows_insert``: rows that cannot conflict (a batch's invitations and suppressions).
- ``rows_insert_ignore``: INSERT … ON CONFLICT DO NOTHING through a temporary table, returning
  chosen columns of the rows actually inserted (so the caller knows which were new).
"""

import itertools
from collections.abc import Iterable, Sequence
from functools import cache

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
_temp_names = itertools.count()
# Defaults that are safe to evaluate once and share: an empty container is only encoded.
_SHARED_FACTORIES = (dict, list)


class _Plan:
    """How to COPY a model's rows given some of its columns (computed once per model and list)."""

    def __init__(self, model: type[models.Model], columns: tuple[str, ...]) -> None:
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in by_attname]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
        self.fields = [by_attname[name] for name in columns]
        self.stamped: list[models.Field] = []
        self.defaulted: list[models.Field] = []
        for field in model._meta.concrete_fields:
            if field.attname in columns or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.stamped.append(field)
            elif field.has_default() and callable(field.default) and field.default not in _SHARED_FACTORIES:
                raise ValueError(f"{model.__name__}.{field.name} needs a value per row: name the column")
            else:
                self.defaulted.append(field)
        self.all_fields = [*self.fields, *self.defaulted, *self.stamped]
        types = [_copy_type(field) for field in self.all_fields]
        # None: not for COPY (a column type psycopg is not told about here, or JSON with a custom
        # encoder, which psycopg would not apply); bulk_create writes those rows.
        custom_json = any(isinstance(field, models.JSONField) and field.encoder for field in self.all_fields)
        self.types: list[str] | None = None if None in types or custom_json else types  # type: ignore[assignment]

    def tail(self) -> tuple:
        """The values of the columns not named: defaults, then one time stamp."""
        stamp = timezone.now()
        return (
            *(field.get_default() for field in self.defaulted),
            *(stamp for _field in self.stamped),
        )


def _copy_type(field: models.Field) -> str | None:
    db_type = (field.target_field if field.is_relation else field).db_type(connection) or ""
    return _COPY_TYPES.get(db_type.split("(")[0].strip())


@cache
def _plan(model: type[models.Model], columns: tuple[str, ...], vendor: str) -> _Plan:
    # Keyed by vendor too: the COPY types come from the connection's column types.
    return _Plan(model, columns)


def _copy(cursor, table: str, plan: _Plan, rows: Iterable[Sequence], *, numbered: bool = False) -> None:
    """COPY the rows into ``table`` (quoted); ``numbered`` adds their position as a last column."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        [quote(field.column) for field in plan.all_fields] + (["ingest_position"] if numbered else [])
    )
    tail = plan.tail()
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([*plan.types, "int4"] if numbered else plan.types)  # type: ignore[list-item]
        write = copy.write_row
        if numbered:
            for position, row in enumerate(rows):
                write((*row, *tail, position))
        else:
            for row in rows:
                write((*row, *tail))


def _instances(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> list:
    return [model(**dict(zip(columns, row, strict=True))) for row in rows]


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert new rows given as tuples of the ``columns`` (primary keys are not read back)."""
    if not rows:
        return
    plan = _plan(model, tuple(columns), connection.vendor)
    if connection.vendor != "postgresql" or plan.types is None:
        model.objects.bulk_create(_instances(model, columns, rows))
        return
    with connection.cursor() as cursor:
        _copy(cursor, connection.ops.quote_name(model._meta.db_table), plan, rows)


def rows_insert_ignore(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: Sequence[str]
) -> list[tuple] | None:
    """INSERT … ON CONFLICT DO NOTHING, keeping the rows' order; the ``returning`` columns of
    the rows inserted, or None where only ``bulk_create(ignore_conflicts=True)`` is available
    (the caller then reads back what it needs).
    """
    if not rows:
        return []
    plan = _plan(model, tuple(columns), connection.vendor)
    if connection.vendor != "postgresql" or plan.types is None:
        model.objects.bulk_create(_instances(model, columns, rows), ignore_conflicts=True)
        return None
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    temp = quote(f"ingest_{model._meta.model_name}_{next(_temp_names)}")
    names = ", ".join(quote(field.column) for field in plan.all_fields)
    back = ", ".join(quote(model._meta.get_field(name).column) for name in returning)
    with connection.cursor() as cursor:
        # Same column types, no constraints; dropped right below (or at commit, on error).
        cursor.execute(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "  # noqa: S608  (names come from the model)
            f"SELECT {names}, 0 AS ingest_position FROM {table} WITH NO DATA"
        )
        _copy(cursor, temp, plan, rows, numbered=True)
        # Inserted in the given order (callers sort by the unique key), so two batches that
        # overlap wait on each other in one direction only and cannot deadlock.
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp} ORDER BY ingest_position "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {back}"
        )
        inserted = cursor.fetchall()
        cursor.execute(f"DROP TABLE {temp}")
    return inserted
