"""PostgreSQL only: a GIN index (jsonb_path_ops) on the comments' tokens, so a comment search
(``tokens @> ["骑手"]``, analysis/selectors/search.py) finds the comments holding a word by a
bitmap index scan instead of reading every comment of the period. Built ``CONCURRENTLY`` (writes
go on meanwhile), hence not atomic. SQLite has no GIN: the search matches in Python there."""

from django.db import migrations

NAME = "comment_tokens_gin"
TABLE = "analysis_commentanalysis"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND NOT i.indisvalid",
            [NAME],
        )
        if cursor.fetchone() is not None:  # a build that failed half-way: build it again
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON {TABLE} USING gin (tokens jsonb_path_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("analysis", "0010_aggregate_cell_statistics"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
