"""The respondent pages: a survey by invitation (/s/<token>/) or by open link (/o/<slug>/).

No login. An invitation's token is the key to its one response, so a respondent resumes on any
device; an open link gives each browser one response, known by a signed cookie. Pages work as
plain form posts; survey.js adds display conditions and autosave (JSON with the CSRF token).
Every page carries a Content-Security-Policy without inline script, and none shows contact
data: the page knows the survey, the answers and the locale, nothing about who answers.
"""

import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from csp.decorators import csp
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.parsers import json_loads_limited
from responses.client_address import client_ip
from responses.compiled import CompiledLookup
from responses.distribution.lifecycle import invitation_mark_opened
from responses.models import Invitation, OpenLink, Response
from responses.scanners import request_is_automated
from responses.services.answering import (
    SaveStatus,
    response_contact_consent_set,
    response_may_ask_consent,
    response_save,
)
from responses.throttling import throttle_allows, throttle_allows_all
from responses.tokens import token_hash
from surveys.answering import raw_from_form
from surveys.models import SurveyVersion

SESSION_LOCALE = "respondent_locale"
OPEN_LINK_COOKIE_SALT = "responses.open_link.client"
OPEN_LINK_COOKIE_AGE = 180 * 24 * 3600

respondent_csp = csp(settings.RESPONDENT_CONTENT_SECURITY_POLICY)
# HEAD is answered like GET (link checkers send it), and never counts as opening a link.
SAFE_METHODS = ("GET", "HEAD")
PAGE_METHODS = [*SAFE_METHODS, "POST"]


# Looking up what the link points to -----------------------------------------------------------


@dataclass
class Target:
    """What one respondent link answers: an invitation, or an open link in one browser."""

    version: SurveyVersion
    base_url: str
    invitation: Invitation | None = None
    open_link: OpenLink | None = None
    client_key: str | None = None
    new_client_id: str | None = None
    response: Response | None = None
    problem: str = ""  # unknown | opted_out | answered | expired | closed

    @property
    def preferred_locale(self) -> str | None:
        """The resumed response's locale, else the invitation's when the event chose it.

        An invitation whose event named no locale (``locale_defaulted`` in its frozen context;
        for invitations made before that key, a respondent without a locale) has none to prefer:
        the page follows the browser's Accept-Language among the survey's locales.
        """
        if self.response is not None:
            return self.response.locale
        invitation = self.invitation
        if invitation is None:
            return None
        context = invitation.context if isinstance(invitation.context, dict) else {}
        if context.get("locale_defaulted", not invitation.respondent.locale):
            return None
        return invitation.locale

    def save_kwargs(self) -> dict:
        if self.invitation is not None:
            return {"invitation": self.invitation, "existing": self.response}
        return {"open_link": self.open_link, "client_key": self.client_key, "existing": self.response}


