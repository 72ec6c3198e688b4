"""Unguessable respondent tokens, derived rather than stored.

An invitation's token is ``urlsafe_b64(HMAC-SHA256(key, "invitation:<public_id>"))``: 256 bits
that nobody can compute without ``INVITATION_TOKEN_KEY`` (by default derived from
``SECRET_KEY``). Only ``sha256(token)`` is stored (``Invitation.token_hash``) and looked up, so a
database leak reveals no working link, while the send task and reminders can rebuild the link
from the row alone.

Opt-out tokens use the same HMAC with the purpose ``"optout:<respondent public_id>"``. They are
self-describing, ``"<public_id hex>.<signature>"``, so the opt-out page finds the respondent by
its public id and checks the signature in constant time; nothing needs storing.

Key rotation: new tokens are always signed with the current key (``INVITATION_TOKEN_KEY``, or
the one derived from ``SECRET_KEY``). The previous keys (``INVITATION_TOKEN_KEY_FALLBACKS``, and
the keys derived from ``SECRET_KEY_FALLBACKS``) still verify opt-out tokens and still rebuild
the link of an invitation made before the rotation (the key whose token matches the stored
hash), so links already sent keep working. An invitation link is looked up by the hash of the
presented token, which needs no key at all.
"""

import base64
import hashlib
import hmac
import uuid
from functools import cache

from django.conf import settings


class TokenKeyUnknown(LookupError):
    """No current or fallback key rebuilds the token whose hash an invitation stores."""


def _derived(secret: str) -> bytes:
    # A separate key per purpose: the derived key says what it is for, so a signature made
    # elsewhere with SECRET_KEY can never be replayed as a token.
    return hashlib.sha256(b"responses.tokens:" + secret.encode()).digest()


@cache
def _keys() -> tuple[bytes, ...]:
    """The signing key first, then every fallback key (duplicates dropped, order kept)."""
    configured = getattr(settings, "INVITATION_TOKEN_KEY", "")
    keys = [configured.encode() if configured else _derived(settings.SECRET_KEY)]
    keys += [key.encode() for key in getattr(settings, "INVITATION_TOKEN_KEY_FALLBACKS", []) if key]
    keys += [_derived(secret) for secret in getattr(settings, "SECRET_KEY_FALLBACKS", []) if secret]
    return tuple(dict.fromkeys(keys))


def _sign(message: str, key: bytes | None = None) -> str:
    # hmac.digest: the one-shot form, computed in OpenSSL without an HMAC object per call.
    digest = hmac.digest(_keys()[0] if key is None else key, message.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """The sha256 hex digest stored for a token (and used to look it up)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token_for(public_id: uuid.UUID) -> str:
    """The token of a new invitation, signed with the current key."""
    return _sign(f"invitation:{public_id}")


def invitation_token(invitation) -> str:
    """The token in an invitation's link (43 url-safe characters, 256 bits).

    For a stored invitation (one with a ``token_hash``), the token the row was made with: the
    current key's when it matches the hash (one HMAC, the usual case), else the fallback key's
    that does. ``TokenKeyUnknown`` when none does (the key was dropped from the fallbacks).
    """
    stored = getattr(invitation, "token_hash", None)
    message = f"invitation:{invitation.public_id}"
    if not stored:
        return _sign(message)
    for key in _keys():
        token = _sign(message, key)
        if hmac.compare_digest(token_hash(token), stored):
            return token
    raise TokenKeyUnknown(
        f"invitation {invitation.public_id}: its link was signed with a key that is neither the "
        "current key nor one of the fallbacks (DJANGO_SECRET_KEY_FALLBACKS, "
        "INVITATION_TOKEN_KEY_FALLBACKS)"
    )


def token_link(token: str, *, site_url: str | None = None) -> str:
    """The respondent page of an invitation token (``site_url`` defaults to ``SITE_URL``)."""
    return f"{settings.SITE_URL if site_url is None else site_url}/s/{token}/"


def invitation_link(invitation) -> str:
    return token_link(invitation_token(invitation))


def optout_token(respondent) -> str:
    public_id = respondent.public_id
    return f"{public_id.hex}.{_sign(f'optout:{public_id}')}"


def optout_link(respondent) -> str:
    return f"{settings.SITE_URL}/s/optout/{optout_token(respondent)}/"


def optout_token_public_id(token: str) -> uuid.UUID | None:
    """The respondent public id an opt-out token was made for, or None if it is not genuine.

    Genuine: signed with the current key or any fallback key (links sent before a rotation).
    """
    head, _sep, signature = token.partition(".")
    try:
        public_id = uuid.UUID(hex=head)
    except ValueError:
        return None
    if len(head) != 32:
        return None
    message = f"optout:{public_id}"
    # Every key is tried (no early exit), so the time taken does not tell which key matched.
    matches = [hmac.compare_digest(signature, _sign(message, key)) for key in _keys()]
    return public_id if any(matches) else None
