"""The ops view of distribution: every event's decision, respondents, invitations, rules.

"Why did this event not lead to an invitation?" is answered on the event's page: its invitation
(with a quiet-hours deferral, if any) or its suppression with the reason and the numbers behind
it (the fatigue window, the quota, the sampling draw).

DistributionRule belongs to ``surveys`` but is registered here: its validation needs the
distribution engine's knowledge (known channels, fatigue scopes), and imports may only flow
surveys <- responses.
"""

# Responses and open links are registered in responses/admin_answers.py.
from responses import admin_answers  # noqa: F401
from responses.admin import events, respondents, rules, sources
from responses.admin.events import suppression_explain
from responses.admin.rules import DistributionRuleForm

__all__ = ["DistributionRuleForm", "events", "respondents", "rules", "sources", "suppression_explain"]
