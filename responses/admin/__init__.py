"""The ops view of distribution: every event's decision, respondents, invitations, rules.

"Why did this event not lead to an invitation?" is answered on the event's page: its invitation
(with a quiet-hours deferral, if any) or its suppression with the reason and the numbers behind
it (the fatigue window, the quota, the sampling draw).

Distribution rules are registered by ``responses.distribution.admin``, beside the engine whose
knowledge (known channels, fatigue scopes) their validation needs; it is imported here because
Django's admin discovers ``<app>.admin`` modules only.
"""

# Responses and open links are registered in responses/admin_answers.py.
from responses import admin_answers  # noqa: F401
from responses.admin import events, respondents, sources
from responses.admin.events import suppression_explain
from responses.distribution import admin as distribution

__all__ = ["distribution", "events", "respondents", "sources", "suppression_explain"]
