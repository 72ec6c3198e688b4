"""The narrow copy of the facts a filtered slice is read from (PostgreSQL: ``analysis_slicefacts``,
kept by triggers on the facts, migration analysis 0016): which segment key each of its value
columns holds, and the refill when ``settings.ANALYSIS_SEGMENT_KEYS`` changes. Other databases
have no such copy: their slices are counted from the facts in Python."""

from collections.abc import Sequence

from django.db import connection, transaction

from ops.databases import for_database

SLOTS = 8
# A narrow row's values as "<slot>=<value>" elements: the expression of the GIN index
# ``analysis_slicefacts_cells`` (migration 0016), which a filter must use as it is written there.
CELLS = "ARRAY[{}]".format(", ".join(f"'{slot}=' || f.s{slot}" for slot in range(1, SLOTS + 1)))


def cell(column: str, value: str) -> str:
    """The element of ``CELLS`` a filter on ``column`` (``s<slot>``) = ``value`` looks for."""
    return f"{column.removeprefix('s')}={value}"


# The narrow rows the facts give, keys as they are now (the triggers' rule, one SQL function),
# for the facts matching ``where`` (a clause written in this module; values are parameters).
def _expected(where: str = "") -> str:
    return f"""
        SELECT r.* FROM analysis_responsefacts f
        CROSS JOIN (SELECT analysis_slicefacts_keys() AS keys) k
        CROSS JOIN LATERAL analysis_slicefacts_row(f, k.keys) r {where}
    """  # noqa: S608


# Every facts row's narrow row again, or one survey's, in day order.
_ONE_SURVEY = "WHERE f.survey_id = %s"
_REFILL = f"""INSERT INTO analysis_slicefacts {_expected()}
    ORDER BY f.survey_id, f.completed_day, f.response_id"""
_REFILL_SURVEY = f"""INSERT INTO analysis_slicefacts {_expected(_ONE_SURVEY)}
    ORDER BY f.completed_day, f.response_id"""
# The narrow rows the facts give that are not in the copy, and the copy's rows the facts do not
# give (missing, left over or different rows), per survey.
_DRIFT = """
WITH expected AS ({expected}),
stored AS (SELECT * FROM analysis_slicefacts {copy_where}),
differ AS ((TABLE expected EXCEPT ALL TABLE stored) UNION ALL (TABLE stored EXCEPT ALL TABLE expected))
SELECT survey_id, count(*) FROM differ GROUP BY survey_id ORDER BY survey_id
"""
# The copy's triggers on the facts (migration 0016). Each fires on the application's writes
# when enabled as created ('O') or always ('A'); disabled ('D') or for replicas only ('R'), the
# copy falls behind.
TRIGGERS = (
    "analysis_slicefacts_insert",
    "analysis_slicefacts_update",
    "analysis_slicefacts_delete",
    "analysis_slicefacts_truncate",
)


class Portable:
    """No narrow copy: every slice is counted from the facts."""

    @staticmethod
    def columns() -> dict[str, str]:
        """Each segment key with a column of its own: none here."""
        return {}

    @staticmethod
    def keys_sync(keys: Sequence[str]) -> bool:
        """Nothing to keep in step here."""
        return False

    @staticmethod
    def drift(survey_id: int | None = None) -> dict[int, int]:
        """No copy, so nothing can differ from the facts."""
        return {}

    @staticmethod
    def refill(survey_id: int) -> int:
        """No copy to write: 0 rows."""
        return 0

    @staticmethod
    def triggers_off() -> list[str]:
        """No triggers here."""
        return []

    @staticmethod
    def settle(survey_id: int) -> int:
        """No copy to settle: 0 rows."""
        return 0


