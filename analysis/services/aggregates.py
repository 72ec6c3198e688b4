"""Daily aggregates per (survey, day, segment, topic): added to as each response is analysed,
rebuilt from ResponseFacts as the fallback.

Which segment keys are aggregated is ``settings.ANALYSIS_SEGMENT_KEYS``. Besides the totals and
one row per key, every pair of keys the response has values for gets a row (segment_key
``"district_type|scenario"``, segment_value ``"office|peak"``, see ``pair_value``): the
cross-tabulation a scope filtered on one key needs for its segment lifts and breakdowns. A
response touches (1 + keys + pairs) x (1 + its topics) rows (7 keys: 29 x (1 + topics)), so a key
with thousands of values (a rider id, a store id) belongs in the facts (queried by the
fallback), not here.

Each write also gives the survey a new counts version (``counts_version``): what the
selectors' cached count tables are keyed by, so a cached table is never older than the rows.

Every row is also summed into its ISO week's row (``WeeklyAggregate``, by the same writes: one
response, a batch, a rebuild), so a long scope reads whole weeks instead of their days.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from redis.exceptions import RedisError

from analysis.models import (
    DISCOVERED_TOPIC_PREFIX,
    CommentAnalysis,
    DailyAggregate,
    ResponseFacts,
    WeeklyAggregate,
)
from analysis.painpoints.counts import COMPLAINT, PRAISE, mention_polarity
from analysis.sql import aggregates as aggregates_sql
from analysis.sql import slices

log = logging.getLogger(__name__)

COUNT_FIELDS = (
    "responses",
    "scored",
    "promoters",
    "passives",
    "detractors",
    "score_sum",
    "score_sum_squares",
    "comments",
    "scored_comments",
    "mentions",
    "detractor_mentions",
    "complaint_mentions",
    "praise_mentions",
    "complaining",
)
FACT_FIELDS = (
    "completed_day",
    "primary_score",
    "is_detractor",
    "is_promoter",
    "has_comment",
    "topics",
    "topic_polarity",
    "segments",
)
MAX_VALUE_LENGTH = 255
PAIR_SEPARATOR = "|"


def segment_keys() -> tuple[str, ...]:
    return tuple(settings.ANALYSIS_SEGMENT_KEYS)


def pair_key(first: str, second: str) -> str:
    """The segment_key of a pair row; keys in alphabetical order (``first < second``)."""
    return f"{first}{PAIR_SEPARATOR}{second}"


def is_pair_key(segment_key: str) -> bool:
    return PAIR_SEPARATOR in segment_key


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(PAIR_SEPARATOR, "\\" + PAIR_SEPARATOR)


def pair_value(first: str, second: str) -> str:
    """Both values, each with backslash and ``|`` escaped, joined by an unescaped ``|``. Read
    from the left the split is unambiguous: only pairs whose first value is ``v`` start with
    ``pair_prefix(v)``. A suffix can be ambiguous, so readers check with ``split_pair_value``."""
    return f"{_escape(first)}{PAIR_SEPARATOR}{_escape(second)}"


def pair_prefix(first: str) -> str:
    return f"{_escape(first)}{PAIR_SEPARATOR}"


def pair_suffix(second: str) -> str:
    return f"{PAIR_SEPARATOR}{_escape(second)}"


def split_pair_value(value: str) -> tuple[str, str]:
    """The two values of ``pair_value`` (the inverse)."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == PAIR_SEPARATOR and not parts:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    if len(parts) != 2:
        raise ValueError(f"not a pair value: {value!r}")
    return parts[0], parts[1]


@dataclass(frozen=True)
class FactValues:
    """The part of a ResponseFacts row the aggregates count."""

    completed_day: object
    primary_score: float | None
    is_detractor: bool
    is_promoter: bool
    has_comment: bool
    topics: tuple[str, ...]
    segments: tuple[tuple[str, str], ...]
    # (topic, polarity) for each of ``topics`` (-1 complaint, 0 neutral, 1 praise)
    polarity: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, facts: ResponseFacts | dict) -> FactValues:
        get = facts.get if isinstance(facts, dict) else lambda name: getattr(facts, name)
        return cls(
            get("completed_day"),
            get("primary_score"),
            bool(get("is_detractor")),
            bool(get("is_promoter")),
            bool(get("has_comment")),
            tuple(sorted(get("topics") or ())),
            tuple(sorted(aggregated_segments(get("segments") or {}).items())),
            tuple((key, mention_polarity(get("topic_polarity"), key)) for key in sorted(get("topics") or ())),
        )


