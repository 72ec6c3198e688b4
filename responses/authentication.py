"""API authentication: source systems' keys (``Authorization: Bearer <key>``) and user tokens
(``Authorization: Token <key>``), both behind a guard against guessing.

The guard counts failed credentials per client address (``responses.client_address``, the
address the respondent throttles use) in a fixed window of the cache, at the rate
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_failure"]``. Once an address has failed that
many times in the window, every request from it that presents credentials is answered 429,
even with the right key, until the window ends. Only a failure writes (one atomic increment);
a request with credentials reads one cache key; requests without credentials (the respondent
pages, session logins) never touch it. A DRF throttle cannot do this: throttles run after
authentication, and a failed authentication ends the request before them.

If the cache cannot be reached the guard lets requests through (and logs): an outage of Redis
must not take the API down with it.
"""

import logging

from django.core.cache import cache
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.settings import api_settings

from responses.client_address import address_parse, client_ip
from responses.models import SourceSystem
from responses.services.sources import source_system_authenticate
from responses.throttling import _count_portable, _window_key, rate_parse

logger = logging.getLogger(__name__)

AUTH_FAILURE_SCOPE = "auth_failure"


def login_client_ip(request) -> str | None:
    """The client address for django-axes (``AXES_CLIENT_IP_CALLABLE``): ``client_ip``, or None
    when there is no address (a request made in code, a Unix socket), which axes stores as such."""
    address = client_ip(request)
    return address if address_parse(address) is not None else None


def _failure_window(request) -> tuple[str, int, int] | None:
    """(cache key, limit, period) of the request's address, or None when the guard is off."""
    rate = (api_settings.DEFAULT_THROTTLE_RATES or {}).get(AUTH_FAILURE_SCOPE)
    if not rate:
        return None
    limit, period = rate_parse(rate)
    return _window_key(AUTH_FAILURE_SCOPE, client_ip(request), period), limit, period


def auth_failures_refuse_if_locked(request) -> None:
    """Raise Throttled (429) when the request's address has used up its failed attempts."""
    window = _failure_window(request)
    if window is None:
        return
    key, limit, period = window
    try:
        failures = cache.get(key) or 0
    except Exception:  # the cache is down: fail open, see the module docstring
        logger.warning("auth failure guard: cache unavailable, not checked", exc_info=True)
        return
    if failures >= limit:
        # The window's length: an upper bound of the wait (the window may end sooner).
        raise exceptions.Throttled(
            wait=period,
            detail=gettext("Too many failed attempts to authenticate from your address. Try again later."),
        )


def auth_failure_record(request) -> None:
    """Count one failed authentication of the request's address."""
    window = _failure_window(request)
    if window is None:
        return
    key, _limit, period = window
    try:
        _count_portable(key, period)
    except Exception:
        logger.warning("auth failure guard: cache unavailable, failure not counted", exc_info=True)


class _Guarded:
    """Mixin: refuse a locked-out address before checking credentials; count each failure.

    Only requests that present credentials of the class's scheme (``keyword``) are guarded.
    """

    keyword: str

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        auth_failures_refuse_if_locked(request)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            auth_failure_record(request)
            raise


class GuardedTokenAuthentication(_Guarded, authentication.TokenAuthentication):
    """DRF's user tokens (``Authorization: Token <key>``) behind the failure guard."""


class _SourceSystemKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request) -> tuple[SourceSystem, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the API key after Bearer, with no spaces."))
        try:
            key = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("The API key is not valid.")) from exc
        system = source_system_authenticate(key=key)
        if system is None:
            raise exceptions.AuthenticationFailed(
                _("The API key is not valid or its source system is disabled.")
            )
        return system, None

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="events"'


class SourceSystemAuthentication(_Guarded, _SourceSystemKeyAuthentication):
    """Authenticates a source system by its API key; ``request.user`` is the SourceSystem.

    Answers 401 (not 403) without a key, because ``authenticate_header`` names the scheme.
    """


class SourceSystemAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "responses.authentication.SourceSystemAuthentication"
    name = "SourceSystemKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "The API key of a source system."}
