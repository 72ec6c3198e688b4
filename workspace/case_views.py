"""The case queue and a case's page. Every change goes through ``cases.services`` (one service
per change); a change the service refuses shows its message on the case's page (400)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analysis.models import Topic
from cases import services
from cases.models import Case
from config.access import workspace_page
from config.permissions import READ_RESPONSES, WORK_CASES, user_meets
from workspace.filters import filters_parse
from workspace.page import page_render
from workspace.selectors import response_page_for
from workspace.selectors.cases import case_page_for, queue_page_for

ACTIONS = ("start", "resolve", "close", "reopen", "assign", "note")


class ResolveForm(forms.Form):
    root_cause = forms.ChoiceField(label=gettext_lazy("Root cause"), choices=Topic.Stage.choices)
    resolution = forms.CharField(label=gettext_lazy("Resolution"), max_length=5000, strip=True)


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Note"), max_length=5000, strip=True)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=gettext_lazy("Assignee"), required=False, min_value=1)


def _shell(request, template: str, *, url_name: str, title: str, context: dict, status: int = 200):
    # The cases pages take no survey filter; the shell's links carry none.
    filters, form = filters_parse({})
    response = page_render(
        request, template, url_name=url_name, title=title, filters=filters, form=form, context=context
    )
    response.status_code = status
    return response


@require_GET
@workspace_page("workspace:cases")
def queue(request):
    context = queue_page_for(user=request.user, query=request.GET, lang=get_language())
    return _shell(
        request,
        "workspace/cases.html",
        url_name="workspace:cases",
        title=_("Cases"),
        context=context,
        status=400 if context["queue_errors"] else 200,
    )


def _case_page(request, case_id: int, *, errors: list | None = None, status: int = 200):
    found = case_page_for(case_id=case_id, user=request.user, lang=get_language())
    if found is None:
        raise Http404(_("No case %(id)s.") % {"id": case_id})
    found["may_work"] = user_meets(request.user, WORK_CASES)
    found["may_read_responses"] = user_meets(request.user, READ_RESPONSES)
    found["response_summary"] = (
        response_page_for(response_id=found["case"].response_id, user=request.user, lang=get_language())
        if found["may_read_responses"]
        else None
    )
    found["action_errors"] = errors or []
    return _shell(
        request,
        "workspace/case.html",
        url_name="workspace:cases",
        title=_("Case %(id)s") % {"id": case_id},
        context=found,
        status=status,
    )


@require_GET
@workspace_page("workspace:case")
def case(request, case_id: int):
    return _case_page(request, case_id)


def _form_errors(form: forms.Form) -> list[dict]:
    return [
        {"field": name, "label": str(form.fields[name].label), "message": message}
        for name, messages in form.errors.items()
        for message in messages
    ]


def _service_errors(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "label": "", "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "label": "", "message": message} for message in error.messages]


@workspace_page("workspace:case_action")
def case_action(request, case_id: int):
    """One change of the case (``action``), then back to the case's page (POST-redirect-GET)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    found = get_object_or_404(Case, pk=case_id)
    action = request.POST.get("action", "")
    actor = request.user
    form: forms.Form | None = None
    try:
        if action == "start":
            services.case_start(case=found, actor=actor)
        elif action == "close":
            services.case_close(case=found, actor=actor)
        elif action == "reopen":
            services.case_reopen(case=found, actor=actor)
        elif action == "resolve":
            form = ResolveForm(request.POST)
            if form.is_valid():
                services.case_resolve(
                    case=found,
                    actor=actor,
                    root_cause=form.cleaned_data["root_cause"],
                    resolution=form.cleaned_data["resolution"],
                )
        elif action == "note":
            form = NoteForm(request.POST)
            if form.is_valid():
                services.case_note_add(case=found, text=form.cleaned_data["text"], author=actor)
        elif action == "assign":
            form = AssignForm(request.POST)
            if form.is_valid():
                services.case_assign(case=found, assignee_id=form.cleaned_data["assignee"], actor=actor)
        else:
            errors = [
                {
                    "field": "action",
                    "label": "",
                    "message": _("Unknown action %(action)s; choose one of: %(choices)s.")
                    % {"action": action, "choices": ", ".join(ACTIONS)},
                }
            ]
            return _case_page(request, case_id, errors=errors, status=400)
    except ValidationError as error:
        return _case_page(request, case_id, errors=_service_errors(error), status=400)
    if form is not None and form.errors:
        return _case_page(request, case_id, errors=_form_errors(form), status=400)
    return redirect("workspace:case", case_id=case_id)
