"""Writes of the responses app (one service per state change), re-exported for callers.

The distribution engine (rules, ingestion, delivery, lifecycle, bulk writes) is the package
``responses.distribution``.
"""

from responses.services.respondents import respondent_opt_out, respondents_upsert
from responses.services.sources import source_system_create, source_system_rotate_key

__all__ = [
    "respondent_opt_out",
    "respondents_upsert",
    "source_system_create",
    "source_system_rotate_key",
]
