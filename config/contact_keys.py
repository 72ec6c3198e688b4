"""The keys that protect respondents' contact data at rest (pure: no Django settings are read).

``CONTACT_ENCRYPTION_KEYS`` is a list of Fernet keys (32 url-safe base64 bytes each): the first
encrypts, every one decrypts, so a new key is put first and the old ones stay until
``manage.py contacts_rotate_key`` has re-encrypted every row. ``CONTACT_HASH_KEY`` keys the
HMAC-SHA256 of a normalised email or phone number, the column that look-ups and
de-duplication read (the ciphertext cannot be searched). The hash key is never rotated in
place: every stored hash would have to be recomputed from the decrypted values (docs/operations.md).

Development and tests use fixed keys derived from a public phrase, so a local database stays
readable across restarts; production refuses to start with them or without keys (like
``config.secret_key`` for ``SECRET_KEY``).
"""

import base64
import binascii
import hashlib

_DEVELOPMENT_PHRASE = b"voice-of-customer development contact key, public, never for production"

DEVELOPMENT_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"fernet:" + _DEVELOPMENT_PHRASE).digest()
).decode()
DEVELOPMENT_HASH_KEY = hashlib.sha256(b"hmac:" + _DEVELOPMENT_PHRASE).hexdigest()
MIN_HASH_KEY_LENGTH = 32

GENERATE_HINT = (
    "Generate an encryption key with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())' and a hash key with: "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
)


def fernet_key_problem(value: str) -> str | None:
    """Why ``value`` is not a usable Fernet key, or None."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return "is not url-safe base64"
    if len(raw) != 32:
        return f"decodes to {len(raw)} bytes; a Fernet key is 32"
    return None


def contact_keys_problems(*, encryption_keys: list[str], hash_key: str) -> list[str]:
    """Every problem of the production contact keys, each naming its environment variable."""
    problems = []
    if not encryption_keys:
        problems.append("CONTACT_ENCRYPTION_KEYS is not set.")
    for position, key in enumerate(encryption_keys, start=1):
        problem = fernet_key_problem(key)
        if key == DEVELOPMENT_ENCRYPTION_KEY:
            problem = "is the public development key"
        if problem:
            problems.append(f"CONTACT_ENCRYPTION_KEYS: key {position} {problem}.")
    if not hash_key:
        problems.append("CONTACT_HASH_KEY is not set.")
    elif hash_key == DEVELOPMENT_HASH_KEY:
        problems.append("CONTACT_HASH_KEY is the public development key.")
    elif len(hash_key) < MIN_HASH_KEY_LENGTH:
        problems.append(
            f"CONTACT_HASH_KEY has {len(hash_key)} characters; at least {MIN_HASH_KEY_LENGTH} are needed."
        )
    if problems:
        problems.append(GENERATE_HINT)
    return problems
