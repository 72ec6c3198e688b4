"""What each kind of export holds: a header and an iterator of rows, read as they are written.

Each kind reads through the selectors its page uses: the responses and comments of a scope
(``analysis.selectors.scope``: the same dates and segment filters as the analysis API), the
ranked pain points (``painpoints_for_scope``) and the funnel (``funnel_report``). Large kinds
(responses, comments) are one query each, read in chunks through a server-side cursor on
PostgreSQL (``QuerySet.iterator``), so memory stays flat whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, FilteredRelation, Func, Q, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from analysis.models import SurveyAnalysisSettings
from analysis.selectors import painpoints_for_scope, question_plan
from analysis.selectors import scope as base
from analysis.selectors.search import comment_search
from analysis.services.aggregates import segment_keys
from exports.sql import (
    JSONWithout,
    LocalTimeText,
    UUIDText,
    queryset_rows,
    reads_block_the_connection,
)
from ops.contacts import contact_decrypt
from responses.models import Suppression
from responses.services.funnel import funnel_report
from surveys.models import Survey, SurveyVersion

# Columns the facts hold themselves; the other segment keys get a column each.
FACT_SEGMENTS = ("locale", "respondent_type", "channel")
LIST_SEPARATOR = ";"
# Compact JSON with sorted keys, one encoder for every cell (json.dumps with options builds one
# per call).
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


@dataclass
class Table:
    header: list[str]
    rows: Iterable[tuple]
    # Rows to expect, when known before reading them (for the progress of a background export).
    count: int | None = None
    title: str = "export"
    # The query the rows are read from, when there is one (the benchmark copies it with psql).
    queryset: Any = None


def answer_text(value: Any) -> Any:
    """An answer as one cell: a list of choices joined by ``;``, an object as JSON."""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def json_cell(text: str | None) -> Any:
    """A JSON value read as its text (no decoding by the ORM) as one cell. Most answers are a
    number or a plain string, which need no JSON parser."""
    if text is None:
        return None
    first = text[:1]
    if first == '"' and "\\" not in text:
        return text[1:-1]
    if first.isdigit() or first == "-":
        try:
            return int(text)
        except ValueError:
            pass
    return answer_text(json.loads(text))


def list_text(text: str | None) -> str:
    """A JSON list's text as its items joined by ``;``."""
    return "" if not text or text == "[]" else LIST_SEPARATOR.join(map(str, json.loads(text)))


def polarity_text(polarities: Iterable[Mapping[str, int] | str | None]) -> str:
    """Topic polarity of a response's comments (objects or their JSON text), merged, as compact
    JSON (what ``manage.py painpoints`` reads in a ``topic_polarity`` column); empty for none."""
    merged: dict[str, int] = {}
    for polarity in polarities:
        if isinstance(polarity, str):
            polarity = json.loads(polarity) if polarity != "{}" else None
        if isinstance(polarity, dict):
            merged.update(polarity)
    return _COMPACT_JSON(merged) if merged else ""


def local_time(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    """A moment as the site's wall-clock time, ``YYYY-MM-DD HH:MM:SS`` (spreadsheets read it);
    text that PostgreSQL formatted so already (``LocalTimeText``) as it is."""
    if value.__class__ is str:
        return value
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0).isoformat(" ") if value else ""


def score_class(score: float | None, is_detractor: bool, is_promoter: bool) -> str:
    if score is None:
        return ""
    return "detractor" if is_detractor else "promoter" if is_promoter else "passive"


def _definition(survey: Survey) -> dict:
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").only("definition").first()
    return version.definition if version is not None else {}


def segment_columns() -> list[str]:
    """The segment keys that get a column each: the aggregated ones (``ANALYSIS_SEGMENT_KEYS``)
    besides those the facts hold as columns. The other attributes (store_id, rider_id) are in
    one ``other_segments`` column (JSON), so no scan for keys is needed before the rows."""
    return [key for key in segment_keys() if key not in FACT_SEGMENTS]


def json_text(text: str | None) -> str:
    """A JSON object's text, compact with sorted keys (as ``topic_polarity``) whatever the
    database printed; empty for ``{}``."""
    if not text or text == "{}":
        return ""
    return _COMPACT_JSON(json.loads(text))


