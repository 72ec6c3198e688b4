"""``/admin/api-token/``: "My API token". Every active staff user makes and revokes their own
token for the API (``Authorization: Token <key>``); the key is shown once, on the page that
answers its creation, and never again. Registered by wrapping the admin site's URLs (from
OpsConfig.ready), like the funnel page.
"""

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from rest_framework.authtoken.models import Token

from config.access import admin_page
from ops.services import api_token_create, api_token_revoke


@never_cache
def api_token_view(request: HttpRequest) -> HttpResponse:
    """GET: whether the user has a token and since when. POST ``create``: a new token, shown on
    this answer only (no-store). POST ``revoke``: the token stops working."""
    user = request.user
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_key = api_token_create(user=user)
        elif action == "revoke":
            if api_token_revoke(user=user):
                messages.success(request, _("Your API token was revoked; requests with it are refused now."))
            return HttpResponseRedirect(reverse("admin:api_token"))
        else:
            return HttpResponse(
                _("Unknown action: use create or revoke."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
    token = Token.objects.filter(user=user).first()
    context = {
        **admin.site.each_context(request),
        "title": _("My API token"),
        "token": token,
        "new_key": new_key,
    }
    return TemplateResponse(request, "admin/api_token.html", context)


def register() -> None:
    """Add the page to the admin site's URLs (once)."""
    site = admin.site
    if getattr(site, "_api_token_registered", False):
        return
    original = site.get_urls

    def get_urls():
        return [
            path("api-token/", admin_page(site, api_token_view, "api_token"), name="api_token"),
            *original(),
        ]

    site.get_urls = get_urls
    site._api_token_registered = True
