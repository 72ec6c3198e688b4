"""A fixed set of cases for the workspace's case pages.

Two teams: delivery_ops (lead ``delivery_ops-lead``, member ``delivery_ops-a``) and food_safety
(lead ``food_safety-lead``). A detractor rule routes to delivery_ops, a Beijing rule to
food_safety; each assigns the team lead. Cases, soonest due first:

- c2: delivery_ops, reassigned to delivery_ops-a, open, due 2 hours ago (overdue)
- c3: food_safety, food_safety-lead, open, due 1 hour ago (overdue)
- c1: delivery_ops, delivery_ops-lead, open, due in a day
- c4: delivery_ops, delivery_ops-lead, resolved
"""

import datetime as dt

from django.utils import timezone

from cases.models import Case
from cases.services import case_assign, case_resolve, response_rules_evaluate
from tests.cases.factories import BASE, analysed_survey, answered, rule, team

OPENED = BASE + dt.timedelta(hours=1)


def cases_made() -> dict:
    _survey, version = analysed_survey()
    ops = team("delivery_ops", members=("a",))
    food = team("food_safety")
    rule(
        "late", "detractor", team=ops, sla_hours=24, name={"zh-hans": "差评跟进", "en": "Detractor follow-up"}
    )
    rule(
        "beijing",
        "segment",
        team=food,
        segment_key="city",
        segment_value="北京",
        name={"zh-hans": "北京跟进", "en": "Beijing follow-up"},
    )
    first = answered(version, nps=0, why="送餐太慢了", attributes={"city": "上海"})
    second = answered(version, nps=1, why="饭都凉了", attributes={"city": "北京"})
    third = answered(version, nps=2, why="太慢了", attributes={"city": "上海"})
    (c1,) = response_rules_evaluate(response_id=first.pk, now=OPENED)
    c2, c3 = sorted(response_rules_evaluate(response_id=second.pk, now=OPENED), key=lambda c: c.team.key)
    (c4,) = response_rules_evaluate(response_id=third.pk, now=OPENED)
    now = timezone.now()
    # The deadlines relative to the clock of the page (fixture data, not a page's write).
    for case, due in (
        (c1, now + dt.timedelta(days=1)),
        (c2, now - dt.timedelta(hours=2)),
        (c3, now - dt.timedelta(hours=1)),
        (c4, now + dt.timedelta(days=2)),
    ):
        Case.objects.filter(pk=case.pk).update(due_at=due)
    case_assign(case=c2, assignee_id=ops.members.get().pk)
    case_resolve(case=c4, resolution="已联系商家", root_cause="delivery")
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "ops": ops, "food": food, "lead": ops.lead}
