"""The overview: the metric with its interval and weekly trend, the invitation funnel with its
rates, the top pain points and how they moved."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from analysis import metrics as metric_maths
from analysis.selectors import metrics_for_scope, painpoints_for_scope
from config.permissions import READ_FUNNEL, user_meets
from responses.services.funnel import STAGES, funnel_report
from workspace import labels
from workspace.filters import Filters
from workspace.selectors.common import metric_name, topic_label
from workspace.selectors.teams import TopicView

TOP_PAINPOINTS = 5


def step_labels() -> dict[str, str]:
    return {
        "events": _("Service events"),
        "invitations": _("Invitations"),
        "suppressed": _("Not invited (suppressed)"),
        "sent": _("Sent"),
        "opened": _("Opened"),
        "started": _("Started"),
        "completed": _("Completed"),
    }


def funnel_for(filters: Filters) -> dict:
    """The invitation funnel of the survey over the period and segment, each stage's rate of the
    invitations sent with its 95% interval, suppressions by reason in words."""
    report = funnel_report(
        survey=filters.survey,
        date_from=filters.date_from,
        date_to=filters.date_to,
        filters=filters.scope_filters(),
    )
    total = report.total
    steps = [
        {"key": "events", "count": total.events, "rate": None},
        {"key": "invitations", "count": total.invitations, "rate": None},
        {"key": "suppressed", "count": total.suppressed, "rate": None},
    ]
    for stage in STAGES:
        count = getattr(total, stage)
        rate = metric_maths.response_rate(count, total.sent) if stage != "sent" and total.sent else None
        steps.append({"key": stage, "count": count, "rate": rate.as_dict() if rate else None})
    names = step_labels()
    for step in steps:
        step["label"] = names[step["key"]]
    return {
        "steps": steps,
        "events": total.events,
        "sent": total.sent,
        "suppressions": [
            {"reason": reason, "label": labels.suppression_reason_label(reason), "count": count}
            for reason, count in sorted(total.suppressions.items(), key=lambda item: (-item[1], item[0]))
        ],
        "response_rate": (
            metric_maths.response_rate(total.completed, total.sent).as_dict() if total.sent else None
        ),
    }


def overview_for(*, filters: Filters, user, lang: str, topic_view: TopicView | None = None) -> dict[str, Any]:
    scope = filters.scope()
    metric = metrics_for_scope(
        survey=scope.survey,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        period="week",
        segments=False,  # the overview shows no breakdown per segment
    )
    # the top pain points only: no keywords, examples or coverage (the pain-point page's)
    report = painpoints_for_scope(
        survey=scope.survey,
        date_from=scope.date_from,
        date_to=scope.date_to,
        filters=scope.filters,
        ranking_only=True,
    )
    ranked = topic_view.only(report["topics"]) if topic_view is not None else report["topics"]
    top = [{**t, "label_text": topic_label(t, lang)} for t in ranked[:TOP_PAINPOINTS]]
    return {
        "metric": metric,
        "metric_name": metric_name(metric.get("metric")),
        "report": report,
        "top_topics": top,
        "funnel": funnel_for(filters) if user_meets(user, READ_FUNNEL) else None,
    }
