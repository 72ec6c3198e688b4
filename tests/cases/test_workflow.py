"""The case workflow: each transition allowed or refused, notes, assignment, contact details
only for the assignee with consent, and the audit entries of each change."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases import selectors
from cases.models import Case
from cases.services import (
    case_assign,
    case_close,
    case_note_add,
    case_reopen,
    case_resolve,
    case_start,
    case_status_set,
    response_rules_evaluate,
)
from ops.models import AuditEntry
from tests.cases.factories import BASE, analysed_survey, answered, rule, team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = BASE + dt.timedelta(hours=1)
LATER = NOW + dt.timedelta(hours=2)
STATUSES = ["open", "in_progress", "resolved", "closed"]
ALLOWED = {
    ("open", "in_progress"),
    ("open", "resolved"),
    ("in_progress", "resolved"),
    ("resolved", "closed"),
    ("resolved", "open"),
    ("closed", "open"),
}


@pytest.fixture
def case(request) -> Case:
    _survey, version = analysed_survey()
    ops = team(members=("a", "b"))
    rule("r", "detractor", team=ops, sla_hours=24)
    invited = getattr(request, "param", {})
    response = answered(version, nps=0, **invited)
    (made,) = response_rules_evaluate(response_id=response.pk, now=NOW)
    return made


def put_in(case: Case, status: str) -> Case:
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("source", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_each_transition_is_allowed_or_refused(case, source, target) -> None:
    # given a case in the source status
    put_in(case, source)
    entries = AuditEntry.objects.count()

    # when it is moved to the target status
    if source == target:
        assert case_status_set(case=case, status=target, now=LATER).status == source
        return
    if (source, target) in ALLOWED:
        changed = case_status_set(case=case, status=target, now=LATER)
        # then it is there and the change is audited
        assert Case.objects.get(pk=case.pk).status == target == changed.status
        assert AuditEntry.objects.count() == entries + 1
        return
    with pytest.raises(ValidationError) as refused:
        case_status_set(case=case, status=target, now=LATER)
    # then a refusal names the status field with invalid_transition and changes nothing
    assert refused.value.error_dict["status"][0].code == "invalid_transition"
    assert Case.objects.get(pk=case.pk).status == source
    assert AuditEntry.objects.count() == entries


def test_a_case_is_worked_from_open_to_closed_and_reopened(case) -> None:
    owner = case.assignee
    case_start(case=case, actor=owner, now=NOW + dt.timedelta(hours=1))
    case_resolve(
        case=case,
        actor=owner,
        resolution="已联系商家整改",
        root_cause="merchant_preparation",
        now=NOW + dt.timedelta(hours=2),
    )
    case_close(case=case, actor=owner, now=NOW + dt.timedelta(hours=3))
    reopened_at = NOW + dt.timedelta(hours=4)
    case_reopen(case=case, actor=owner, now=reopened_at)

    case.refresh_from_db()
    assert (case.status, case.started_at, case.resolution, case.root_cause, case.reopened) == (
        "open",
        NOW + dt.timedelta(hours=1),
        "已联系商家整改",
        "merchant_preparation",
        1,
    )
    # reopening starts a fresh SLA and clears the resolution times
    assert (case.due_at, case.resolved_at, case.closed_at) == (
        reopened_at + dt.timedelta(hours=24),
        None,
        None,
    )
    assert list(AuditEntry.objects.order_by("at", "id").values_list("action", "actor__username")) == [
        ("cases.case.opened", None),
        ("cases.case.in_progress", "delivery_ops-lead"),
        ("cases.case.resolved", "delivery_ops-lead"),
        ("cases.case.closed", "delivery_ops-lead"),
        ("cases.case.open", "delivery_ops-lead"),
    ]


def test_an_audit_entry_holds_who_when_and_only_what_changed(case) -> None:
    owner = case.assignee
    when = NOW + dt.timedelta(hours=2)

    case_resolve(case=case, actor=owner, resolution="已退款", root_cause="delivery", now=when)

    entry = AuditEntry.objects.get(action="cases.case.resolved")
    assert (entry.actor, entry.at, entry.object_id) == (owner, when, str(case.pk))
    assert entry.before == {"status": "open", "resolution": "", "root_cause": ""}
    assert entry.after == {"status": "resolved", "resolution": "已退款", "root_cause": "delivery"}


def test_assignment_to_a_team_member_is_audited_and_outside_the_team_refused(case) -> None:
    member = case.team.members.get(username="delivery_ops-a")
    outsider = UserFactory(username="outsider", groups=["process_owners"])

    case_assign(case=case, assignee_id=member.pk, actor=case.team.lead, now=LATER)
    with pytest.raises(ValidationError) as refused:
        case_assign(case=case, assignee_id=outsider.pk, actor=case.team.lead, now=LATER)

    assert refused.value.error_dict["assignee"][0].code == "assignee_not_in_team"
    assert Case.objects.get(pk=case.pk).assignee == member
    entry = AuditEntry.objects.get(action="cases.case.assigned")
    assert (entry.before, entry.after) == ({"assignee": case.team.lead_id}, {"assignee": member.pk})


def test_notes_are_kept_in_order_as_the_history(case) -> None:
    owner = case.assignee
    case_note_add(case=case, text="已致电用户", author=owner, now=NOW + dt.timedelta(minutes=5))
    case_note_add(case=case, text="商家同意补偿", author=owner, now=NOW + dt.timedelta(minutes=9))

    assert list(case.notes.values_list("text", "author__username", "created_at")) == [
        ("已致电用户", "delivery_ops-lead", NOW + dt.timedelta(minutes=5)),
        ("商家同意补偿", "delivery_ops-lead", NOW + dt.timedelta(minutes=9)),
    ]
    assert AuditEntry.objects.filter(action="cases.case.noted").count() == 2


@pytest.mark.parametrize(
    ("case", "who", "expected"),
    [
        (
            {"invited": True, "consent": True},
            "assignee",
            {"email": "kehu@example.com", "phone": "+8613800000001"},
        ),
        ({"invited": True, "consent": True}, "member", None),
        ({"invited": True, "consent": True}, "superuser", None),
        ({"invited": True, "consent": False}, "assignee", None),
        ({"invited": True, "consent": None}, "assignee", None),
        ({"invited": False, "consent": True}, "assignee", None),  # an open link: nobody to contact
    ],
    indirect=["case"],
)
def test_contact_details_only_for_the_assignee_and_only_with_consent(case, who, expected) -> None:
    users = {
        "assignee": case.assignee,
        "member": case.team.members.get(username="delivery_ops-a"),
        "superuser": UserFactory(username="root", is_superuser=True),
    }

    assert selectors.case_contact(case=case, user=users[who]) == expected


@pytest.mark.parametrize("case", [{"invited": True, "consent": True}], indirect=True)
def test_an_assignee_who_is_a_viewer_never_sees_contact_details(case) -> None:
    viewer = UserFactory(username="viewer-member", groups=["viewers"])
    case.team.members.add(viewer)
    case_assign(case=case, assignee_id=viewer.pk, now=LATER)
    case.refresh_from_db()

    assert selectors.case_contact(case=case, user=viewer) is None
