"""The comments of a scope that keywords and examples are drawn from: a bounded sample of the
latest stored comments, their responses' scores, and the respondents' own words."""

from __future__ import annotations

import json
from functools import partial

from django.db import connection

from analysis.models import CommentAnalysis, ResponseFacts
from analysis.selectors import scope as base
from analysis.selectors import tables
from responses.models import Answer

SAMPLE_COMMENTS = 3000


def scope_comments(scope: base.Scope, *, newest_first: bool = False):
    """The stored comments of a scope (its days and segment filters; ``newest_first``: see
    ``scope.segment_filter``)."""
    queryset = CommentAnalysis.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    )
    if base.in_database():  # the comments' own copy of the segments (GIN index), no join to the facts
        return base.segment_filter(queryset, scope.filters, newest_first=newest_first)
    for key, value in scope.filters.items():
        queryset = queryset.filter(**{f"response__facts__segments__{key}": value})
    return queryset


def comment_sample(scope: base.Scope) -> list[dict]:
    """The scope's latest comments (at most ``SAMPLE_COMMENTS``) with their responses' scores,
    cached under the survey's counts version (every write of its comments' topics, clusters,
    tokens or likelihoods replaces it; ``tables.cached``)."""
    return tables.cached(scope, ("comment-sample", SAMPLE_COMMENTS), partial(_comment_sample, scope))


SAMPLE_FIELDS = (
    "id",
    "response_id",
    "question_key",
    "language",
    "tokens",
    "phrases",
    "topics",
    "clusters",
    "detractor_likelihood",
)


def _comment_sample(scope: base.Scope) -> list[dict]:
    # The latest comments first (by index), a bounded sample.
    queryset = scope_comments(scope, newest_first=True).order_by("-completed_day", "-id")
    if base.in_database():
        sample = _sample_in_database(queryset)
    else:
        sample = list(queryset.values(*SAMPLE_FIELDS)[:SAMPLE_COMMENTS])
        # Their responses' score and class, read by primary key once the sample is chosen.
        scores = _scores({c["response_id"] for c in sample}) if sample else {}
        for comment in sample:
            comment["primary_score"], comment["is_detractor"] = scores.get(
                comment["response_id"], (None, None)
            )
    for comment in sample:  # taxonomy topics, then discovered ones (keys ``~<id>``)
        comment["keys"] = [*comment["topics"], *comment.pop("clusters")]
    return sample


def _sample_in_database(queryset) -> list[dict]:
    """PostgreSQL: the sample and its responses' scores in one query, handed over as one JSON
    array (one parse instead of four per comment: 3,000 comments' tokens, phrases, topics and
    clusters)."""
    chosen = queryset.values(*SAMPLE_FIELDS, "completed_day")[:SAMPLE_COMMENTS]
    sql, params = chosen.query.sql_with_params()
    values = ", ".join(f"c.{name}" for name in SAMPLE_FIELDS)
    # Every identifier is written here; the scope's values are the queryset's parameters.
    wrapped = f"""
        SELECT coalesce(json_agg(json_build_array({values}, f.primary_score, f.is_detractor)
            ORDER BY c.completed_day DESC, c.id DESC), '[]')::text
        FROM ({sql}) c
        LEFT JOIN {ResponseFacts._meta.db_table} f ON f.response_id = c.response_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        (found,) = cursor.fetchone()
    names = (*SAMPLE_FIELDS, "primary_score", "is_detractor")
    sample = [dict(zip(names, row, strict=True)) for row in json.loads(found)]
    for comment in sample:  # JSON writes 8.0 as 8
        for name in ("primary_score", "detractor_likelihood"):
            if comment[name] is not None:
                comment[name] = float(comment[name])
    return sample


def _scores(response_ids: set[int]) -> dict[int, tuple]:
    """(primary_score, is_detractor) per response. On PostgreSQL the ids go as one array
    parameter (``= ANY``): a 3,000-item ``IN`` list costs more to plan than to run."""
    if base.in_database():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT response_id, primary_score, is_detractor FROM {ResponseFacts._meta.db_table} "  # noqa: S608
                "WHERE response_id = ANY(%s)",
                [sorted(response_ids)],
            )
            return {pk: (score, detractor) for pk, score, detractor in cursor.fetchall()}
    facts = ResponseFacts.objects.filter(pk__in=response_ids)
    return {
        pk: (score, detractor)
        for pk, score, detractor in facts.values_list("pk", "primary_score", "is_detractor")
    }


def originals(comments: list[dict]) -> dict[tuple[int, str], str]:
    """The respondents' own words (the stored answers) for the chosen example comments."""
    if not comments:
        return {}
    response_ids = {c["response_id"] for c in comments}
    keys = {c["question_key"] for c in comments}
    wanted = {(c["response_id"], c["question_key"]) for c in comments}
    rows = Answer.objects.filter(response_id__in=response_ids, question_key__in=keys).values_list(
        "response_id", "question_key", "value"
    )
    return {(r, q): str(v) for r, q, v in rows if (r, q) in wanted}


def example_rank(comment: dict) -> tuple:
    scored = comment["primary_score"] is not None
    detractor = 1.0 if comment["is_detractor"] else 0.0
    if not scored:
        detractor = comment["detractor_likelihood"] or 0.0
    return (-detractor, -len(comment["topics"]), -comment["id"])
