"""The respondent pages' statements: PostgreSQL runs a submit's first save as one ``WITH``
statement and the pages' lookups as prepared statements; elsewhere the ORM, in a transaction.

``prepared_cursor``: Django turns psycopg's automatic preparation off (it would break
transaction-mode connection poolers), so only the statements that ask for it are prepared, and
``DATABASE_PREPARED_STATEMENTS=false`` turns it off for a pooler that cannot keep them.
"""

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from ops.databases import for_database
from responses.distribution.lifecycle import (
    invitation_advance_sql,
    invitation_advanced_apply,
    invitation_mark_completed,
    invitation_mark_started,
)
from responses.models import Answer, Invitation, Response

_MARKS = {
    Invitation.Status.STARTED: invitation_mark_started,
    Invitation.Status.COMPLETED: invitation_mark_completed,
}


class Portable:
    """Any database, through the ORM (SQLite: ``make run``, some tests)."""

    @staticmethod
    @contextmanager
    def prepared_cursor(connection) -> Iterator:
        with connection.cursor() as cursor:
            yield cursor

    @staticmethod
    def response_insert(
        fields: dict,
        values: Mapping[str, Any],
        *,
        invitation: Invitation | None,
        to: str | None,
        now: datetime,
    ) -> Response | None:
        """Insert the response, its answers and (``to``) the invitation's funnel mark in one
        transaction; None when the unique constraint says another request inserted this
        response first (nothing is kept)."""
        try:
            with transaction.atomic():
                response = Response.objects.create(**fields)
                if values:
                    Answer.objects.bulk_create(
                        [
                            Answer(response=response, question_key=key, value=value, updated_at=now)
                            for key, value in values.items()
                        ]
                    )
                if to is not None:
                    _MARKS[to](invitation=invitation, now=now, refresh=False)
        except IntegrityError:
            return None
        return response


class PostgreSQL:
    """PostgreSQL (production, CI): one statement per first save, prepared statements."""

    @staticmethod
    @contextmanager
    def prepared_cursor(connection) -> Iterator:
        """A cursor of ``connection`` (Django's wrapper: errors, query logging and execute
        wrappers as usual) whose statements PostgreSQL prepares once per connection and then only
        executes. A plain cursor with ``DATABASE_PREPARED_STATEMENTS`` off, and while queries are
        logged (DEBUG, or a test capturing them), so the log shows each statement with its
        values, as Django's client-side binding writes it."""
        if not settings.DATABASE_PREPARED_STATEMENTS or connection.queries_logged:
            with connection.cursor() as cursor:
                yield cursor
            return
        connection.ensure_connection()
        with connection.wrap_database_errors:
            raw = _preparing_cursor_class()(connection.connection)
        with connection._prepare_cursor(raw) as cursor:
            yield cursor

    @staticmethod
    def response_insert(
        fields: dict,
        values: Mapping[str, Any],
        *,
        invitation: Invitation | None,
        to: str | None,
        now: datetime,
    ) -> Response | None:
        """The response, its answers and the funnel mark in one statement.

        One ``WITH`` statement inserts the response, inserts its answers from two arrays and
        (for an invitation) makes the funnel's conditional UPDATE, so in autocommit it is its
        own transaction: one round trip instead of five (BEGIN, three statements, COMMIT). The
        UPDATE joins the inserted row, so the INSERT, which makes a racing request wait on the
        unique index, always comes before the invitation's row lock, as in the ORM path. A lost
        race fails the whole statement with IntegrityError and nothing is kept.
        """
        columns, sql, select_id = _insert_statement()
        response = Response(**fields)
        params = [field.get_db_prep_save(field.pre_save(response, True), connection) for field in columns]
        params += [now, list(values), [json.dumps(value) for value in values.values()]]
        if to is not None:
            funnel_sql, funnel_params = invitation_advance_sql(
                to=to, now=now, source="new_response", id_column=Response._meta.get_field("invitation").column
            )
            sql = f"{sql}, funnel AS ({funnel_sql}) {select_id}, (SELECT count(*) FROM funnel)"  # noqa: S608
            params += funnel_params
        else:
            sql = f"{sql} {select_id}, 0"
        try:
            if connection.in_atomic_block:
                # Inside a caller's transaction: a savepoint, so a lost race leaves that transaction usable.
                with transaction.atomic():
                    row = _fetch_one(sql, params)
            else:
                row = _fetch_one(sql, params)
        except IntegrityError:
            return None
        response.pk, advanced = row
        response._state.adding, response._state.db = False, connection.alias
        if advanced:
            invitation_advanced_apply(invitation, to=to, now=now)
        return response


def chosen(on=None) -> type[Portable] | type[PostgreSQL]:
    """The statements for the database of ``on`` (a connection; default: the default one)."""
    return for_database(PostgreSQL, Portable, connection=on)


@contextmanager
def prepared_cursor(connection) -> Iterator:
    """A cursor whose statements PostgreSQL prepares once per connection; elsewhere a plain one."""
    with chosen(connection).prepared_cursor(connection) as cursor:
        yield cursor


@cache
def _preparing_cursor_class():
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """A server-side binding cursor whose statements are prepared on their first run."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    return PreparingCursor


@cache
def _insert_statement() -> tuple[tuple, str, str]:
    """The response's fields (every concrete field but the id), the statement's two INSERTs and
    the SELECT of the new response's id."""
    fields = tuple(field for field in Response._meta.concrete_fields if not field.primary_key)
    answer = {field.attname: field.column for field in Answer._meta.concrete_fields}
    if set(answer) != {"id", "response_id", "question_key", "value", "updated_at"}:
        raise RuntimeError("Answer's fields changed: update PostgreSQL.response_insert")
    quote = connection.ops.quote_name
    response_table, answer_table = quote(Response._meta.db_table), quote(Answer._meta.db_table)
    response_id = quote(Response._meta.pk.column)
    invitation_id = quote(Response._meta.get_field("invitation").column)
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    answer_columns = ", ".join(
        quote(answer[name]) for name in ("response_id", "question_key", "value", "updated_at")
    )
    # Names come from the models; every value is a parameter.
    sql = (
        f"WITH new_response AS (INSERT INTO {response_table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"RETURNING {response_id}, {invitation_id}), "
        f"new_answers AS (INSERT INTO {answer_table} ({answer_columns}) "
        f"SELECT new_response.{response_id}, answer.key, answer.value::jsonb, %s "
        "FROM new_response CROSS JOIN unnest(%s::text[], %s::text[]) WITH ORDINALITY "
        "AS answer(key, value, position) ORDER BY answer.position)"
    )
    return fields, sql, f"SELECT (SELECT {response_id} FROM new_response)"  # noqa: S608


def _fetch_one(sql: str, params: list) -> tuple:
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
