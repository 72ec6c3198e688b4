"""Counts of a scope, in the daily aggregates' shape: columns segment_key, segment_value,
topic_key [and day] and ``COUNT_FIELDS``; the totals and topics as ``Counts``; each topic's
segment cells for its lifts (where the rows are found: ``analysis.selectors.scope``)."""

from __future__ import annotations

import contextlib
import hashlib
from contextvars import ContextVar
from functools import partial

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, Sum
from redis.exceptions import RedisError

from analysis.models import DailyAggregate
from analysis.painpoints import Counts, SegmentCell
from analysis.painpoints.counts import COMPLAINT, mention_polarity
from analysis.selectors import scope as base
from analysis.services.aggregates import (
    COUNT_FIELDS,
    FACT_FIELDS,
    MAX_VALUE_LENGTH,
    counts_version,
    facts_table,
    is_pair_key,
    pair_key,
    pair_prefix,
    pair_suffix,
    segment_keys,
    split_pair_value,
)
from analysis.sql import slices
from ops.databases import alongside

# What the pair rows of an unfiltered count table carry (the segment lifts read their comments and
# complaint mentions, the processes page their responses and complaining ones); their other
# counts are 0.
PAIR_FIELDS = ("responses", "comments", "complaint_mentions", "complaining")


def count_table(
    scope: base.Scope, *, by_day: bool = False, segments: bool = True, pairs: bool = False
) -> pd.DataFrame:
    """``_count_table``, cached under the survey's counts version (``cached``)."""
    # The pair rows are read only for an unfiltered scope: one entry for a filtered one either way.
    pairs = pairs and segments and not scope.filters
    return cached(
        scope, ("count", by_day, segments, pairs), partial(_count_table, scope, by_day, segments, pairs)
    )


_read_here: ContextVar[dict | None] = ContextVar("count_tables_read_here", default=None)


@contextlib.contextmanager
def tables_shared():
    """Inside, a count table asked for twice (the same scope, path and table: two sections of
    one page) is read once, also when the cache is off or cannot be reached."""
    token = _read_here.set({})
    try:
        yield
    finally:
        _read_here.reset(token)


def cached(scope: base.Scope, what: tuple, compute):
    """A count table of the scope from the cache, else computed and cached: keyed by the
    survey's counts version (``analysis.services.aggregates.counts_version``, replaced by every
    write of its facts and aggregate rows), the scope, the path its rows are read by and
    ``what`` table, so an entry is never older than the rows it was counted from. Nothing is
    cached when the cache cannot be reached or ``ANALYSIS_COUNTS_CACHE_SECONDS`` is 0. Inside
    ``tables_shared`` a table is read once whatever the cache."""
    shared = _read_here.get()
    if shared is None:
        return _cached(scope, what, compute)
    name = _name(scope, what)
    if name not in shared:
        shared[name] = _cached(scope, what, compute)
    found = shared[name]
    return found.copy() if isinstance(found, pd.DataFrame) else found


def _name(scope: base.Scope, what: tuple) -> str:
    # where the rows are read (``scope``: the path switches there) is part of the key too
    source = (scope.from_aggregates, base.in_database())
    return repr(
        (scope.date_from.isoformat(), scope.date_to.isoformat(), sorted(scope.filters.items()), what, source)
    )


def _cached(scope: base.Scope, what: tuple, compute):
    seconds = settings.ANALYSIS_COUNTS_CACHE_SECONDS
    version = counts_version(scope.survey.pk) if seconds else None
    if version is None:
        return compute()
    name = _name(scope, what)
    key = f"analysis:counts:{scope.survey.pk}:{version}:{hashlib.sha256(name.encode()).hexdigest()}"
    try:
        found = cache.get(key)
    except (RedisError, OSError):
        return compute()
    if found is not None:
        return found.copy() if isinstance(found, pd.DataFrame) else found
    value = compute()
    with contextlib.suppress(RedisError, OSError):
        cache.set(key, value, timeout=seconds)
    return value


