"""Which database's SQL runs: the one place that reads ``connection.vendor``.

Production and CI run PostgreSQL; ``make run`` and some tests run SQLite. A hot path whose
fastest statements only PostgreSQL understands (arrays, ``COPY``, ``ON CONFLICT ... RETURNING``,
prepared statements) keeps them in one small module (``VENDOR_SQL_MODULES``): a ``PostgreSQL``
class and a ``Portable`` class (SQLite, or any other database, through the ORM) with the same
functions, picked by the module's ``chosen()`` (``for_database`` here). The calling service runs
them without asking which database it is on, so it reads the same on every database, and the
statements that differ sit side by side.
"""

from typing import TypeVar

from django.db import connection as default_connection

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
