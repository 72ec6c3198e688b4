"""The address of the client behind the site's own reverse proxies.

``REMOTE_ADDR`` is the peer of the web server: behind a reverse proxy, the proxy. The proxy
appends the address of its own peer to ``X-Forwarded-For``, but anybody can send that header,
so it is read only when ``REMOTE_ADDR`` is one of ``TRUSTED_PROXIES`` (addresses or networks,
empty by default: nobody is trusted and the header is never read). The header is then walked
from the right, the end the trusted proxies wrote, and the first address that is not itself a
trusted proxy is the client. Everything to its left came from the client and is ignored.

A malformed entry (not an address) stops the walk: the nearest address to its right, always
one a trusted proxy vouched for, is taken, so a broken header can never name a client of its
own choosing and never fails the request.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A proxy chain longer than this is not a real deployment; walking stops there.
MAX_HOPS = 32


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network (e.g. 10.0.0.0/8)."
            ) from exc
    return tuple(networks)


def trusted_proxy_networks() -> tuple[IPNetwork, ...]:
    """``settings.TRUSTED_PROXIES`` parsed (once per distinct value); ImproperlyConfigured if malformed."""
    entries = getattr(settings, "TRUSTED_PROXIES", None) or ()
    if isinstance(entries, str):
        entries = entries.split(",")
    return _networks(tuple(entry for entry in entries if entry.strip()))


def address_parse(value: str | None) -> IPAddress | None:
    """An address as found in REMOTE_ADDR or one X-Forwarded-For entry; None if it is not one.

    Accepts ``203.0.113.7``, ``2001:db8::1``, ``[2001:db8::1]``, and the same with a port
    (``203.0.113.7:52100``, ``[2001:db8::1]:443``), which some proxies add. An IPv4 address
    mapped into IPv6 (``::ffff:203.0.113.7``, a dual-stack socket's view) is the IPv4 address.
    """
    text = (value or "").strip()
    if not text or len(text) > 64:
        return None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        text = host
    elif text.count(":") == 1:
        host, _colon, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request) -> str:
    """The client's address as text: REMOTE_ADDR, or the X-Forwarded-For entry that trusted
    proxies vouch for (see the module's docstring). ``"unknown"`` when there is none."""
    remote_text = request.META.get("REMOTE_ADDR", "") or ""
    remote = address_parse(remote_text)
    if remote is None:
        return remote_text or "unknown"
    networks = trusted_proxy_networks()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for entry in reversed(entries[-MAX_HOPS:]):
        address = address_parse(entry)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def trusted_proxies_check(app_configs=None, **kwargs) -> list:
    """System check: a malformed TRUSTED_PROXIES stops ``manage.py check`` and every command."""
    from django.core.checks import Error

    try:
        trusted_proxy_networks()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="responses.E001")]
    return []