def _count_table(scope: base.Scope, by_day: bool, segments: bool, pairs: bool) -> pd.DataFrame:
    """Summed counts per (segment_key, segment_value, topic_key) [and day] in the scope, with the
    scope's filter applied: from aggregates when possible, else from the facts. Single keys
    only, unless ``pairs`` on an unfiltered scope (the pair rows, ``district_type|scenario``,
    for the pair lifts; inside a filtered slice the pair rows are read by ``pair_table``).
    ``segments=False``: the caller reads only the totals and topic rows (the segment rows may be
    left out)."""
    pairs = pairs and segments and not scope.filters
    keys = ["segment_key", "segment_value", "topic_key"] + (["day"] if by_day else [])
    if scope.from_aggregates:
        if scope.filters:
            ((key, value),) = scope.filters.items()
            condition = Q(segment_key=key, segment_value=value)
        else:
            condition = Q(segment_key__in=_keys_read(segments=segments, pairs=False))
        if pairs and not by_day:
            # Pair rows are most of an unfiltered scope's rows: only what is read of them is
            # summed, beside the single keys' rows (``alongside``: on a connection of its own).
            pair_rows = alongside(partial(_summed, scope, Q(segment_key__in=_pair_keys()), keys, PAIR_FIELDS))
            frame = pd.DataFrame.from_records(
                _summed(scope, condition, keys, COUNT_FIELDS), columns=[*keys, *COUNT_FIELDS]
            )
            paired = pd.DataFrame.from_records(pair_rows(), columns=[*keys, *PAIR_FIELDS])
            for field in COUNT_FIELDS:
                if field not in PAIR_FIELDS:
                    paired[field] = 0.0 if _is_float(field) else 0
            return pd.concat([frame, paired[[*keys, *COUNT_FIELDS]]], ignore_index=True)
        if by_day:
            queryset = base.aggregates(scope).filter(condition)
            grouped = queryset.values(*keys).annotate(**{f: Sum(f) for f in COUNT_FIELDS}).order_by()
            # a day column needs the ORM's converter (SQLite gives dates as text)
            rows = [tuple(row.values()) for row in grouped]
        else:
            rows = _summed(scope, condition, keys, COUNT_FIELDS)
        frame = pd.DataFrame.from_records(rows, columns=[*keys, *COUNT_FIELDS])
        if scope.filters:  # the filtered slice is this scope's totals
            frame["segment_key"] = ""
            frame["segment_value"] = ""
        return frame
    if base.in_database() and not segments and scope.pair_row:
        # Two aggregated keys: the slice's totals and topics are its pair rows (no facts read).
        key, value = scope.pair_row
        if by_day:
            return _pair_rows_by_day(scope, key, value)
        rows = _summed(scope, Q(segment_key=key, segment_value=value), ["topic_key"], COUNT_FIELDS)
        frame = pd.DataFrame.from_records(rows, columns=["topic_key", *COUNT_FIELDS])
        frame.insert(0, "segment_key", "")
        frame.insert(1, "segment_value", "")
        return frame.sort_values("topic_key", ignore_index=True)
    if base.in_database():
        return _slice_table(scope, segment_keys() if segments else (), by_day=by_day)
    frame = facts_table(base.facts(scope).values(*FACT_FIELDS).iterator(chunk_size=5000), pairs=pairs)
    if not by_day:
        frame = frame.drop(columns="day").groupby(keys, as_index=False).sum()
    return frame


def _pair_rows_by_day(scope: base.Scope, key: str, value: str) -> pd.DataFrame:
    """The daily pair rows of (``key``, ``value``) in the scope's days, as ``_slice_table``
    gives the slice's totals and topics per day."""
    grouped = (
        base.aggregates(scope)
        .filter(segment_key=key, segment_value=value)
        .values("day", "topic_key")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
        .order_by()
    )
    # a day column needs the ORM's converter (SQLite gives dates as text)
    frame = pd.DataFrame.from_records(
        [tuple(row.values()) for row in grouped], columns=["day", "topic_key", *COUNT_FIELDS]
    )
    frame.insert(1, "segment_key", "")
    frame.insert(2, "segment_value", "")
    return frame.sort_values(["day", "topic_key"], ignore_index=True)


