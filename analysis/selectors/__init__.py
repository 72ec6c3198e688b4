"""Reads of the analysis app; re-exported here."""

from analysis.selectors.scope import emerging_for_survey, metrics_for_scope, painpoints_for_scope
from analysis.selectors.taxonomy import question_plan, taxonomy_snapshot_for_survey

__all__ = [
    "emerging_for_survey",
    "metrics_for_scope",
    "painpoints_for_scope",
    "question_plan",
    "taxonomy_snapshot_for_survey",
]
