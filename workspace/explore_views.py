"""The segments, comments, key-drivers and process pages (``workspace.explore`` reads their data); each
parses the one filter, then its own parameters, and renders inside the shell."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.access import workspace_page
from workspace import explore
from workspace.exports import export_buttons
from workspace.filters import filters_parse
from workspace.page import page_render
from workspace.selectors import topic_view_for

COMMENT_PARAMS = ("q", "topic", "band", "language")


def _render(request, template: str, url_name: str, title: str, filters, form, context: dict):
    response = page_render(
        request, template, url_name=url_name, title=title, filters=filters, form=form, context=context
    )
    if context.get("page_errors") and response.status_code == 200:
        response.status_code = 400
    return response


@workspace_page("workspace:segments")
def segments(request):
    filters, form = filters_parse(request.GET)
    context: dict = {}
    if filters.is_valid and filters.survey is not None:
        context = explore.segments_page_for(filters=filters, query=request.GET, lang=get_language())
        # The filter form carries the chosen attributes along.
        context["keep_params"] = [("attr", o["key"]) for o in context["attribute_options"] if o["selected"]]
    return _render(
        request, "workspace/segments.html", "workspace:segments", _("Segments"), filters, form, context
    )


@workspace_page("workspace:comments")
def comments(request):
    filters, form = filters_parse(request.GET)
    context: dict = {}
    if filters.is_valid and filters.survey is not None:
        topic_view = topic_view_for(
            user=request.user,
            filters=filters,
            lang=get_language(),
            path=request.path,
            keep={name: request.GET[name] for name in COMMENT_PARAMS if request.GET.get(name)},
        )
        context = explore.comments_page_for(
            filters=filters, query=request.GET, lang=get_language(), user=request.user, topic_view=topic_view
        )
        context["topic_view"] = topic_view
        context["keep_params"] = [
            (name, request.GET[name]) for name in COMMENT_PARAMS if request.GET.get(name)
        ]
        if not context.get("page_errors"):
            context["export_comments"] = export_buttons(
                user=request.user, filters=filters, kind="comments", query=request.GET, topic_view=topic_view
            )
    return _render(
        request, "workspace/comments.html", "workspace:comments", _("Comments"), filters, form, context
    )


@workspace_page("workspace:drivers")
def drivers(request):
    filters, form = filters_parse(request.GET)
    context: dict = {}
    if filters.is_valid and filters.survey is not None:
        context = explore.drivers_page_for(filters=filters, lang=get_language())
    return _render(
        request, "workspace/drivers.html", "workspace:drivers", _("Key drivers"), filters, form, context
    )


@workspace_page("workspace:processes")
def processes(request):
    filters, form = filters_parse(request.GET)
    context: dict = {}
    if filters.is_valid and filters.survey is not None:
        topic_view = topic_view_for(
            user=request.user, filters=filters, lang=get_language(), path=request.path
        )
        context = explore.processes_page_for(filters=filters, lang=get_language(), topic_view=topic_view)
        context["topic_view"] = topic_view
    return _render(
        request, "workspace/processes.html", "workspace:processes", _("Process views"), filters, form, context
    )
