"""Writes of the responses app (one service per state change), re-exported for callers."""

from responses.services.events import ItemResult, ItemStatus, events_ingest
from responses.services.respondents import respondent_opt_out, respondents_upsert
from responses.services.rule_validation import rule_validate
from responses.services.rules import event_decide
from responses.services.sources import source_system_create, source_system_rotate_key

__all__ = [
    "ItemResult",
    "ItemStatus",
    "event_decide",
    "events_ingest",
    "respondent_opt_out",
    "respondents_upsert",
    "rule_validate",
    "source_system_create",
    "source_system_rotate_key",
]
