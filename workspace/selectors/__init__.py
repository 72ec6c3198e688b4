"""What the workspace's pages show, read through the analysis and responses selectors (the
figures and their maths are theirs: ``analysis.selectors``, ``analysis.painpoints.counts``,
``analysis.metrics``, ``responses.services.funnel``). Here: the page's shape, labels in words.
One module per page; ``common`` holds what several read."""

from workspace.selectors.common import discovered_names, metric_name, topic_label, weekly_topic_counts
from workspace.selectors.overview import funnel_for, overview_for
from workspace.selectors.painpoints import coverage_for, painpoints_page_for, segment_text
from workspace.selectors.response import polarity_labels, response_page_for
from workspace.selectors.teams import TopicView, topic_view_for
from workspace.selectors.topic import heat_rows, topic_page_for, verbatims

__all__ = [
    "TopicView",
    "coverage_for",
    "discovered_names",
    "funnel_for",
    "heat_rows",
    "metric_name",
    "overview_for",
    "painpoints_page_for",
    "polarity_labels",
    "response_page_for",
    "segment_text",
    "topic_label",
    "topic_page_for",
    "topic_view_for",
    "verbatims",
    "weekly_topic_counts",
]
