"""Event ingestion's statements: PostgreSQL's arrays and binary COPY, the ORM elsewhere.

The ingest transaction (``responses.distribution.ingestion``) runs a fixed, small number of statements
whatever the batch size. On PostgreSQL: a batch's keys go as two array parameters (``unnest``)
rather than 2,000 placeholders, rows go in with ``COPY ... FROM STDIN (FORMAT BINARY)`` (typed
values, no SQL text to build and quote), and ``INSERT ... ON CONFLICT DO NOTHING RETURNING``
says which rows were new. Elsewhere (SQLite) the ORM does the same with more statements, and
the caller reads back what an insert cannot return.
"""

import itertools
from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connection, models

from ops.contacts import contact_encrypt
from ops.databases import for_database
from responses.models import Respondent, ServiceEvent

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

_EXISTING_SQL = (
    "SELECT e.source, e.external_id FROM {table} e "
    "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, external_id) "
    "ON e.source = k.source AND e.external_id = k.external_id"
)
# The rows of the given (type, ref) keys, locked, in id order so two batches lock alike.
_LOCK_SQL = (
    "SELECT r.id, r.public_id, r.type, r.ref, r.email, r.phone, r.email_hash, r.phone_hash, r.locale, "
    "r.timezone, r.opted_out_at, r.contact_updated_at, r.erased_at FROM responses_respondent r "
    "JOIN unnest(%s::varchar[], %s::varchar[]) AS k(type, ref) ON r.type = k.type AND r.ref = k.ref "
    "ORDER BY r.id FOR UPDATE OF r"
)
# One statement for any number of rows, the new values passed as arrays. (bulk_update writes
# a CASE with one branch per row for each column: 1,000 rows took seconds to build and run.)
_UPDATE_SQL = (
    "UPDATE responses_respondent AS r SET email = v.email, phone = v.phone, email_hash = v.email_hash, "
    "phone_hash = v.phone_hash, locale = v.locale, timezone = v.timezone, "
    "contact_updated_at = v.contact_updated_at, updated_at = %s "
    "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::varchar[], %s::varchar[], %s::varchar[], "
    "%s::varchar[], %s::timestamptz[]) "
    "AS v(id, email, phone, email_hash, phone_hash, locale, timezone, contact_updated_at) WHERE r.id = v.id"
)


