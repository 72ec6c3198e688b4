"""Bulk inserts for ingestion: binary COPY on PostgreSQL, ``bulk_create`` elsewhere (the
statements: ``responses/sql/ingest.py``).

A 1,000-row multi-value INSERT spends most of its time in Python building and quoting SQL text
(the JSON contexts of invitations above all). ``COPY … FROM STDIN (FORMAT BINARY)`` sends typed
values instead. Rows are plain tuples, in the order of the ``columns`` named (field attnames:
``respondent_id``, not ``respondent``): building a model instance per row cost more than the
COPY itself. The columns not named are filled as ``bulk_create`` would fill them: the field's
default (evaluated once per call), one time stamp for ``auto_now(_add)`` fields. A field whose
default must differ per row (``uuid.uuid4``) has to be named; leaving it out is an error, not a
shared value. JSON values are Python objects, encoded by the database driver with
``json.dumps``, as the field's ``get_db_prep_save`` does (a JSON field with its own encoder
goes through ``bulk_create``).

- ``rows_insert``: rows that cannot conflict (a batch's invitations and suppressions).
- ``rows_insert_ignore``: INSERT … ON CONFLICT DO NOTHING through a temporary table, returning
  chosen columns of the rows actually inserted (so the caller knows which were new).
"""

from collections.abc import Sequence
from functools import cache

from django.db import models
from django.utils import timezone

from responses.sql import ingest

# Defaults that are safe to evaluate once and share: an empty container is only encoded.
_SHARED_FACTORIES = (dict, list)


class _Plan:
    """How to COPY a model's rows given some of its columns (computed once per model and list)."""

    def __init__(self, model: type[models.Model], columns: tuple[str, ...]) -> None:
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in by_attname]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
        self.fields = [by_attname[name] for name in columns]
        self.stamped: list[models.Field] = []
        self.defaulted: list[models.Field] = []
        for field in model._meta.concrete_fields:
            if field.attname in columns or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.stamped.append(field)
            elif field.has_default() and callable(field.default) and field.default not in _SHARED_FACTORIES:
                raise ValueError(f"{model.__name__}.{field.name} needs a value per row: name the column")
            else:
                self.defaulted.append(field)
        self.all_fields = [*self.fields, *self.defaulted, *self.stamped]

    def tail(self) -> tuple:
        """The values of the columns not named: defaults, then one time stamp."""
        stamp = timezone.now()
        return (
            *(field.get_default() for field in self.defaulted),
            *(stamp for _field in self.stamped),
        )


@cache
def _plan(model: type[models.Model], columns: tuple[str, ...]) -> _Plan:
    return _Plan(model, columns)


def rows_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert new rows given as tuples of the ``columns`` (primary keys are not read back)."""
    if not rows:
        return
    ingest.chosen().rows_insert(model, _plan(model, tuple(columns)), columns, rows)


def rows_insert_ignore(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: Sequence[str]
) -> list[tuple] | None:
    """INSERT … ON CONFLICT DO NOTHING, keeping the rows' order; the ``returning`` columns of
    the rows inserted, or None where only ``bulk_create(ignore_conflicts=True)`` is available
    (the caller then reads back what it needs).
    """
    if not rows:
        return []
    plan = _plan(model, tuple(columns))
    return ingest.chosen().rows_insert_ignore(model, plan, columns, rows, returning=returning)
