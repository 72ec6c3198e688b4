"""What the workspace's pages show, read through the analysis and responses selectors (the
figures and their maths are theirs: ``analysis.selectors``, ``analysis.painpoints.counts``,
``analysis.metrics``, ``responses.services.funnel``). Here: the page's shape, labels in words."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _

from analysis import metrics as metric_maths
from analysis.discovery import topic_label as discovery_label
from analysis.models import CommentAnalysis, CommentTopic, EmergingTopic, ResponseFacts, Taxonomy, Topic
from analysis.painpoints.counts import MIN_RANKED_MENTIONS, Counts, detractor_rate, rate_from_scores
from analysis.painpoints.segments import COMBINATION_SEPARATOR
from analysis.selectors import comments as comment_selectors
from analysis.selectors import metrics_for_scope, painpoints_for_scope, tables
from analysis.selectors import scope as base
from analysis.services.aggregates import COUNT_FIELDS, is_pair_key
from config.permissions import READ_CONTACTS, READ_FUNNEL, user_meets
from responses.models import Response
from responses.services.funnel import STAGES, funnel_report
from workspace import labels
from workspace.filters import Filters

TOP_PAINPOINTS = 5
MAX_VERBATIMS = 20
MAX_HEAT_VALUES = 12


def topic_label(topic: dict, lang: str) -> str:
    """A ranked topic's name in words: its taxonomy label, else (a discovered topic) its label
    or its first keywords."""
    label = labels.text_in(topic.get("label"), lang)
    if label and label != topic.get("key"):
        return label
    words = [k["term"] if isinstance(k, dict) else str(k) for k in topic.get("keywords") or []]
    if words:
        return " · ".join(words[:3])
    return labels.humanise(topic.get("key", ""))


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _as_totals(frame):
    """A part of a count table (one week, one segment value) as a scope's own table: its
    segment columns emptied, so ``tables.totals`` / ``tables.topics`` read it as the ranking
    reads a scope (the same fields, the same mentions)."""
    frame = frame.copy()
    frame["segment_key"] = ""
    frame["segment_value"] = ""
    return frame


def weekly_topic_counts(
    scope: base.Scope,
) -> tuple[list[dt.date], dict[dt.date, Counts], dict[str, dict[dt.date, Counts]]]:
    """The ISO weeks (Mondays) of the scope, the totals per week and each topic's counts per
    week, read as the ranking reads them (``tables.count_table``, ``tables.totals``,
    ``tables.topics``)."""
    weeks = []
    day = _week(scope.date_from)
    while day <= scope.date_to:
        weeks.append(day)
        day += dt.timedelta(days=7)
    table = tables.count_table(scope, by_day=True, segments=False)
    totals: dict[dt.date, Counts] = {}
    by_topic: dict[str, dict[dt.date, Counts]] = defaultdict(dict)
    if not table.empty:
        table = table[table["segment_key"] == ""]
        week_of = table["day"].map(_week)
        for week, part in table.groupby(week_of):
            part = _as_totals(part.drop(columns="day"))
            totals[week] = tables.totals(part)
            for key, counts in tables.topics(part).items():
                by_topic[key][week] = counts
    return weeks, totals, dict(by_topic)


def _share_series(weeks, totals, found: dict[dt.date, Counts]) -> list[dict]:
    series = []
    for week in weeks:
        comments = totals.get(week, Counts()).comments
        mentions = found.get(week, Counts()).mentions
        series.append(
            {
                "week": week,
                "mentions": int(mentions),
                "comments": int(comments),
                "share": mentions / comments if comments else None,
            }
        )
    return series


# -- overview ---------------------------------------------------------------------------------------


def step_labels() -> dict[str, str]:
    return {
        "events": _("Service events"),
        "invitations": _("Invitations"),
        "suppressed": _("Not invited (suppressed)"),
        "sent": _("Sent"),
        "opened": _("Opened"),
        "started": _("Started"),
        "completed": _("Completed"),
    }


def funnel_for(filters: Filters) -> dict:
    """The invitation funnel of the survey over the period and segment, each stage's rate of the
    invitations sent with its 95% interval, suppressions by reason in words."""
    report = funnel_report(
        survey=filters.survey,
        date_from=filters.date_from,
        date_to=filters.date_to,
        filters=filters.scope_filters(),
    )
    total = report.total
    steps = [
        {"key": "events", "count": total.events, "rate": None},
        {"key": "invitations", "count": total.invitations, "rate": None},
        {"key": "suppressed", "count": total.suppressed, "rate": None},
    ]
    for stage in STAGES:
        count = getattr(total, stage)
        rate = metric_maths.response_rate(count, total.sent) if stage != "sent" and total.sent else None
        steps.append({"key": stage, "count": count, "rate": rate.as_dict() if rate else None})
    names = step_labels()
    for step in steps:
        step["label"] = names[step["key"]]
    return {
        "steps": steps,
        "events": total.events,
        "sent": total.sent,
        "suppressions": [
            {"reason": reason, "label": labels.suppression_reason_label(reason), "count": count}
            for reason, count in sorted(total.suppressions.items(), key=lambda item: (-item[1], item[0]))
        ],
        "response_rate": (
            metric_maths.response_rate(total.completed, total.sent).as_dict() if total.sent else None
        ),
    }


def overview_for(*, filters: Filters, user, lang: str) -> dict[str, Any]:
    scope = filters.scope()
    metric = metrics_for_scope(
        survey=scope.survey,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        period="week",
    )
    report = painpoints_for_scope(
        survey=scope.survey, date_from=scope.date_from, date_to=scope.date_to, filters=scope.filters
    )
    top = [{**t, "label_text": topic_label(t, lang)} for t in report["topics"][:TOP_PAINPOINTS]]
    return {
        "metric": metric,
        "metric_name": metric_name(metric.get("metric")),
        "report": report,
        "top_topics": top,
        "funnel": funnel_for(filters) if user_meets(user, READ_FUNNEL) else None,
    }


def metric_name(metric: str | None) -> str:
    names = {
        "nps": _("Net Promoter Score"),
        "csat": _("Customer satisfaction (share satisfied)"),
        "ces": _("Customer effort score"),
        "ces_share": _("Customer effort (share finding it easy)"),
        "rating": _("Average rating"),
        "mean": _("Average score"),
        "rate": _("Rate"),
    }
    return str(names.get(metric or "", _("Score")))


# -- pain points ------------------------------------------------------------------------------------


def _segment_text(segment: dict) -> str:
    """A lift's segment in words: ``district_type`` = ``office``, or a combination
    (``locale & scenario`` = ``en & peak``) as "Language: English + Scenario: Peak hours"."""
    keys = str(segment.get("column", "")).split(COMBINATION_SEPARATOR)
    values = str(segment.get("value", "")).split(COMBINATION_SEPARATOR)
    if len(keys) != len(values):  # a value holding the separator itself: shown as it is
        values = [str(segment.get("value", ""))] + [""] * (len(keys) - 1)
    return " + ".join(
        f"{labels.segment_key_label(k)}: {labels.segment_value_label(k, v)}"
        for k, v in zip(keys, values, strict=True)
    )


def painpoints_page_for(*, filters: Filters, lang: str) -> dict[str, Any]:
    scope = filters.scope()
    report = painpoints_for_scope(
        survey=scope.survey, date_from=scope.date_from, date_to=scope.date_to, filters=scope.filters
    )
    weeks, totals, by_topic = weekly_topic_counts(scope)
    rows = []
    for rank, topic in enumerate(report["topics"], start=1):
        segments = topic.get("segments") or []
        top_lift = max(segments, key=lambda s: s.get("lift") or 0, default=None)
        rows.append(
            {
                **topic,
                "rank": rank,
                "label_text": topic_label(topic, lang),
                "stage_text": labels.stage_label(topic.get("stage", "")),
                "discovered": bool(topic.get("discovered")),
                "top_lift": top_lift,
                "top_lift_text": _segment_text(top_lift) if top_lift else "",
                "weekly": _share_series(weeks, totals, by_topic.get(topic["key"], {})),
            }
        )
    strengths = [
        {**s, "label_text": topic_label(s, lang), "discovered": bool(s.get("discovered"))}
        for s in report.get("strengths") or []
    ]
    return {
        "report": report,
        "rows": rows,
        "strengths": strengths,
        "coverage": coverage_for(report.get("coverage"), lang),
        "weeks": weeks,
    }


def coverage_for(coverage: dict | None, lang: str) -> dict | None:
    """The taxonomy's coverage of the scope's comments (when the ranking reports it), with the
    taxonomy's name in words."""
    if not coverage:
        return None
    key = coverage.get("taxonomy")
    name = Taxonomy.objects.filter(key=key).values_list("name", flat=True).first() if key else None
    return {**coverage, "taxonomy_name": labels.text_in(name, lang) or (labels.humanise(key) if key else "")}


