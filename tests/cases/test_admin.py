"""The admin: rule changes are audited with before and after, the audit trail is read-only, and
the case queue filters mine, my team's and overdue."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import AlertRule, Case
from cases.services import response_rules_evaluate
from ops.models import AuditEntry
from tests.cases.factories import BASE, analysed_survey, answered, rule, team

pytestmark = pytest.mark.django_db


def rule_form(ops, **changes) -> dict:
    form = {
        "key": "hair",
        "name": '{"zh-hans": "异物", "en": "Foreign object"}',
        "kind": "word",
        "metric": "",
        "topic_keys": "[]",
        "segment_key": "",
        "segment_value": "",
        "words": '["头发"]',
        "team": ops.pk,
        "routes": "[]",
        "assignment": "lead",
        "sla_hours": 24,
        "is_active": "on",
    }
    form.update(changes)
    return form


def test_rule_changes_in_the_admin_are_audited_with_before_and_after(client) -> None:
    # given a process owner in the admin
    ops = team()
    client.force_login(ops.lead)

    # when they add a rule, then shorten its SLA
    added = client.post(reverse("admin:cases_alertrule_add"), rule_form(ops))
    made = AlertRule.objects.get(key="hair")
    changed = client.post(
        reverse("admin:cases_alertrule_change", args=[made.pk]), rule_form(ops, sla_hours=4)
    )

    # then both are recorded: who, what, before and after
    assert (added.status_code, changed.status_code) == (302, 302)
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "actor", "before", "after"))
    assert entries[0][:3] == ("cases.alertrule.created", ops.lead.pk, {})
    assert entries[0][3]["words"] == ["头发"]
    assert entries[1] == ("cases.alertrule.changed", ops.lead.pk, {"sla_hours": 24}, {"sla_hours": 4})


def test_a_rule_without_its_english_name_is_refused_naming_the_field(client) -> None:
    ops = team()
    client.force_login(ops.lead)

    response = client.post(reverse("admin:cases_alertrule_add"), rule_form(ops, name='{"zh-hans": "异物"}'))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["name"]
    assert (AlertRule.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_the_audit_trail_is_read_only(client) -> None:
    ops = team()
    rule("r", "detractor", team=ops)
    client.force_login(ops.lead)
    entry = AuditEntry.objects.create(
        action="cases.alertrule.created",
        object_label="cases.alertrule",
        object_id="1",
        at=dt.datetime.now(tz=dt.UTC),
    )

    assert client.get(reverse("admin:ops_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:ops_auditentry_add")).status_code == 403
    assert (
        client.post(reverse("admin:ops_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_queue_filters_mine_my_teams_and_overdue(client) -> None:
    # given cases of two teams, one overdue
    _survey, version = analysed_survey()
    delivery, safety = team("delivery_ops", members=("a",)), team("food_safety")
    rule("slow", "word", team=delivery, words=["太慢"], assignment="round_robin")
    rule("hair", "word", team=safety, words=["头发"])
    now = dt.datetime.now(tz=dt.UTC)
    late = response_rules_evaluate(
        response_id=answered(version, nps=0, why="送餐太慢", completed_at=now).pk,
        now=now - dt.timedelta(days=3),
    )[0]
    fresh = response_rules_evaluate(
        response_id=answered(version, nps=0, why="吃出头发", completed_at=now).pk, now=now
    )[0]
    client.force_login(delivery.lead)
    url = reverse("admin:cases_case_changelist")

    def shown(queue: str) -> list[int]:
        return sorted(c.pk for c in client.get(f"{url}?queue={queue}").context["cl"].result_list)

    # then the lead of delivery sees the queues that are theirs
    assert shown("mine") == []  # round robin gave it to member a
    assert shown("team") == [late.pk]
    assert shown("overdue") == [late.pk]
    assert Case.objects.count() == 2 and fresh.team == safety


def test_the_resolve_action_changes_what_the_workflow_allows(client) -> None:
    _survey, version = analysed_survey()
    ops = team()
    rule("r", "detractor", team=ops)
    (case,) = response_rules_evaluate(response_id=answered(version, nps=0).pk, now=BASE)
    Case.objects.filter(pk=case.pk).update(status="closed")
    (other,) = response_rules_evaluate(response_id=answered(version, nps=1).pk, now=BASE)
    client.force_login(ops.lead)

    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "resolve", "_selected_action": [case.pk, other.pk]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "1 case changed.",
        "1 case was left as it was: the workflow does not allow that change.",
    ]
    assert dict(Case.objects.values_list("pk", "status")) == {case.pk: "closed", other.pk: "resolved"}


def action_form(survey, owner, **changes) -> dict:
    form = {
        "title": '{"zh-hans": "午高峰加派骑手", "en": "More riders at lunch"}',
        "survey": survey.pk,
        "topic_key": "delivery_time",
        "segments": '{"city": "上海"}',
        "owner": owner.pk,
        "start_date": "2026-05-04",
        "window_days": 28,
        "expected_effect": '{"zh-hans": "", "en": ""}',
        "expected_change": "",
    }
    form.update(changes)
    return form


def test_improvement_action_changes_in_the_admin_are_audited(client) -> None:
    from cases.models import ImprovementAction

    # given a process owner and a case to link
    survey, version = analysed_survey()
    ops = team()
    rule("r", "detractor", team=ops)
    (case,) = response_rules_evaluate(response_id=answered(version, nps=0).pk, now=BASE)
    client.force_login(ops.lead)

    # when they add an action, then lengthen its window and link the case, then delete it
    added = client.post(reverse("admin:cases_improvementaction_add"), action_form(survey, ops.lead))
    made = ImprovementAction.objects.get()
    changed = client.post(
        reverse("admin:cases_improvementaction_change", args=[made.pk]),
        action_form(survey, ops.lead, window_days=14, cases=[case.pk]),
    )
    deleted = client.post(reverse("admin:cases_improvementaction_delete", args=[made.pk]), {"post": "yes"})

    # then each change is recorded with who, before and after
    assert (added.status_code, changed.status_code, deleted.status_code) == (302, 302, 302)
    entries = list(
        AuditEntry.objects.filter(object_label="cases.improvementaction")
        .order_by("id")
        .values_list("action", "actor", "before", "after")
    )
    assert [e[:2] for e in entries] == [
        ("cases.improvementaction.created", ops.lead.pk),
        ("cases.improvementaction.changed", ops.lead.pk),
        ("cases.improvementaction.changed", ops.lead.pk),
        ("cases.improvementaction.deleted", ops.lead.pk),
    ]
    assert entries[0][3]["segments"] == {"city": "上海"}
    assert entries[0][3]["start_date"] == "2026-05-04"
    assert entries[1][2:] == ({"window_days": 28}, {"window_days": 14})
    assert entries[2][2:] == ({"cases": []}, {"cases": [case.pk]})
    assert (entries[3][2]["window_days"], entries[3][2]["cases"], entries[3][3]) == (14, [case.pk], {})
    assert not ImprovementAction.objects.exists()
