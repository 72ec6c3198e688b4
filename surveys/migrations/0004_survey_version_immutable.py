"""Published survey versions are immutable in the database itself.

Every row of ``surveys_surveyversion`` is a published version, and responses are read against
it, so a change would silently rewrite what respondents were asked. The admin and the API
refuse changes; these triggers refuse them below both (a plain ``save()``, a queryset
``update()``, raw SQL). Only ``published_by_id`` may change: it is set to NULL when the user who
published is deleted (``on_delete=SET_NULL``).

PostgreSQL also refuses deleting a version (``TRUNCATE``, which test databases use, is not a row
delete and is unaffected). SQLite, the development database, refuses updates only: Django
empties SQLite test databases with ``DELETE``, which a delete trigger would stop.
"""

from django.db import migrations

GUARDED_COLUMNS = ("id", "public_id", "survey_id", "number", "definition", "checksum", "published_at", "note")

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION surveys_surveyversion_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'survey version % is published and cannot be deleted', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF ({", ".join(f"NEW.{c}" for c in GUARDED_COLUMNS)})
        IS DISTINCT FROM ({", ".join(f"OLD.{c}" for c in GUARDED_COLUMNS)}) THEN
        RAISE EXCEPTION 'survey version % is published and cannot be changed', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER surveys_surveyversion_immutable
    BEFORE UPDATE OR DELETE ON surveys_surveyversion
    FOR EACH ROW EXECUTE FUNCTION surveys_surveyversion_immutable();
"""

POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS surveys_surveyversion_immutable ON surveys_surveyversion;
DROP FUNCTION IF EXISTS surveys_surveyversion_immutable();
"""

SQLITE_FORWARD = f"""
CREATE TRIGGER surveys_surveyversion_immutable
    BEFORE UPDATE ON surveys_surveyversion
    FOR EACH ROW WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in GUARDED_COLUMNS)}
BEGIN
    SELECT RAISE(ABORT, 'survey version is published and cannot be changed');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS surveys_surveyversion_immutable;"


def _run(schema_editor, sql_by_vendor: dict[str, str]) -> None:
    # One execute per vendor: the PostgreSQL text has no parameters, so psycopg runs its
    # statements in one go; the SQLite text is a single CREATE TRIGGER or DROP TRIGGER.
    sql = sql_by_vendor.get(schema_editor.connection.vendor)
    if sql:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD})


def backward(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_roles")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
