"""A demo improvement action for ``make run``: slow lunch delivery to 上海 office towers, fixed
by more peak-hour riders 27 days ago. Its own responses (behind their own open link) plant the
problem before the start and much less of it after, so the review shows a significant drop."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from analysis.demo_history import COMMENTS, DEMO_SURVEY, taxonomies_link
from analysis.services import responses_analyse
from cases.models import AlertRule, Case, ImprovementAction, Team
from cases.services import (
    alert_rule_save,
    case_close,
    case_resolve,
    case_resurvey,
    case_start,
    cases_escalate,
    improvement_action_create,
    response_rules_evaluate,
)
from responses.distribution.models import DistributionRule
from responses.models import Answer, Invitation, OpenLink, Respondent, Response, ServiceEvent
from responses.tokens import invitation_token_for, token_hash
from surveys.models import Audience, Survey, SurveyVersion

DEMO_LINK = "demo-action"
WINDOW_DAYS = 28
SEGMENTS = {"city": "上海", "district_type": "office"}
# Per window: (late complaints, other complaints, no comment) among 60 responses.
PLAN = {"before": (24, 16, 20), "after": (6, 16, 38)}


def _texts(kind: str) -> list[str]:
    """The demo's Chinese comments of a kind; for "late" those the taxonomy tags as slow
    delivery (the words 慢 / 太慢), so each planted complaint is one mention."""
    texts = [chinese for chinese, _english in COMMENTS[kind]]
    return [t for t in texts if "慢" in t] if kind == "late" else texts


def demo_action_load(*, owner_username: str = "owner", seed: int = 2026) -> ImprovementAction | None:
    """Idempotent: the responses and the action are written once. None without the survey or
    the owner."""
    taxonomies_link()
    survey = Survey.objects.filter(key=DEMO_SURVEY).first()
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").first() if survey else None
    owner = get_user_model().objects.filter(username=owner_username).first()
    if version is None or owner is None:
        return None
    link, _created = OpenLink.objects.get_or_create(
        survey=survey,
        slug=DEMO_LINK,
        defaults={"name": "Demo action", "attributes": {"channel": "app"}, "is_active": False},
    )
    existing = ImprovementAction.objects.filter(
        survey=survey, topic_key="delivery_time", segments=SEGMENTS
    ).first()
    if existing is not None:
        return existing
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    made = []
    with transaction.atomic():
        for window, (late, other, silent) in PLAN.items():
            first_day = start - dt.timedelta(days=WINDOW_DAYS) if window == "before" else start
            kinds = ["late"] * late + ["taste"] * other + [""] * silent
            for index, kind in enumerate(kinds):
                day = first_day + dt.timedelta(days=index % WINDOW_DAYS)
                when = timezone.make_aware(dt.datetime.combine(day, dt.time(12, index % 50)))
                values: dict = {"nps": rng.choice(range(0, 5) if kind == "late" else range(5, 8))}
                if kind:
                    values["why"] = rng.choice(_texts(kind))
                else:
                    values["nps"] = rng.choice((9, 10))
                response = Response.objects.create(
                    survey=survey,
                    survey_version=version,
                    open_link=link,
                    client_key=hashlib.sha256(f"demo-action-{window}-{index}".encode()).hexdigest(),
                    locale="zh-hans",
                    status=Response.Status.COMPLETED,
                    context={
                        "origin": "open_link",
                        "attributes": {**SEGMENTS, "scenario": "peak", "channel": "app"},
                        "channel": "app",
                        "respondent_type": "customer",
                    },
                    started_at=when - dt.timedelta(minutes=2),
                    updated_at=when,
                    completed_at=when,
                )
                made.append(response.pk)
                Answer.objects.bulk_create(
                    [
                        Answer(response=response, question_key=k, value=v, updated_at=when)
                        for k, v in values.items()
                    ]
                )
        for begin in range(0, len(made), 50):
            responses_analyse(response_ids=made[begin : begin + 50])
        return improvement_action_create(
            survey=survey,
            topic_key="delivery_time",
            owner=owner,
            start_date=start,
            window_days=WINDOW_DAYS,
            segments=SEGMENTS,
            title={"zh-hans": "午高峰写字楼加派骑手", "en": "More riders for office towers at lunch peak"},
            expected_effect={
                "zh-hans": "上海写字楼的送餐慢抱怨减少一半",
                "en": "Half the slow-delivery complaints from Shanghai office towers",
            },
            expected_change=-0.2,
            actor=owner,
        )


# Follow-up cases: two teams, four rules, a few planted answers and the most recent commented
# demo-action answers evaluated, then some cases moved along so the list shows every state.
CASES_LINK = "demo-cases"
RECENT_EVALUATED = 8
TEAMS = {
    "service_recovery": {"zh-hans": "客户关怀组", "en": "Service recovery"},
    "food_safety": {"zh-hans": "食品安全组", "en": "Food safety"},
}
# The team owning the delivery topics (the taxonomies' ``delivery_ops``: late delivery, food
# arrived cold): the owner belongs to it and to food_safety (hygiene), so the workspace's topic
# lists open on "my teams' topics" and the switch to all topics shows what it leaves out.
OWNING_TEAMS = {"delivery_ops": {"zh-hans": "配送运营组", "en": "Delivery operations"}}
RULES = [
    {
        "key": "demo-detractor",
        "name": {"zh-hans": "贬损者回访", "en": "Call back detractors"},
        "kind": "detractor",
        "metric": "nps",
        "team": "service_recovery",
        "assignment": "round_robin",
        "sla_hours": 24,
    },
    {
        "key": "demo-hygiene",
        "name": {"zh-hans": "食品卫生问题", "en": "Food hygiene complaint"},
        "kind": "topic",
        "topic_keys": ["hygiene"],
        "team": "food_safety",
        "sla_hours": 4,
    },
    {
        "key": "demo-mismatch",
        "name": {"zh-hans": "高分但有抱怨", "en": "High score with a complaint"},
        "kind": "mismatch",
        "team": "service_recovery",
        "sla_hours": 48,
    },
    {
        "key": "demo-words",
        "name": {"zh-hans": "投诉字眼", "en": "Complaint words"},
        "kind": "word",
        "words": ["投诉", "12315"],
        "team": "service_recovery",
        "sla_hours": 12,
    },
]
# (nps, comment, days ago); the last one's cases are opened back then and are overdue now.
PLANTED = [
    (2, "饭里有头发，太不卫生了", 0),
    (9, "送餐太慢了，不过饭还行", 0),
    (3, "送错了还不给退，我要投诉", 3),
]


def _planted_responses(*, survey, version, now: dt.datetime) -> list[Response]:
    link, _created = OpenLink.objects.get_or_create(
        survey=survey,
        slug=CASES_LINK,
        defaults={"name": "Demo cases", "attributes": {"channel": "app"}, "is_active": False},
    )
    made = []
    for index, (nps, comment, days_ago) in enumerate(PLANTED):
        when = now - dt.timedelta(days=days_ago, hours=2 + index)
        response = Response.objects.create(
            survey=survey,
            survey_version=version,
            open_link=link,
            client_key=hashlib.sha256(f"demo-cases-{index}".encode()).hexdigest(),
            locale="zh-hans",
            status=Response.Status.COMPLETED,
            context={
                "origin": "open_link",
                "attributes": {**SEGMENTS, "channel": "app"},
                "channel": "app",
                "respondent_type": "customer",
            },
            started_at=when - dt.timedelta(minutes=2),
            updated_at=when,
            completed_at=when,
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_key="nps", value=nps, updated_at=when),
                Answer(response=response, question_key="why", value=comment, updated_at=when),
            ]
        )
        made.append(response)
    return made


# The re-survey after resolution: the detractor rule names the support follow-up survey, whose
# distribution rule takes case.resolved events; one invited customer who agreed to be contacted
# complains, their case is resolved, and the engine schedules the re-survey an hour later.
RESURVEY_SURVEY = "support-ticket-closed"
RESURVEY_RULE = "案例解决后回访 · Re-survey after a resolved case"
RESURVEY_REF = "demo-c-callback"


def demo_resurvey_rule() -> Survey | None:
    """The follow-up survey's distribution rule for case.resolved events; None when the survey
    is not published."""
    survey = Survey.objects.filter(key=RESURVEY_SURVEY).first()
    if survey is None or not SurveyVersion.objects.filter(survey=survey).exists():
        return None
    DistributionRule.objects.update_or_create(
        survey=survey,
        name=RESURVEY_RULE,
        defaults={
            "priority": 10,
            "event_types": ["case.resolved"],
            "attribute_filters": {"resurvey": [RESURVEY_SURVEY]},
            "audience": Audience.CUSTOMER,
            "channels": ["email"],
            "delay_minutes": 60,
            "fatigue_days": 30,
            "fatigue_scope": "survey",  # the answer that opened the case was another survey
            "max_event_age_hours": 72,
        },
    )
    return survey


def _invited_response(*, survey, version, now: dt.datetime) -> Response:
    """An answer to an emailed invitation by a customer who agreed to be contacted."""
    when = now - dt.timedelta(hours=5)
    respondent, _created = Respondent.objects.get_or_create(
        type=Audience.CUSTOMER,
        ref=RESURVEY_REF,
        defaults={"email": "wang.fang@example.com", "phone": "+8613800000088", "locale": "zh-hans"},
    )
    attributes = {**SEGMENTS, "channel": "app"}
    event = ServiceEvent.objects.create(
        source="demo-orders",
        external_id="demo-order-callback",
        type="order.delivered",
        occurred_at=when - dt.timedelta(hours=1),
        received_at=when - dt.timedelta(hours=1),
        respondent=respondent,
        attributes=attributes,
        batch_id=uuid.uuid4(),
    )
    public_id = uuid.uuid4()
    invitation = Invitation.objects.create(
        public_id=public_id,
        token_hash=token_hash(invitation_token_for(public_id)),
        survey=survey,
        survey_version=version,
        event=event,
        respondent=respondent,
        channel="email",
        channels=["email"],
        status=Invitation.Status.COMPLETED,
        context={"attributes": attributes, "locale": "zh-hans", "timezone": "Asia/Shanghai"},
        locale="zh-hans",
        due_at=when - dt.timedelta(minutes=30),
        sent_at=when - dt.timedelta(minutes=30),
        completed_at=when,
        expires_at=when + dt.timedelta(days=7),
    )
    response = Response.objects.create(
        survey=survey,
        survey_version=version,
        invitation=invitation,
        locale="zh-hans",
        status=Response.Status.COMPLETED,
        context={"attributes": attributes, "channel": "email", "respondent_type": Audience.CUSTOMER},
        contact_consent=True,
        started_at=when - dt.timedelta(minutes=3),
        updated_at=when,
        completed_at=when,
    )
    Answer.objects.bulk_create(
        [
            Answer(response=response, question_key="nps", value=1, updated_at=when),
            Answer(
                response=response, question_key="why", value="汤洒了一半，骑手态度也很差", updated_at=when
            ),
        ]
    )
    return response


def _resolved_with_resurvey(*, response: Response, owner, now: dt.datetime) -> list[Case]:
    """The invited customer's cases; the detractor one resolved, its re-survey posted."""
    opened = response_rules_evaluate(response_id=response.pk, now=now - dt.timedelta(hours=4))
    for case in opened:
        if case.rule.key == RULES[0]["key"]:
            case_start(case=case, actor=owner, now=now - dt.timedelta(hours=3))
            case_resolve(
                case=case,
                actor=owner,
                resolution="已致电顾客道歉并退还餐费，提醒骑手规范送餐",
                root_cause="delivery",
                now=now - dt.timedelta(minutes=30),
            )
            # Also enqueued after the commit; done here so the demo shows it at once (the task
            # then finds it done: once per case).
            case_resurvey(case_id=case.pk, now=now)
    return opened


