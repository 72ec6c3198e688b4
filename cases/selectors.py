"""Reads of the cases app: a response's stored analysis as plain data, rules as specs, the case
queue with its filters, and a case's contact details (assignee only, consent only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from analysis.models import CommentAnalysis, ResponseFacts, SurveyAnalysisSettings, Topic
from analysis.painpoints import Counts
from analysis.painpoints.counts import COMPLAINT, mention_polarity
from analysis.selectors import tables
from analysis.selectors.scope import Scope, facts, in_database, survey_metric
from cases import effect, matching
from cases.models import AlertRule, Case, ImprovementAction, Team
from responses.models import Response

ACTIVE = (Case.Status.OPEN, Case.Status.IN_PROGRESS)


def analysed_response(*, response_id: int) -> matching.AnalysedResponse | None:
    """The stored analysis of a response (its facts and comments); None before it is analysed."""
    facts = ResponseFacts.objects.filter(pk=response_id).first()
    if facts is None:
        return None
    comments = tuple(
        matching.AnalysedComment(
            topics=tuple(row["topics"] or ()),
            polarity={str(k): int(v) for k, v in (row["topic_polarity"] or {}).items()},
            tokens=tuple(row["tokens"] or ()),
            phrases=tuple(row["phrases"] or ()),
            is_mismatch=row["is_mismatch"],
        )
        for row in CommentAnalysis.objects.filter(response_id=response_id)
        .order_by("question_key")
        .values("topics", "topic_polarity", "tokens", "phrases", "is_mismatch")
    )
    return matching.AnalysedResponse(
        survey_id=facts.survey_id,
        metric=facts.metric,
        score=facts.primary_score,
        is_detractor=facts.is_detractor,
        is_promoter=facts.is_promoter,
        topics=tuple(facts.topics or ()),
        segments={str(k): str(v) for k, v in (facts.segments or {}).items()},
        comments=comments,
    )


def rule_spec(rule: AlertRule) -> matching.RuleSpec:
    routes = tuple(
        matching.Route(
            team=str(r.get("team", "")),
            topic=str(r.get("topic", "")),
            segment=str(r.get("segment", "")),
            value=str(r.get("value", "")),
        )
        for r in (rule.routes or [])
        if isinstance(r, dict)
    )
    return matching.RuleSpec(
        id=rule.pk,
        kind=rule.kind,
        team=rule.team.key,
        survey_id=rule.survey_id,
        metric=rule.metric,
        topic_keys=tuple(str(k) for k in rule.topic_keys or ()),
        segment_key=rule.segment_key,
        segment_value=rule.segment_value,
        words=tuple(str(w) for w in rule.words or ()),
        routes=routes,
        route_by_topic_owner=rule.route_by_topic_owner,
    )


def active_rules() -> list[AlertRule]:
    return list(AlertRule.objects.filter(is_active=True).select_related("team").order_by("pk"))


def topic_owners(*, survey_id: int) -> dict[str, str]:
    """Topic key -> owning team key (``Topic.team``) in the survey's taxonomy."""
    taxonomy_id = (
        SurveyAnalysisSettings.objects.filter(survey_id=survey_id)
        .values_list("taxonomy_id", flat=True)
        .first()
    )
    if taxonomy_id is None:
        return {}
    return dict(Topic.objects.filter(taxonomy_id=taxonomy_id).exclude(team="").values_list("key", "team"))


def team_keys() -> list[str]:
    return list(Team.objects.values_list("key", flat=True))


def response_respondent_id(response: Response) -> int | None:
    if response.invitation_id is None:
        return None
    return Response.objects.filter(pk=response.pk).values_list("invitation__respondent_id", flat=True).first()


