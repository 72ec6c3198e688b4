"""Respondents' contact data at rest: Fernet encryption and a keyed hash for look-ups.

- ``contact_encrypt`` / ``contact_decrypt``: ``MultiFernet`` over ``CONTACT_ENCRYPTION_KEYS``
  (the first key encrypts, every key decrypts), so keys rotate without downtime:
  put a new key first, deploy, run ``manage.py contacts_rotate_key``, then drop the old key.
  A blank value stays blank (no ciphertext for "no email"), so "has an email" is a plain
  comparison with ``""``.
- ``contact_hash``: HMAC-SHA256 keyed with ``CONTACT_HASH_KEY`` over the normalised value and
  its kind, hex. Equal inputs give equal hashes, so ingestion tells a changed email from an
  unchanged one and the admin and the erasure API find a respondent by email or phone without
  decrypting anything. Without the key the hash cannot be recomputed from a guessed address.

It lives in ``ops``, the lowest layer, so every app may use it (``ops.fields`` is the model
field that encrypts and decrypts on its own). Keys: config/contact_keys.py, docs/operations.md.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed

EMAIL = "email"
PHONE = "phone"
# Every Fernet token starts with the version byte 0x80, "gAAAAA" in url-safe base64.
CIPHERTEXT_PREFIX = "gAAAAA"


class ContactDecryptError(Exception):
    """A stored value no configured key decrypts (a key removed before rotation finished)."""


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.CONTACT_ENCRYPTION_KEYS)
    if not keys:
        raise ValueError("CONTACT_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


@cache
def _hash_key() -> bytes:
    key = settings.CONTACT_HASH_KEY
    if not key:
        raise ValueError("CONTACT_HASH_KEY is empty")
    return key.encode()


def _keys_changed(*, setting: str, **kwargs) -> None:
    if setting == "CONTACT_ENCRYPTION_KEYS":
        _fernet.cache_clear()
    elif setting == "CONTACT_HASH_KEY":
        _hash_key.cache_clear()


setting_changed.connect(_keys_changed)


def contact_encrypt(value: str) -> str:
    """The ciphertext of ``value`` with the first key; ``""`` for a blank value."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def contact_decrypt(token: str) -> str:
    """The clear text of a stored value; ``""`` stays ``""``."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ContactDecryptError(
            "a respondent's contact data cannot be decrypted with CONTACT_ENCRYPTION_KEYS "
            "(was a key removed before contacts_rotate_key finished?)"
        ) from error


def contact_rotate(token: str) -> str:
    """``token`` encrypted again with the first key (``MultiFernet.rotate``)."""
    if not token:
        return ""
    return _fernet().rotate(token.encode()).decode()


def contact_is_current(token: str) -> bool:
    """Whether ``token`` is already encrypted with the first (current) key."""
    if not token:
        return True
    first = _fernet()._fernets[0]
    try:
        first.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def contact_normalise(kind: str, value: str) -> str:
    """The form that is hashed: an email trimmed and lower-cased, a phone without spaces,
    dashes and brackets (ingestion stores E.164 already)."""
    text = (value or "").strip()
    if kind == EMAIL:
        return text.lower()
    if kind == PHONE:
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    raise ValueError(f"unknown contact kind {kind!r}")


def contact_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 (hex) of the normalised value; ``""`` for a blank value."""
    normalised = contact_normalise(kind, value)
    if not normalised:
        return ""
    return hmac.new(_hash_key(), f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()
