"""Writes of the ops app: the beat heartbeat, the audit trail, a staff user's own API token."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ops.models import AuditEntry, Heartbeat

BEAT = "beat"


def heartbeat_record(*, name: str = BEAT, now: dt.datetime | None = None) -> Heartbeat:
    """Record that ``name`` ran now (one row per name, updated in place)."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now()}
    )
    return heartbeat


def audit_record(
    *,
    action: str,
    instance: Any,
    actor: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Record one change of ``instance`` (call inside the change's transaction).

    ``before`` and ``after`` hold the fields that matter (JSON-serialisable); a field equal in
    both is dropped from both, so an entry shows what changed. ``actor`` None: the system.
    """
    before, after = dict(before or {}), dict(after or {})
    for key in set(before) & set(after):
        if before[key] == after[key]:
            del before[key], after[key]
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=now or timezone.now(),
        action=action,
        object_label=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )


# A staff user's own API token (DRF's ``Authorization: Token <key>``) --------------------------
# The audit entry is about the user (the token's key is its primary key, a secret: it is never
# written to the trail); ``after``/``before`` hold when the token was made.


def api_token_create(*, user, now: dt.datetime | None = None) -> str:
    """A new API token for ``user`` (any token they had stops working); returns its key, which is
    shown once and never again."""
    with transaction.atomic():
        old = Token.objects.select_for_update().filter(user=user).first()
        before = {"token_created": old.created.isoformat()} if old is not None else {"token_created": None}
        if old is not None:
            old.delete()
        token = Token.objects.create(user=user)
        audit_record(
            action="ops.api_token.replaced" if old is not None else "ops.api_token.created",
            instance=user,
            actor=user,
            before=before,
            after={"token_created": token.created.isoformat()},
            now=now,
        )
    return token.key


def api_token_revoke(*, user, now: dt.datetime | None = None) -> bool:
    """Delete ``user``'s API token; False when they had none (nothing is recorded then)."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is None:
            return False
        created = token.created.isoformat()
        token.delete()
        audit_record(
            action="ops.api_token.revoked",
            instance=user,
            actor=user,
            before={"token_created": created},
            after={"token_created": None},
            now=now,
        )
    return True
