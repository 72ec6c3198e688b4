"""Alert rules evaluated on stored analyses: one case per response and rule, routing, round
robin, the SLA deadline and the assignee's mail in their language."""

import datetime as dt

import pytest
from django.utils import timezone

from analysis.services import response_analyse
from cases.models import Case, StaffProfile
from cases.services import response_rules_evaluate
from ops.models import AuditEntry
from tests.cases.factories import BASE, analysed_survey, answered, rule, team

pytestmark = pytest.mark.django_db
NOW = BASE + dt.timedelta(hours=1)


@pytest.fixture
def version():
    _survey, version = analysed_survey()
    return version


@pytest.mark.parametrize(
    ("kind", "options", "nps", "why", "attributes", "reason"),
    [
        ("detractor", {"metric": "nps"}, 2, "", None, {"metric": "nps", "score": 2.0}),
        ("topic", {"topic_keys": ["hygiene"]}, 5, "饭里吃出了头发，太恶心了", None, {"topics": ["hygiene"]}),
        (
            "segment",
            {"segment_key": "merchant_type", "segment_value": "vip"},
            8,
            "",
            {"merchant_type": "vip"},
            {"segment": {"merchant_type": "vip"}},
        ),
        ("mismatch", {}, 10, "很好吃，我要投诉客服", None, {"score": 10.0, "topics": ["refund_aftersales"]}),
        ("word", {"words": ["头发"]}, 6, "饭里吃出了头发", None, {"words": ["头发"]}),
    ],
)
def test_each_kind_opens_a_case_on_a_matching_response(
    version, kind, options, nps, why, attributes, reason
) -> None:
    # given a rule of the kind and a response that matches it
    made = rule("r", kind, team=team(), **options)
    response = answered(version, nps=nps, why=why, attributes=attributes)

    # when the rules are evaluated on its stored analysis
    opened = response_rules_evaluate(response_id=response.pk, now=NOW)

    # then one case is open, with what matched
    assert [(c.rule_id, c.response_id, c.status, c.reason) for c in opened] == [
        (made.pk, response.pk, "open", reason)
    ]


@pytest.mark.parametrize(
    ("kind", "options", "nps", "why"),
    [
        ("detractor", {"metric": "nps"}, 8, "送餐太慢了"),
        ("topic", {"topic_keys": ["hygiene"]}, 2, "送餐太慢了"),
        ("segment", {"segment_key": "city", "segment_value": "北京"}, 2, ""),
        ("mismatch", {}, 10, "很好吃"),
        ("word", {"words": ["头发"]}, 2, "送餐太慢了"),
    ],
)
def test_a_response_that_does_not_match_opens_nothing(version, kind, options, nps, why) -> None:
    rule("r", kind, team=team(), **options)
    response = answered(version, nps=nps, why=why)

    assert response_rules_evaluate(response_id=response.pk, now=NOW) == []
    assert Case.objects.count() == 0


def test_inactive_rules_are_not_evaluated(version) -> None:
    rule("r", "detractor", team=team(), is_active=False)
    response = answered(version, nps=0)

    assert response_rules_evaluate(response_id=response.pk, now=NOW) == []


