"""PostgreSQL only: a narrow copy of each ResponseFacts row for the reads of a filtered slice
(``analysis.selectors.tables``): its survey, day, score, flags, topics with their polarity and
the values of the aggregated segment keys in plain columns (``s1`` .. ``s8``, one per key, the
key of each column in ``analysis_slicekey``), and a GIN index on those values.

A slice filtered on two or three aggregated keys was found through the GIN index on the facts'
segments and read one wide heap page per fact (36,532 facts of 1,000,000: 33,000 pages), then its
JSON parsed per row. Here it is a range of narrow rows in day order, filtered on plain columns and
grouped by them (docs/scaling.md, "Filtered slices").

Kept by triggers on ``analysis_responsefacts`` (per statement, from its transition tables), so
every writer of the facts keeps it, whatever the path: the analysis tasks, a rebuild, ``COPY``,
an erasure, a test's ``objects.create``. ``analysis_slicefacts_row`` computes a row from a facts
row, the one copy of that rule, called by the triggers and by a refill after the keys change
(``analysis.sql.slices``). SQLite has none of this: its reads count the facts in Python.
"""

from django.conf import settings
from django.db import migrations

SLOTS = 8

CREATE = f"""
CREATE TABLE analysis_slicekey (
    slot smallint PRIMARY KEY CHECK (slot BETWEEN 1 AND {SLOTS}),
    key varchar(64) NOT NULL UNIQUE
);
CREATE TABLE analysis_slicefacts (
    response_id bigint PRIMARY KEY,
    survey_id bigint NOT NULL,
    completed_day date NOT NULL,
    primary_score double precision,
    -- 1 promoter, 2 detractor, 4 has a comment, 8 complains about a taxonomy topic
    flags smallint NOT NULL,
    topics text[] NOT NULL,
    polarities smallint[] NOT NULL,
    {", ".join(f"s{slot} varchar(255)" for slot in range(1, SLOTS + 1))}
);
CREATE INDEX analysis_slicefacts_day ON analysis_slicefacts (survey_id, completed_day);

-- The narrow row of one facts row: the rule the aggregates count by (analysis.services.aggregates):
-- a topic the polarity does not name is a complaint; a response complains when a taxonomy topic
-- (not a discovered one, ``~<id>``) is a complaint.
CREATE FUNCTION analysis_slicefacts_row(f analysis_responsefacts, keys text[])
RETURNS analysis_slicefacts LANGUAGE sql STABLE AS $$
    SELECT f.response_id, f.survey_id, f.completed_day, f.primary_score,
        (CASE WHEN f.is_promoter THEN 1 ELSE 0 END
         | CASE WHEN f.is_detractor THEN 2 ELSE 0 END
         | CASE WHEN f.has_comment THEN 4 ELSE 0 END
         | CASE WHEN EXISTS (
               SELECT 1 FROM jsonb_array_elements_text(f.topics) k(topic)
               WHERE left(k.topic, 1) <> '~' AND coalesce((f.topic_polarity ->> k.topic)::int, -1) = -1
           ) THEN 8 ELSE 0 END)::smallint,
        coalesce(ARRAY(SELECT jsonb_array_elements_text(f.topics)), '{{}}'),
        coalesce(ARRAY(
            SELECT coalesce((f.topic_polarity ->> t.topic)::int, -1)::smallint
            FROM jsonb_array_elements_text(f.topics) WITH ORDINALITY t(topic, n) ORDER BY t.n
        ), '{{}}'),
        {", ".join(f"left(f.segments ->> keys[{slot}], 255)" for slot in range(1, SLOTS + 1))}
$$;

CREATE FUNCTION analysis_slicefacts_keys() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(key ORDER BY slot), '{{}}') FROM (
        SELECT s.slot, k.key FROM generate_series(1, {SLOTS}) s(slot)
        LEFT JOIN analysis_slicekey k ON k.slot = s.slot
    ) slots
$$;

CREATE FUNCTION analysis_slicefacts_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys text[] := analysis_slicefacts_keys();
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM analysis_slicefacts s USING old_rows o
        WHERE s.response_id = o.response_id
          AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.response_id = o.response_id);
    END IF;
    INSERT INTO analysis_slicefacts
    SELECT r.* FROM new_rows n CROSS JOIN LATERAL analysis_slicefacts_row(n, keys) r
    ON CONFLICT (response_id) DO UPDATE SET
        survey_id = EXCLUDED.survey_id, completed_day = EXCLUDED.completed_day,
        primary_score = EXCLUDED.primary_score, flags = EXCLUDED.flags, topics = EXCLUDED.topics,
        polarities = EXCLUDED.polarities,
        {", ".join(f"s{slot} = EXCLUDED.s{slot}" for slot in range(1, SLOTS + 1))};
    RETURN NULL;
END $$;

CREATE FUNCTION analysis_slicefacts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analysis_slicefacts s USING old_rows o WHERE s.response_id = o.response_id;
    RETURN NULL;
END $$;

CREATE FUNCTION analysis_slicefacts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE analysis_slicefacts;
    RETURN NULL;
END $$;

CREATE TRIGGER analysis_slicefacts_insert AFTER INSERT ON analysis_responsefacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analysis_slicefacts_write();
CREATE TRIGGER analysis_slicefacts_update AFTER UPDATE ON analysis_responsefacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_slicefacts_write();
CREATE TRIGGER analysis_slicefacts_delete AFTER DELETE ON analysis_responsefacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analysis_slicefacts_delete();
CREATE TRIGGER analysis_slicefacts_truncate AFTER TRUNCATE ON analysis_responsefacts
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_slicefacts_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS analysis_slicefacts_insert ON analysis_responsefacts;
DROP TRIGGER IF EXISTS analysis_slicefacts_update ON analysis_responsefacts;
DROP TRIGGER IF EXISTS analysis_slicefacts_delete ON analysis_responsefacts;
DROP TRIGGER IF EXISTS analysis_slicefacts_truncate ON analysis_responsefacts;
DROP FUNCTION IF EXISTS analysis_slicefacts_write();
DROP FUNCTION IF EXISTS analysis_slicefacts_delete();
DROP FUNCTION IF EXISTS analysis_slicefacts_truncate();
DROP FUNCTION IF EXISTS analysis_slicefacts_keys();
DROP FUNCTION IF EXISTS analysis_slicefacts_row(analysis_responsefacts, text[]);
DROP TABLE IF EXISTS analysis_slicefacts;
DROP TABLE IF EXISTS analysis_slicekey;
"""