def _summed(scope: base.Scope, condition: Q, keys: list[str], fields) -> list[tuple]:
    """The scope's aggregate rows matching ``condition``, ``fields`` summed per ``keys``, as
    tuples in that order: one query over its weeks' rows and the days' rows of a partial week
    (``scope.aggregate_parts``), read on the cursor: thousands of rows (the pair rows of an
    unfiltered scope) without a dict and the field converters per row (sums come back as int and
    float either way).

    Each part is grouped on its own table (where the planner knows from the cells' statistics
    how few groups there are, and hashes them in memory), then the parts' sums are added."""
    parts = [
        queryset.filter(condition).values(*keys).annotate(**{f: Sum(f) for f in fields}).order_by()
        for queryset in base.aggregate_parts(scope)
    ]
    if len(parts) == 1:
        sql, params = parts[0].query.sql_with_params()
    else:
        compiled = [part.query.sql_with_params() for part in parts]
        union = " UNION ALL ".join(sql for sql, _params in compiled)
        columns = ", ".join(keys)
        # a sum of integer sums is an integer again (PostgreSQL would widen it to numeric)
        sums = ", ".join(
            f"SUM({field}) AS {field}" if _is_float(field) else f"CAST(SUM({field}) AS bigint) AS {field}"
            for field in fields
        )
        # Identifiers are the model's own; every value is a parameter.
        sql = f"SELECT {columns}, {sums} FROM ({union}) parts GROUP BY {columns}"  # noqa: S608
        params = [param for _sql, part_params in compiled for param in part_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _is_float(field: str) -> bool:
    return DailyAggregate._meta.get_field(field).get_internal_type() == "FloatField"


# What ``aggregate_rows`` counts, per row of the slice x (the total row + one per topic):
# ``c`` is the total row or a complaint mention (a praise or neutral one counts in ``mentions``
# and ``praise_mentions`` only); ``complains``: the response complains about a taxonomy topic
# (``is_complaining``: a topic not discovered, ``~<id>``, whose polarity is a complaint or none).
_SLICE_COUNTS = """
count(*) FILTER (WHERE c),
count(*) FILTER (WHERE c AND scored),
count(*) FILTER (WHERE c AND scored AND is_promoter),
count(*) FILTER (WHERE c AND scored AND NOT is_promoter AND NOT is_detractor),
count(*) FILTER (WHERE c AND scored AND is_detractor),
coalesce(sum(score) FILTER (WHERE c), 0),
coalesce(sum(score * score) FILTER (WHERE c), 0),
count(*) FILTER (WHERE c AND (is_topic OR has_comment)),
count(*) FILTER (WHERE c AND scored AND (is_topic OR has_comment)),
count(*) FILTER (WHERE is_topic),
count(*) FILTER (WHERE c AND scored AND is_detractor AND (is_topic OR has_comment)),
count(*) FILTER (WHERE is_topic AND c),
count(*) FILTER (WHERE is_topic AND polarity = 1),
count(*) FILTER (WHERE NOT is_topic AND complains)
"""


def slice_table(
    scope: base.Scope, keys: tuple[str, ...], *, by_day: bool, topics: bool = True
) -> pd.DataFrame:
    """``_slice_table``, cached under the survey's counts version (``cached``)."""
    return cached(
        scope,
        ("slice", tuple(keys), by_day, topics),
        partial(_slice_table, scope, tuple(keys), by_day=by_day, topics=topics),
    )


def _slice_table(
    scope: base.Scope, keys: tuple[str, ...], *, by_day: bool, topics: bool = True
) -> pd.DataFrame:
    """PostgreSQL: what ``facts_table(..., pairs=False)`` gives for the scope's facts (summed
    over days unless ``by_day``), grouped in one SQL query: the slice (found by index) times its
    topics, ``GROUP BY GROUPING SETS`` ((topic), (key 1, topic), ...). Only the segment rows of
    ``keys``, and without ``topics`` no topic rows. Segment values are stored as strings
    (``response_segments``); unknown ones (missing or empty) have no row, as in
    ``aggregated_segments``."""
    day = ["completed_day"] if by_day else []
    columns = [f"s{i}" for i in range(len(keys))]
    rows_sql, params = _slice_rows(scope, keys, columns, topics=topics)
    sets = ", ".join(f"({', '.join([*day, c, 'topic'])})" for c in columns)
    plain = ", ".join([*day, "topic"])
    group_by = f"GROUPING SETS (({plain}), {sets})" if keys else plain
    grouping = f"GROUPING({', '.join(columns)})" if keys else "0"
    # Every identifier is written here; the keys and the filters are parameters.
    sql = f"""
        WITH r AS ({rows_sql})
        SELECT {grouping}, {", ".join([*day, *columns])}{", " if day or columns else ""}topic, {_SLICE_COUNTS}
        FROM r GROUP BY {group_by}
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # GROUPING() has a bit per key column, the first key the most significant; a set of one
    # key has every bit set but its own.
    full = (1 << len(keys)) - 1
    key_of_mask = {full: None} | {full ^ (1 << (len(keys) - 1 - i)): key for i, key in enumerate(keys)}
    records = []
    offset = 1 + len(day)
    for row in rows:
        key = key_of_mask[row[0]]
        if key is None:
            segment_key = segment_value = ""
        else:
            segment_value = row[offset + keys.index(key)]
            if segment_value is None or segment_value == "":
                continue
            segment_key = key
        counts = row[offset + len(keys) + 1 :]
        records.append((*row[1:offset], segment_key, segment_value, row[offset + len(keys)], *counts))
    names = ["segment_key", "segment_value", "topic_key"]
    columns_out = ["day", *names, *COUNT_FIELDS] if by_day else [*names, *COUNT_FIELDS]
    frame = pd.DataFrame.from_records(records, columns=columns_out)
    if frame.empty:
        return frame
    frame["score_sum"] = frame["score_sum"].astype(float)
    frame["score_sum_squares"] = frame["score_sum_squares"].astype(float)
    return frame.sort_values(columns_out[: len(columns_out) - len(COUNT_FIELDS)], ignore_index=True)


def _slice_rows(
    scope: base.Scope, keys: tuple[str, ...], columns: list[str], *, topics: bool
) -> tuple[str, list]:
    """The rows ``_slice_table`` groups: per fact of the slice its total row and (``topics``)
    one row per topic it mentions, with the values of ``keys`` as ``columns``.

    Read from the facts' narrow copy (``analysis_slicefacts``, migration 0016: plain columns in
    day order, a few hundred bytes fewer per fact, no JSON to parse) when every filter and every
    key has a column there; otherwise from the facts themselves (found by the GIN index)."""
    narrow = slices.chosen().columns()
    filters = dict(scope.filters)
    if all(key in narrow for key in (*filters, *keys)) and all(
        len(value) <= MAX_VALUE_LENGTH for value in filters.values()
    ):
        # One containment on the indexed cells (not an equality per column: its estimate would
        # multiply the two and the planner would take a large slice for a few rows).
        conditions = f" AND {slices.CELLS} @> %s::text[]" if filters else ""
        values = "".join(f", f.{narrow[key]} AS {c}" for key, c in zip(keys, columns, strict=True))
        mentions = (
            " UNION ALL SELECT u.topic, true, u.polarity"
            " FROM unnest(f.topics, f.polarities) u(topic, polarity)"
            if topics
            else ""
        )
        # Every identifier is written here (the columns are ``s<slot>``); values are parameters.
        sql = f"""
            SELECT f.completed_day, f.primary_score IS NOT NULL AS scored,
                coalesce(f.primary_score, 0) AS score, f.flags & 1 <> 0 AS is_promoter,
                f.flags & 2 <> 0 AS is_detractor, f.flags & 4 <> 0 AS has_comment,
                t.topic, t.is_topic, t.polarity, NOT t.is_topic OR t.polarity = -1 AS c,
                NOT t.is_topic AND f.flags & 8 <> 0 AS complains{values}
            FROM analysis_slicefacts f CROSS JOIN LATERAL (
                SELECT '' AS topic, false AS is_topic, -1 AS polarity{mentions}
            ) t
            WHERE f.survey_id = %s AND f.completed_day >= %s AND f.completed_day <= %s{conditions}
        """  # noqa: S608
        cells = [slices.cell(narrow[key], value) for key, value in filters.items()]
        return sql, [scope.survey.pk, scope.date_from, scope.date_to, *([cells] if filters else [])]
    facts_sql, facts_params = base.facts(scope).values(*FACT_FIELDS).query.sql_with_params()
    extract = "".join(f", left(f.segments ->> %s, {MAX_VALUE_LENGTH}) AS {c}" for c in columns)
    # A topic the facts' polarity does not name is a complaint (``mention_polarity``).
    topic_rows = (
        " UNION ALL SELECT value, true, coalesce((f.topic_polarity ->> value)::int, -1)"
        " FROM jsonb_array_elements_text(f.topics)"
        if topics
        else ""
    )
    # Every identifier is written here; the keys and the filters are parameters.
    sql = f"""
        WITH f AS ({facts_sql})
        SELECT f.completed_day, f.primary_score IS NOT NULL AS scored,
            coalesce(f.primary_score, 0) AS score, f.is_promoter, f.is_detractor, f.has_comment,
            t.topic, t.is_topic, t.polarity, NOT t.is_topic OR t.polarity = -1 AS c,
            -- read once per fact: on its total row only
            CASE WHEN t.is_topic THEN false ELSE EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(f.topics) k(topic)
                WHERE left(k.topic, 1) <> '~' AND coalesce((f.topic_polarity ->> k.topic)::int, -1) = -1
            ) END AS complains{extract}
        FROM f CROSS JOIN LATERAL (
            SELECT '' AS topic, false AS is_topic, -1 AS polarity{topic_rows}
        ) t
    """  # noqa: S608
    return sql, [*facts_params, *keys]


def pair_table(scope: base.Scope, fields: tuple[str, ...], *, topics: bool = True) -> pd.DataFrame:
    """``_pair_table``, cached under the survey's counts version (``cached``)."""
    return cached(scope, ("pair", fields, topics), partial(_pair_table, scope, fields, topics))