def responses_table(*, scope: base.Scope, with_contact: bool) -> Table:
    """One row per analysed response of the scope: when, who (the respondent's type, locale and
    channel; email and phone only ``with_contact``), the score and its class, the topics with
    their polarity, the comment language, every answer and every segment."""
    definition = _definition(scope.survey)
    plan = question_plan(definition, SurveyAnalysisSettings.objects.filter(survey=scope.survey).first())
    questions = [q["key"] for q in definition.get("questions") or []]
    facts = base.facts(scope)
    segments = segment_columns()
    # One LEFT JOIN per question (at most one answer and one analysed comment per response and
    # question: unique constraints), so PostgreSQL joins whole tables instead of probing an
    # index once per row and column.
    relations: dict[str, FilteredRelation] = {}
    # JSON columns are read as their text: parsed here only when needed (json_cell), not per
    # value by the ORM.
    zone = timezone.get_current_timezone()
    texts: dict[str, Func] = {
        "public_id_text": UUIDText("response__public_id"),
        "completed_at_text": LocalTimeText("completed_at", timezone.get_current_timezone_name()),
        "topics_text": Cast("topics", TextField()),
        "segments_text": JSONWithout("segments", [*FACT_SEGMENTS, *segments]),
    }
    values: list[str] = []  # in the order of the row: polarity and language, answers, segments
    for index, key in enumerate(plan.text_keys):
        relations[f"comment_{index}"] = FilteredRelation(
            "response__comment_analyses", condition=Q(response__comment_analyses__question_key=key)
        )
        texts[f"polarity_{index}"] = Cast(f"comment_{index}__topic_polarity", TextField())
        values += [f"polarity_{index}", f"comment_{index}__language"]
    for index, key in enumerate(questions):
        relations[f"answer_{index}"] = FilteredRelation(
            "response__answers", condition=Q(response__answers__question_key=key)
        )
        texts[f"answer_{index}"] = Cast(f"answer_{index}__value", TextField())
        values.append(f"answer_{index}")
    segment_values = {f"segment_{i}": KeyTextTransform(key, "segments") for i, key in enumerate(segments)}
    contact = ["response__invitation__respondent__email", "response__invitation__respondent__phone"]
    names = [
        "public_id_text",
        "completed_at_text",
        "locale",
        "respondent_type",
        "channel",
        *(contact if with_contact else []),
        "metric",
        "primary_score",
        "is_detractor",
        "is_promoter",
        "topics_text",
        *values,
        *segment_values,
        "segments_text",
    ]
    queryset = (
        facts.annotate(**relations)
        .annotate(**texts, **segment_values)
        .order_by("completed_at", "response_id")
        .values_list(*names)
    )
    header = [
        "response_id",
        "completed_at",
        "locale",
        "respondent_type",
        "channel",
        *(["email", "phone"] if with_contact else []),
        "metric",
        "score",
        "score_class",
        "topics",
        "topic_polarity",
        "comment_language",
        *(f"answer.{key}" for key in questions),
        *(f"segment.{key}" for key in segments),
        "other_segments",
    ]
    fixed = 5 + (2 if with_contact else 0)
    answers_at = fixed + 5 + 2 * len(plan.text_keys)
    segments_at = answers_at + len(questions)

    # COPY sends the email and phone as stored (ciphertext); the ORM's iterator decrypts them.
    stored_as_is = reads_block_the_connection()

    def clear(value: str | None) -> str | None:
        return contact_decrypt(value) if value and stored_as_is else value

    def rows() -> Iterator[tuple]:
        for row in queryset_rows(queryset):
            score, is_detractor, is_promoter, topics = row[fixed + 1 : fixed + 5]
            comment = row[fixed + 5 : answers_at]
            languages = [language for language in comment[1::2] if language]
            yield (
                str(row[0]),
                local_time(row[1], zone),
                *row[2:5],
                *(map(clear, row[5:fixed]) if with_contact else ()),
                row[fixed],
                score,
                score_class(score, is_detractor, is_promoter),
                list_text(topics),
                polarity_text(comment[0::2]),
                LIST_SEPARATOR.join(dict.fromkeys(languages)),
                *map(json_cell, row[answers_at:segments_at]),
                *row[segments_at:-1],
                json_text(row[-1]),
            )

    return Table(header=header, rows=rows(), count=facts.count(), title="responses", queryset=queryset)


def comments_matching(
    *,
    scope: base.Scope,
    q: str = "",
    topic: str = "",
    band: str = "",
    language: str = "",
    topics: list[str] | None = None,
):
    """The comments of the workspace's comment search (words, topic, score band, language, and
    ``topics``: tagged with any of them, a process owner's teams' topics) as an ordered
    queryset: exactly the Comments page's hits, in its order. ValidationError (naming the field)
    as ``comment_search``."""
    hits = comment_search(
        scope=scope,
        query=q,
        topic=topic or None,
        score_band=band or None,
        language=language or None,
        topics_any=topics if topics else None,
    )
    return hits.queryset()


