"""Project middleware."""

import codecs

from axes.helpers import get_lockout_response
from axes.middleware import AxesMiddleware
from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase

# A response carrying any of these needs django-csp's full build.
_OTHER_POLICY_PARTS = ("_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, with each view's fixed policy built once per process.

    django-csp builds the header again for every response (``dataclasses.asdict`` of its parts,
    then ``build_policy``), about a twentieth of a respondent's submit. A view decorated with
    ``@csp(config)`` whose response has no nonce, update, replace or report-only part always
    gets the same header, so it is built on first use and kept, keyed by the decorator's config
    object. Everything else (other pages, nonces, report-only policies) goes through django-csp
    unchanged.
    """

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self._headers: dict[int, tuple[object, str]] = {}

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        config = getattr(response, "_csp_config", None)
        if (
            config is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _OTHER_POLICY_PARTS)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        ):
            return super().process_response(request, response)
        cached = self._headers.get(id(config))
        if cached is None or cached[0] is not config:  # the id of a config that was freed
            cached = self._headers[id(config)] = (config, build_policy(config=config))
        header = cached[1]
        prefixes = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
            "EXCLUDE_URL_PREFIXES"
        ) or ()
        if (
            header
            and HEADER not in response
            and not getattr(response, "_csp_exempt", False)
            and not request.path_info.startswith(tuple(prefixes))
        ):
            response[HEADER] = header
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class LoginLockoutMiddleware(AxesMiddleware):
    """django-axes' middleware (a login refused for too many failures becomes its 429 answer),
    without its per-request coroutine check.

    ``AxesMiddleware.__call__`` asks ``iscoroutinefunction(self)`` on every request, about 10 us,
    paid by every respondent page although only a login can be locked out. The site runs under
    WSGI, so this one is synchronous only and checks one request attribute. Registered under its
    own name, so axes' check for its middleware (axes.W002) is silenced in the settings.
    """

    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if getattr(request, "axes_locked_out", False) and settings.AXES_ENABLED:
            response = get_lockout_response(request, response, getattr(request, "axes_credentials", None))
        return response


def request_charset_middleware(get_response):
    """Refuse (400) a body whose declared charset is a codec but not a text encoding.

    Django takes any name ``codecs.lookup`` knows as the body's encoding, ``rot13`` or
    ``hex`` too, and decoding a form with it then raises LookupError (a 500) wherever
    ``request.POST`` is first read, the CSRF check included. An unknown name is ignored by
    Django (the default charset applies), and so it is here.
    """

    def middleware(request: HttpRequest) -> HttpResponseBase:
        charset = request.content_params.get("charset") if request.content_params else None
        if charset:
            try:
                codecs.lookup(charset)
            except LookupError:
                pass
            else:
                try:
                    b"a".decode(charset, "ignore")  # b"" would not reach the codec
                except LookupError:
                    raise BadRequest(f"{charset} is not a text encoding.") from None
        return get_response(request)

    return middleware
