"""What one reader's weekly digest says, read through the selectors the workspace pages use:
the ranked pain points with their movement against the week before
(``analysis.selectors.painpoints_for_scope``, as the overview), the newly discovered topics
(its ``emerging`` list), the open and overdue cases of the reader's teams
(``cases.selectors.case_list``) and the improvement actions under review
(``cases.selectors.action_review``). Nothing is counted here; the digest only picks and orders.

Topics owned by the reader's teams (``Topic.team`` = a team they lead or belong to) come first.
Each section needs the reader's permission to read it (``config.permissions``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from analysis.metrics import ALPHA
from analysis.models import DailyAggregate, EmergingTopic, Topic, discovered_topic_id
from analysis.selectors import painpoints_for_scope
from analysis.selectors.scope import taxonomy_ids
from cases import selectors as case_selectors
from cases.models import ImprovementAction, StaffProfile, Team
from config.permissions import READ_ACTIONS, READ_CASES, READ_PAINPOINTS, user_meets
from surveys.models import Survey
from workspace import labels
from workspace.digest import schedule
from workspace.selectors.common import topic_label

TOP_PAINPOINTS = 5
MAX_NEW_TOPICS = 5
MAX_OVERDUE = 10
EXAMPLE_CHARS = 140


@dataclass(frozen=True)
class Reader:
    """The reader's language, zone and whether they want the digest (``StaffProfile``)."""

    locale: str
    zone_name: str
    enabled: bool


def reader_of(user: Any) -> Reader:
    profile = StaffProfile.objects.filter(user=user).values("locale", "timezone", "digest_enabled").first()
    zone = schedule.zone_of((profile or {}).get("timezone"), settings.TIME_ZONE)
    locale = (profile or {}).get("locale") or settings.LANGUAGE_CODE
    if locale not in dict(settings.LANGUAGES):
        locale = settings.LANGUAGE_CODE
    return Reader(locale=locale, zone_name=zone.key, enabled=(profile or {}).get("digest_enabled", True))


def absolute(path: str, query: dict | None = None) -> str:
    return settings.SITE_URL + path + (f"?{urlencode(query)}" if query else "")


def user_team_keys(user: Any) -> list[str]:
    return list(
        Team.objects.filter(Q(lead=user) | Q(members=user))
        .distinct()
        .order_by("key")
        .values_list("key", flat=True)
    )


def surveys_in(date_from: dt.date, date_to: dt.date) -> list[Survey]:
    """The surveys with analysed responses in the days (every survey is readable by whoever
    reads pain points), by key."""
    ids = DailyAggregate.objects.filter(day__gte=date_from, day__lte=date_to).values("survey_id")
    return list(Survey.objects.filter(pk__in=ids).order_by("key"))


def _example(topic: dict) -> str:
    text = next((e["text"] for e in topic.get("examples") or () if e.get("text")), "")
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _painpoints(report: dict, *, teams: list[str], lang: str, query: dict) -> list[dict]:
    """The top ranked topics, the reader's teams' first (each group in the ranking's order)."""
    ranked = list(enumerate(report["topics"], start=1))
    ranked.sort(key=lambda item: (item[1].get("team") not in teams, item[0]))
    rows = []
    for rank, topic in ranked[:TOP_PAINPOINTS]:
        trend = topic.get("trend") or {}
        # a discovered topic's page is ~<id> (its ranked key is the cluster's)
        page_key = f"~{topic['emerging_id']}" if topic.get("emerging_id") else topic["key"]
        rows.append(
            {
                "key": topic["key"],
                "rank": rank,
                "label": topic_label(topic, lang),
                "mine": bool(topic.get("team")) and topic.get("team") in teams,
                "team": topic.get("team") or "",
                "discovered": bool(topic.get("discovered")),
                "mentions": topic["mentions"],
                "share": topic["share"],
                "impact": topic["impact"],
                "previous_share": trend.get("previous_share"),
                "change": trend.get("change"),
                "significant": bool(trend.get("significant")),
                "example": _example(topic),
                "url": absolute(reverse("workspace:topic", args=[page_key]), query),
            }
        )
    return rows


def _new_topics(report: dict, *, since: dt.datetime, lang: str, query: dict) -> list[dict]:
    """The discovered topics of the week's comments first found since ``since``."""
    emerging = report.get("emerging") or []
    found = set(
        EmergingTopic.objects.filter(
            pk__in=[row["id"] for row in emerging], discovered_at__gte=since, status=EmergingTopic.Status.NEW
        ).values_list("pk", flat=True)
    )
    rows = []
    for row in emerging:
        if row["id"] not in found:
            continue
        key = f"~{row['id']}"
        rows.append(
            {
                "key": key,
                "label": labels.text_in(row["name"], lang, key),
                "keywords": [str(k) for k in row["keywords"][:5]],
                "mentions": row["mentions"],
                "url": absolute(reverse("workspace:topic", args=[key]), query),
            }
        )
    return rows[:MAX_NEW_TOPICS]