def aggregated_segments(segments: dict) -> dict[str, str]:
    out = {}
    for key in segment_keys():
        value = segments.get(key)
        if value is None or value == "":
            continue
        out[key] = str(value)[:MAX_VALUE_LENGTH]
    return out


def _base_counts(values: FactValues) -> dict[str, float]:
    scored = values.primary_score is not None
    score = float(values.primary_score) if scored else 0.0
    return {
        "responses": 1,
        "scored": int(scored),
        "promoters": int(scored and values.is_promoter),
        "passives": int(scored and not values.is_promoter and not values.is_detractor),
        "detractors": int(scored and values.is_detractor),
        "score_sum": score,
        "score_sum_squares": score * score,
    }


def is_complaining(values: FactValues) -> bool:
    """Whether the response complains about a taxonomy topic: one of its topics (not a
    discovered one, ``~<id>``) whose polarity over its comments is a complaint
    (``mention_polarity``)."""
    polarity = values.polarity or tuple((key, COMPLAINT) for key in values.topics)
    return any(p == COMPLAINT and not key.startswith(DISCOVERED_TOPIC_PREFIX) for key, p in polarity)


def aggregate_rows(values: FactValues) -> list[tuple[str, str, str, dict[str, float]]]:
    """The aggregate rows one response adds: (segment_key, segment_value, topic_key, counts).

    ``complaining`` is 1 on the rows without a topic when the response complains about a
    taxonomy topic (``is_complaining``), 0 on topic rows (whose ``complaint_mentions`` count the
    responses complaining about that topic)."""
    base = _base_counts(values)
    scored = values.primary_score is not None
    total = {
        **base,
        "comments": int(values.has_comment),
        "scored_comments": int(values.has_comment and scored),
        "mentions": 0,
        "detractor_mentions": int(values.has_comment and scored and values.is_detractor),
        "complaint_mentions": 0,
        "praise_mentions": 0,
        "complaining": int(is_complaining(values)),
    }
    # A complaint mention counts the response in the topic's row (the pain point's counts); a
    # praise or neutral mention only in ``mentions`` (and ``praise_mentions``).
    complaint = {
        **base,
        "comments": 1,
        "scored_comments": int(scored),
        "mentions": 1,
        "detractor_mentions": int(scored and values.is_detractor),
        "complaint_mentions": 1,
        "praise_mentions": 0,
        "complaining": 0,
    }
    other = {**dict.fromkeys(COUNT_FIELDS, 0), "score_sum": 0.0, "score_sum_squares": 0.0}
    praise = {**other, "mentions": 1, "praise_mentions": 1}
    neutral = {**other, "mentions": 1}
    topic_counts = [
        (key, complaint if polarity == COMPLAINT else praise if polarity == PRAISE else neutral)
        for key, polarity in (values.polarity or tuple((key, COMPLAINT) for key in values.topics))
    ]
    pairs = [
        (pair_key(first_key, second_key), pair_value(first_value, second_value))
        for (first_key, first_value), (second_key, second_value) in combinations(values.segments, 2)
    ]
    rows = []
    for segment_key, segment_value in (("", ""), *values.segments, *pairs):
        rows.append((segment_key, segment_value, "", total))
        rows.extend((segment_key, segment_value, key, counts) for key, counts in topic_counts)
    return rows


# (survey_id, day, segment_key, segment_value, topic_key): the unique key of a DailyAggregate row
AggregateKey = tuple[int, object, str, str, str]


def aggregate_deltas_add(
    deltas: dict[AggregateKey, list], *, survey_id: int, values: FactValues, sign: int
) -> None:
    """Add one response's rows (times ``sign``) to ``deltas``, summing the counts of equal keys:
    a batch of responses becomes one row per key."""
    for segment_key, segment_value, topic_key, counts in aggregate_rows(values):
        key = (survey_id, values.completed_day, segment_key, segment_value, topic_key)
        current = deltas.get(key)
        if current is None:
            deltas[key] = [sign * counts[name] for name in COUNT_FIELDS]
        else:
            for position, name in enumerate(COUNT_FIELDS):
                current[position] += sign * counts[name]