class Portable:
    """Any database, through the ORM (SQLite: ``make run``, some tests)."""

    @staticmethod
    def stored_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (source, external_id) keys are already stored (one query)."""
        wanted = set(keys)
        found = ServiceEvent.objects.filter(external_id__in={key[1] for key in keys}).values_list(
            "source", "external_id"
        )
        return {key for key in found if key in wanted}

    @staticmethod
    def respondents_lock(keys: list[tuple[str, str]], fields: Sequence[str]) -> list[tuple]:
        """The respondents of these (type, ref) keys, locked in id order: ``fields`` as stored
        (the email and phone as their ciphertexts)."""
        wanted = set(keys)
        rows = [
            row
            for row in Respondent.objects.select_for_update()
            .filter(ref__in={ref for _type, ref in keys})
            .order_by("id")
            .values_list(*fields)
            if (row[2], row[3]) in wanted
        ]
        # values_list decrypts; the row carries what is stored, as on PostgreSQL.
        return [(*row[:4], contact_encrypt(row[4]), contact_encrypt(row[5]), *row[6:]) for row in rows]

    @staticmethod
    def respondents_update(ids: list[int], columns: dict[str, list], *, now) -> None:
        """Write ``columns`` (name: one value per id) and ``updated_at`` of these respondents."""
        Respondent.objects.bulk_update(
            [
                Respondent(id=pk, updated_at=now, **{name: values[i] for name, values in columns.items()})
                for i, pk in enumerate(ids)
            ],
            [*columns, "updated_at"],
        )

    @staticmethod
    def rows_insert(
        model: type[models.Model], plan, columns: Sequence[str], rows: Sequence[Sequence]
    ) -> None:
        model.objects.bulk_create(_instances(model, columns, rows))

    @staticmethod
    def rows_insert_ignore(
        model: type[models.Model], plan, columns: Sequence[str], rows: Sequence[Sequence], *, returning
    ) -> list[tuple] | None:
        model.objects.bulk_create(_instances(model, columns, rows), ignore_conflicts=True)
        return None


class PostgreSQL:
    """PostgreSQL (production, CI): arrays, binary COPY, ``ON CONFLICT ... RETURNING``."""

    @staticmethod
    def stored_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        sql = _EXISTING_SQL.format(table=connection.ops.quote_name(ServiceEvent._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, [[key[0] for key in keys], [key[1] for key in keys]])
            return set(cursor.fetchall())

    @staticmethod
    def respondents_lock(keys: list[tuple[str, str]], fields: Sequence[str]) -> list[tuple]:
        if tuple(fields) != _LOCK_FIELDS:
            raise ValueError("the lock statement reads the columns of _LOCK_SQL, in their order")
        # Two array parameters rather than 2,000 placeholders: the lookup is built in microseconds.
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [[key[0] for key in keys], [key[1] for key in keys]])
            return cursor.fetchall()

    @staticmethod
    def respondents_update(ids: list[int], columns: dict[str, list], *, now) -> None:
        if tuple(columns) != _UPDATE_FIELDS:
            raise ValueError("the update statement writes the columns of _UPDATE_SQL, in their order")
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE_SQL, [now, ids, *columns.values()])

    @staticmethod
    def rows_insert(
        model: type[models.Model], plan, columns: Sequence[str], rows: Sequence[Sequence]
    ) -> None:
        types = _copy_types(plan)
        if types is None:
            Portable.rows_insert(model, plan, columns, rows)
            return
        with connection.cursor() as cursor:
            _copy(cursor, connection.ops.quote_name(model._meta.db_table), plan, types, rows)

    @staticmethod
    def rows_insert_ignore(
        model: type[models.Model], plan, columns: Sequence[str], rows: Sequence[Sequence], *, returning
    ) -> list[tuple] | None:
        types = _copy_types(plan)
        if types is None:
            return Portable.rows_insert_ignore(model, plan, columns, rows, returning=returning)
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
            _copy(cursor, temp, plan, types, rows, numbered=True)
            # Inserted in the given order (callers sort by the unique key), so two batches that
            # overlap wait on each other in one direction only and cannot deadlock.
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp} ORDER BY ingest_position "  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {back}"
            )
            inserted = cursor.fetchall()
            cursor.execute(f"DROP TABLE {temp}")
        return inserted


_LOCK_FIELDS = (
    "id",
    "public_id",
    "type",
    "ref",
    "email",
    "phone",
    "email_hash",
    "phone_hash",
    "locale",
    "timezone",
    "opted_out_at",
    "contact_updated_at",
    "erased_at",
)
_UPDATE_FIELDS = ("email", "phone", "email_hash", "phone_hash", "locale", "timezone", "contact_updated_at")


def chosen() -> type[Portable] | type[PostgreSQL]:
    """The statements for the connection's database."""
    return for_database(PostgreSQL, Portable)


def _instances(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> list:
    return [model(**dict(zip(columns, row, strict=True))) for row in rows]


@cache
def _copy_types(plan) -> tuple[str, ...] | None:
    """The psycopg type names of the plan's columns for binary COPY; None: not for COPY (a
    column type psycopg is not told about here, or JSON with a custom encoder, which psycopg
    would not apply), ``bulk_create`` writes those rows."""
    types = [_copy_type(field) for field in plan.all_fields]
    custom_json = any(isinstance(field, models.JSONField) and field.encoder for field in plan.all_fields)
    return None if None in types or custom_json else tuple(types)  # type: ignore[arg-type]


def _copy_type(field: models.Field) -> str | None:
    db_type = (field.target_field if field.is_relation else field).db_type(connection) or ""
    return _COPY_TYPES.get(db_type.split("(")[0].strip())


def _copy(cursor, table: str, plan, types, rows: Iterable[Sequence], *, numbered: bool = False) -> None:
    """COPY the rows into ``table`` (quoted); ``numbered`` adds their position as a last column."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        [quote(field.column) for field in plan.all_fields] + (["ingest_position"] if numbered else [])
    )
    tail = plan.tail()
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([*types, "int4"] if numbered else list(types))
        write = copy.write_row
        if numbered:
            for position, row in enumerate(rows):
                write((*row, *tail, position))
        else:
            for row in rows:
                write((*row, *tail))
