"""The workspace's pages: each parses the one filter (``workspace.filters``), reads through the
selectors and renders inside the shell (``workspace.page``)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.access import workspace_page
from config.permissions import READ_RESPONSES, user_meets
from workspace import charts, selectors
from workspace.exports import export_buttons
from workspace.filters import filters_parse
from workspace.page import page_render


@workspace_page("workspace:overview")
def overview(request):
    filters, form = filters_parse(request.GET)
    context = {}
    if filters.is_valid and filters.survey is not None:
        topic_view = selectors.topic_view_for(
            user=request.user, filters=filters, lang=get_language(), path=request.path
        )
        context = selectors.overview_for(
            filters=filters, user=request.user, lang=get_language(), topic_view=topic_view
        )
        context["topic_view"] = topic_view
        if context["metric"]["by_period"]:
            context["trend_chart"] = charts.metric_trend_chart(
                context["metric"]["by_period"], context["metric_name"]
            )
        if context["funnel"] and context["funnel"]["events"]:
            context["funnel_chart"] = charts.funnel_steps_chart(context["funnel"])
        context["export_funnel"] = export_buttons(user=request.user, filters=filters, kind="funnel")
        context["export_responses"] = export_buttons(user=request.user, filters=filters, kind="responses")
    return page_render(
        request,
        "workspace/overview.html",
        url_name="workspace:overview",
        title=_("Overview"),
        filters=filters,
        form=form,
        context=context,
    )


@workspace_page("workspace:painpoints")
def painpoints(request):
    filters, form = filters_parse(request.GET)
    context = {}
    if filters.is_valid and filters.survey is not None:
        topic_view = selectors.topic_view_for(
            user=request.user, filters=filters, lang=get_language(), path=request.path
        )
        context = selectors.painpoints_page_for(filters=filters, lang=get_language(), topic_view=topic_view)
        context["topic_view"] = topic_view
        for row in context["rows"]:
            row["sparkline"] = charts.share_sparkline(row["weekly"], row["label_text"])
        if context["rows"]:
            context["impact_chart"] = charts.impact_chart(context["rows"])
        context["export_painpoints"] = export_buttons(
            user=request.user, filters=filters, kind="pain-points", topic_view=topic_view
        )
        context["export_responses"] = export_buttons(user=request.user, filters=filters, kind="responses")
    return page_render(
        request,
        "workspace/painpoints.html",
        url_name="workspace:painpoints",
        title=_("Pain points"),
        filters=filters,
        form=form,
        context=context,
    )


@workspace_page("workspace:topic")
def topic(request, key: str):
    filters, form = filters_parse(request.GET)
    context = {"topic_key": key}
    title = _("Topic")
    if filters.is_valid and filters.survey is not None:
        context = selectors.topic_page_for(filters=filters, key=key, lang=get_language())
        if context is None:
            raise Http404(_("No topic %(key)s in this survey.") % {"key": key})
        title = context["label"]
        context["may_read_responses"] = user_meets(request.user, READ_RESPONSES)
        context["trend_chart"] = charts.share_trend_chart(context["weekly"], title)
        if context["heat"]:
            context["heat_chart"] = charts.segment_heat_map(context["heat"], title)
    return page_render(
        request,
        "workspace/topic.html",
        url_name="workspace:painpoints",
        title=title,
        filters=filters,
        form=form,
        context=context,
    )


@workspace_page("workspace:response")
def response(request, response_id: int):
    found = selectors.response_page_for(response_id=response_id, user=request.user, lang=get_language())
    if found is None:
        raise Http404(_("No response %(id)s.") % {"id": response_id})
    filters, form = filters_parse(request.GET)
    return page_render(
        request,
        "workspace/response.html",
        url_name="workspace:response",
        title=_("Response %(id)s") % {"id": response_id},
        filters=filters,
        form=form,
        context=found,
    )
