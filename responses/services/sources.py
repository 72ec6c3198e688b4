"""Source systems and their API keys. The key is returned once; only its SHA-256 is stored."""

import secrets

from django.db import transaction

from responses.models import SourceSystem
from responses.tokens import token_hash

KEY_PREFIX = "voc_"


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def source_system_create(
    *, name: str, description: str = "", key: str | None = None
) -> tuple[SourceSystem, str]:
    """Create a source system; returns it and its API key (shown once, never stored).

    ``key`` is for the demo only (a documented key); otherwise 256 random bits are drawn.
    """
    key = key or _new_key()
    system = SourceSystem(name=name, description=description, key_hash=token_hash(key), key_prefix=key[:12])
    system.full_clean()
    system.save()
    return system, key


@transaction.atomic
def source_system_rotate_key(*, source_system: SourceSystem) -> str:
    """Replace a source system's API key; the old one stops working at once."""
    key = _new_key()
    source_system.key_hash = token_hash(key)
    source_system.key_prefix = key[:12]
    source_system.save(update_fields=["key_hash", "key_prefix", "updated_at"])
    return key


def source_system_authenticate(*, key: str) -> SourceSystem | None:
    """The active source system holding this key, or None."""
    return SourceSystem.objects.filter(key_hash=token_hash(key), is_active=True).first()
