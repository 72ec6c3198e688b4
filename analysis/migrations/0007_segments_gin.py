"""PostgreSQL only: GIN indexes (jsonb_path_ops) on the segments of ResponseFacts and
CommentAnalysis, so a scope filtered on any segment values (``segments @> {...}``) is found by a
bitmap index scan. Built ``CONCURRENTLY`` (writes go on meanwhile), hence not atomic. SQLite has
no GIN: nothing to do there, the filters stay plain JSON look-ups."""

from django.db import migrations

INDEXES = (
    ("facts_segments_gin", "analysis_responsefacts"),
    ("comment_segments_gin", "analysis_commentanalysis"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES:
        if _invalid(schema_editor, name):  # a build that failed half-way: build it again
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin (segments jsonb_path_ops)"
        )


def _invalid(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND NOT i.indisvalid",
            [name],
        )
        return cursor.fetchone() is not None


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("analysis", "0006_comment_segments"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
