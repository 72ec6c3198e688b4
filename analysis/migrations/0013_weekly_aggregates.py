"""WeeklyAggregate: the daily aggregates summed per ISO week, filled from the existing daily
rows; on PostgreSQL with the same ndistinct statistics as the daily rows (0010)."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models

COUNTS = (
    "responses", "scored", "promoters", "passives", "detractors", "score_sum", "score_sum_squares",
    "comments", "scored_comments", "mentions", "detractor_mentions", "complaint_mentions", "praise_mentions",
)
CELL = ("survey_id", "segment_key", "segment_value", "topic_key")
STATISTICS = "weekly_aggregate_cell_ndistinct"
TABLE = "analysis_weeklyaggregate"


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        sums = ", ".join(f"sum({name})" for name in COUNTS)
        schema_editor.execute(
            f"INSERT INTO {TABLE} ({', '.join(CELL)}, week, {', '.join(COUNTS)}) "
            f"SELECT {', '.join(CELL)}, day - (extract(isodow FROM day)::int - 1), {sums} "
            f"FROM analysis_dailyaggregate GROUP BY {', '.join(CELL)}, 5"
        )
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (ndistinct) "
            f"ON segment_key, segment_value, topic_key FROM {TABLE}"
        )
        schema_editor.execute(f"ANALYZE {TABLE}")
        return
    daily = apps.get_model("analysis", "DailyAggregate")
    weekly = apps.get_model("analysis", "WeeklyAggregate")
    sums: dict[tuple, list] = {}
    for row in daily.objects.values_list(*CELL, "day", *COUNTS).iterator(chunk_size=5000):
        day = row[4]
        key = (*row[:4], day - dt.timedelta(days=day.weekday()))
        current = sums.setdefault(key, [0] * len(COUNTS))
        for position, value in enumerate(row[5:]):
            current[position] += value
    weekly.objects.bulk_create(
        (
            weekly(**dict(zip(CELL, key[:4], strict=True)), week=key[4], **dict(zip(COUNTS, counts, strict=True)))
            for key, counts in sums.items()
        ),
        batch_size=5000,
    )


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [
        ('analysis', '0012_polarity_counts_clusters_coverage'),
        ('surveys', '0004_survey_version_immutable'),
    ]

    operations = [
        migrations.CreateModel(
            name='WeeklyAggregate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week', models.DateField(verbose_name='week')),
                ('segment_key', models.CharField(blank=True, max_length=129, verbose_name='segment')),
                ('segment_value', models.CharField(blank=True, max_length=1024, verbose_name='segment value')),
                ('topic_key', models.CharField(blank=True, max_length=64, verbose_name='topic')),
                ('responses', models.IntegerField(default=0)),
                ('scored', models.IntegerField(default=0)),
                ('promoters', models.IntegerField(default=0)),
                ('passives', models.IntegerField(default=0)),
                ('detractors', models.IntegerField(default=0)),
                ('score_sum', models.FloatField(default=0.0)),
                ('score_sum_squares', models.FloatField(default=0.0)),
                ('comments', models.IntegerField(default=0)),
                ('scored_comments', models.IntegerField(default=0)),
                ('mentions', models.IntegerField(default=0)),
                ('detractor_mentions', models.IntegerField(default=0)),
                ('complaint_mentions', models.IntegerField(default=0)),
                ('praise_mentions', models.IntegerField(default=0)),
                ('survey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='surveys.survey')),
            ],
            options={
                'verbose_name': 'weekly aggregate',
                'verbose_name_plural': 'weekly aggregates',
                'indexes': [models.Index(fields=['survey', 'week'], name='weekly_aggregate_week_idx')],
                'constraints': [models.UniqueConstraint(fields=('survey', 'segment_key', 'segment_value', 'topic_key', 'week'), name='weekly_aggregate_unique')],
            },
        ),
        migrations.RunPython(fill, unfill),
    ]
