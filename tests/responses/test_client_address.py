"""The client address behind trusted reverse proxies: REMOTE_ADDR unless a trusted proxy vouches."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory, override_settings

from responses.client_address import address_parse, client_ip, trusted_proxies_check
from responses.models import Response
from tests.responses.factories import open_link

PROXIES = ["10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48"]


def _ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # no trusted proxies configured: the peer, whatever the header says
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ("10.0.0.2", "198.51.100.1", "10.0.0.2"),
        ("", None, "unknown"),
    ],
)
def test_with_no_trusted_proxies_the_header_is_never_read(remote, forwarded, expected) -> None:
    assert _ip(remote, forwarded) == expected


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # a spoofed header from a peer that is not a trusted proxy is ignored
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        ("203.0.113.7", "10.0.0.5", "203.0.113.7"),
        # one trusted proxy: the address it appended
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # the client's own (forged) entries to the left of it are ignored
        ("10.0.0.2", "1.1.1.1, 198.51.100.1", "198.51.100.1"),
        # a chain of trusted proxies (CDN edge 192.0.2.10, then a load balancer 10.1.2.3)
        ("10.0.0.2", "8.8.8.8, 198.51.100.1, 192.0.2.10, 10.1.2.3", "198.51.100.1"),
        # every entry a trusted proxy: the leftmost one is the client
        ("10.0.0.2", "10.9.9.9, 10.1.2.3", "10.9.9.9"),
        # a trusted proxy with no header: itself
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        # IPv6 peers, entries and networks; brackets and ports are accepted
        ("2001:db8:ffff::1", "2001:db8:1::7", "2001:db8:1::7"),
        ("2001:db8:ffff::1", "[2001:db8:1::7]:443, 2001:db8:ffff::2", "2001:db8:1::7"),
        ("10.0.0.2", "198.51.100.1:52100", "198.51.100.1"),
        ("2001:db8:1::9", "198.51.100.1", "2001:db8:1::9"),
        # a dual-stack socket's IPv4-mapped peer is the IPv4 address (and trusted as such)
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("::ffff:203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # garbage never names the client: the walk stops at the last vouched-for address
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1, unknown", "10.0.0.2"),
        ("10.0.0.2", "garbage, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, 10.1.2.3:http, 10.1.2.4", "10.1.2.4"),
        ("10.0.0.2", "[2001:db8::1, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", ",,,", "10.0.0.2"),
        ("10.0.0.2", "1" * 5000, "10.0.0.2"),
    ],
)
def test_behind_trusted_proxies_the_header_is_walked_from_the_right(remote, forwarded, expected) -> None:
    assert _ip(remote, forwarded) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:80", "203.0.113.7"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:8443", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("203.0.113.7:", None),
        ("[2001:db8::1]x", None),
        ("[2001:db8::1", None),
        ("300.1.1.1", None),
        ("unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_address_parse(value, expected) -> None:
    parsed = address_parse(value)
    assert (str(parsed) if parsed is not None else None) == expected


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "not-a-network"])
def test_a_malformed_trusted_proxies_setting_is_a_configuration_error_naming_it() -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        _ip("10.0.0.2", "198.51.100.1")
    assert str(raised.value) == (
        "TRUSTED_PROXIES: 'not-a-network' is not an IP address or network (e.g. 10.0.0.0/8)."
    )
    errors = trusted_proxies_check()
    assert [(error.id, error.msg) for error in errors] == [("responses.E001", str(raised.value))]


def test_the_check_passes_with_the_default_setting() -> None:
    assert trusted_proxies_check() == []


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"], RESPONDENT_THROTTLE_RATES={"post_ip": "1/min"})
def test_open_links_throttle_each_client_behind_the_proxy_and_ignore_a_spoofed_header() -> None:
    # given an open link allowing one post per client address and minute
    link = open_link()

    def post(remote: str, forwarded: str) -> int:
        return (
            Client()
            .post(f"/o/{link.slug}/", {"q_nps": "9"}, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
            .status_code
        )

    # when two respondents answer through the proxy, then the first one again
    # then each has an allowance of their own (both redirect to the thank-you page), the third is refused
    assert [post("10.0.0.1", "198.51.100.1"), post("10.0.0.1", "198.51.100.2")] == [302, 302]
    assert post("10.0.0.1", "198.51.100.1") == 429
    # and a client reaching the site directly cannot escape its limit with a forged header
    assert [post("203.0.113.7", "198.51.100.3"), post("203.0.113.7", "198.51.100.4")] == [302, 429]
    assert Response.objects.count() == 3