def comments_table(
    *,
    scope: base.Scope,
    q: str = "",
    topic: str = "",
    band: str = "",
    language: str = "",
    topics: list[str] | None = None,
) -> Table:
    """One row per comment: the respondent's own words, language, topics with polarity, the
    detractor likelihood and the response's score."""
    comments = comments_matching(scope=scope, q=q, topic=topic, band=band, language=language, topics=topics)
    # the respondent's own words: the answer to the comment's question (one at most)
    original = FilteredRelation(
        "response__answers", condition=Q(response__answers__question_key=F("question_key"))
    )
    queryset = (
        comments.annotate(original=original)
        .annotate(
            original_text=Cast("original__value", TextField()),
            topics_text=Cast("topics", TextField()),
            polarity_text=Cast("topic_polarity", TextField()),
        )
        .values_list(
            "id",
            "response__public_id",
            "completed_day",
            "question_key",
            "language",
            "original_text",
            "text",
            "topics_text",
            "polarity_text",
            "detractor_likelihood",
            "response__facts__primary_score",
        )
    )
    header = [
        "comment_id",
        "response_id",
        "completed_day",
        "question",
        "language",
        "text",
        "topics",
        "topic_polarity",
        "detractor_likelihood",
        "score",
    ]

    def rows() -> Iterator[tuple]:
        for (
            pk,
            response,
            day,
            question,
            language,
            original,
            text,
            topics,
            polarity,
            likelihood,
            score,
        ) in queryset_rows(queryset):
            original = json_cell(original)  # the respondent's own words; else the normalised text
            yield (
                pk,
                str(response),
                day.isoformat() if day else "",
                question,
                language,
                original if isinstance(original, str) else text,
                list_text(topics),
                polarity_text([polarity]),
                likelihood,
                score,
            )

    return Table(header=header, rows=rows(), count=comments.count(), title="comments", queryset=queryset)


def painpoints_table(*, scope: base.Scope, topics: list[str] | None = None) -> Table:
    """The ranked pain points of the scope, as the pain-points API ranks them; ``topics``: only
    those (a process owner's teams' topics), each keeping its rank among all."""
    report = painpoints_for_scope(
        survey=scope.survey, date_from=scope.date_from, date_to=scope.date_to, filters=scope.filters
    )
    header = [
        "rank",
        "topic",
        "label_zh_hans",
        "label_en",
        "stage",
        "team",
        "mentions",
        "share",
        "detractor_rate",
        "overall_detractor_rate",
        "impact",
        "impact_low",
        "impact_high",
        "p_value",
        "significant",
        "small_sample",
        "trend_change",
        "keywords",
        "example",
    ]
    rows = [
        (
            rank,
            topic["key"],
            topic["label"].get("zh-hans", ""),
            topic["label"].get("en", ""),
            topic["stage_label"],
            topic["team"],
            topic["mentions"],
            topic["share"],
            topic["detractor_rate"],
            topic["overall_detractor_rate"],
            topic["impact"],
            topic["impact_low"],
            topic["impact_high"],
            topic["p_value"],
            topic["significant"],
            topic["small_sample"],
            (topic["trend"] or {}).get("change"),
            LIST_SEPARATOR.join(k["term"] for k in topic["keywords"]),
            topic["examples"][0]["text"] if topic["examples"] else "",
        )
        for rank, topic in enumerate(report["topics"], start=1)
        if not topics or topic["key"] in topics
    ]
    return Table(header=header, rows=rows, count=len(rows), title="pain-points")


FUNNEL_COUNTS = ("events", "invitations", "suppressed", "sent", "opened", "started", "completed")
FUNNEL_ENDS = ("failed", "bounced", "expired")


def funnel_table(
    *,
    survey: Survey,
    date_from: dt.date | None,
    date_to: dt.date | None,
    group_by: str = "",
    attributes: dict[str, str] | None = None,
) -> Table:
    """The invitation funnel, one row per group and a total row, suppressions by reason;
    ``attributes`` narrow it as the overview's funnel (``funnel_report``'s filters)."""
    report = funnel_report(
        survey=survey, group_by=group_by, date_from=date_from, date_to=date_to, filters=attributes or {}
    )
    reasons = list(Suppression.Reason.values)
    header = [
        "group",
        "label",
        *FUNNEL_COUNTS,
        *FUNNEL_ENDS,
        "response_rate",
        *(f"suppressed.{reason}" for reason in reasons),
    ]

    def line(row, key: str) -> tuple:
        return (
            key,
            row.label,
            *(getattr(row, name) for name in (*FUNNEL_COUNTS, *FUNNEL_ENDS)),
            row.response_rate,
            *(row.suppressions.get(reason, 0) for reason in reasons),
        )

    rows = [line(row, row.key) for row in report.rows]
    rows.append(line(report.total, "*"))
    return Table(header=header, rows=rows, count=len(rows), title="funnel")
