"""Retention in the admin: /admin/responses/retention/, every survey's retention settings with
the dry-run count (what the next daily run would anonymise or delete), computed now and
changing nothing. Switching retention on is a survey field (the survey's admin page); this page
is where to look first. Registered like the funnel page (responses/admin_funnel.py).
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.access import admin_page
from responses.services.retention import retention_plan
from surveys.models import Survey


def retention_admin_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    surveys = Survey.objects.order_by("key")
    plans = [retention_plan(survey, now=now) for survey in surveys]
    context = {
        **admin.site.each_context(request),
        "title": _("Retention (dry run)"),
        "plans": plans,
        "now": now,
    }
    return TemplateResponse(request, "admin/responses/retention.html", context)


def register() -> None:
    """Add the retention page to the admin site's URLs (once)."""
    site = admin.site
    if getattr(site, "_retention_registered", False):
        return
    original = site.get_urls

    def get_urls():
        return [
            path(
                "responses/retention/",
                admin_page(site, retention_admin_view, "responses_retention"),
                name="responses_retention",
            ),
            *original(),
        ]

    site.get_urls = get_urls
    site._retention_registered = True
