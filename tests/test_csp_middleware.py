"""The CSP middleware: a view's fixed policy built once, anything else as django-csp builds it."""

import pytest
from csp.constants import NONCE
from csp.decorators import csp, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from config.middleware import CSPMiddleware

POLICY = {"default-src": ["'none'"], "script-src": ["'self'"], "img-src": ["'self'", "data:"]}


def _directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")}


def _serve(middleware, view, path: str = "/s/x/"):
    request = RequestFactory().get(path)
    middleware.process_request(request)
    return request, middleware.process_response(request, view(request))


def test_a_fixed_policy_gives_django_csps_header_and_is_built_once() -> None:
    view = csp(POLICY)(lambda request: HttpResponse("ok"))
    ours, theirs = CSPMiddleware(lambda r: None), LibraryCSPMiddleware(lambda r: None)
    # when two responses of the same view pass
    _request, first = _serve(ours, view)
    _request, second = _serve(ours, view)
    _request, library = _serve(theirs, view)
    # then both carry exactly django-csp's header, built once (one cached entry, the same string)
    expected = {"default-src 'none'", "script-src 'self'", "img-src 'self' data:"}
    assert _directives(first["Content-Security-Policy"]) == expected
    assert _directives(library["Content-Security-Policy"]) == expected
    assert first["Content-Security-Policy"] is second["Content-Security-Policy"]
    assert len(ours._headers) == 1


def test_a_nonce_or_an_update_goes_through_django_csp() -> None:
    middleware = CSPMiddleware(lambda r: None)

    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    request, page = _serve(middleware, csp({**POLICY, "script-src": ["'self'", NONCE]})(with_nonce))
    assert f"'nonce-{request._csp_nonce}'" in page["Content-Security-Policy"]
    updated = csp_update({"img-src": ["https://cdn.example"]})(csp(POLICY)(lambda request: HttpResponse()))
    _request, page = _serve(middleware, updated)
    assert "img-src 'self' data: https://cdn.example" in _directives(page["Content-Security-Policy"])
    assert middleware._headers == {}


def test_a_view_without_a_policy_gets_no_header_and_a_late_nonce_is_an_error() -> None:
    middleware = CSPMiddleware(lambda r: None)
    request, _page = _serve(middleware, csp(POLICY)(lambda request: HttpResponse()))
    _plain_request, plain = _serve(middleware, lambda request: HttpResponse(), path="/admin/")
    assert "Content-Security-Policy" not in plain
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