DEMO_OWNER_EMAIL = "owner@example.com"


def demo_cases_load(*, owner_username: str = "owner", member_usernames=("owner", "ops")) -> list[Case]:
    """Idempotent: the teams (with the owner in the one owning the delivery topics) are made
    when missing; the rules and cases are written once (when the rules are missing). An empty
    list without the survey or the owner."""
    survey = Survey.objects.filter(key=DEMO_SURVEY).first()
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").first() if survey else None
    owner = get_user_model().objects.filter(username=owner_username).first()
    if version is None or owner is None:
        return []
    if not owner.email:  # the teams' lead: escalations of overdue cases are mailed to it
        owner.email = DEMO_OWNER_EMAIL
        owner.save(update_fields=["email"])
    members = list(get_user_model().objects.filter(username__in=member_usernames).order_by("pk"))
    teams = {}
    for key, name in {**TEAMS, **OWNING_TEAMS}.items():  # no team service: the admin form writes teams
        team, _created = Team.objects.get_or_create(key=key, defaults={"name": name, "lead": owner})
        team.members.add(*(members if key in TEAMS else [owner]))
        teams[key] = team
    if AlertRule.objects.filter(key=RULES[0]["key"]).exists():
        return list(Case.objects.filter(rule__key__in=[r["key"] for r in RULES]).order_by("pk"))
    now = timezone.now()
    # The planted answers are analysed before the rules exist, so the analysis hook opens nothing
    # and the evaluation below dates each case.
    planted = _planted_responses(survey=survey, version=version, now=now)
    invited = _invited_response(survey=survey, version=version, now=now)
    responses_analyse(response_ids=[*(r.pk for r in planted), invited.pk])
    resurvey = demo_resurvey_rule()
    for index, spec in enumerate(RULES):
        rule = AlertRule(**{**spec, "team": teams[spec["team"]], "survey": survey})
        if index == 0:
            rule.resurvey_survey = resurvey
        rule.full_clean()
        alert_rule_save(rule=rule, actor=owner)
    window_start = now - dt.timedelta(days=settings.CASES_OPEN_WITHIN_DAYS)
    recent = list(
        Response.objects.filter(
            open_link__survey=survey,
            open_link__slug=DEMO_LINK,
            completed_at__gte=window_start,
            answers__question_key="why",  # the commented ones: those the rules can catch
        )
        .order_by("-completed_at", "-pk")
        .values_list("pk", flat=True)[:RECENT_EVALUATED]
    )
    opened: list[Case] = []
    for response in planted:
        opened += response_rules_evaluate(
            response_id=response.pk, now=min(now, response.completed_at + dt.timedelta(hours=1))
        )
    for response_id in sorted(recent):
        opened += response_rules_evaluate(response_id=response_id, now=now)
    overdue = [c for c in opened if c.due_at < now]
    fresh = [c for c in opened if c.due_at >= now]
    # One of each state among the fresh cases; the rest stay open.
    if len(fresh) >= 4:
        case_start(case=fresh[1], actor=owner, now=now)
        case_start(case=fresh[2], actor=owner, now=now)
        case_resolve(case=fresh[2], actor=owner, resolution="已致电顾客并补发优惠券", now=now)
        case_resolve(case=fresh[3], actor=owner, resolution="已退款，顾客满意", now=now)
        case_close(case=fresh[3], actor=owner, now=now)
    for case in overdue[:1]:
        case_start(case=case, actor=owner, now=case.opened_at + dt.timedelta(hours=1))
    cases_escalate(now=now)
    opened += _resolved_with_resurvey(response=invited, owner=owner, now=now)
    return list(Case.objects.filter(pk__in=[c.pk for c in opened]).order_by("pk"))