def aggregates_apply(*, survey_id: int, values: FactValues, sign: int) -> None:
    """Add (sign=1) or take away (sign=-1) one response's counts; call inside a transaction."""
    deltas: dict[AggregateKey, list] = {}
    aggregate_deltas_add(deltas, survey_id=survey_id, values=values, sign=sign)
    aggregates_add(deltas)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of ``day`` (the ``week`` of its WeeklyAggregate rows)."""
    return day - dt.timedelta(days=day.weekday())


def weekly_deltas(deltas: dict[AggregateKey, list]) -> dict[AggregateKey, list]:
    """Daily deltas summed per (survey, ISO week, cell): what the same counts add to the weekly
    rows."""
    weekly: dict[AggregateKey, list] = {}
    for (survey_id, day, segment_key, segment_value, topic_key), counts in deltas.items():
        key = (survey_id, week_start(day), segment_key, segment_value, topic_key)
        current = weekly.get(key)
        if current is None:
            weekly[key] = list(counts)
        else:
            for position, value in enumerate(counts):
                current[position] += value
    return weekly


VERSION_KEY = "analysis:counts-version:{}"


def counts_version(survey_id: int) -> str | None:
    """The survey's counts version: a random token replaced by every write of its facts and
    aggregate rows (``counts_changed``). None when the cache cannot be reached (nothing is
    cached then). A version that is missing (never set, evicted, the cache emptied) is a new
    token, so no entry written under an earlier one is read again."""
    key = VERSION_KEY.format(survey_id)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            version = cache.get(key)
    except (RedisError, OSError) as exc:
        log.warning("counts version of survey %s not read: %s", survey_id, exc)
        return None
    return version


def counts_changed(survey_ids: Iterable[int]) -> None:
    """The surveys' facts or aggregate rows change in this transaction: a new version now (a
    read inside the transaction sees the new rows) and again once it commits (a read that
    fetched the version between the two may have cached the rows as they were before)."""
    ids = sorted(set(survey_ids))
    if not ids:
        return
    _versions_replace(ids)
    transaction.on_commit(lambda: _versions_replace(ids))


def _versions_replace(survey_ids: list[int]) -> None:
    try:
        cache.set_many({VERSION_KEY.format(pk): uuid.uuid4().hex for pk in survey_ids}, timeout=None)
    except (RedisError, OSError) as exc:
        # Nothing newer can be cached meanwhile either: entries expire (ANALYSIS_COUNTS_CACHE_SECONDS).
        log.error("counts version of surveys %s not replaced: %s", survey_ids, exc)


def aggregates_add(deltas: dict[AggregateKey, list]) -> None:
    """Add summed counts (``aggregate_deltas_add``) to DailyAggregate and to their weeks'
    WeeklyAggregate rows; call inside a transaction.

    Rows are written in the order of their keys, the daily rows first, whoever writes them (one
    response, a batch, a re-analysis taking old counts out): two transactions adding to the same
    rows wait for each other instead of deadlocking.
    """
    items = sorted(deltas.items())
    if not items:
        return
    counts_changed(key[0] for key, _counts in items)
    for model, date_field, rows in (
        (DailyAggregate, "day", items),
        (WeeklyAggregate, "week", sorted(weekly_deltas(deltas).items())),
    ):
        aggregates_sql.chosen().counts_add(model, date_field, rows, COUNT_FIELDS)


def facts_table(rows: Iterable[dict], *, pairs: bool = True) -> pd.DataFrame:
    """Aggregate-shaped counts per day from fact rows (``FACT_FIELDS``): columns day,
    segment_key, segment_value, topic_key, COUNT_FIELDS; ``pairs=False`` leaves out pair rows."""
    records = []
    for row in rows:
        values = FactValues.of(row)
        for segment_key, segment_value, topic_key, counts in aggregate_rows(values):
            if not pairs and is_pair_key(segment_key):
                continue
            numbers = (counts[f] for f in COUNT_FIELDS)
            records.append((values.completed_day, segment_key, segment_value, topic_key, *numbers))
    columns = ["day", "segment_key", "segment_value", "topic_key", *COUNT_FIELDS]
    if not records:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.groupby(
        ["day", "segment_key", "segment_value", "topic_key"], as_index=False, sort=True
    ).sum()


def weekly_table(table: pd.DataFrame) -> pd.DataFrame:
    """A ``facts_table`` (per day) summed per ISO week: column ``week`` instead of ``day``."""
    cells = ["segment_key", "segment_value", "topic_key"]
    if table.empty:
        return pd.DataFrame(columns=["week", *cells, *COUNT_FIELDS])
    weeks = table.assign(week=[week_start(day) for day in table["day"]]).drop(columns="day")
    return weeks.groupby(["week", *cells], as_index=False, sort=True)[list(COUNT_FIELDS)].sum()


def slice_keys_sync() -> bool:
    """Give the aggregated keys (``segment_keys``) their columns in the facts' narrow copy and
    rewrite it when they changed (PostgreSQL; ``analysis.sql.slices``). Run after every
    ``migrate`` and by ``aggregates_rebuild``. True when the copy was rewritten."""
    return slices.chosen().keys_sync(segment_keys())


def slice_facts_drift(survey_id: int | None = None) -> dict[int, int]:
    """Per survey, the facts' narrow copy's rows that differ from what its facts give (missing,
    left over, other values): empty when it is exact (PostgreSQL; nothing elsewhere). After a
    restore that skipped its triggers, or writes made with them turned off."""
    return slices.chosen().drift(survey_id)


def slice_facts_refill(*, survey_id: int) -> int:
    """Write the survey's narrow rows again from its facts (the rows written)."""
    counts_changed([survey_id])
    return slices.chosen().refill(survey_id)


