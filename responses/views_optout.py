"""The opt-out page, /s/optout/<token>/, and the one-click endpoint mail clients POST to.

The token alone identifies the respondent (responses/tokens.py); the page shows no contact data
so a forwarded link reveals nothing. The page is in the respondent's language unless the reader
picked another one (``?lang=`` or the language switch). The form POST is CSRF-protected; the
one-click endpoint (RFC 8058) is not -- a mail provider posts it without cookies -- and accepts
only the exact ``List-Unsubscribe=One-Click`` body; the unguessable token is its credential.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from responses.models import Respondent
from responses.services.respondents import respondent_opt_out
from responses.tokens import optout_token_public_id

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _respondent(token: str) -> Respondent:
    public_id = optout_token_public_id(token)
    respondent = Respondent.objects.filter(public_id=public_id).first() if public_id else None
    if respondent is None:
        raise Http404
    return respondent


def _language(request: HttpRequest, respondent: Respondent) -> str:
    asked = request.GET.get("lang", "")
    if asked in LANGUAGE_CODES:
        return asked
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in LANGUAGE_CODES:
        return request.COOKIES[settings.LANGUAGE_COOKIE_NAME]
    if respondent.locale in LANGUAGE_CODES:
        return respondent.locale
    return settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def optout_page(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(token)
    language = _language(request, respondent)
    if request.method == "POST":
        respondent = respondent_opt_out(respondent=respondent)
    context = {
        "done": respondent.opted_out_at is not None,
        "just_done": request.method == "POST",
        "language": language,
        "switch": [(code, name, f"{request.path}?lang={code}") for code, name in settings.LANGUAGES],
    }
    with translation.override(language):
        response = render(request, "responses/optout.html", context)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def optout_one_click(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(token)
    if request.method == "GET":
        return HttpResponseRedirect(reverse("optout", args=[token]))
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponse("expected List-Unsubscribe=One-Click", status=400, content_type="text/plain")
    respondent_opt_out(respondent=respondent)
    return HttpResponse("unsubscribed", content_type="text/plain")