# The response (reverse one-to-one) comes in the same query: one round trip per page. The
# version's definition is not read: it comes from the process's cache of parsed definitions.
# Sliced, not .first(): token_hash is unique, so no ORDER BY is needed. Compiled to SQL once per
# process (responses/compiled.py), since compiling it cost more than running it.
_INVITATION_BY_TOKEN_HASH = CompiledLookup(
    Invitation,
    lambda digest: (
        Invitation.objects.select_related("survey_version", "respondent", "response")
        .defer("survey_version__definition")
        .filter(token_hash=digest)
        .order_by()[:1]
    ),
)


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation of a presented token, looked up by the token's hash, never the token.

    Every token (well-formed or not) is hashed and looked up the same way, so an unknown token
    costs what a real one does, and the stored hash is compared in constant time.
    """
    digest = token_hash(token)
    invitation = _INVITATION_BY_TOKEN_HASH.first(digest)
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return None
    version_definition_attach(invitation.survey_version)
    return invitation


# A published version never changes, so its parsed definition is kept per process, keyed by the
# version's public id (never reused, unlike a pk). Nobody mutates a definition in place.
_DEFINITIONS: dict[object, dict] = {}
_DEFINITIONS_MAX = 256


def version_definition_attach(version: SurveyVersion) -> None:
    """Give a version loaded without its definition the cached parsed one (read once per process)."""
    definition = _DEFINITIONS.get(version.public_id)
    if definition is None:
        definition = SurveyVersion.objects.values_list("definition", flat=True).get(pk=version.pk)
        if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
            _DEFINITIONS.clear()
        _DEFINITIONS[version.public_id] = definition
    version.definition = definition


def _invitation_target(token: str) -> Target | None:
    invitation = invitation_by_token(token)
    if invitation is None:
        return None
    try:
        response = invitation.response
    except Response.DoesNotExist:
        response = None
    target = Target(
        version=invitation.survey_version,
        base_url=f"/s/{token}/",
        invitation=invitation,
        response=response,
    )
    now = timezone.now()
    if invitation.respondent.opted_out_at is not None:
        target.problem = "opted_out"
    elif (response is not None and response.status == Response.Status.COMPLETED) or (
        invitation.status == Invitation.Status.COMPLETED
    ):
        target.problem = "answered"
    elif invitation.status == Invitation.Status.EXPIRED or invitation.expires_at <= now:
        target.problem = "expired"
    return target


def _open_link_cookie(link: OpenLink) -> str:
    return f"voc_o_{link.public_id.hex[:16]}"


def _open_link_target(request: HttpRequest, slug: str) -> Target | None:
    link = OpenLink.objects.select_related("survey").filter(slug=slug).first()
    if link is None or not hmac.compare_digest(link.slug, slug):
        return None
    client_id = request.get_signed_cookie(_open_link_cookie(link), default=None, salt=OPEN_LINK_COOKIE_SALT)
    new_client_id = None
    if not client_id:
        client_id = new_client_id = secrets.token_urlsafe(16)
    client_key = hashlib.sha256(f"{link.public_id}:{client_id}".encode()).hexdigest()
    response = None
    if new_client_id is None:
        response = (
            Response.objects.select_related("survey_version")
            .filter(open_link=link, client_key=client_key)
            .first()
        )
    version = (
        response.survey_version
        if response is not None
        else SurveyVersion.objects.select_related("survey")
        .filter(survey=link.survey)
        .order_by("-number")
        .first()
    )
    target = Target(
        version=version,
        base_url=f"/o/{slug}/",
        open_link=link,
        client_key=client_key,
        new_client_id=new_client_id,
        response=response,
    )
    if response is not None and response.status == Response.Status.COMPLETED:
        target.problem = "answered"
    elif (
        version is None
        or not link.is_active
        or (link.expires_at is not None and link.expires_at <= timezone.now())
    ):
        target.problem = "closed"
    return target


# Locale ---------------------------------------------------------------------------------------


def _locales(target: Target | None) -> list[str]:
    if target is not None and target.version is not None:
        return list(target.version.definition.get("locales") or settings.SURVEY_LOCALES)
    return list(settings.SURVEY_LOCALES)


def _accept_language(request: HttpRequest, locales: list[str]) -> str | None:
    """The first of the browser's Accept-Language choices the survey is written in."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header)[:10]:
        try:
            variant = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        if variant in locales:
            return variant
    return None


def _pick_locale(request: HttpRequest, target: Target | None, *, posted: str | None = None) -> str:
    """?lang= (remembered for the session), then the session's choice, the posted form's locale,
    the invitation's (or resumed response's) locale, the browser's Accept-Language, the default."""
    locales = _locales(target)
    asked = request.GET.get("lang")
    if asked in locales:
        if request.session.get(SESSION_LOCALE) != asked:
            request.session[SESSION_LOCALE] = asked
        return asked
    for candidate in (request.session.get(SESSION_LOCALE), posted):
        if candidate in locales:
            return candidate
    if target is not None and target.preferred_locale in locales:
        return target.preferred_locale
    browser = _accept_language(request, locales)
    if browser:
        return browser
    if target is not None and target.version is not None:
        default = target.version.definition.get("default_locale")
        if default in locales:
            return default
    return locales[0]