def _pair_table(scope: base.Scope, fields: tuple[str, ...], topics: bool) -> pd.DataFrame:
    """Inside a slice filtered on one aggregated key: ``fields`` summed per (other key, its value,
    topic_key), read from the pair rows that hold the filtered value (no facts read)."""
    ((key, value),) = scope.filters.items()
    condition = Q()
    for other in segment_keys():
        if other == key:
            continue
        if key < other:
            condition |= Q(segment_key=pair_key(key, other), segment_value__startswith=pair_prefix(value))
        else:
            condition |= Q(segment_key=pair_key(other, key), segment_value__endswith=pair_suffix(value))
    columns = ["segment_key", "segment_value", "topic_key", *fields]
    if not condition:
        return pd.DataFrame(columns=columns)
    if not topics:
        condition &= Q(topic_key="")
    records = []
    for segment_key, segment_value, topic_key, *counts in _summed(
        scope, condition, ["segment_key", "segment_value", "topic_key"], fields
    ):
        first_key, second_key = segment_key.split("|")
        first_value, second_value = split_pair_value(segment_value)
        # A LIKE can match more than the value (escapes, SQLite's case folding): check exactly.
        if first_key == key and first_value == value:
            other_key, other_value = second_key, second_value
        elif second_key == key and second_value == value:
            other_key, other_value = first_key, first_value
        else:
            continue
        records.append((other_key, other_value, topic_key, *counts))
    return pd.DataFrame.from_records(records, columns=columns)


