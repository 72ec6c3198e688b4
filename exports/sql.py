"""The exports' vendor SQL: PostgreSQL formats cells in the query and streams rows with ``COPY``.

``exports.selectors.tables`` builds each kind's query with the expressions below (Django
compiles each for the connection's database: ``as_postgresql``, ``as_sqlite``, ``as_sql`` for
the others) and reads its rows through ``chosen().rows``.
"""

from collections.abc import Iterator

from django.db import connection
from django.db.models import DateTimeField, Func, TextField, UUIDField

from ops.databases import for_database

CHUNK_ROWS = 2000


class JSONWithout(Func):
    """A JSON object without some keys, as text: PostgreSQL ``jsonb - text[]``, SQLite
    ``json_remove``."""

    output_field = TextField()

    def __init__(self, expression, keys: list[str]):
        self.keys = list(keys)
        super().__init__(expression)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) - %s::text[])::text", [*params, self.keys]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        paths = "".join(", %s" for _key in self.keys)
        return f"json_remove({sql}{paths})", [*params, *(f'$."{key}"' for key in self.keys)]


class LocalTimeText(Func):
    """A moment as the site's wall-clock time, ``YYYY-MM-DD HH:MM:SS``, formatted by PostgreSQL
    (``to_char`` in the zone, seconds cut as ``local_time`` cuts them), so the rows need no
    timestamp parsed and converted each. Elsewhere the moment itself, for ``local_time``."""

    output_field = DateTimeField()

    def __init__(self, expression, zone: str):
        self.zone = zone
        super().__init__(expression)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')", [*params, self.zone]

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])


class UUIDText(Func):
    """A UUID as its text on PostgreSQL (no UUID object made per row); elsewhere the UUID."""

    output_field = UUIDField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql})::text", params

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])


class Portable:
    """Any database (SQLite: ``make run``, some tests): the ORM's chunked iterator."""

    # Whether ``rows`` holds the connection while it streams.
    reads_block_the_connection = False

    @staticmethod
    def rows(queryset) -> Iterator[tuple]:
        yield from queryset.iterator(chunk_size=CHUNK_ROWS)


class PostgreSQL:
    """PostgreSQL (production, CI): ``COPY (query) TO STDOUT``, read row by row by psycopg.

    COPY is planned for all the rows (a cursor is planned for the first ones) and streams them as
    the query produces them; a server-side cursor outside a transaction would first store every
    row (``WITH HOLD``). While it runs, the connection serves nothing else.
    """

    reads_block_the_connection = True

    @staticmethod
    def rows(queryset) -> Iterator[tuple]:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) AS export LIMIT 0", params)  # noqa: S608 - the ORM's SQL
            types = [column.type_code for column in cursor.description]
            bound = cursor.mogrify(sql, params)  # COPY takes no parameters
            with cursor.copy(f"COPY ({bound}) TO STDOUT") as copy:
                copy.set_types(types)
                yield from copy.rows()


def chosen() -> type[Portable] | type[PostgreSQL]:
    """The statements for the connection's database."""
    return for_database(PostgreSQL, Portable)


def queryset_rows(queryset) -> Iterator[tuple]:
    """The rows of a ``values_list`` query, streamed with flat memory (``COPY`` on PostgreSQL,
    the ORM's chunked iterator elsewhere). Values come as the database sends them, so the query
    casts JSON to text and the rows are the same on both paths; columns needing the ORM's
    conversion must not be read here."""
    return chosen().rows(queryset)


def reads_block_the_connection() -> bool:
    """Whether ``queryset_rows`` holds the connection while it streams (COPY)."""
    return chosen().reads_block_the_connection
