"""The funnel in the admin: /admin/responses/funnel/, linked from the Invitation changelist.

Registered by wrapping the default admin site's URLs (imported from ResponsesConfig.ready), so
it lives beside the model admins without a custom AdminSite. The chart is plain HTML and CSS
bars inside the table cells: the same numbers stay readable as a table (and by screen
readers), with no JavaScript.
"""

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.access import admin_page
from responses.labels import code_label
from responses.services.funnel import STAGES, funnel_group_by_validate, funnel_report
from surveys.models import Survey


class FunnelForm(forms.Form):
    survey = forms.ModelChoiceField(label=_("Survey"), queryset=Survey.objects.all(), to_field_name="key")
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group_by = forms.CharField(
        label=_("Group by"),
        required=False,
        max_length=64,
        help_text=_("channel, rule, or an attribute such as city, district_type, scenario."),
    )

    def clean_group_by(self) -> str:
        try:
            return funnel_group_by_validate(self.cleaned_data.get("group_by", ""))
        except ValidationError as exc:
            raise forms.ValidationError(
                _("Use channel, rule or an attribute name (letters, digits, _)."), code="invalid"
            ) from exc

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _row_label(report, row) -> str:
    """A channel row by the channel's name; a rule's name and an attribute's value as they are."""
    if report.group_by == "channel" and row.key:
        return code_label("channel", row.key)
    return str(row.label)


def _group_name(group_by: str) -> str:
    if group_by == "channel":
        return str(_("Channel"))
    if group_by == "rule":
        return str(_("Distribution rule"))
    return group_by  # an attribute's name, as the user typed it


def _bars(report) -> list[dict]:
    """Per row, each stage with its share of the row's events (the bar width)."""
    rows = []
    for row in [*report.rows, report.total]:
        base = row.events or 1
        stages = [("events", row.events), ("invitations", row.invitations)] + [
            (s, getattr(row, s)) for s in STAGES
        ]
        rows.append(
            {
                "row": row,
                "label": _row_label(report, row),
                "stages": [
                    {"name": name, "value": value, "width": round(100 * value / base, 1)}
                    for name, value in stages
                ],
                "suppressions": [
                    (reason, code_label("suppression_reason", reason), n)
                    for reason, n in sorted(row.suppressions.items())
                ],
                "rate": None if row.response_rate is None else round(100 * row.response_rate, 1),
            }
        )
    return rows


def funnel_admin_view(request: HttpRequest) -> HttpResponse:
    """Who may open it: ``responses.view_funnel`` (config.permissions), as the funnel API."""
    initial = {"date_from": timezone.localdate() - dt.timedelta(days=29), "group_by": "channel"}
    form = FunnelForm(request.GET or None, initial=initial)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = funnel_report(
            survey=data["survey"],
            group_by=data["group_by"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Invitation funnel"),
        "form": form,
        "report": report,
        "group_name": _group_name(report.group_by) if report else "",
        "rows": _bars(report) if report else [],
        "stage_names": {
            "events": _("Events"),
            "invitations": _("Invitations"),
            "sent": _("Sent"),
            "opened": _("Opened"),
            "started": _("Started"),
            "completed": _("Completed"),
        },
    }
    return TemplateResponse(request, "admin/responses/funnel.html", context)


def register() -> None:
    """Add the funnel to the admin site's URLs (once)."""
    site = admin.site
    if getattr(site, "_funnel_registered", False):
        return
    original = site.get_urls

    def get_urls():
        return [
            path(
                "responses/funnel/",
                admin_page(site, funnel_admin_view, "responses_funnel"),
                name="responses_funnel",
            ),
            *original(),
        ]

    site.get_urls = get_urls
    site._funnel_registered = True