# The keys of today's settings in their slots, and every facts row's narrow row (in day order, as
# the platform writes them). Later changes of the keys: ``analysis.sql.slices.PostgreSQL.keys_sync``.
FILL = """
INSERT INTO analysis_slicefacts
WITH k AS (SELECT analysis_slicefacts_keys() AS keys)
SELECT r.* FROM analysis_responsefacts f CROSS JOIN k
CROSS JOIN LATERAL analysis_slicefacts_row(f, k.keys) r
ORDER BY f.survey_id, f.completed_day, f.response_id
"""


# Each row's values as "<slot>=<value>" elements, GIN-indexed: a small slice (three filters) is
# found by one containment, and the planner knows from the elements' statistics how large a slice
# is (a large one is read as a range instead). ``analysis.sql.slices.CELLS`` is the same
# expression, which the reads must match.
CELLS = ", ".join(f"'{slot}=' || s{slot}" for slot in range(1, SLOTS + 1))
CELLS_INDEX = f"CREATE INDEX analysis_slicefacts_cells ON analysis_slicefacts USING gin ((ARRAY[{CELLS}]))"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    keys = list(settings.ANALYSIS_SEGMENT_KEYS)[:SLOTS]
    for slot, key in enumerate(keys, start=1):
        schema_editor.execute("INSERT INTO analysis_slicekey (slot, key) VALUES (%s, %s)", [slot, key])
    schema_editor.execute(FILL)
    schema_editor.execute(CELLS_INDEX)
    schema_editor.execute("ANALYZE analysis_slicefacts")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0015_facts_on_time_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
