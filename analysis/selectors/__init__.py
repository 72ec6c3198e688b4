"""Reads of the analysis app, by what they select; re-exported here.

``scope`` (a survey, dates and filters, and where its rows are found), ``tables`` (its counts),
``comments`` (the comment sample behind keywords and examples), ``painpoints`` (the ranked pain
points, emerging topics), ``metrics`` (the metric per period and segment), ``taxonomy``.
"""

from analysis.selectors.metrics import metrics_for_scope
from analysis.selectors.painpoints import emerging_for_survey, painpoints_for_scope
from analysis.selectors.taxonomy import question_plan, taxonomy_snapshot_for_survey

__all__ = [
    "emerging_for_survey",
    "metrics_for_scope",
    "painpoints_for_scope",
    "question_plan",
    "taxonomy_snapshot_for_survey",
]
