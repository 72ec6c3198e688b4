"""Key rotation of the respondents' contact data: every row re-encrypted with the first key.

``CONTACT_ENCRYPTION_KEYS`` lists the new key first and the old ones after it; this reads the
rows in batches by id (keyset), re-encrypts each email and phone not yet encrypted with the
first key (``MultiFernet.rotate``) and writes the batch back in one statement, each batch in its
own transaction. Rerunning it finds nothing left to do. The keyed hashes do not change (they use
``CONTACT_HASH_KEY``). Run by ``manage.py contacts_rotate_key``; docs/operations.md.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from ops.contacts import contact_is_current, contact_rotate

_SELECT = (
    "SELECT id, email, phone FROM responses_respondent WHERE id > %s AND (email <> '' OR phone <> '') "
    "ORDER BY id LIMIT %s"
)
_UPDATE = "UPDATE responses_respondent SET email = %s, phone = %s WHERE id = %s"


@dataclass(frozen=True)
class Rotation:
    checked: int
    rotated: int


def contacts_to_rotate() -> int:
    """How many respondents hold contact data (the progress bar's total)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM responses_respondent WHERE email <> '' OR phone <> ''")
        return cursor.fetchone()[0]


def contacts_rotate(
    *, batch_size: int = 1_000, progress: Callable[[int], object] = lambda n: None
) -> Rotation:
    checked = rotated = 0
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_SELECT, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            changes = []
            for pk, email, phone in rows:
                if not (contact_is_current(email) and contact_is_current(phone)):
                    changes.append((contact_rotate(email), contact_rotate(phone), pk))
            if changes:
                cursor.executemany(_UPDATE, changes)
        checked += len(rows)
        rotated += len(changes)
        last = rows[-1][0]
        progress(len(rows))
    return Rotation(checked, rotated)
