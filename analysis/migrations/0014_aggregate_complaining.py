"""``complaining`` on the daily and weekly aggregates: per cell, the responses complaining about a
taxonomy topic (``analysis.services.aggregates.is_complaining``), filled from the facts. On
PostgreSQL in SQL (the segment values as ``_slice_table`` reads them: ``segments ->> key``, cut
at 255 characters, pair values escaped as ``pair_value``); elsewhere row by row with the
aggregates' own functions."""

from django.conf import settings
from django.db import migrations, models

# A fact complains when one of its topics that is not a discovered one (``~<id>``) has a
# complaint polarity or none (``mention_polarity``).
COMPLAINING = """
    EXISTS (
        SELECT 1 FROM jsonb_array_elements_text(f.topics) t(topic)
        WHERE left(t.topic, 1) <> '~'
            AND coalesce((f.topic_polarity ->> t.topic)::int, -1) = -1
    )
"""
ESCAPED = "replace(replace(left({0}.value, 255), E'\\\\', E'\\\\\\\\'), '|', E'\\\\|')"

# Every identifier is written here; the segment keys are a parameter.
FILL_DAILY = f"""
WITH f AS (
    SELECT survey_id, completed_day, segments FROM analysis_responsefacts f
    WHERE {COMPLAINING}
),
cells AS (
    SELECT survey_id, completed_day, '' AS segment_key, '' AS segment_value FROM f
    UNION ALL
    SELECT f.survey_id, f.completed_day, a.key, left(a.value, 255)
    FROM f CROSS JOIN LATERAL jsonb_each_text(f.segments) a
    WHERE a.key = ANY(%(keys)s) AND a.value <> ''
    UNION ALL
    SELECT f.survey_id, f.completed_day, a.key || '|' || b.key,
        {ESCAPED.format("a")} || '|' || {ESCAPED.format("b")}
    FROM f CROSS JOIN LATERAL jsonb_each_text(f.segments) a CROSS JOIN LATERAL jsonb_each_text(f.segments) b
    WHERE a.key = ANY(%(keys)s) AND b.key = ANY(%(keys)s) AND a.key COLLATE "C" < b.key COLLATE "C"
        AND a.value <> '' AND b.value <> ''
),
counted AS (
    SELECT survey_id, completed_day, segment_key, segment_value, count(*) AS n
    FROM cells GROUP BY 1, 2, 3, 4
)
UPDATE analysis_dailyaggregate d SET complaining = c.n FROM counted c
WHERE d.survey_id = c.survey_id AND d.day = c.completed_day AND d.segment_key = c.segment_key
    AND d.segment_value = c.segment_value AND d.topic_key = ''
"""  # noqa: S608

FILL_WEEKLY = """
UPDATE analysis_weeklyaggregate w SET complaining = c.n
FROM (
    SELECT survey_id, day - (extract(isodow FROM day)::int - 1) AS week, segment_key, segment_value,
        sum(complaining) AS n
    FROM analysis_dailyaggregate WHERE topic_key = '' AND complaining > 0 GROUP BY 1, 2, 3, 4
) c
WHERE w.survey_id = c.survey_id AND w.week = c.week AND w.segment_key = c.segment_key
    AND w.segment_value = c.segment_value AND w.topic_key = ''
"""


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FILL_DAILY, {"keys": list(settings.ANALYSIS_SEGMENT_KEYS)})
            cursor.execute(FILL_WEEKLY)
        return
    # Elsewhere (SQLite: small databases) row by row, with the aggregates' own functions.
    from itertools import combinations

    from analysis.services.aggregates import FactValues, is_complaining, pair_key, pair_value, week_start

    facts = apps.get_model("analysis", "ResponseFacts")
    counted: dict[tuple, int] = {}
    rows = facts.objects.exclude(topics=[]).values(
        "survey_id",
        "completed_day",
        "primary_score",
        "is_detractor",
        "is_promoter",
        "has_comment",
        "topics",
        "topic_polarity",
        "segments",
    )
    for row in rows.iterator(chunk_size=5000):
        values = FactValues.of(row)
        if not is_complaining(values):
            continue
        pairs = [
            (pair_key(a_key, b_key), pair_value(a_value, b_value))
            for (a_key, a_value), (b_key, b_value) in combinations(values.segments, 2)
        ]
        for cell in (("", ""), *values.segments, *pairs):
            key = (row["survey_id"], values.completed_day, *cell)
            counted[key] = counted.get(key, 0) + 1
    weekly: dict[tuple, int] = {}
    for (survey_id, day, segment_key, segment_value), n in counted.items():
        cell = {"survey_id": survey_id, "segment_key": segment_key, "segment_value": segment_value, "topic_key": ""}
        apps.get_model("analysis", "DailyAggregate").objects.filter(**cell, day=day).update(complaining=n)
        key = (survey_id, week_start(day), segment_key, segment_value)
        weekly[key] = weekly.get(key, 0) + n
    for (survey_id, week, segment_key, segment_value), n in weekly.items():
        apps.get_model("analysis", "WeeklyAggregate").objects.filter(
            survey_id=survey_id, week=week, segment_key=segment_key, segment_value=segment_value, topic_key=""
        ).update(complaining=n)


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0013_weekly_aggregates"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyaggregate",
            name="complaining",
            field=models.IntegerField(db_default=0, default=0, verbose_name="complaining responses"),
        ),
        migrations.AddField(
            model_name="weeklyaggregate",
            name="complaining",
            field=models.IntegerField(db_default=0, default=0, verbose_name="complaining responses"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
