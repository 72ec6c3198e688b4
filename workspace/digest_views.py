"""The weekly digest in the workspace: its preview (HTML, and the text version), the reader's own
on/off switch, and the mail's unsubscribe link (no login: the signed token is its credential)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.services import digest_subscription_set
from config.access import workspace_page
from workspace.digest.content import reader_of
from workspace.digest.mail import digest_render, unsubscribe_user_id
from workspace.filters import filters_parse
from workspace.page import page_render

SWITCH = {"on": True, "off": False}


def _page(request: HttpRequest, *, errors: list | None = None, status: int = 200) -> HttpResponse:
    rendered = digest_render(user=request.user, now=timezone.now())
    filters, form = filters_parse({})
    response = page_render(
        request,
        "workspace/digest.html",
        url_name="workspace:digest",
        title=_("Weekly digest"),
        filters=filters,
        form=form,
        context={
            "digest": rendered,
            # rendered by the digest's own template, every value escaped there
            "digest_body": mark_safe(rendered.body_html),
            "digest_enabled": rendered.content["enabled"],
            "digest_language": dict(settings.LANGUAGES).get(rendered.locale, rendered.locale),
            "digest_zone": rendered.content["zone"],
            "switch_errors": errors or [],
        },
    )
    response.status_code = status
    return response


@require_GET
@workspace_page("workspace:digest")
def digest(request):
    return _page(request)


@require_GET
@workspace_page("workspace:digest_text")
def digest_text(request):
    rendered = digest_render(user=request.user, now=timezone.now())
    response = HttpResponse(rendered.text, content_type="text/plain; charset=utf-8")
    response["Content-Language"] = rendered.locale
    return response


@require_POST
@workspace_page("workspace:digest_settings")
def digest_settings(request):
    """Turn one's own digest on (``enabled=on``) or off (``enabled=off``)."""
    value = request.POST.get("enabled", "")
    if value not in SWITCH:
        errors = [
            {
                "field": "enabled",
                "message": _("Choose on or off for %(field)s, not %(value)s.")
                % {"field": "enabled", "value": value or "–"},
            }
        ]
        return _page(request, errors=errors, status=400)
    digest_subscription_set(user=request.user, enabled=SWITCH[value])
    return redirect("workspace:digest")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button (a link a mail scanner opens changes nothing); POST, from the
    button or a mail client's one-click (RFC 8058): the digest is turned off."""
    user_id = unsubscribe_user_id(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise Http404
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        digest_subscription_set(user=user, enabled=False)
        return HttpResponse("unsubscribed", content_type="text/plain")
    done = False
    if request.method == "POST":
        digest_subscription_set(user=user, enabled=False)
        done = True
    language = reader_of(user).locale
    with translation.override(language):
        response = render(request, "workspace/digest/unsubscribe.html", {"done": done, "language": language})
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
