"""A text field stored encrypted (``ops.contacts``): clear text in Python, ciphertext in the table.

Writes through the ORM (``save``, ``create``, ``update``, ``bulk_update``) encrypt; reads
(instances, ``values``, ``values_list``, also across relations) decrypt. Raw SQL paths
(ingestion's bulk upsert) write ``ops.contacts.contact_encrypt`` output themselves.

The ciphertext is different every time, so the field cannot be searched: a lookup other than
``isnull`` or an exact match on ``""`` raises instead of silently matching nothing. Look-ups
go through the keyed-hash column kept beside it.
"""

from django.db import models
from django.db.models.lookups import Exact

from ops.contacts import CIPHERTEXT_PREFIX, contact_decrypt, contact_encrypt


class EncryptedTextField(models.TextField):
    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return contact_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        if value.startswith(CIPHERTEXT_PREFIX) and _is_token(value):
            return value  # already encrypted (a value copied from another row's column)
        return contact_encrypt(value)

    def get_lookup(self, lookup_name):
        lookup = super().get_lookup(lookup_name)
        if lookup_name == "isnull":
            return lookup
        if lookup_name == "exact":
            return _BlankExact
        raise TypeError(f"{self.name} is encrypted: look it up by its hash column, not with __{lookup_name}")


def _is_token(value: str) -> bool:
    try:
        contact_decrypt(value)
    except Exception:
        return False
    return True


class _BlankExact(Exact):
    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise TypeError(
                "an encrypted field is only compared with '' (blank); look values up by their hash"
            )
        return super().get_prep_lookup()
