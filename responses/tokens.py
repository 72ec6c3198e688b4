"""Unguessable respondent tokens, derived rather than stored.

An invitation's token is ``urlsafe_b64(HMAC-SHA256(key, "invitation:<public_id>"))``: 256 bits
that nobody can compute without ``INVITATION_TOKEN_KEY`` (by default derived from
``SECRET_KEY``). Only ``sha256(token)`` is stored (``Invitation.token_hash``) and looked up, so a
database leak reveals no working link, while the send task and reminders can rebuild the link
from the row alone.

Opt-out tokens use the same HMAC with the purpose ``"optout:<respondent public_id>"``. They are
self-describing, ``"<public_id hex>.<signature>"``, so the opt-out page finds the respondent by
its public id and checks the signature in constant time; nothing needs storing.
"""

import base64
import hashlib
import hmac
import uuid
from functools import cache

from django.conf import settings


@cache
def _key() -> bytes:
    configured = getattr(settings, "INVITATION_TOKEN_KEY", "")
    if configured:
        return configured.encode()
    # A separate key per purpose: the derived key says what it is for, so a signature made
    # elsewhere with SECRET_KEY can never be replayed as a token.
    return hashlib.sha256(b"responses.tokens:" + settings.SECRET_KEY.encode()).digest()


def _sign(message: str) -> str:
    # hmac.digest: the one-shot form, computed in OpenSSL without an HMAC object per call.
    digest = hmac.digest(_key(), message.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """The sha256 hex digest stored for a token (and used to look it up)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token_for(public_id: uuid.UUID) -> str:
    return _sign(f"invitation:{public_id}")


def invitation_token(invitation) -> str:
    """The token in an invitation's link (43 url-safe characters, 256 bits)."""
    return invitation_token_for(invitation.public_id)


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
    """The respondent public id an opt-out token was made for, or None if it is not genuine."""
    head, _sep, signature = token.partition(".")
    try:
        public_id = uuid.UUID(hex=head)
    except ValueError:
        return None
    if len(head) != 32 or not hmac.compare_digest(signature, _sign(f"optout:{public_id}")):
        return None
    return public_id
