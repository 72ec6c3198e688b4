"""PostgreSQL only: extended statistics (ndistinct) on the daily aggregates' cell columns
(segment_key, segment_value, topic_key). Without them the planner multiplies the three columns'
distinct counts and expects a GROUP BY over a scope's rows to give tens of thousands of groups
(the 90-day unfiltered read with pair rows: about 72,000 estimated, 5,400 real), so it sorts the
rows on disk instead of hashing them in memory (about 5x slower). ANALYZE fills the statistics
at once; autovacuum keeps them current. SQLite has no extended statistics: nothing to do."""

from django.db import migrations

NAME = "aggregate_cell_ndistinct"
TABLE = "analysis_dailyaggregate"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} (ndistinct) ON segment_key, segment_value, topic_key FROM {TABLE}"
    )
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0009_topic_polarity_ambiguous_terms"),
    ]

    operations = [migrations.RunPython(create_statistics, drop_statistics)]