def segment_table(scope: base.Scope, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Comments per segment value and topic mentions per segment value inside the scope (what
    the lifts need): aggregates without filters, the pair rows with one filter; otherwise the
    breakdown inside the slice is counted from the facts (on PostgreSQL the scope's
    ``count_table``, given as ``table`` when already read; else one pass per key)."""
    if not scope.filters:
        return count_table(scope) if table is None else table
    if scope.from_aggregates:
        return pair_table(scope, ("comments", "complaint_mentions"))
    columns = ["segment_key", "segment_value", "topic_key", "comments", "complaint_mentions"]
    if base.in_database():
        table = count_table(scope) if table is None else table
        if table.empty:
            return pd.DataFrame(columns=columns)
        inside = (table["segment_key"] != "") & ~table["segment_key"].isin(list(scope.filters))
        return table.loc[inside, columns].reset_index(drop=True)
    rows = list(
        base.facts(scope).filter(has_comment=True).values_list("topics", "segments", "topic_polarity")
    )
    if not rows:
        return pd.DataFrame(columns=columns)
    # The pain point's mentions are its complaint mentions.
    complaints = [[k for k in r[0] if mention_polarity(r[2], k) == COMPLAINT] for r in rows]
    frame = pd.DataFrame({"topics": complaints})
    segments = [r[1] for r in rows]
    parts = []
    exploded = frame["topics"].explode().dropna()
    for key in segment_keys():
        if key in scope.filters:
            continue
        values = pd.Series([str(s.get(key) or "") for s in segments], index=frame.index)
        known = values != ""
        totals = values[known].value_counts()
        parts.append(
            pd.DataFrame(
                {
                    "segment_key": key,
                    "segment_value": totals.index,
                    "topic_key": "",
                    "comments": totals.values,
                    "complaint_mentions": 0,
                }
            )
        )
        pairs = pd.DataFrame({"value": values.loc[exploded.index].to_numpy(), "topic": exploded.to_numpy()})
        pairs = pairs[pairs["value"] != ""]
        counted = pairs.groupby(["value", "topic"]).size().reset_index(name="mentions")
        parts.append(
            pd.DataFrame(
                {
                    "segment_key": key,
                    "segment_value": counted["value"],
                    "topic_key": counted["topic"],
                    "comments": counted["mentions"],
                    "complaint_mentions": counted["mentions"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _keys_read(*, segments: bool, pairs: bool) -> list[str]:
    if not segments:
        return [""]
    return ["", *segment_keys(), *(_pair_keys() if pairs else [])]


def _pair_keys() -> list[str]:
    keys = sorted(segment_keys())
    return [pair_key(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]


def totals_dict(frame: pd.DataFrame) -> dict[str, float]:
    """The scope's totals as a mapping of ``COUNT_FIELDS``."""
    rows = frame[(frame["segment_key"] == "") & (frame["topic_key"] == "")]
    return {f: float(rows[f].sum()) for f in COUNT_FIELDS}


def totals(frame: pd.DataFrame) -> Counts:
    """The scope's totals (its row with no segment and no topic)."""
    if frame.empty:
        return Counts()
    return Counts.of(totals_dict(frame))


def topics(frame: pd.DataFrame) -> dict[str, Counts]:
    """Each topic's counts in the scope (its rows with no segment): a pain point's, whose
    ``mentions`` are its complaint mentions, with its ``praise_mentions``."""
    if frame.empty:
        return {}
    rows = frame[(frame["segment_key"] == "") & (frame["topic_key"] != "")]
    return {
        row["topic_key"]: _topic_counts(row)
        for row in rows.groupby("topic_key", as_index=False).sum().to_dict("records")
    }


def _topic_counts(row: dict) -> Counts:
    counts = {f: float(row[f]) for f in COUNT_FIELDS}
    return Counts.of({**counts, "mentions": float(row["complaint_mentions"])})


def grouped(frame: pd.DataFrame, by: list[str]) -> dict[tuple, tuple[Counts, dict[str, Counts]]]:
    """Per value of the ``by`` columns (in their order), what ``totals`` and ``topics`` give for
    that part of the table read as a scope's own table (its segment columns not read): the part's
    rows without a topic summed as its totals, each topic's rows as its counts. One grouping for
    every part (a week, a segment value) instead of a table per part."""
    if frame.empty:
        return {}
    summed = frame.groupby([*by, "topic_key"], sort=True)[list(COUNT_FIELDS)].sum().reset_index()
    found: dict[tuple, tuple[Counts, dict[str, Counts]]] = {}
    for row in summed.to_dict("records"):
        part = tuple(row[column] for column in by)
        _total, by_topic = found.setdefault(part, (Counts(), {}))
        if row["topic_key"] == "":
            found[part] = (Counts.of({f: float(row[f]) for f in COUNT_FIELDS}), by_topic)
        else:
            by_topic[row["topic_key"]] = _topic_counts(row)
    return found


def segment_cells(table: pd.DataFrame) -> dict[str, list[SegmentCell]]:
    """Each topic's segment cells from a segment table (comments per segment value, from its
    rows without a topic; the topic's complaint mentions per value): single keys, and pair keys
    (``a|b`` = ``x|y``) as pairs of values."""
    if table.empty:
        return {}
    segment = table[table["segment_key"] != ""]
    is_total = segment["topic_key"] == ""
    comments = {
        (key, value): count
        for key, value, count in zip(
            segment.loc[is_total, "segment_key"].tolist(),
            segment.loc[is_total, "segment_value"].tolist(),
            segment.loc[is_total, "comments"].tolist(),
            strict=True,
        )
    }
    inside = segment[~is_total]
    cells: dict[str, list[SegmentCell]] = {}
    named: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}  # each cell once per topic
    for key, value, topic, mentions in zip(
        inside["segment_key"].tolist(),
        inside["segment_value"].tolist(),
        inside["topic_key"].tolist(),
        inside["complaint_mentions"].tolist(),
        strict=True,
    ):
        if not mentions:
            continue
        in_segment = comments.get((key, value), 0)
        name = named.get((key, value))
        if name is None:
            if is_pair_key(key):
                name = named[key, value] = (tuple(key.split("|")), tuple(split_pair_value(value)))
            else:
                name = named[key, value] = ((key,), (value,))
        cells.setdefault(topic, []).append(SegmentCell(*name, float(in_segment), float(mentions)))
    return cells
