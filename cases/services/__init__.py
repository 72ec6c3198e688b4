"""Writes of the cases app (one owner per state change); re-exported here."""

from cases.services.actions import (
    improvement_action_cases_set,
    improvement_action_create,
    improvement_action_delete,
    improvement_action_save,
)
from cases.services.digest import digest_claim, digest_mark, digest_subscription_set
from cases.services.escalation import cases_escalate
from cases.services.notify import case_escalation_mail, case_notify_assignee, case_webhook_notify
from cases.services.opening import (
    case_open,
    response_rules_evaluate,
    responses_evaluate_sweep,
    responses_rules_evaluate,
)
from cases.services.resurvey import case_resurvey
from cases.services.rules import alert_rule_delete, alert_rule_save
from cases.services.workflow import (
    TRANSITIONS,
    case_assign,
    case_close,
    case_note_add,
    case_reopen,
    case_resolve,
    case_start,
    case_status_set,
    case_update,
)

__all__ = [
    "TRANSITIONS",
    "alert_rule_delete",
    "alert_rule_save",
    "case_assign",
    "case_close",
    "case_escalation_mail",
    "case_note_add",
    "case_notify_assignee",
    "case_open",
    "case_reopen",
    "case_resolve",
    "case_resurvey",
    "case_start",
    "case_status_set",
    "case_update",
    "case_webhook_notify",
    "cases_escalate",
    "digest_claim",
    "digest_mark",
    "digest_subscription_set",
    "improvement_action_cases_set",
    "improvement_action_create",
    "improvement_action_delete",
    "improvement_action_save",
    "response_rules_evaluate",
    "responses_evaluate_sweep",
    "responses_rules_evaluate",
]
