"""A fixed data set for the weekly digest, on top of the workspace's (tests/workspace/conftest.py:
the after-delivery survey, nine responses in the week of 2026-05-04 and three the week before).

- a hotel survey with no taxonomy: ten reviews that week, whose topics are discovered on
  2026-05-08 (location, noise, breakfast: tests/analysis/test_emerging_clauses.py);
- the team delivery_ops (owns delivery_time and food_temperature), led by ``owner``
  (process owner, zh-hans, Asia/Shanghai); a detractor rule (SLA 24 h) opened cases on the first
  three responses of the week on 2026-05-04, the third resolved: two overdue on 2026-05-11;
- the improvement action "午高峰加派骑手" on delivery_time, owned by ``owner``, from 2026-05-04.

The digest is read on Monday 2026-05-11 at 09:00 in Shanghai (01:00 UTC): the week of 05-04.
"""

import datetime as dt

import time_machine

from analysis.services import cluster_discover, response_analyse
from cases.models import StaffProfile
from cases.services import case_resolve, improvement_action_create, response_rules_evaluate
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.cases.factories import rule, team

SENT_AT = dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai
DISCOVERED_AT = dt.datetime(2026, 5, 8, 2, 0, tzinfo=dt.UTC)
HOTEL = [
    "位置很好，但是隔音太差，早餐也一般",
    "离地铁站很近，房间隔音太差",
    "隔音太差半夜很吵，早餐品种太少",
    "早餐品种丰富，离地铁站很近",
    "位置很好离地铁站近",
    "房间隔音太差很吵",
    "早餐品种一般，位置很好",
    "早餐品种很多",
    "隔音太差，位置很好",
    "早餐一般，房间很吵",
]


def digest_made(data: dict, *, locale: str = "zh-hans", zone: str = "Asia/Shanghai") -> dict:
    hotel, version = analysed_survey("hotel", taxonomy=None)
    for index, text in enumerate(HOTEL):
        when = BASE + dt.timedelta(minutes=index)
        response_analyse(response_id=completed(version, nps=5, why=text, completed_at=when).pk)
    with time_machine.travel(DISCOVERED_AT, tick=False):
        cluster_discover(survey=hotel, date_from=dt.date(2026, 5, 4), date_to=dt.date(2026, 5, 10))
    ops = team("delivery_ops")
    owner = ops.lead
    owner.first_name = "Wang"
    owner.save(update_fields=["first_name"])
    StaffProfile.objects.create(user=owner, locale=locale, timezone=zone)
    rule(
        "late", "detractor", team=ops, sla_hours=24, name={"zh-hans": "差评跟进", "en": "Detractor follow-up"}
    )
    opened = BASE + dt.timedelta(hours=1)
    cases = []
    for response in data["responses"][:3]:
        cases += response_rules_evaluate(response_id=response.pk, now=opened)
    case_resolve(case=cases[2], resolution="已致电", root_cause="delivery", now=opened)
    action = improvement_action_create(
        survey=data["survey"],
        topic_key="delivery_time",
        owner=owner,
        start_date=dt.date(2026, 5, 4),
        window_days=28,
        title={"zh-hans": "午高峰加派骑手", "en": "More riders at lunch peak"},
    )
    return {"hotel": hotel, "team": ops, "owner": owner, "cases": cases, "action": action}