class PostgreSQL:
    """The narrow copy of the facts: columns ``s1`` .. ``s8``, the key of each in
    ``analysis_slicekey``."""

    @staticmethod
    def columns() -> dict[str, str]:
        """Each segment key with a column of its own: key -> column name (``s<slot>``)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT slot, key FROM analysis_slicekey")
            return {key: f"s{slot}" for slot, key in cursor.fetchall()}

    @staticmethod
    def keys_sync(keys: Sequence[str]) -> bool:
        """Give the first ``SLOTS`` of ``keys`` (the aggregated keys) a column each, in their
        order, and rewrite every narrow row when they differ from the stored ones. True when
        they did. Keys beyond the columns, and filters on them, are read from the facts."""
        wanted = list(keys)[:SLOTS]
        if "analysis_slicekey" not in connection.introspection.table_names():
            return False  # migrated back before analysis 0016
        if PostgreSQL._stored() == wanted:
            return False
        with transaction.atomic(), connection.cursor() as cursor:
            # No facts are written meanwhile (a writer's trigger would read the keys as they
            # were), and two workers starting after a deploy do the work once.
            cursor.execute("LOCK TABLE analysis_responsefacts IN SHARE ROW EXCLUSIVE MODE")
            if PostgreSQL._stored() == wanted:
                return False
            cursor.execute("DELETE FROM analysis_slicekey")
            for slot, key in enumerate(wanted, start=1):
                cursor.execute("INSERT INTO analysis_slicekey (slot, key) VALUES (%s, %s)", [slot, key])
            cursor.execute("TRUNCATE analysis_slicefacts")
            cursor.execute(_REFILL)
        return True

    @staticmethod
    def drift(survey_id: int | None = None) -> dict[int, int]:
        """Per survey (one, or every one), how many narrow rows differ from what the facts give
        by the triggers' rule: missing, left over, or with other values. Empty when the copy
        holds exactly the facts. It reads every facts row of the survey once."""
        one = survey_id is not None
        sql = _DRIFT.format(
            expected=_expected(_ONE_SURVEY if one else ""),
            copy_where="WHERE survey_id = %s" if one else "",
        )
        with connection.cursor() as cursor:
            # Both clauses are written here; the survey is a parameter.
            cursor.execute(sql, [survey_id, survey_id] if one else [])
            return dict(cursor.fetchall())

    @staticmethod
    def refill(survey_id: int) -> int:
        """Write the survey's narrow rows again from its facts, with its facts locked against
        writes meanwhile (``drift`` found some, after a restore or triggers turned off). The
        number of rows written."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("LOCK TABLE analysis_responsefacts IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("DELETE FROM analysis_slicefacts WHERE survey_id = %s", [survey_id])
            cursor.execute(_REFILL_SURVEY, [survey_id])
            return cursor.rowcount

    @staticmethod
    def settle(survey_id: int) -> int:
        """After every facts row of the survey was updated, whose trigger wrote their narrow rows
        again: delete the narrow rows whose facts are gone (written while the delete trigger was
        off); when a trigger is off now, write the survey's rows again instead (``refill``). The
        rows deleted or written."""
        if PostgreSQL.triggers_off():
            return PostgreSQL.refill(survey_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM analysis_slicefacts s WHERE s.survey_id = %s AND NOT EXISTS "
                "(SELECT 1 FROM analysis_responsefacts f WHERE f.response_id = s.response_id)",
                [survey_id],
            )
            return cursor.rowcount

    @staticmethod
    def triggers_off() -> list[str]:
        """The copy's triggers that are missing or disabled on the facts (the copy then falls
        behind every write without a word): their names. None before the copy exists (a
        database migrated back before analysis 0016, or not yet migrated to it)."""
        if "analysis_slicekey" not in connection.introspection.table_names():
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = 'analysis_responsefacts'::regclass"
                " AND t.tgname = ANY(%s) AND t.tgenabled IN ('O', 'A')",
                [list(TRIGGERS)],
            )
            on = {row[0] for row in cursor.fetchall()}
        return [name for name in TRIGGERS if name not in on]

    @staticmethod
    def _stored() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM analysis_slicekey ORDER BY slot")
            return [row[0] for row in cursor.fetchall()]


def chosen() -> type[Portable] | type[PostgreSQL]:
    """The statements for the connection's database."""
    return for_database(PostgreSQL, Portable)