def case_list(
    *,
    status: str | None = None,
    team: str | None = None,
    assignee: int | None = None,
    overdue: bool | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """Cases, soonest due first, filtered as the API and the admin queue filter them."""
    cases = Case.objects.select_related("team", "rule", "assignee").order_by("due_at", "pk")
    if status:
        cases = cases.filter(status=status)
    if team:
        cases = cases.filter(team__key=team)
    if assignee is not None:
        cases = cases.filter(assignee_id=assignee)
    if overdue is not None:
        late = Q(status__in=ACTIVE, due_at__lt=now or timezone.now())
        cases = cases.filter(late) if overdue else cases.exclude(late)
    return cases


def case_is_overdue(case: Case, *, now: dt.datetime | None = None) -> bool:
    return case.status in ACTIVE and case.due_at < (now or timezone.now())


def teams_for_user(*, user: Any) -> QuerySet[Team]:
    """The teams the user belongs to, as member or lead, by key."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Team.objects.none()
    return Team.objects.filter(Q(members=user) | Q(lead=user)).distinct().order_by("key")


def cases_for_user(*, user: Any) -> QuerySet[Case]:
    """The cases of the user's teams (as member or lead)."""
    return Case.objects.filter(Q(team__members=user) | Q(team__lead=user)).distinct()


def case_contact(*, case: Case, user: Any) -> dict[str, str] | None:
    """The respondent's email and phone, for the case's assignee only and only when the
    respondent agreed to be contacted about the answer (``Response.contact_consent``)."""
    if user is None or not getattr(user, "is_authenticated", False) or case.assignee_id != user.pk:
        return None
    if not user.has_perm("responses.view_respondent"):  # viewers never read contact details
        return None
    if case.respondent_id is None:
        return None
    consent = Response.objects.filter(pk=case.response_id).values_list("contact_consent", flat=True).first()
    if consent is not True:
        return None
    respondent = case.respondent
    return {"email": respondent.email, "phone": respondent.phone}


def cases_escalation_candidates(*, now: dt.datetime) -> QuerySet[Case]:
    """Active cases past their deadline (the escalation sweep decides each one's level)."""
    return (
        Case.objects.filter(status__in=ACTIVE, due_at__lt=now)
        .select_related("rule", "team", "team__lead")
        .order_by("due_at", "pk")
    )


# -- improvement actions --------------------------------------------------------------------------


def action_list() -> QuerySet[ImprovementAction]:
    return ImprovementAction.objects.select_related("survey", "owner").order_by("-start_date", "-pk")


@dataclass(frozen=True)
class ActionReview:
    windows: effect.Windows
    metric: str | None
    measures: dict[str, effect.Measure]
    cases: tuple[Case, ...]


def _window_counts(scope: Scope, topic_key: str) -> tuple[Counts, Counts]:
    table = tables.count_table(scope, segments=False)
    return tables.totals(table), tables.topics(table).get(topic_key, Counts())


def action_review(*, action: ImprovementAction, today: dt.date | None = None) -> ActionReview:
    """The action's review: its windows (``cases.effect.review_windows``), the counts of each
    read by the analysis selectors over a Scope filtered on the action's segments, the three
    measures, and the cases it touched: cases of the survey whose response mentions the topic
    (as a complaint) inside the segments during the after window, and the ones linked to it."""
    today = today or timezone.localdate()
    windows = effect.review_windows(action.start_date, action.window_days, today)
    filters = {str(k): str(v) for k, v in (action.segments or {}).items()}
    before = Scope(action.survey, windows.before_from, windows.before_to, filters)
    after = Scope(action.survey, windows.after_from, windows.after_to, filters)
    before_total, before_topic = _window_counts(before, action.topic_key)
    after_total, after_topic = _window_counts(after, action.topic_key)
    metric = survey_metric(action.survey)
    measures = effect.action_review(before_total, before_topic, after_total, after_topic, metric)
    rows = facts(after)
    if in_database():  # JSON containment; SQLite has none, the loop below checks each row
        rows = rows.filter(topics__contains=[action.topic_key])
    touched = [
        response_id
        for response_id, topics, topic_polarity in rows.values_list("response_id", "topics", "topic_polarity")
        if action.topic_key in (topics or ())
        and mention_polarity(topic_polarity, action.topic_key) == COMPLAINT
    ]
    cases = (
        Case.objects.filter(Q(survey=action.survey, response_id__in=touched) | Q(actions=action))
        .select_related("rule", "team", "survey", "response")
        .distinct()
        .order_by("opened_at", "pk")
    )
    return ActionReview(windows, metric, measures, tuple(cases))
