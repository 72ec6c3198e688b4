"""A small JSON-over-HTTP POST for outside providers (SMS gateway, webhooks), standard library only.

Failures are sorted the way a retry policy needs them: no answer, a timeout, a 5xx or a 429 is
transient; any other 4xx is permanent (the request itself is wrong and will stay wrong).
"""

import urllib.error
import urllib.request
from dataclasses import dataclass

from responses.channels.base import PermanentChannelError, TransientChannelError


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


def http_post(url: str, *, body: bytes, headers: dict[str, str], timeout: float, what: str) -> HttpAnswer:
    if not url.startswith(("http://", "https://")):
        raise PermanentChannelError(f"{what}: the URL {url!r} is not http(s)", code="bad_url")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return HttpAnswer(status=answer.status, body=answer.read(65536))
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace")
        if exc.code >= 500 or exc.code == 429:
            raise TransientChannelError(f"{what}: HTTP {exc.code} {detail}", code=f"http_{exc.code}") from exc
        raise PermanentChannelError(f"{what}: HTTP {exc.code} {detail}", code=f"http_{exc.code}") from exc
    except TimeoutError as exc:
        raise TransientChannelError(f"{what}: no answer within {timeout:g} s", code="timeout") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise TransientChannelError(f"{what}: no answer within {timeout:g} s", code="timeout") from exc
        raise TransientChannelError(f"{what}: unreachable: {exc.reason}", code="unreachable") from exc
    except (ConnectionError, OSError) as exc:
        raise TransientChannelError(f"{what}: unreachable: {exc}", code="unreachable") from exc
