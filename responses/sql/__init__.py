"""Statements that differ between PostgreSQL and SQLite, one module per hot path (``ops.databases``)."""
