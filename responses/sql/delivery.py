"""Delivery's session settings: on PostgreSQL a send batch commits without waiting for the disk.

A mark lost with the database server's own crash only resends (with the same message id);
waiting for the disk on every send would cap a batch at the disk's flush rate. A worker crash
loses nothing that was committed. Other databases have no such setting: nothing to do.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from ops.databases import for_database


class Portable:
    """Any database (SQLite: ``make run``, some tests): commits as usual."""

    @staticmethod
    @contextmanager
    def commits_without_waiting_for_disk() -> Iterator[None]:
        yield

    @staticmethod
    def session_commits_without_waiting_for_disk() -> None:
        """Nothing to set."""


class PostgreSQL:
    """PostgreSQL (production, CI): ``synchronous_commit = off`` for the batch's session."""

    @staticmethod
    @contextmanager
    def commits_without_waiting_for_disk() -> Iterator[None]:
        """The block's commits do not wait for the disk. Outside a transaction only: inside one
        (tests) the setting would outlive this block."""
        if connection.in_atomic_block:
            yield
            return
        PostgreSQL.session_commits_without_waiting_for_disk()
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")

    @staticmethod
    def session_commits_without_waiting_for_disk() -> None:
        """This connection's commits from now on do not wait for the disk (a new connection
        taking over a batch begun so)."""
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


def chosen() -> type[Portable] | type[PostgreSQL]:
    """The statements for the connection's database."""
    return for_database(PostgreSQL, Portable)
