"""The export buttons of the workspace pages: links to the exports API carrying the page's filters.

The pages write a segment filter as ``seg.<attribute>=`` in their query string; the exports API
(docs/exports.md) takes the bare attribute (``seg.city=上海`` is ``city=上海``), the period as
explicit ``from``/``to`` days, and ``respondent_type``/``locale`` as attributes like any other.
The funnel export takes the same segment filters as the overview's funnel. Buttons are shown
only to a user who may export the kind (``config.permissions.export_kind_need``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

from django.urls import reverse

from config.permissions import export_kind_need, user_meets
from exports.models import Export
from workspace.filters import Filters
from workspace.selectors.teams import TopicView

# The Comments page's own search parameters, as the comments export takes them.
SEARCH_PARAMS = ("q", "topic", "band", "language")
# The kinds whose rows are topics' (pain points) or tagged with them (comments).
TOPIC_KINDS = (Export.Kind.PAIN_POINTS, Export.Kind.COMMENTS)


def export_params(
    *,
    filters: Filters,
    kind: str,
    query: Mapping[str, str] | None = None,
    topic_view: TopicView | None = None,
) -> dict[str, str]:
    """The exports API's filters for a page showing ``filters`` (``query``: the page's own
    search parameters, for the comments; ``topic_view``: the reader's teams' topics when the
    page lists only those)."""
    params = {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat()}
    params.update(sorted(filters.scope_filters().items()))
    if kind == Export.Kind.COMMENTS and query is not None:
        for name in SEARCH_PARAMS:
            value = (query.get(name) or "").strip()
            if value:
                params[name] = value
    chosen_topic = kind == Export.Kind.COMMENTS and query is not None and (query.get("topic") or "").strip()
    if topic_view is not None and topic_view.is_mine and kind in TOPIC_KINDS and not chosen_topic:
        params["topics"] = ",".join(sorted(topic_view.topic_keys))
    return params


def export_buttons(
    *,
    user,
    filters: Filters,
    kind: str,
    query: Mapping[str, str] | None = None,
    topic_view: TopicView | None = None,
) -> dict | None:
    """What the export buttons of a page need, or None for a user who may not export ``kind``."""
    if filters.survey is None or not user_meets(user, export_kind_need(kind)):
        return None
    params = export_params(filters=filters, kind=kind, query=query, topic_view=topic_view)
    base = reverse(f"api:export-{kind}")
    survey = filters.survey.key

    def link(format: str) -> str:
        return f"{base}?{urlencode({'survey': survey, 'format': format, **params})}"

    return {
        "kind": kind,
        "csv": link(Export.Format.CSV),
        "xlsx": link(Export.Format.XLSX),
        "start_url": reverse("api:export-start"),
        # the background export's format is the user's choice (CSV first: it has no row limit)
        "format": Export.Format.CSV,
        "formats": Export.Format.choices,
        "start_body": json.dumps(
            {"kind": kind, "survey": survey, "format": Export.Format.CSV, "filters": params},
            ensure_ascii=False,
        ),
    }