# -- a topic ----------------------------------------------------------------------------------------


def _heat_table(scope: base.Scope):
    """Counts per (segment key, value, topic) inside the scope: the segments' comments (topic
    "") and each topic's counts, for the keys the scope does not filter on."""
    if not scope.filters:
        table = tables.count_table(scope)
    elif scope.from_aggregates:
        table = tables.pair_table(scope, COUNT_FIELDS)
    else:
        table = tables.count_table(scope)
    if table.empty:
        return table
    keep = (table["segment_key"] != "") & ~table["segment_key"].isin(list(scope.filters))
    keep &= ~table["segment_key"].map(is_pair_key)
    return table[keep]


def heat_rows(scope: base.Scope, key: str, metric: str | None) -> list[dict]:
    """Per segment value: the topic's share of the segment's comments and its detractor rate,
    marked small when the segment has fewer than ``SMALL_SAMPLE_N`` comments or the topic fewer
    than ``MIN_RANKED_MENTIONS`` scored mentions there."""
    table = _heat_table(scope)
    if table.empty:
        return []
    overall = tables.totals(tables.count_table(scope, segments=False))
    observed = rate_from_scores(overall, metric)
    rows = []
    for (segment_key, segment_value), part in table.groupby(["segment_key", "segment_value"], sort=True):
        part = _as_totals(part)
        comments = tables.totals(part).comments
        counts = tables.topics(part).get(key)
        if not comments or counts is None:
            continue
        rows.append(
            {
                "key": segment_key,
                "value": segment_value,
                "key_label": labels.segment_key_label(segment_key),
                "value_label": labels.segment_value_label(segment_key, segment_value),
                "comments": int(comments),
                "mentions": int(counts.mentions),
                "share": counts.mentions / comments,
                "detractor_rate": detractor_rate(counts, observed=observed),
                "share_small": comments < metric_maths.SMALL_SAMPLE_N,
                "rate_small": counts.scored_comments < MIN_RANKED_MENTIONS,
            }
        )
    rows.sort(key=lambda r: (r["key_label"], -r["mentions"], r["value_label"]))
    by_key: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if len(by_key[row["key"]]) < MAX_HEAT_VALUES:
            by_key[row["key"]].append(row)
    # A key with one value in the scope compares nothing (every comment is in it).
    return [row for found in by_key.values() if len(found) > 1 for row in found]


