"""Contact data at rest: encrypted columns, keyed hashes, ingestion, channels, key rotation, the
data migration and the masked admin."""

import base64
import json
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from ops.contacts import EMAIL, PHONE, ContactDecryptError, contact_decrypt, contact_hash
from responses.channels import channel_get
from responses.distribution import delivery
from responses.distribution.lifecycle import invitation_message
from responses.models import Respondent
from responses.services.contact_keys import contacts_rotate
from tests.factories import UserFactory
from tests.responses.factories import InvitationFactory, RespondentFactory, event, source_system

pytestmark = pytest.mark.django_db

OLD_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()


def _stored(pk: int) -> tuple[str, str, str, str]:
    """email, phone, email_hash, phone_hash as the table holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone, email_hash, phone_hash FROM responses_respondent WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def _post(client: APIClient, *events: dict):
    return client.post(
        "/api/v1/events/", data=json.dumps({"events": list(events)}), content_type="application/json"
    )


def test_an_orm_save_stores_ciphertext_and_hashes_and_reads_clear_text() -> None:
    respondent = RespondentFactory(email="li.lei@example.com", phone="+8613800000001")
    email, phone, email_hash, phone_hash = _stored(respondent.pk)
    assert email.startswith("gAAAAA") and "li.lei" not in email
    assert phone.startswith("gAAAAA") and "13800000001" not in phone
    assert (contact_decrypt(email), contact_decrypt(phone)) == ("li.lei@example.com", "+8613800000001")
    assert (email_hash, phone_hash) == (
        contact_hash(EMAIL, "li.lei@example.com"),
        contact_hash(PHONE, "+8613800000001"),
    )
    fresh = Respondent.objects.get(pk=respondent.pk)
    assert (fresh.email, fresh.phone) == ("li.lei@example.com", "+8613800000001")
    # values() across a relation decrypts too (the exports read contact data this way)
    assert list(Respondent.objects.filter(pk=respondent.pk).values_list("email", flat=True)) == [
        "li.lei@example.com"
    ]


def test_the_keyed_hash_normalises_and_depends_on_the_key(settings) -> None:
    assert contact_hash(EMAIL, " Li.Lei@Example.COM ") == contact_hash(EMAIL, "li.lei@example.com")
    assert contact_hash(PHONE, "+86 138-0000-0001") == contact_hash(PHONE, "+8613800000001")
    assert contact_hash(EMAIL, "") == ""
    assert len(contact_hash(EMAIL, "a@b.cn")) == 64
    before = contact_hash(EMAIL, "a@b.cn")
    settings.CONTACT_HASH_KEY = "another-hash-key-of-at-least-32-characters"
    assert contact_hash(EMAIL, "a@b.cn") != before


def test_the_encrypted_columns_cannot_be_searched() -> None:
    RespondentFactory(email="li.lei@example.com")
    with pytest.raises(TypeError, match="encrypted"):
        Respondent.objects.filter(email="li.lei@example.com").count()
    with pytest.raises(TypeError, match="encrypted"):
        Respondent.objects.filter(email__icontains="li.lei").count()
    assert Respondent.objects.filter(email="").count() == 0
    assert Respondent.objects.filter(email_hash=contact_hash(EMAIL, "li.lei@example.com")).count() == 1


def test_ingestion_encrypts_and_reencrypts_only_a_changed_address() -> None:
    _system, key = source_system("order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    person = {"type": "customer", "ref": "c-1", "email": "li.lei@example.com", "phone": "13800000001"}
    assert _post(client, event("e-1", respondent=person)).status_code in (200, 201, 207)
    respondent = Respondent.objects.get(ref="c-1")
    first = _stored(respondent.pk)
    assert first[0].startswith("gAAAAA") and contact_decrypt(first[1]) == "+8613800000001"
    assert first[2:] == (contact_hash(EMAIL, "li.lei@example.com"), contact_hash(PHONE, "+8613800000001"))

    # the same address again (a newer event): the stored ciphertext is not rewritten
    _post(client, event("e-2", respondent=person, occurred_at="2026-05-02T12:00:00+08:00"))
    assert _stored(respondent.pk) == first

    # a new address: encrypted and hashed anew, the phone untouched
    changed = {**person, "email": "han.meimei@example.com"}
    _post(client, event("e-3", respondent=changed, occurred_at="2026-05-03T12:00:00+08:00"))
    email, phone, email_hash, phone_hash = _stored(respondent.pk)
    assert contact_decrypt(email) == "han.meimei@example.com"
    assert (phone, phone_hash) == (first[1], first[3])
    assert email_hash == contact_hash(EMAIL, "han.meimei@example.com")


def test_the_channels_send_to_the_decrypted_address(settings, tmp_path) -> None:
    invitation = InvitationFactory(respondent=RespondentFactory(email="li.lei@example.com"))
    delivery.invitation_send(invitation_id=invitation.pk, now=invitation.due_at)
    assert [message.to for message in mail.outbox] == [["li.lei@example.com"]]

    settings.SMS_BACKEND = "responses.channels.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    sms = InvitationFactory(channel="sms", respondent=RespondentFactory(phone="+8613800000009"))
    channel_get("sms").send(sms, message=invitation_message(invitation=sms))
    (written,) = tmp_path.iterdir()
    assert "To: +8613800000009\n" in written.read_text(encoding="utf-8")


def test_key_rotation_reencrypts_every_row_with_the_first_key(settings, capsys) -> None:
    # given rows encrypted with the old key
    settings.CONTACT_ENCRYPTION_KEYS = [OLD_KEY]
    people = [RespondentFactory(email=f"p{i}@example.com", phone="") for i in range(3)]
    RespondentFactory(email="", phone="")  # nothing to rotate
    # when a new key is put first and the command runs
    settings.CONTACT_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("contacts_rotate_key", "--batch-size", "2", "--no-progress")
    assert (
        "3 respondents with contact data checked, 3 re-encrypted with the first key."
        in capsys.readouterr().out
    )
    # then the old key can go: every row decrypts with the new key alone, hashes unchanged
    settings.CONTACT_ENCRYPTION_KEYS = [NEW_KEY]
    for person in people:
        email, _phone, email_hash, _ = _stored(person.pk)
        assert Fernet(NEW_KEY.encode()).decrypt(email.encode()).decode() == person.email
        assert email_hash == contact_hash(EMAIL, person.email)
        assert Respondent.objects.get(pk=person.pk).email == person.email
    # and a second run finds nothing left to do
    assert contacts_rotate() == type(contacts_rotate())(3, 0)


def test_a_row_no_configured_key_decrypts_is_an_error_not_a_blank(settings) -> None:
    settings.CONTACT_ENCRYPTION_KEYS = [OLD_KEY]
    person = RespondentFactory(email="li.lei@example.com")
    settings.CONTACT_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(ContactDecryptError, match="contacts_rotate_key"):
        Respondent.objects.get(pk=person.pk)


def test_the_data_migration_encrypts_existing_rows_and_is_reversible() -> None:
    from importlib import import_module

    migration = import_module("responses.migrations.0005_respondent_contact_encrypted_response_anonymised")
    # given rows written before encryption: clear text, no hashes
    with connection.cursor() as cursor:
        for ref, email, phone in [
            ("m1", "old@example.com", "+8613800000002"),
            ("m2", "", ""),
            ("m3", "", "+4915112345678"),
        ]:
            cursor.execute(
                "INSERT INTO responses_respondent (public_id, type, ref, email, phone, email_hash, "
                "phone_hash, locale, timezone, created_at, updated_at) VALUES (gen_random_uuid(), "
                "'customer', %s, %s, %s, '', '', '', '', now(), now())",
                [ref, email, phone],
            )
    ids = dict(Respondent.objects.values_list("ref", "pk"))
    editor = SimpleNamespace(connection=connection)
    migration.BATCH = 2
    # when the migration runs (twice: a rerun changes nothing)
    migration.contacts_encrypt(None, editor)
    once = {ref: _stored(pk) for ref, pk in ids.items()}
    migration.contacts_encrypt(None, editor)
    assert {ref: _stored(pk) for ref, pk in ids.items()} == once
    # then each row is encrypted and hashed
    assert contact_decrypt(once["m1"][0]) == "old@example.com"
    assert once["m1"][2:] == (contact_hash(EMAIL, "old@example.com"), contact_hash(PHONE, "+8613800000002"))
    assert once["m2"] == ("", "", "", "")
    assert (once["m3"][0], contact_decrypt(once["m3"][1]), once["m3"][2]) == ("", "+4915112345678", "")
    # and going back restores the clear text
    migration.contacts_decrypt(None, editor)
    assert _stored(ids["m1"]) == ("old@example.com", "+8613800000002", "", "")


def test_the_admin_shows_contact_data_masked_and_finds_it_by_hash(client) -> None:
    RespondentFactory(ref="c-li", email="li.lei@example.com", phone="+8613812345678")
    RespondentFactory(ref="c-han", email="han@example.com", phone="+8613900000000")
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    html = client.get("/admin/responses/respondent/").content.decode()
    assert "l***@example.com" in html and "+86 138****5678" in html
    assert "li.lei@example.com" not in html and "+8613812345678" not in html
    for term in ("LI.LEI@example.com", "138 1234 5678", "c-li"):
        page = client.get("/admin/responses/respondent/", {"q": term}).content.decode()
        assert "c-li" in page and "c-han" not in page, term
    detail = client.get(f"/admin/responses/respondent/{Respondent.objects.get(ref='c-li').pk}/change/")
    assert "l***@example.com" in detail.content.decode()
    assert "li.lei@example.com" not in detail.content.decode()