def slice_triggers_off() -> list[str]:
    """The narrow copy's triggers on the facts that are missing or turned off."""
    return slices.chosen().triggers_off()


@dataclass(frozen=True)
class RebuildResult:
    responses: int
    rows: int
    comments: int = 0  # comments given their response's segments


def comment_segments_copy(*, survey_id: int) -> int:
    """Give the survey's comments their response's segments (``ResponseFacts.segments``, as
    ``response_analyse`` writes them): the comment sample of a filtered scope reads this copy."""
    segments = ResponseFacts.objects.filter(pk=OuterRef("response_id")).values("segments")[:1]
    return CommentAnalysis.objects.filter(survey_id=survey_id, response__facts__isnull=False).update(
        segments=Subquery(segments)
    )


def aggregates_rebuild(*, survey_id: int, batch_size: int = 5000) -> RebuildResult:
    """Recompute a survey's aggregates from its ResponseFacts (the fallback when in doubt), write
    its rows of the facts' narrow copy again (after the copy has its columns for today's keys:
    ``slice_keys_sync``), and copy the facts' segments onto the survey's comments again.

    Runs in one transaction; run it while the survey's analysis is quiet (a response analysed
    during the rebuild is counted by whichever commits last, see docs/scaling.md).
    """
    now = timezone.now()
    slice_keys_sync()
    with transaction.atomic():
        counts_changed([survey_id])
        facts = ResponseFacts.objects.filter(survey_id=survey_id)
        table = facts_table(facts.values(*FACT_FIELDS).iterator(chunk_size=batch_size))
        DailyAggregate.objects.filter(survey_id=survey_id).delete()
        objects = [
            DailyAggregate(
                survey_id=survey_id,
                day=row.day,
                segment_key=row.segment_key,
                segment_value=row.segment_value,
                topic_key=row.topic_key,
                **{name: getattr(row, name) for name in COUNT_FIELDS},
            )
            for row in table.itertuples(index=False)
        ]
        DailyAggregate.objects.bulk_create(objects, batch_size=batch_size)
        WeeklyAggregate.objects.filter(survey_id=survey_id).delete()
        WeeklyAggregate.objects.bulk_create(
            (
                WeeklyAggregate(
                    survey_id=survey_id,
                    week=row.week,
                    segment_key=row.segment_key,
                    segment_value=row.segment_value,
                    topic_key=row.topic_key,
                    **{name: getattr(row, name) for name in COUNT_FIELDS},
                )
                for row in weekly_table(table).itertuples(index=False)
            ),
            batch_size=batch_size,
        )
        # the copy's update trigger writes the survey's narrow rows again; then those left over
        responses = facts.update(counted_at=now)
        slices.chosen().settle(survey_id)
        comments = comment_segments_copy(survey_id=survey_id)
    return RebuildResult(responses, len(objects), comments)