def verbatims(scope: base.Scope, key: str, keywords: list[str]) -> list[dict]:
    """The topic's comments in the scope (the latest sample, most telling first) with the
    respondents' own words and the terms that tagged the topic (its keywords for a discovered
    topic)."""
    # ``keys``: taxonomy topics and discovered topics where the sample carries both
    sample = [c for c in comment_selectors.comment_sample(scope) if key in c.get("keys", c["topics"])]
    chosen = sorted(sample, key=comment_selectors.example_rank)[:MAX_VERBATIMS]
    originals = comment_selectors.originals(chosen)
    matched: dict[int, list[str]] = defaultdict(list)
    for comment_id, terms in CommentTopic.objects.filter(
        comment_id__in=[c["id"] for c in chosen], topic__key=key
    ).values_list("comment_id", "matched_terms"):
        matched[comment_id].extend(str(t) for t in terms or [])
    return [
        {
            "comment_id": c["id"],
            "response_id": c["response_id"],
            "text": originals.get((c["response_id"], c["question_key"]), ""),
            "language": c["language"],
            "score": c["primary_score"],
            "is_detractor": c["is_detractor"],
            "terms": matched.get(c["id"]) or keywords,
        }
        for c in chosen
    ]


def topic_page_for(*, filters: Filters, key: str, lang: str) -> dict[str, Any] | None:
    scope = filters.scope()
    report = painpoints_for_scope(
        survey=scope.survey, date_from=scope.date_from, date_to=scope.date_to, filters=scope.filters
    )
    found = next((t for t in report["topics"] if t["key"] == key), None)
    strength = next((s for s in report.get("strengths") or [] if s["key"] == key), None)
    row = (
        Topic.objects.filter(key=key, taxonomy__in=base.taxonomy_ids(scope.survey))
        .values("key", "label", "stage", "team")
        .first()
    )
    discovered = discovered_names([key]) if key.startswith("~") else {}
    if found is None and strength is None and row is None and not discovered:
        return None
    topic = found or strength or {"key": key, "label": row["label"] if row else {}, "keywords": []}
    if discovered and not topic.get("label"):
        topic = {**topic, "label": discovered[key], "discovered": True}
    if row and not topic.get("label"):
        topic = {**topic, "label": row["label"]}
    weeks, totals, by_topic = weekly_topic_counts(scope)
    keywords = [k["term"] if isinstance(k, dict) else str(k) for k in topic.get("keywords") or []]
    return {
        "topic": topic,
        "topic_key": key,
        "label": topic_label({**topic, "label": topic.get("label") or (row or {}).get("label")}, lang),
        "stage_text": labels.stage_label((row or {}).get("stage", "")),
        "team": (row or {}).get("team", ""),
        "team_text": labels.humanise((row or {}).get("team", "")) if (row or {}).get("team") else "",
        "is_strength": found is None and strength is not None,
        "discovered": bool(topic.get("discovered")),
        "metric": report["metric"],
        "weekly": _share_series(weeks, totals, by_topic.get(key, {})),
        "heat": heat_rows(scope, key, report["metric"]),
        "keywords": topic.get("keywords") or [],
        "verbatims": verbatims(scope, key, keywords),
    }


