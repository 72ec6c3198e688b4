"""Respondents: the bulk upsert used by ingestion, and opt-out."""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from ops.contacts import EMAIL, PHONE, contact_encrypt, contact_hash
from responses.distribution.bulk import rows_insert_ignore
from responses.models import Respondent
from responses.services.validation import RespondentInput
from responses.sql import ingest

CONTACT_FIELDS = ("email", "phone", "locale", "timezone")
# What the upsert merges and compares: the keyed hashes stand for the email and the phone, so
# an unchanged address is recognised without decrypting the stored one, and only a new or
# changed address is encrypted (ops.contacts).
SEALED_FIELDS = ("email_hash", "phone_hash", "locale", "timezone")


class SealedInput(NamedTuple):
    email_hash: str
    phone_hash: str
    locale: str
    timezone: str


def respondent_merge(
    current: dict,
    *,
    current_as_of: dt.datetime | None,
    updates: Iterable[tuple[dt.datetime, object]],
    fields: tuple[str, ...] = CONTACT_FIELDS,
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
        for name in fields:
            value = getattr(data, name)
            if value:
                merged[name] = value
        as_of = occurred_at
    return merged, as_of


class RespondentRow(NamedTuple):
    """A respondent as ingestion needs it, read with its row locked (no model instance).

    ``email`` and ``phone`` are the stored ciphertexts (blank when unknown): ingestion only
    needs to know whether there is one; the channels decrypt when they send.
    """

    id: int
    public_id: uuid.UUID
    type: str
    ref: str
    email: str
    phone: str
    email_hash: str
    phone_hash: str
    locale: str
    timezone: str
    opted_out_at: dt.datetime | None
    contact_updated_at: dt.datetime | None
    erased_at: dt.datetime | None


_STORED = ("email", "phone", "email_hash", "phone_hash", "locale", "timezone")
_INSERTED = ("public_id", "type", "ref", "contact_updated_at", *_STORED)


def _locked(keys: list[tuple[str, str]]) -> dict[tuple[str, str], RespondentRow]:
    """The respondents of these keys, their rows locked in id order so two batches lock alike."""
    if not keys:
        return {}
    rows = ingest.chosen().respondents_lock(keys, RespondentRow._fields)
    return {(row[2], row[3]): RespondentRow._make(row) for row in rows}


def _contacts_update(rows: list[RespondentRow], *, now: dt.datetime) -> None:
    """Write the contact data of these (locked) respondents."""
    ingest.chosen().respondents_update(
        [row.id for row in rows],
        {name: [getattr(row, name) for row in rows] for name in (*_STORED, "contact_updated_at")},
        now=now,
    )


def respondents_upsert(
    *, updates: Iterable[tuple[dt.datetime, RespondentInput]]
) -> dict[tuple[str, str], RespondentRow]:
    """Create or update the respondents of a batch and lock their rows until the transaction ends.

    Must run inside the ingest transaction. Three statements whatever the batch size:
    insert the missing ones (ON CONFLICT DO NOTHING, in a fixed order so two batches never wait
    on each other crosswise), lock the others with SELECT ... FOR UPDATE ordered by id, then one
    bulk UPDATE of those whose contact data changed. The rows inserted here need no second lock:
    until this transaction ends, a parallel insert of the same (type, ref) waits on it. The row
    lock is what makes fatigue and quotas hold when events for one respondent arrive in
    parallel: the second transaction waits here until the first has committed its invitation,
    then sees it.
    """
    # The email and phone of every event, hashed once; the clear value of each hash is kept to
    # encrypt it only if it is written (a new respondent, or a changed address).
    clear: dict[str, str] = {}

    def sealed(data: RespondentInput) -> SealedInput:
        email_hash, phone_hash = contact_hash(EMAIL, data.email), contact_hash(PHONE, data.phone)
        if email_hash:
            clear[email_hash] = data.email
        if phone_hash:
            clear[phone_hash] = data.phone
        return SealedInput(email_hash, phone_hash, data.locale, data.timezone)

    by_key: dict[tuple[str, str], list[tuple[dt.datetime, SealedInput]]] = {}
    for occurred_at, data in updates:
        by_key.setdefault((data.type, data.ref), []).append((occurred_at, sealed(data)))
    if not by_key:
        return {}
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("respondents_upsert locks rows: call it inside transaction.atomic()")

    def stored(merged: dict, row: RespondentRow | None = None) -> dict:
        """The columns to store: the ciphertext of a hash that is new, the stored one otherwise."""
        values = {name: merged.get(name, "") for name in SEALED_FIELDS}
        for kind in ("email", "phone"):
            digest = values[f"{kind}_hash"]
            if row is not None and digest == getattr(row, f"{kind}_hash"):
                values[kind] = getattr(row, kind)
            else:
                values[kind] = contact_encrypt(clear[digest]) if digest else ""
        return values

    fresh: dict[tuple[str, str], RespondentRow] = {}
    for key in sorted(by_key):
        merged, as_of = respondent_merge({}, current_as_of=None, updates=by_key[key], fields=SEALED_FIELDS)
        fresh[key] = RespondentRow(
            id=0,
            public_id=uuid.uuid4(),
            type=key[0],
            ref=key[1],
            **stored(merged),
            opted_out_at=None,
            contact_updated_at=as_of,
            erased_at=None,
        )
    inserted = rows_insert_ignore(
        Respondent,
        _INSERTED,
        [
            (
                row.public_id,
                row.type,
                row.ref,
                row.contact_updated_at,
                *(getattr(row, name) for name in _STORED),
            )
            for row in fresh.values()
        ],
        returning=["id", "type", "ref"],
    )
    result: dict[tuple[str, str], RespondentRow] = {}
    for pk, kind, ref in inserted or ():
        result[(kind, ref)] = fresh[(kind, ref)]._replace(id=pk)
    # Where the insert cannot say which rows were new (not PostgreSQL), every row is read back.
    locked = _locked([key for key in by_key if key not in result])

    now = timezone.now()
    changed = []
    for key, row in locked.items():
        if row.public_id == fresh[key].public_id:
            result[key] = row  # inserted just now, already carries the batch's newest contact data
            continue
        if row.erased_at is not None:
            result[key] = row  # erased on request: no event brings contact data back
            continue
        current = {name: getattr(row, name) for name in SEALED_FIELDS}
        merged, as_of = respondent_merge(
            current, current_as_of=row.contact_updated_at, updates=by_key[key], fields=SEALED_FIELDS
        )
        if merged != current or as_of != row.contact_updated_at:
            row = row._replace(**stored(merged, row), contact_updated_at=as_of)
            changed.append(row)
        result[key] = row
    if changed:
        _contacts_update(changed, now=now)
    return result


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
