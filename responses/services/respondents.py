"""Respondents: the bulk upsert used by ingestion, and opt-out."""

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from responses.models import Respondent
from responses.services.bulk import bulk_insert_ignore
from responses.services.validation import RespondentInput

CONTACT_FIELDS = ("email", "phone", "locale", "timezone")


def respondent_merge(
    current: dict,
    *,
    current_as_of: dt.datetime | None,
    updates: Iterable[tuple[dt.datetime, RespondentInput]],
) -> tuple[dict, dt.datetime | None]:
    """Apply contact data of events not older than ``current_as_of``, oldest first.

    A blank value never clears a known one (an event that omits the email keeps the email), an
    older event never overwrites a newer one (backfills), and opt-out is not a contact field,
    so nothing here can undo it.
    """
    merged = dict(current)
    as_of = current_as_of
    for occurred_at, data in sorted(updates, key=lambda pair: pair[0]):
        if as_of is not None and occurred_at < as_of:
            continue
        for name in CONTACT_FIELDS:
            value = getattr(data, name)
            if value:
                merged[name] = value
        as_of = occurred_at
    return merged, as_of


def respondents_upsert(
    *, updates: Iterable[tuple[dt.datetime, RespondentInput]]
) -> dict[tuple[str, str], Respondent]:
    """Create or update the respondents of a batch and lock their rows until the transaction ends.

    Must run inside the ingest transaction. Three statements whatever the batch size:
    insert the missing ones (ON CONFLICT DO NOTHING, in a fixed order so two batches never wait
    on each other crosswise), lock them all with SELECT ... FOR UPDATE ordered by id, then one
    bulk UPDATE of those whose contact data changed. The row lock is what makes fatigue and
    quotas hold when events for one respondent arrive in parallel: the second transaction waits
    here until the first has committed its invitation, then sees it.
    """
    by_key: dict[tuple[str, str], list[tuple[dt.datetime, RespondentInput]]] = {}
    for occurred_at, data in updates:
        by_key.setdefault((data.type, data.ref), []).append((occurred_at, data))
    if not by_key:
        return {}
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("respondents_upsert locks rows: call it inside transaction.atomic()")

    created_ids: dict[tuple[str, str], uuid.UUID] = {}
    fresh = []
    for key in sorted(by_key):
        merged, as_of = respondent_merge({}, current_as_of=None, updates=by_key[key])
        public_id = uuid.uuid4()
        created_ids[key] = public_id
        fresh.append(
            Respondent(
                public_id=public_id,
                type=key[0],
                ref=key[1],
                contact_updated_at=as_of,
                **{name: merged.get(name, "") for name in CONTACT_FIELDS},
            )
        )
    bulk_insert_ignore(Respondent, fresh, returning=["id"])

    refs = {ref for _type, ref in by_key}
    locked = {
        (row.type, row.ref): row
        for row in Respondent.objects.select_for_update().filter(ref__in=refs).order_by("id")
        if (row.type, row.ref) in by_key
    }
    now = timezone.now()
    changed = []
    for key, row in locked.items():
        if row.public_id == created_ids[key]:
            continue  # inserted just now, already carries the batch's newest contact data
        current = {name: getattr(row, name) for name in CONTACT_FIELDS}
        merged, as_of = respondent_merge(current, current_as_of=row.contact_updated_at, updates=by_key[key])
        if merged != current or as_of != row.contact_updated_at:
            for name in CONTACT_FIELDS:
                setattr(row, name, merged[name])
            row.contact_updated_at = as_of
            row.updated_at = now
            changed.append(row)
    if changed:
        Respondent.objects.bulk_update(changed, [*CONTACT_FIELDS, "contact_updated_at", "updated_at"])
    return locked


def respondent_opt_out(*, respondent: Respondent, now: dt.datetime | None = None) -> Respondent:
    """Opt a respondent out of every future invitation. Idempotent: the first time is kept.

    A conditional UPDATE (``WHERE opted_out_at IS NULL``), so two clicks on the link at once
    record one time. Invitations already scheduled are not sent: delivery re-checks
    ``opted_out_at`` before each send.
    """
    now = now or timezone.now()
    Respondent.objects.filter(pk=respondent.pk, opted_out_at__isnull=True).update(
        opted_out_at=now, updated_at=now
    )
    respondent.refresh_from_db(fields=["opted_out_at", "updated_at"])
    return respondent
