"""Adding counts to the aggregate rows: one upsert statement on PostgreSQL, one batch of upserts elsewhere.

``analysis.services.aggregates.aggregates_add`` calls ``counts_add`` with the rows sorted by key
(two transactions adding to the same rows wait for each other instead of deadlocking); ``items``
are ``((survey_id, day_or_week, segment_key, segment_value, topic_key), counts)`` with the
counts in the order of ``count_fields``.
"""

from collections.abc import Sequence

from django.db import connection

from ops.databases import for_database

_COLUMN_TYPES = {
    "responses": "integer",
    "scored": "integer",
    "promoters": "integer",
    "passives": "integer",
    "detractors": "integer",
    "score_sum": "double precision",
    "score_sum_squares": "double precision",
    "comments": "integer",
    "scored_comments": "integer",
    "mentions": "integer",
    "detractor_mentions": "integer",
    "complaint_mentions": "integer",
    "praise_mentions": "integer",
    "complaining": "integer",
}


class Portable:
    """Any other database (SQLite: ``make run``, some tests): the standard upsert, one row a
    statement, all of a batch sent at once."""

    @staticmethod
    def counts_add(
        model, date_field: str, items: list[tuple[tuple, list]], count_fields: Sequence[str]
    ) -> None:
        """``INSERT ... VALUES ... ON CONFLICT DO UPDATE`` adding to the existing counts (SQLite
        3.24 and later), every row of the batch in one ``executemany``; a row whose counts are
        all zero adds nothing and is left out. Before, an ORM UPDATE then INSERT per row: the
        demo's analysis on SQLite spent 85% of its time there."""
        rows = [(*key, *counts) for key, counts in items if any(counts)]
        if not rows:
            return
        table = model._meta.db_table
        columns = ["survey_id", date_field, "segment_key", "segment_value", "topic_key", *count_fields]
        updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in count_fields)
        # Identifiers are the model's own; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT (survey_id, segment_key, segment_value, topic_key, {date_field}) "
            f"DO UPDATE SET {updates}"
        )
        adapt = connection.ops.adapt_datefield_value
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(row[0], adapt(row[1]), *row[2:]) for row in rows])


class PostgreSQL:
    """PostgreSQL (production, CI): one ``INSERT ... ON CONFLICT DO UPDATE`` from arrays."""

    @staticmethod
    def counts_add(
        model, date_field: str, items: list[tuple[tuple, list]], count_fields: Sequence[str]
    ) -> None:
        """Every row in one ``INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE`` that
        adds to the existing counts: one round trip and 18 parameters (one array per column)
        however many rows a batch has. Keys are unique in ``items`` (one statement may not
        update a row twice)."""
        table = model._meta.db_table
        key_columns = ["survey_id", date_field, "segment_key", "segment_value", "topic_key"]
        key_types = ["bigint", "date", "text", "text", "text"]
        columns = [*zip(key_columns, key_types, strict=True), *((n, _COLUMN_TYPES[n]) for n in count_fields)]
        arrays: list[list] = [[] for _ in columns]
        for key, counts in items:
            for position, value in enumerate((*key, *counts)):
                arrays[position].append(value)
        casts = ", ".join(f"%s::{kind}[]" for _name, kind in columns)
        updates = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in count_fields)
        # Identifiers are the model's own; every value is a parameter. The rows go in the order of
        # the arrays (sorted by key).
        sql = (
            f"INSERT INTO {table} ({', '.join(name for name, _kind in columns)}) "  # noqa: S608
            f"SELECT * FROM unnest({casts}) "
            f"ON CONFLICT (survey_id, segment_key, segment_value, topic_key, {date_field}) "
            f"DO UPDATE SET {updates}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, arrays)


def chosen() -> type[Portable] | type[PostgreSQL]:
    """The statements for the connection's database."""
    return for_database(PostgreSQL, Portable)
