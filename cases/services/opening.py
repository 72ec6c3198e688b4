"""Alert rules evaluated on an analysed response; a match opens one case per (response, rule).

Called by the ``cases.responses_evaluate`` task, which analysis hands its analysed responses to
after its transaction committed (``analysis.hooks.response_analysed``), and by the sweep
(``responses_evaluate_sweep``) for recent analysed responses never evaluated (a hand-over lost
while the broker was down). Each evaluation is recorded (``ResponseEvaluation``). The unique constraint
on (response, rule) makes the evaluation idempotent: a re-analysis, a second delivery of the
task or two workers at once never open a second case for the same rule. Only responses completed
in the last ``CASES_OPEN_WITHIN_DAYS`` days open cases.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from analysis.models import ResponseFacts
from cases import matching, selectors
from cases.models import AlertRule, Case, ResponseEvaluation, Team
from cases.services.notify import case_notify_enqueue
from cases.services.workflow import case_snapshot
from ops.services import audit_record
from responses.models import Response

logger = logging.getLogger(__name__)


def team_assignee_pick(*, team: Team, mode: str) -> int | None:
    """The user a new case of ``team`` goes to: the lead, or the next member in turn.

    Round robin moves ``team.last_assigned`` under the team row's lock, so two cases opened at
    once go to two different members. Without members it falls back to the lead.
    """
    if mode == AlertRule.Assignment.ROUND_ROBIN:
        locked = Team.objects.select_for_update().get(pk=team.pk)
        members = list(locked.members.filter(is_active=True).values_list("pk", flat=True))
        chosen = matching.round_robin_next(members, locked.last_assigned_id)
        if chosen is not None:
            Team.objects.filter(pk=team.pk).update(last_assigned_id=chosen)
            return chosen
    return team.lead_id


def case_open(
    *, rule: AlertRule, response: Response, match: matching.Match, team: Team, now: dt.datetime | None = None
) -> Case | None:
    """Open the case of ``rule`` on ``response``; None when it already exists."""
    now = now or timezone.now()
    if Case.objects.filter(response=response, rule=rule).exists():
        return None
    try:
        with transaction.atomic():
            case = Case.objects.create(
                rule=rule,
                response=response,
                survey_id=response.survey_id,
                respondent_id=selectors.response_respondent_id(response),
                team=team,
                assignee_id=team_assignee_pick(team=team, mode=rule.assignment),
                reason=match.reason,
                opened_at=now,
                due_at=now + dt.timedelta(hours=rule.sla_hours),
                updated_at=now,
            )
            audit_record(action="cases.case.opened", instance=case, after=case_snapshot(case), now=now)
            if case.assignee_id is not None:
                case_notify_enqueue(case_id=case.pk)
    except IntegrityError:
        # Another worker opened it between the check and the insert (the constraint held).
        return None
    return case


def response_rules_evaluate(*, response_id: int, now: dt.datetime | None = None) -> list[Case]:
    """Match the active rules against the response's stored analysis; the cases opened now."""
    now = now or timezone.now()
    analysed = selectors.analysed_response(response_id=response_id)
    response = Response.objects.filter(pk=response_id).first()
    if analysed is None or response is None:
        logger.warning("response %s has no stored analysis; no rules evaluated", response_id)
        return []
    # A re-analysis of a survey's history (an edited taxonomy) must not flood the teams with
    # cases about answers months old: only recent responses open cases.
    window = dt.timedelta(days=settings.CASES_OPEN_WITHIN_DAYS)
    if response.completed_at is None or response.completed_at < now - window:
        response_evaluated(response_id=response_id, now=now)
        return []
    rules = {rule.pk: rule for rule in selectors.active_rules()}
    specs = [selectors.rule_spec(rule) for rule in rules.values()]
    matches = matching.rules_match(specs, analysed)
    if not matches:
        response_evaluated(response_id=response_id, now=now)
        return []
    teams = {team.key: team for team in Team.objects.all()}
    owners = selectors.topic_owners(survey_id=analysed.survey_id)
    specs_by_id = {spec.id: spec for spec in specs}
    opened = []
    for match in matches:
        spec = specs_by_id[match.rule_id]
        team_key = matching.route_team(spec, analysed, topic_owners=owners, teams=list(teams))
        case = case_open(
            rule=rules[match.rule_id], response=response, match=match, team=teams[team_key], now=now
        )
        if case is not None:
            opened.append(case)
    # After the cases: a crash in between leaves the response to the sweep, which finds the
    # cases already open (the constraint) and opens only the missing ones.
    response_evaluated(response_id=response_id, now=now)
    return opened


def response_evaluated(*, response_id: int, now: dt.datetime) -> None:
    """Record that the response was matched against the active rules (now)."""
    ResponseEvaluation.objects.update_or_create(response_id=response_id, defaults={"evaluated_at": now})


def responses_rules_evaluate(*, response_ids: list[int], now: dt.datetime | None = None) -> int:
    """Evaluate each response alone (one failure never blocks the others); cases opened."""
    opened = 0
    for response_id in sorted(set(response_ids)):
        try:
            opened += len(response_rules_evaluate(response_id=response_id, now=now))
        except ConnectionError:
            raise
        except Exception:
            logger.exception("alert rules failed on response %s", response_id)
    return opened


def responses_unevaluated(*, now: dt.datetime, limit: int) -> list[int]:
    """Analysed responses completed within ``CASES_OPEN_WITHIN_DAYS`` (and more than
    ``CASES_SWEEP_GRACE_MINUTES`` ago, so the normal hand-over has had its chance) that were
    never matched against the rules, oldest first."""
    since = now - dt.timedelta(days=settings.CASES_OPEN_WITHIN_DAYS)
    until = now - dt.timedelta(minutes=settings.CASES_SWEEP_GRACE_MINUTES)
    evaluated = ResponseEvaluation.objects.filter(response_id=OuterRef("response_id"))
    return list(
        ResponseFacts.objects.filter(completed_at__gte=since, completed_at__lt=until)
        .exclude(Exists(evaluated))
        .order_by("completed_at", "response_id")
        .values_list("response_id", flat=True)[:limit]
    )


def responses_evaluate_sweep(*, now: dt.datetime | None = None, limit: int | None = None) -> int:
    """Evaluate the recent analysed responses the rules never saw; the number evaluated. Safe
    to run twice or beside the normal path: one case per (response, rule) is a constraint."""
    now = now or timezone.now()
    ids = responses_unevaluated(now=now, limit=limit or settings.CASES_SWEEP_BATCH)
    if ids:
        logger.info("cases sweep: %s analysed responses were never evaluated; evaluating them", len(ids))
        responses_rules_evaluate(response_ids=ids, now=now)
    return len(ids)