# Rendering ------------------------------------------------------------------------------------

MESSAGE_STATUS = {
    "unknown": 404,
    "opted_out": 410,
    "expired": 410,
    "closed": 410,
    "answered": 200,
    "throttled": 429,
    "bad_request": 400,
}


def _message(
    request: HttpRequest, kind: str, target: Target | None, *, status: int | None = None
) -> HttpResponse:
    locale = _pick_locale(request, target)
    definition = target.version.definition if target is not None and target.version is not None else None
    with translation.override(locale):
        body = render_to_string(
            "respondent/message.html",
            {"kind": kind, "locale": locale, "locales": _locales(target), "definition": definition},
            request=request,
        )
    response = HttpResponse(body, status=status or MESSAGE_STATUS[kind])
    response["Content-Language"] = locale
    return response


def _display_answers(values: dict, raw: dict, errors: dict, definition: dict) -> dict:
    """Stored values, with what the respondent typed for the answers that were refused."""
    answers = dict(values)
    kinds = {q["key"]: q["kind"] for q in definition.get("questions") or []}
    for key in errors:
        if key not in raw:
            continue
        value = raw[key]
        if kinds.get(key) in ("short_text", "long_text") and isinstance(value, list):
            value = value[0] if value else ""
        answers[key] = value
    return answers


# A survey version never changes, so its blank page (no answers, no errors) is the same for every
# respondent but for the link and the CSRF token: it is rendered once per (version, locale) and
# process, with markers put in at the two places.
_BLANK_PAGES: dict[tuple[object, str], str] = {}
_BLANK_PAGES_MAX = 256
_BASE_MARK = "/__respondent_base__/"
_CSRF_MARK = "__respondent_csrf_token__"


def _page_context(target: Target, locale: str, answers: dict, errors: dict, base_url: str) -> dict:
    return {
        "definition": target.version.definition,
        "locale": locale,
        "locales": _locales(target),
        "answers": answers,
        "errors": errors,
        "form_action": base_url,
        "autosave_url": f"{base_url}autosave/",
        "switch_in_form": True,
    }


def _page(request: HttpRequest, target: Target, locale: str, answers: dict, errors: dict) -> HttpResponse:
    if answers or errors:
        response = render(
            request, "survey/page.html", _page_context(target, locale, answers, errors, target.base_url)
        )
    else:
        key = (target.version.public_id, locale)  # public ids are never reused, unlike a pk
        blank = _BLANK_PAGES.get(key)
        if blank is None:
            context = {**_page_context(target, locale, {}, {}, _BASE_MARK), "csrf_token": _CSRF_MARK}
            blank = render_to_string("survey/page.html", context)
            if len(_BLANK_PAGES) >= _BLANK_PAGES_MAX:
                _BLANK_PAGES.clear()
            _BLANK_PAGES[key] = blank
        html = blank.replace(_BASE_MARK, target.base_url).replace(_CSRF_MARK, get_token(request))
        response = HttpResponse(html)
    response["Content-Language"] = locale
    return response