# -- a response -------------------------------------------------------------------------------------


def _answer_text(question: dict, value, lang: str) -> str:
    kind = question.get("kind")
    if kind in ("single_choice", "multiple_choice"):
        choices = {
            c.get("key"): labels.text_in(c.get("label"), lang, c.get("key", ""))
            for c in question.get("choices") or []
        }
        picked = value if isinstance(value, list) else [value]
        return ", ".join(choices.get(v, str(v)) for v in picked)
    if kind == "matrix" and isinstance(value, dict):
        items = {
            i.get("key"): labels.text_in(i.get("label"), lang, i.get("key", ""))
            for i in question.get("items") or []
        }
        return "; ".join(f"{items.get(k, labels.humanise(k))}: {v}" for k, v in value.items())
    return str(value)


def response_page_for(*, response_id: int, user, lang: str) -> dict[str, Any] | None:
    response = (
        Response.objects.select_related("survey", "survey_version", "invitation__respondent")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return None
    definition = response.survey_version.definition or {}
    questions = {q.get("key"): q for q in definition.get("questions") or []}
    order = {key: i for i, key in enumerate(questions)}
    answers = []
    for question_key, value in sorted(
        response.answers.values_list("question_key", "value"),
        key=lambda a: (order.get(a[0], len(order)), a[0]),
    ):
        question = questions.get(question_key, {})
        answers.append(
            {
                "key": question_key,
                "question": labels.text_in(question.get("text"), lang, labels.humanise(question_key)),
                "kind": question.get("kind", ""),
                "text": _answer_text(question, value, lang),
                "is_comment": question.get("kind") in ("short_text", "long_text"),
            }
        )
    facts = ResponseFacts.objects.filter(pk=response.pk).first()
    topic_keys: dict[str, int] = {}
    languages = set()
    for comment in CommentAnalysis.objects.filter(response=response):
        languages.add(comment.language)
        polarity = comment.topic_polarity or {}
        for key in comment.topics or []:
            topic_keys[key] = polarity.get(key, topic_keys.get(key, -1))
        # discovered topics, where comments carry them (topic key -> polarity)
        for key, value in (getattr(comment, "clusters", None) or {}).items():
            topic_keys[key] = value
    names = {
        t["key"]: t["label"]
        for t in Topic.objects.filter(
            key__in=list(topic_keys), taxonomy__in=base.taxonomy_ids(response.survey)
        ).values("key", "label")
    }
    names |= discovered_names([k for k in topic_keys if k.startswith("~")])
    polarity_words = polarity_labels()
    topics = [
        {
            "key": key,
            "label": labels.text_in(names.get(key), lang) or labels.humanise(key),
            "polarity": polarity,
            "polarity_text": polarity_words.get(polarity, ""),
            "discovered": key.startswith("~"),
        }
        for key, polarity in sorted(topic_keys.items())
    ]
    segments = [
        {"key": k, "label": labels.segment_key_label(k), "value": labels.segment_value_label(k, str(v))}
        for k, v in sorted(((facts.segments if facts else None) or {}).items())
    ]
    contact = None
    may_read_contacts = user_meets(user, READ_CONTACTS)
    respondent = response.invitation.respondent if response.invitation_id else None
    if may_read_contacts and response.contact_consent and respondent is not None:
        contact = {"email": respondent.email, "phone": respondent.phone}
    return {
        "response": response,
        "survey_title": labels.text_in(response.survey.title, lang, response.survey.key),
        "answers": answers,
        "score": facts.primary_score if facts else None,
        "metric_name": metric_name(facts.metric if facts else None),
        "is_detractor": bool(facts and facts.is_detractor),
        "is_promoter": bool(facts and facts.is_promoter),
        "segments": segments,
        "topics": topics,
        "locale_text": labels.segment_value_label("locale", response.locale),
        "comment_languages": sorted(labels.comment_language_label(code) for code in languages),
        "contact": contact,
        "contact_hidden_reason": _contact_hidden_reason(may_read_contacts, response, respondent),
    }


def discovered_names(keys: list[str]) -> dict[str, dict]:
    """Names of discovered topics (``~<id>``, an EmergingTopic): the name a person gave, else
    one made from its keywords (``analysis.discovery.topic_label``)."""
    ids = {int(k[1:]): k for k in keys if k[1:].isdigit()}
    found = {}
    for pk, label, keywords in EmergingTopic.objects.filter(pk__in=list(ids)).values_list(
        "pk", "label", "keywords"
    ):
        found[ids[pk]] = {"zh-hans": label, "en": label} if label else discovery_label(list(keywords))
    return found


def _contact_hidden_reason(may_read: bool, response: Response, respondent) -> str:
    if not may_read:
        return _("Contact details are not shown to your role.")
    if respondent is None:
        return _("Answered through an open link: no contact details.")
    if not response.contact_consent:
        return _("The respondent did not agree to be contacted.")
    return ""


def polarity_labels() -> dict[int, str]:
    return {-1: _("complaint"), 0: _("neutral"), 1: _("praise")}
