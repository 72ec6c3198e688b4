"""Which database's SQL runs: the one place that reads ``connection.vendor``.

Production and CI run PostgreSQL; ``make run`` and some tests run SQLite. A hot path whose
fastest statements only PostgreSQL understands (arrays, ``COPY``, ``ON CONFLICT ... RETURNING``,
prepared statements) keeps them in one small module (``VENDOR_SQL_MODULES``): a ``PostgreSQL``
class and a ``Portable`` class (SQLite, or any other database, through the ORM) with the same
functions, picked by the module's ``chosen()`` (``for_database`` here). The calling service runs
them without asking which database it is on, so it reads the same on every database, and the
statements that differ sit side by side.
"""

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connections
from django.db import connection as default_connection
from django.utils import translation

# The modules holding vendor-specific SQL (docs/operations.md, "Databases"); tests/test_databases.py
# fails when ``connection.vendor`` or ``for_database`` is used anywhere else in the apps' code.
VENDOR_SQL_MODULES = (
    "ops/databases.py",
    "responses/sql/answering.py",
    "responses/sql/delivery.py",
    "responses/sql/ingest.py",
    "analysis/sql/aggregates.py",
    "analysis/sql/slices.py",
    # The switch between the analysis selectors' SQL and Python paths (``in_database``).
    "analysis/selectors/scope.py",
    "exports/sql.py",
)

T = TypeVar("T")


def on_postgresql(connection=None) -> bool:
    """Whether ``connection`` (default: the default database's) is PostgreSQL's."""
    return (connection or default_connection).vendor == "postgresql"


def for_database(postgresql: T, portable: T, *, connection=None) -> T:
    """``postgresql`` on PostgreSQL, ``portable`` on any other database (SQLite)."""
    return postgresql if on_postgresql(connection) else portable


# The threads that run reads ``alongside`` a request's own (each on a connection of its own).
_side_readers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="side-read")
# Set in those threads: a read there that starts another runs it itself, so no side read ever
# waits for a thread of the pool it may be holding the last of.
_in_side_read: contextvars.ContextVar[bool] = contextvars.ContextVar("in_side_read", default=False)


def alongside(read: Callable[[], T]) -> Callable[[], T]:
    """Start ``read`` (a read of the database that does not depend on what this thread does
    next) and return a function that gives its result, or raises its error.

    On PostgreSQL, outside a transaction, and with ``DATABASE_SIDE_READS`` on, ``read`` runs in
    a thread of its own, on a connection of its own that is closed when it ends, while this
    thread goes on: two independent queries of one request use both of the server's cores
    instead of one after the other. Inside a transaction (a test's, or an ``atomic`` block) its
    rows may not be committed, so another connection would not see them: ``read`` then runs
    here, when its result is first asked for (not at all when it never is), as it would have
    without this function. So does a read started inside a side read (its thread runs it). And
    when a side read's own connection cannot be opened (too many connections, say), it runs
    again here."""
    if not _side_reads():
        done: list[T] = []

        def later() -> T:
            if not done:
                done.append(read())
            return done[0]

        return later
    language = translation.get_language()
    future = _side_readers.submit(contextvars.copy_context().run, _read_apart, read, language)

    def result() -> T:
        try:
            return future.result()
        except OperationalError:
            return read()

    return result


def _side_reads() -> bool:
    return (
        settings.DATABASE_SIDE_READS
        and not _in_side_read.get()
        and on_postgresql()
        and not default_connection.in_atomic_block
    )


def _read_apart(read: Callable[[], T], language: str | None) -> T:
    token = _in_side_read.set(True)
    try:
        with translation.override(language):
            return read()
    finally:
        _in_side_read.reset(token)
        connections.close_all()