def test_analysis_hands_the_response_over_and_a_re_analysis_opens_no_second_case(
    version, django_capture_on_commit_callbacks
) -> None:
    # given a detractor rule and a word rule that both match one response
    ops = team()
    rule("detractor", "detractor", team=ops)
    rule("hair", "word", team=ops, words=["头发"])
    response = answered(version, nps=1, why="饭里吃出了头发", analyse=False, completed_at=timezone.now())

    # when the response is analysed (the hook runs after the commit), then analysed again
    with django_capture_on_commit_callbacks(execute=True):
        response_analyse(response_id=response.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response_analyse(response_id=response.pk)
    again = response_rules_evaluate(response_id=response.pk)

    # then there is one case per rule, never two
    assert again == []
    assert sorted(Case.objects.values_list("rule__key", "response_id")) == [
        ("detractor", response.pk),
        ("hair", response.pk),
    ]


def test_a_case_due_date_is_the_rule_sla_from_its_opening(version) -> None:
    rule("r", "detractor", team=team(), sla_hours=8)
    response = answered(version, nps=0)

    (case,) = response_rules_evaluate(response_id=response.pk, now=NOW)

    assert (case.opened_at, case.due_at) == (NOW, NOW + dt.timedelta(hours=8))


def test_routing_by_route_and_by_topic_owner(version) -> None:
    # given a rule of the customer-service team routing hygiene to food safety, and otherwise to
    # the team owning the complained-about topic (the taxonomy says delivery_time: delivery_ops)
    cs, safety, delivery = team("customer_service"), team("food_safety"), team("delivery_ops")
    made = rule(
        "r",
        "detractor",
        team=cs,
        routes=[{"topic": "hygiene", "team": "food_safety"}],
        route_by_topic_owner=True,
    )

    hair = answered(version, nps=0, why="饭里吃出了头发")
    slow = answered(version, nps=0, why="送餐太慢了")
    silent = answered(version, nps=0)

    # then each case is with the team its response calls for
    for response in (hair, slow, silent):
        response_rules_evaluate(response_id=response.pk, now=NOW)
    assert dict(Case.objects.filter(rule=made).values_list("response_id", "team_id")) == {
        hair.pk: safety.pk,
        slow.pk: delivery.pk,
        silent.pk: cs.pk,
    }


def test_team_lead_assignment_and_round_robin(version) -> None:
    # given a rule assigning to the lead and one assigning in turn among three members
    ops = team("delivery_ops", members=("a", "b", "c"))
    rule("lead", "detractor", team=ops)
    rule("turns", "word", team=ops, words=["太慢"], assignment="round_robin")

    # when four matching responses come in
    for _ in range(4):
        response_rules_evaluate(response_id=answered(version, nps=0, why="送餐太慢").pk, now=NOW)

    # then the lead gets every lead case and the members get theirs in turn
    assert (
        list(Case.objects.filter(rule__key="lead").values_list("assignee__username", flat=True))
        == ["delivery_ops-lead"] * 4
    )
    assert list(
        Case.objects.filter(rule__key="turns").order_by("pk").values_list("assignee__username", flat=True)
    ) == [
        "delivery_ops-a",
        "delivery_ops-b",
        "delivery_ops-c",
        "delivery_ops-a",
    ]


@pytest.mark.parametrize(
    ("locale", "zone", "subject", "body"),
    [
        (
            "zh-hans",
            "",
            "新案例 #{id}：规则 r",
            "有一个案例分配给了您。\n\n规则：规则 r\n截止时间：2026-05-05 13:00\n\n查看：{link}\n",
        ),
        (
            "en",
            "Europe/London",
            "New case #{id}: Rule r",
            "A case was assigned to you.\n\nRule: Rule r\nDue by: 2026-05-05 06:00\n\nOpen it: {link}\n",
        ),
    ],
)
def test_the_assignee_is_told_by_mail_in_their_language_and_time_zone(
    version, mailoutbox, django_capture_on_commit_callbacks, settings, locale, zone, subject, body
) -> None:
    settings.SITE_URL = "https://voc.example"
    # given a lead who reads in the locale (and the time zone, else the site's: Shanghai)
    ops = team()
    StaffProfile.objects.create(user=ops.lead, locale=locale, timezone=zone)
    rule("r", "detractor", team=ops)
    response = answered(version, nps=0)

    # when a case opens for them (the mail goes after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        (case,) = response_rules_evaluate(response_id=response.pk, now=NOW)

    # then one mail, to them, in their language, the deadline in their time zone
    link = f"https://voc.example/admin/cases/case/{case.pk}/change/"
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        (["delivery_ops-lead@example.com"], subject.format(id=case.pk), body.format(link=link))
    ]


def test_opening_a_case_is_audited(version) -> None:
    rule("r", "detractor", team=team())
    (case,) = response_rules_evaluate(response_id=answered(version, nps=0).pk, now=NOW)

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_label, entry.object_id, entry.actor, entry.at) == (
        "cases.case.opened",
        "cases.case",
        str(case.pk),
        None,
        NOW,
    )
    assert entry.after["status"] == "open"
    assert entry.after["due_at"] == (NOW + dt.timedelta(hours=24)).isoformat()


@pytest.mark.parametrize(("days_before", "opened"), [(13.9, 1), (14.1, 0)])
def test_only_responses_completed_in_the_window_open_cases(version, settings, days_before, opened) -> None:
    # given answers re-analysed long after they came in (a taxonomy edit analyses history again)
    settings.CASES_OPEN_WITHIN_DAYS = 14
    rule("r", "detractor", team=team())
    response = answered(version, nps=0, completed_at=BASE)

    # when the rules run on them
    found = response_rules_evaluate(response_id=response.pk, now=BASE + dt.timedelta(days=days_before))

    # then only a recent answer opens a case
    assert (len(found), Case.objects.count()) == (opened, opened)
