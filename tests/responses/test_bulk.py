"""The bulk writes of ingestion: rows given as tuples, written by COPY (PostgreSQL) or bulk_create.

Each test runs on both databases; where PostgreSQL behaves differently (RETURNING of the rows
inserted) the test says so.
"""

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction

from ops.contacts import EMAIL, PHONE, contact_decrypt, contact_hash
from responses.distribution.bulk import rows_insert, rows_insert_ignore
from responses.models import Invitation, Respondent, ServiceEvent, Suppression
from responses.services.respondents import RespondentRow, respondents_upsert
from responses.services.validation import RespondentInput
from tests.responses.factories import (
    DistributionRuleFactory,
    EventFactory,
    RespondentFactory,
    SurveyVersionFactory,
)

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 5, 1, 4, 0, tzinfo=dt.UTC)
EVENT_COLUMNS = (
    "source",
    "external_id",
    "type",
    "occurred_at",
    "received_at",
    "respondent_id",
    "attributes",
    "batch_id",
)


def _stored(pk: int) -> RespondentRow:
    """The respondent's row as the table holds it (ciphertext, hashes), read without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(RespondentRow._fields)} FROM responses_respondent WHERE id = %s",  # noqa: S608
            [pk],
        )
        return RespondentRow._make(cursor.fetchone())


def _clear(row: RespondentRow) -> tuple[str, str]:
    return contact_decrypt(row.email), contact_decrypt(row.phone)


def _event_row(external_id: str, respondent_id: int, batch_id: uuid.UUID) -> tuple:
    return (
        "order-platform",
        external_id,
        "order.delivered",
        AT,
        AT,
        respondent_id,
        {"city": "上海", "n": 3, "night": True, "rider": None},
        batch_id,
    )


def test_rows_insert_writes_exactly_the_values_given_and_the_defaults() -> None:
    # given an event, and two suppression rows as tuples (one without rule or survey)
    event = EventFactory()
    other = EventFactory()
    rule = DistributionRuleFactory()
    columns = ("event_id", "respondent_id", "survey_id", "rule_id", "reason", "detail")
    rows = [
        (event.id, event.respondent_id, rule.survey_id, rule.id, "fatigue", {"fatigue_days": 14, "中": "文"}),
        (other.id, other.respondent_id, None, None, "no_rule", {}),
    ]
    # when they are inserted
    before = dt.datetime.now(dt.UTC)
    rows_insert(Suppression, columns, rows)
    # then each column holds the value given, and created_at a time stamp of this call
    stored = list(
        Suppression.objects.order_by("id").values_list(
            "event_id", "respondent_id", "survey_id", "rule_id", "reason", "detail", "created_at"
        )
    )
    assert [row[:6] for row in stored] == rows
    after = dt.datetime.now(dt.UTC)
    assert all(before <= row[6] <= after for row in stored)


def test_rows_insert_fills_the_columns_not_named_with_their_defaults() -> None:
    # given an invitation row naming only the columns without a usable default
    version = SurveyVersionFactory()
    event = EventFactory()
    public_id = uuid.uuid4()
    columns = (
        "public_id",
        "token_hash",
        "survey_id",
        "survey_version_id",
        "event_id",
        "respondent_id",
        "channel",
        "locale",
        "due_at",
        "expires_at",
    )
    row = (
        public_id,
        "a" * 64,
        version.survey_id,
        version.id,
        event.id,
        event.respondent_id,
        "email",
        "en",
        AT,
        AT,
    )
    # when it is inserted
    before = dt.datetime.now(dt.UTC)
    rows_insert(Invitation, columns, [row])
    after = dt.datetime.now(dt.UTC)
    # then the others hold the model's defaults, as Invitation.objects.create would store them
    invitation = Invitation.objects.get(public_id=public_id)
    assert (
        invitation.status,
        invitation.channels,
        invitation.context,
        invitation.rule_id,
        invitation.deferred_reason,
        invitation.reminders_sent,
        invitation.attempts,
        invitation.last_error,
        invitation.sent_at,
        invitation.next_reminder_at,
    ) == ("scheduled", [], {}, None, "", 0, 0, "", None, None)
    assert before <= invitation.created_at <= after
    assert before <= invitation.updated_at <= after


def test_a_column_that_needs_a_value_per_row_must_be_named() -> None:
    # given invitation rows without public_id (its default, uuid4, differs per row)
    event = EventFactory()
    columns = ("token_hash", "survey_id", "survey_version_id", "event_id", "respondent_id", "channel")
    # when inserted, then refused before anything is written
    with pytest.raises(ValueError, match=r"Invitation\.public_id needs a value per row"):
        rows_insert(Invitation, columns, [("b" * 64, 1, 1, event.id, event.respondent_id, "email")])
    assert Invitation.objects.count() == 0


def test_an_unknown_column_is_refused() -> None:
    with pytest.raises(ValueError, match="Suppression has no column respondent"):
        rows_insert(Suppression, ("event_id", "respondent", "reason"), [(1, 1, "no_rule")])
    assert Suppression.objects.count() == 0


def test_rows_insert_ignore_keeps_existing_rows_and_writes_the_new_ones_exactly() -> None:
    # given an event already stored, and a batch of three holding it again
    respondent = RespondentFactory()
    existing = EventFactory(external_id="o-2", respondent=respondent, attributes={"city": "北京"})
    batch_id = uuid.uuid4()
    rows = [_event_row(f"o-{n}", respondent.id, batch_id) for n in (1, 2, 3)]
    # when inserted, ignoring conflicts
    inserted = rows_insert_ignore(ServiceEvent, EVENT_COLUMNS, rows, returning=["id", "external_id"])
    # then the stored event is untouched, and the two new ones hold exactly the values given
    existing.refresh_from_db()
    assert existing.attributes == {"city": "北京"}
    new = ServiceEvent.objects.filter(batch_id=batch_id).order_by("external_id")
    assert [tuple(getattr(e, name) for name in EVENT_COLUMNS) for e in new] == [rows[0], rows[2]]
    if connection.vendor == "postgresql":
        # RETURNING names the rows inserted, in the order given
        assert inserted == [(new[0].id, "o-1"), (new[1].id, "o-3")]
    else:
        assert inserted is None  # the caller reads them back by batch_id


def test_rows_insert_ignore_of_nothing_writes_nothing() -> None:
    assert rows_insert_ignore(ServiceEvent, EVENT_COLUMNS, [], returning=["id"]) == []
    rows_insert(Suppression, ("event_id", "respondent_id", "reason"), [])
    assert ServiceEvent.objects.count() == 0
    assert Suppression.objects.count() == 0


# --- respondents ---------------------------------------------------------------------------


def _upsert(*updates: tuple[dt.datetime, RespondentInput]) -> dict:
    with transaction.atomic():
        return respondents_upsert(updates=list(updates))


def test_respondents_upsert_creates_the_new_and_returns_rows_with_their_ids() -> None:
    # given two new respondents, one of them in two events
    first = RespondentInput(type="customer", ref="c1", email="old@example.com", locale="en")
    newer = RespondentInput(type="customer", ref="c1", phone="+8613812345678")
    second = RespondentInput(type="merchant", ref="m1", timezone="Asia/Shanghai")
    # when upserted
    rows = _upsert((AT, first), (AT + dt.timedelta(hours=1), newer), (AT, second))
    # then each is stored once with the newest contact data, and returned as stored
    stored = {(r.type, r.ref): r for r in Respondent.objects.all()}
    assert set(rows) == set(stored) == {("customer", "c1"), ("merchant", "m1")}
    for key, row in rows.items():
        assert row == _stored(stored[key].id)
    # the contact data is stored encrypted, with its keyed hashes beside it
    assert _clear(rows[("customer", "c1")]) == ("old@example.com", "+8613812345678")
    assert (stored[("customer", "c1")].email, stored[("customer", "c1")].phone) == (
        "old@example.com",
        "+8613812345678",
    )
    assert rows[("customer", "c1")].email.startswith("gAAAAA")
    assert "old@example.com" not in rows[("customer", "c1")].email
    assert (rows[("customer", "c1")].email_hash, rows[("customer", "c1")].phone_hash) == (
        contact_hash(EMAIL, "old@example.com"),
        contact_hash(PHONE, "+8613812345678"),
    )
    assert (rows[("merchant", "m1")].email, rows[("merchant", "m1")].email_hash) == ("", "")
    assert rows[("customer", "c1")].contact_updated_at == AT + dt.timedelta(hours=1)


def test_respondents_upsert_updates_a_known_respondent_from_newer_events_only() -> None:
    # given a known respondent, opted out, with contact data as of AT
    known = RespondentFactory(
        ref="c9", email="a@example.com", phone="", locale="zh-hans", timezone="", contact_updated_at=AT
    )
    Respondent.objects.filter(pk=known.pk).update(opted_out_at=AT)
    # when an older and a newer event bring contact data
    older = RespondentInput(type="customer", ref="c9", email="older@example.com")
    newer = RespondentInput(type="customer", ref="c9", locale="en", timezone="Europe/Berlin")
    rows = _upsert((AT - dt.timedelta(days=1), older), (AT + dt.timedelta(minutes=5), newer))
    # then only the newer one applies; opt-out stays; the row returned is the row stored
    known.refresh_from_db()
    assert (known.email, known.locale, known.timezone, known.opted_out_at, known.contact_updated_at) == (
        "a@example.com",
        "en",
        "Europe/Berlin",
        AT,
        AT + dt.timedelta(minutes=5),
    )
    assert rows[("customer", "c9")] == _stored(known.id)
    assert _clear(rows[("customer", "c9")]) == ("a@example.com", "")
    assert rows[("customer", "c9")].email_hash == contact_hash(EMAIL, "a@example.com")
    assert Respondent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_respondents_upsert_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        respondents_upsert(updates=[(AT, RespondentInput(type="customer", ref="c1"))])
    assert Respondent.objects.count() == 0


def test_respondents_upsert_writes_each_known_respondent_its_own_contact_data() -> None:
    # given three known respondents, and a batch with newer contact data for two of them
    one, two, three = (
        RespondentFactory(
            ref=ref, email=f"{ref}@example.com", phone="", locale="zh-hans", contact_updated_at=AT
        )
        for ref in ("k1", "k2", "k3")
    )
    later = AT + dt.timedelta(hours=2)
    # when upserted
    rows = _upsert(
        (later, RespondentInput(type="customer", ref="k1", phone="+8613812345678")),
        (later, RespondentInput(type="customer", ref="k2", email="new@example.com", locale="en")),
        (AT - dt.timedelta(hours=1), RespondentInput(type="customer", ref="k3", email="stale@example.com")),
    )
    # then each row holds its own new data, the third is untouched, and the rows returned agree
    stored = {
        r.ref: (r.email, r.phone, r.locale, r.contact_updated_at) for r in Respondent.objects.order_by("ref")
    }
    assert stored == {
        "k1": ("k1@example.com", "+8613812345678", "zh-hans", later),
        "k2": ("new@example.com", "", "en", later),
        "k3": ("k3@example.com", "", "zh-hans", AT),
    }
    assert {key[1]: (*_clear(row), row.locale, row.contact_updated_at) for key, row in rows.items()} == stored
    assert {key[1]: (row.email_hash, row.phone_hash) for key, row in rows.items()} == {
        "k1": (contact_hash(EMAIL, "k1@example.com"), contact_hash(PHONE, "+8613812345678")),
        "k2": (contact_hash(EMAIL, "new@example.com"), ""),
        "k3": (contact_hash(EMAIL, "k3@example.com"), ""),
    }
    for respondent, touched in ((one, True), (two, True), (three, False)):
        updated_at = respondent.updated_at
        respondent.refresh_from_db()
        assert (respondent.updated_at > updated_at) is touched
