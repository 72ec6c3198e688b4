"""A demo improvement action for ``make run``: slow lunch delivery to 上海 office towers, fixed
by more peak-hour riders 27 days ago. Its own responses (behind their own open link) plant the
problem before the start and much less of it after, so the review shows a significant drop."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from analysis.demo_history import COMMENTS, DEMO_SURVEY, taxonomies_link
from analysis.services import responses_analyse
from cases.models import ImprovementAction
from cases.services import improvement_action_create
from responses.models import Answer, OpenLink, Response
from surveys.models import Survey, SurveyVersion

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
        )
