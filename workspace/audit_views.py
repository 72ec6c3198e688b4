"""The audit trail, read-only: who changed what and when (``ops.AuditEntry``), filtered by the
kind of change, the object, the person and the days, newest first, a page at a time."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from config.access import workspace_page
from ops import selectors
from workspace.filters import filters_parse
from workspace.page import page_render

PAGE_SIZE = 50
# "cases.case" (every case) or "cases.case#12" (one of them)
OBJECT_PATTERN = re.compile(r"^(?P<label>[a-z_]+\.[a-z_]+)(?:#(?P<id>[A-Za-z0-9_-]{1,64}))?$")


class AuditForm(forms.Form):
    action = forms.CharField(label=gettext_lazy("Kind of change"), required=False, max_length=64)
    object = forms.CharField(label=gettext_lazy("Object"), required=False, max_length=130)
    actor = forms.CharField(label=gettext_lazy("Who"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)
    page = forms.IntegerField(label=gettext_lazy("Page"), required=False, min_value=1)

    def clean_action(self) -> str:
        value = self.cleaned_data["action"].strip()
        if value and value not in selectors.audit_actions():
            raise forms.ValidationError(
                _("No change of the kind %(action)s was recorded.") % {"action": value}
            )
        return value

    def clean_object(self) -> str:
        value = self.cleaned_data["object"].strip()
        if value and not OBJECT_PATTERN.match(value):
            raise forms.ValidationError(
                _("Give an object type such as cases.case, or one object such as cases.case#12.")
            )
        return value

    def clean_actor(self) -> str:
        value = self.cleaned_data["actor"].strip()
        if value and not get_user_model().objects.filter(username=value).exists():
            raise forms.ValidationError(_("There is no user %(name)s.") % {"name": value})
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The last day comes before the first."))
        return data

    def audit_filter(self) -> selectors.AuditFilter:
        data = self.cleaned_data
        found = OBJECT_PATTERN.match(data["object"]) if data["object"] else None
        return selectors.AuditFilter(
            action=data["action"],
            object_label=found["label"] if found else "",
            object_id=(found["id"] or "") if found else "",
            actor=data["actor"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


def _errors(form: forms.Form) -> list[dict]:
    return [
        {
            "field": name,
            "label": str(form.fields[name].label) if name in form.fields else "",
            "message": message,
        }
        for name, messages in form.errors.items()
        for message in messages
    ]


@require_GET
@workspace_page("workspace:audit")
def audit(request):
    form = AuditForm(request.GET)
    errors: list[dict] = []
    rows: list[dict] = []
    page = None
    if form.is_valid():
        entries = selectors.audit_entries(filters=form.audit_filter())
        page = Paginator(entries, PAGE_SIZE).get_page(form.cleaned_data["page"] or 1)
        rows = [{"entry": entry, "changes": selectors.audit_changes(entry)} for entry in page.object_list]
    else:
        errors = _errors(form)
    query = request.GET.copy()
    query.pop("page", None)
    filters, shell_form = filters_parse({})  # the audit page takes no survey filter
    response = page_render(
        request,
        "workspace/audit.html",
        url_name="workspace:audit",
        title=_("Audit trail"),
        filters=filters,
        form=shell_form,
        context={
            "audit_form": form,
            "audit_errors": errors,
            "rows": rows,
            "page": page,
            "actions": selectors.audit_actions(),
            "object_labels": selectors.audit_object_labels(),
            "query": query.urlencode(),
        },
    )
    if errors:
        response.status_code = 400
    return response