def _surveys(
    *, teams: list[str], lang: str, date_from: dt.date, date_to: dt.date, since: dt.datetime
) -> list[dict]:
    out = []
    for survey in surveys_in(date_from, date_to):
        report = painpoints_for_scope(survey=survey, date_from=date_from, date_to=date_to)
        query = {"survey": survey.key, "from": date_from.isoformat(), "to": date_to.isoformat()}
        out.append(
            {
                "key": survey.key,
                "title": labels.text_in(survey.title, lang, survey.key),
                "responses": report["summary"]["responses"],
                "comments": report["summary"]["comments"],
                "painpoints": _painpoints(report, teams=teams, lang=lang, query=query),
                "new_topics": _new_topics(report, since=since, lang=lang, query=query),
                "url": absolute(reverse("workspace:painpoints"), query),
            }
        )
    return out


def _cases(*, teams: list[str], lang: str, now: dt.datetime) -> dict:
    """Per team of the reader: open (open or in progress) and overdue cases, the overdue listed."""
    rows = []
    for team in Team.objects.filter(key__in=teams).order_by("key"):
        active = case_selectors.case_list(team=team.key).filter(status__in=case_selectors.ACTIVE)
        overdue = case_selectors.case_list(team=team.key, overdue=True, now=now)
        late = list(overdue[:MAX_OVERDUE])
        rows.append(
            {
                "key": team.key,
                "name": labels.text_in(team.name, lang, team.key),
                "open": active.count(),
                "overdue": overdue.count(),
                "overdue_cases": [
                    {
                        "id": case.pk,
                        "rule": labels.text_in(case.rule.name, lang, case.rule.key),
                        "assignee": case.assignee.get_username() if case.assignee_id else "",
                        "due_at": case.due_at,
                        "escalation_level": case.escalation_level,
                        "url": absolute(reverse("workspace:case", args=[case.pk])),
                    }
                    for case in late
                ],
                "url": absolute(reverse("workspace:cases"), {"tab": "overdue", "team": team.key}),
            }
        )
    return {
        "teams": rows,
        "open": sum(r["open"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
        "url": absolute(reverse("workspace:cases"), {"tab": "team"}),
    }


def _actions(*, user: Any, teams: list[str], lang: str, date_from: dt.date, today: dt.date) -> list[dict]:
    """Improvement actions whose review window runs into the week: the reader's own and those
    about a topic of their teams, latest start first."""
    rows = []
    for action in case_selectors.action_list().filter(start_date__lte=today):
        if action.start_date + dt.timedelta(days=action.window_days - 1) < date_from:
            continue  # its review ended before the week
        mine = action.owner_id == user.pk
        if not mine and teams:
            owners = case_selectors.topic_owners(survey_id=action.survey_id)
            mine = owners.get(action.topic_key) in teams
        if not mine:
            continue
        review = case_selectors.action_review(action=action, today=today)
        share = review.measures["topic_share"]
        topic = (
            labels.text_in(_topic_name(action), lang, action.topic_key)
            if discovered_topic_id(action.topic_key) is None
            else action.topic_key
        )
        rows.append(
            {
                "id": action.pk,
                "title": labels.text_in(action.title, lang, str(action.pk)),
                "topic": topic,
                "owner": action.owner.get_username(),
                "start_date": action.start_date,
                "days": review.windows.days,
                "window_days": action.window_days,
                "before": share.before.value,
                "after": share.after.value,
                "change": share.change.value,
                "low": share.change.low,
                "high": share.change.high,
                "p_value": share.change.p_value,
                "significant": share.change.p_value is not None and share.change.p_value < ALPHA,
                "expected_change": action.expected_change,
                "cases": len(review.cases),
                "url": absolute(reverse("admin:cases_improvementaction_change", args=[action.pk])),
            }
        )
    return rows


def _topic_name(action: ImprovementAction) -> dict | None:
    return (
        Topic.objects.filter(key=action.topic_key, taxonomy__in=taxonomy_ids(action.survey))
        .values_list("label", flat=True)
        .first()
    )


def digest_for(*, user: Any, now: dt.datetime) -> dict:
    """The digest ``user`` gets at ``now`` (aware): the seven days before their local day, in
    their language; a section they may not read is None."""
    reader = reader_of(user)
    zone = schedule.zone_of(reader.zone_name, settings.TIME_ZONE)
    local = schedule.local_time(now, zone)
    date_from, date_to = schedule.period_of(local.date())
    since = dt.datetime.combine(date_from, dt.time(0), tzinfo=zone)
    teams = user_team_keys(user)
    lang = reader.locale
    surveys = (
        _surveys(teams=teams, lang=lang, date_from=date_from, date_to=date_to, since=since)
        if user_meets(user, READ_PAINPOINTS)
        else None
    )
    cases = _cases(teams=teams, lang=lang, now=now) if user_meets(user, READ_CASES) else None
    actions = (
        _actions(user=user, teams=teams, lang=lang, date_from=date_from, today=local.date())
        if user_meets(user, READ_ACTIONS)
        else None
    )
    return {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "locale": lang,
        "zone": zone.key,
        "now": local,
        "week": schedule.week_of(local.date()),
        "date_from": date_from,
        "date_to": date_to,
        "teams": teams,
        "surveys": surveys,
        "cases": cases,
        "actions": actions,
        "workspace_url": absolute(reverse("workspace:overview")),
        "preview_url": absolute(reverse("workspace:digest")),
        "enabled": reader.enabled,
    }
