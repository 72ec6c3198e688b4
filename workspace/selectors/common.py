"""What several workspace pages read: a topic's name in words, the metric's name, weekly
counts read as the ranking reads them, discovered topics' names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _

from analysis.discovery import topic_label as discovery_label
from analysis.models import EmergingTopic
from analysis.painpoints.counts import Counts
from analysis.selectors import scope as base
from analysis.selectors import tables
from workspace import labels


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


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_topic_counts(
    scope: base.Scope,
) -> tuple[list[dt.date], dict[dt.date, Counts], dict[str, dict[dt.date, Counts]]]:
    """The ISO weeks (Mondays) of the scope, the totals per week and each topic's counts per
    week, read as the ranking reads them (``tables.count_table``, ``tables.grouped``: the
    totals and topics of each week's part)."""
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
        table = table.assign(week=table["day"].map(_week))
        for (week,), (total, topics) in tables.grouped(table, ["week"]).items():
            totals[week] = total
            for key, counts in topics.items():
                by_topic[key][week] = counts
    return weeks, totals, dict(by_topic)


def share_series(weeks, totals, found: dict[dt.date, Counts]) -> list[dict]:
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