def _with_cookie(request: HttpRequest, target: Target, response: HttpResponse) -> HttpResponse:
    if target.open_link is not None and target.new_client_id:
        response.set_signed_cookie(
            _open_link_cookie(target.open_link),
            target.new_client_id,
            salt=OPEN_LINK_COOKIE_SALT,
            max_age=OPEN_LINK_COOKIE_AGE,
            path=target.base_url,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


def _stored_answers(target: Target) -> dict:
    if target.response is None:
        return {}
    return dict(target.response.answers.values_list("question_key", "value"))


def _throttled(request: HttpRequest, key: str) -> bool:
    ip = client_ip(request)
    if request.method in SAFE_METHODS:
        return not throttle_allows(scope="page_ip", ident=ip)
    return not throttle_allows_all(("post_ip", ip), ("post_token", key))


# The survey page ------------------------------------------------------------------------------


def _survey(request: HttpRequest, target: Target | None, key: str) -> HttpResponse:
    if _throttled(request, key):
        return _message(request, "throttled", target)
    if target is None:
        return _message(request, "unknown", None)
    if target.problem:
        status = 409 if target.problem == "answered" and request.method == "POST" else None
        return _message(request, target.problem, target, status=status)

    definition = target.version.definition
    if request.method in SAFE_METHODS:
        # Mail gateways, link previews and prefetches get the page but do not open the link.
        if (
            target.invitation is not None
            and target.invitation.opened_at is None
            and not request_is_automated(request)
        ):
            invitation_mark_opened(invitation=target.invitation, refresh=False)
        locale = _pick_locale(request, target)
        return _with_cookie(request, target, _page(request, target, locale, _stored_answers(target), {}))

    raw = raw_from_form(definition, request.POST)
    switch = request.POST.get("switch_lang")
    locale = _pick_locale(request, target, posted=switch or request.POST.get("locale"))
    if switch in _locales(target):
        # The language buttons post the form, so a switch keeps what was typed (JavaScript off too).
        response_save(
            survey_version=target.version, raw=raw, locale=switch, complete=False, **target.save_kwargs()
        )
        request.session[SESSION_LOCALE] = switch
        redirect = HttpResponseRedirect(f"{target.base_url}?{urlencode({'lang': switch})}")
        return _with_cookie(request, target, redirect)

    result = response_save(
        survey_version=target.version, raw=raw, locale=locale, complete=True, **target.save_kwargs()
    )
    if result.status == SaveStatus.ALREADY_ANSWERED:
        return _message(request, "answered", target, status=409)
    if result.status == SaveStatus.COMPLETED:
        return _with_cookie(request, target, HttpResponseRedirect(f"{target.base_url}done/"))
    answers = _display_answers(result.values, raw, result.errors, definition)
    return _with_cookie(request, target, _page(request, target, locale, answers, result.errors))


# An autosave's refusals, in the respondent's language (the page's own titles for the same cases).
AUTOSAVE_MESSAGES = {
    "throttled": gettext_lazy("Please wait a moment"),
    "not_found": gettext_lazy("This link does not work"),
    "unknown": gettext_lazy("This link does not work"),
    "opted_out": gettext_lazy("You will not receive surveys"),
    "answered": gettext_lazy("You have already answered"),
    "expired": gettext_lazy("This survey has closed"),
    "closed": gettext_lazy("This survey is not open"),
    "bad_request": gettext_lazy('Send {"fields": {...}} as JSON.'),
}


def _autosave_refused(request: HttpRequest, target: Target | None, code: str, status: int) -> JsonResponse:
    with translation.override(_pick_locale(request, target)):
        return JsonResponse({"code": code, "message": str(AUTOSAVE_MESSAGES[code])}, status=status)


def _autosave(request: HttpRequest, target: Target | None, key: str) -> JsonResponse:
    if _throttled(request, key):
        return _autosave_refused(request, target, "throttled", 429)
    if target is None:
        return _autosave_refused(request, None, "not_found", 404)
    if target.problem:
        return _autosave_refused(
            request, target, target.problem, 409 if target.problem == "answered" else 410
        )
    try:
        payload = json_loads_limited(request.body or b"{}")
        fields = payload.get("fields") or {}
        if not isinstance(fields, dict):
            raise ValueError("fields")
    except (ValueError, AttributeError):
        return _autosave_refused(request, target, "bad_request", 400)
    locale = _pick_locale(request, target, posted=str(payload.get("locale") or ""))
    raw = raw_from_form(target.version.definition, fields)
    result = response_save(
        survey_version=target.version, raw=raw, locale=locale, complete=False, **target.save_kwargs()
    )
    if result.status == SaveStatus.ALREADY_ANSWERED:
        return _autosave_refused(request, target, "answered", 409)
    with translation.override(locale):
        errors = {k: str(v) for k, v in result.errors.items()}
    body = JsonResponse({"status": "saved", "saved": sorted(result.values), "errors": errors})
    return _with_cookie(request, target, body)


def _done(request: HttpRequest, target: Target | None, key: str) -> HttpResponse:
    if _throttled(request, key):
        return _message(request, "throttled", target)
    if target is None:
        return _message(request, "unknown", None)
    response = target.response
    if response is None or response.status != Response.Status.COMPLETED:
        if target.problem:
            return _message(request, target.problem, target)
        return HttpResponseRedirect(target.base_url)
    ask = response_may_ask_consent(response)
    if request.method == "POST":
        choice = request.POST.get("contact_consent")
        if ask and choice in ("yes", "no"):
            response_contact_consent_set(response=response, consent=choice == "yes")
        return HttpResponseRedirect(f"{target.base_url}done/")
    locale = _pick_locale(request, target)
    with translation.override(locale):
        body = render_to_string(
            "respondent/done.html",
            {
                "definition": response.survey_version.definition,
                "locale": locale,
                "locales": _locales(target),
                "ask_consent": ask and response.contact_consent is None,
                "consent": response.contact_consent,
                "form_action": f"{target.base_url}done/",
            },
            request=request,
        )
    page = HttpResponse(body)
    page["Content-Language"] = locale
    return page


# Invitation views -----------------------------------------------------------------------------


@respondent_csp
@never_cache
@require_http_methods(PAGE_METHODS)
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    return _survey(request, _invitation_target(token), token)


@respondent_csp
@never_cache
@require_POST
def survey_autosave(request: HttpRequest, token: str) -> JsonResponse:
    return _autosave(request, _invitation_target(token), token)


@respondent_csp
@never_cache
@require_http_methods(PAGE_METHODS)
def survey_done(request: HttpRequest, token: str) -> HttpResponse:
    return _done(request, _invitation_target(token), token)


# Open-link views ------------------------------------------------------------------------------


@respondent_csp
@never_cache
@require_http_methods(PAGE_METHODS)
def open_page(request: HttpRequest, slug: str) -> HttpResponse:
    target = _open_link_target(request, slug)
    return _survey(request, target, f"open:{slug}:{client_ip(request)}")


@respondent_csp
@never_cache
@require_POST
def open_autosave(request: HttpRequest, slug: str) -> JsonResponse:
    target = _open_link_target(request, slug)
    return _autosave(request, target, f"open:{slug}:{client_ip(request)}")


@respondent_csp
@never_cache
@require_http_methods(PAGE_METHODS)
def open_done(request: HttpRequest, slug: str) -> HttpResponse:
    return _done(request, _open_link_target(request, slug), f"open:{slug}:{client_ip(request)}")


def open_link_url(link: OpenLink) -> str:
    return f"{settings.SITE_URL}/o/{link.slug}/"


def open_link_qr(link: OpenLink, kind: str) -> bytes:
    """The QR code of an open link's address, as SVG or PNG bytes."""
    code = segno.make(open_link_url(link), error="m")
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=8, border=4, xmldecl=False, svgns=True)
    else:
        code.save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


@respondent_csp
@require_GET
@cache_control(public=True, max_age=3600)
def open_qr(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    if not throttle_allows(scope="page_ip", ident=client_ip(request)):
        return HttpResponse(status=429)
    link = OpenLink.objects.filter(slug=slug).first()
    if link is None:
        return _message(request, "unknown", None)
    content_type = "image/svg+xml" if kind == "svg" else "image/png"
    return HttpResponse(open_link_qr(link, kind), content_type=content_type)
