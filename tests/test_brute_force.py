"""Brute-force guards: the admin login (django-axes) and API credentials (failure counter)."""

import datetime as dt
import types

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from responses import throttling
from tests.responses.factories import source_system

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "right-password-2026"


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser(username="boss", password=PASSWORD)


@pytest.fixture
def fixed_window(monkeypatch):
    """Every counter in one window for the whole test (a window never rolls over mid-test)."""
    cache.clear()
    monkeypatch.setattr(throttling, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0))
    yield
    cache.clear()


def _login(client, password: str, **extra):
    return client.post(LOGIN, {"username": "boss", "password": password}, **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_admin_login_for_that_address_until_the_cool_off(client, boss) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 10
    # given limit - 1 wrong passwords from one address: each answered with the login form
    for _ in range(limit - 1):
        assert _login(client, "wrong").status_code == 200
    # when the limit-th fails too, the address is locked out
    assert _login(client, "wrong").status_code == 429
    # then even the right password is refused, and nobody is logged in
    refused = _login(client, PASSWORD)
    assert refused.status_code == 429
    assert refused.content.decode() == "Too many failed logins from your address. Please try again later."
    assert not _logged_in(client)
    in_chinese = _login(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert in_chinese.content.decode() == "您所在地址的登录失败次数过多，请稍后再试。"
    # while another address logs in as usual
    other = Client()
    assert _login(other, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302
    # and once the cool-off has passed since the last failure, the right password works again
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert _login(client, PASSWORD).status_code == 302
    assert _logged_in(client)


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_the_lockout_follows_the_client_address_behind_trusted_proxies(client, boss) -> None:
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    # given a client behind the site's proxy that fails the limit, with a spoofed left-most entry
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7", **via_proxy)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7"]
    # then that client is locked out, whatever it puts on the left of the header
    locked = _login(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7", **via_proxy)
    assert locked.status_code == 429
    # while another client behind the same proxy is not
    assert _login(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8", **via_proxy).status_code == 302


def _failure_rate(rate: str):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_failure": rate}
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates})


def test_wrong_user_tokens_get_429_and_then_so_does_the_right_one(fixed_window, boss) -> None:
    token = Token.objects.create(user=boss).key
    client = APIClient()
    with _failure_rate("5/day"):
        # given five wrong tokens from one address, each a 401
        for n in range(5):
            client.credentials(HTTP_AUTHORIZATION=f"Token wrong-token-{n}")
            assert client.get("/api/v1/surveys/").status_code == 401
        # when a sixth attempt comes, wrong or right, it is refused with 429 and the error body
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        refused = client.get("/api/v1/surveys/")
        assert refused.status_code == 429
        assert refused.json() == {
            "code": "throttled",
            "message": (
                "Too many failed attempts to authenticate from your address. Try again later. "
                "Expected available in 86400 seconds."
            ),
            "details": {},
        }
        # (the window's length: an upper bound of the wait, the window may end sooner)
        assert refused["Retry-After"] == "86400"
        # then another address with the right token is served
        other = APIClient(REMOTE_ADDR="203.0.113.9")
        other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert other.get("/api/v1/surveys/").status_code == 200


def test_wrong_source_system_keys_get_429_per_address(fixed_window) -> None:
    _system, key = source_system()
    client = APIClient()
    body = {"events": []}
    with _failure_rate("3/day"):
        for header in ("Bearer wrong-1", "Bearer wrong-2", "Bearer two parts"):
            client.credentials(HTTP_AUTHORIZATION=header)
            assert client.post("/api/v1/events/", body, format="json").status_code == 401
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        assert client.post("/api/v1/events/", body, format="json").status_code == 429
        # the right key from another address is not held up by this one
        other = APIClient(REMOTE_ADDR="203.0.113.9")
        other.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        assert other.post("/api/v1/events/", body, format="json").status_code != 429


def test_requests_without_credentials_are_not_counted(fixed_window, boss) -> None:
    token = Token.objects.create(user=boss).key
    client = APIClient()
    with _failure_rate("2/day"):
        # given many requests with no credentials at all (401, nothing guessed)
        for _ in range(5):
            assert client.get("/api/v1/surveys/").status_code == 401
        # then the right token is still served from the same address
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/surveys/").status_code == 200
