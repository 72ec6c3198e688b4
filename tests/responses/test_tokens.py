"""Invitation and opt-out tokens: derived, unguessable, only hashes stored."""

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.test import override_settings

from responses import tokens
from responses.distribution.delivery import invitation_send
from responses.distribution.ingestion import events_ingest
from responses.models import Invitation
from responses.selectors import invitation_get_by_token, respondent_get_by_optout_token
from tests.responses.factories import (
    NOW,
    DistributionRuleFactory,
    InvitationFactory,
    RespondentFactory,
    event,
)

PUBLIC_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


class Stub:
    def __init__(self, public_id: uuid.UUID) -> None:
        self.public_id = public_id


def test_an_invitation_token_carries_256_bits_and_is_stable() -> None:
    token = tokens.invitation_token(Stub(PUBLIC_ID))
    assert len(token) == 43  # 32 bytes, url-safe base64 without padding
    assert token == tokens.invitation_token(Stub(PUBLIC_ID))
    assert token != tokens.invitation_token(Stub(uuid.UUID(int=PUBLIC_ID.int + 1)))
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_token_depends_on_the_key() -> None:
    before = tokens.invitation_token(Stub(PUBLIC_ID))
    tokens._keys.cache_clear()
    try:
        with override_settings(INVITATION_TOKEN_KEY="another-key"):
            assert tokens.invitation_token(Stub(PUBLIC_ID)) != before
    finally:
        tokens._keys.cache_clear()
    assert tokens.invitation_token(Stub(PUBLIC_ID)) == before


def test_token_hash_is_sha256_hex() -> None:
    assert tokens.token_hash("abc") == hashlib.sha256(b"abc").hexdigest()


def test_the_link_contains_the_token() -> None:
    stub = Stub(PUBLIC_ID)
    assert tokens.invitation_link(stub) == f"http://127.0.0.1:8000/s/{tokens.invitation_token(stub)}/"


@pytest.mark.django_db
def test_only_the_hash_is_stored_and_the_token_finds_the_invitation() -> None:
    # given an invitation made by ingestion
    DistributionRuleFactory()
    events_ingest(source_system=None, items=[event()], now=NOW)
    invitation = Invitation.objects.get()
    token = tokens.invitation_token(invitation)
    # then the row holds the hash, never the token, and the token looks it up
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    assert invitation_get_by_token(token) == invitation
    assert invitation_get_by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


@pytest.mark.django_db
def test_an_optout_token_finds_its_respondent_and_a_forged_one_nothing() -> None:
    respondent = RespondentFactory()
    token = tokens.optout_token(respondent)
    head, signature = token.split(".")
    assert head == respondent.public_id.hex
    assert len(signature) == 43
    assert respondent_get_by_optout_token(token) == respondent
    assert tokens.optout_link(respondent) == f"http://127.0.0.1:8000/s/optout/{token}/"
    other = RespondentFactory()
    assert respondent_get_by_optout_token(f"{other.public_id.hex}.{signature}") is None
    assert respondent_get_by_optout_token("not-a-token") is None
    assert respondent_get_by_optout_token(f"{respondent.public_id.hex}.") is None
    # an invitation token for the same id is not an opt-out token
    assert (
        tokens.optout_token_public_id(f"{PUBLIC_ID.hex}.{tokens.invitation_token(Stub(PUBLIC_ID))}") is None
    )


OLD_KEY = "old-secret-key-" + "o" * 20 + "1234567890abcdefghij"
NEW_KEY = "new-secret-key-" + "n" * 20 + "1234567890abcdefghij"


@contextmanager
def signing_keys(secret: str, fallbacks: list[str]) -> Iterator[None]:
    """SECRET_KEY and SECRET_KEY_FALLBACKS for the block, with the token keys made afresh."""
    tokens._keys.cache_clear()
    try:
        with override_settings(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=fallbacks):
            yield
    finally:
        tokens._keys.cache_clear()


@pytest.mark.django_db
def test_an_optout_link_made_before_a_rotation_verifies_with_the_old_key_in_the_fallbacks(client) -> None:
    # given an opt-out link sent under the old key
    respondent = RespondentFactory()
    with signing_keys(OLD_KEY, []):
        token = tokens.optout_token(respondent)
    # when the key is rotated and the old one kept as a fallback
    with signing_keys(NEW_KEY, [OLD_KEY]):
        # then the old link still finds its respondent and its page opens
        assert respondent_get_by_optout_token(token) == respondent
        assert client.get(f"/s/optout/{token}/").status_code == 200
        # and new links are signed with the new key
        assert tokens.optout_token(respondent) != token
    # without the old key among the fallbacks the old link is not genuine any more
    with signing_keys(NEW_KEY, []):
        assert respondent_get_by_optout_token(token) is None
        assert client.get(f"/s/optout/{token}/").status_code == 404


@pytest.mark.django_db
def test_an_invitation_link_made_before_a_rotation_is_rebuilt_and_opens_after_it(client) -> None:
    # given an invitation made (and its link sent) under the old key
    with signing_keys(OLD_KEY, []):
        invitation = InvitationFactory(status=Invitation.Status.SENT)
        old_token = tokens.invitation_token(invitation)
    assert invitation.token_hash == hashlib.sha256(old_token.encode()).hexdigest()
    # when the key is rotated with the old one in the fallbacks
    with signing_keys(NEW_KEY, [OLD_KEY]):
        # then a reminder rebuilds the very link that was sent, and it opens
        assert tokens.invitation_link(invitation) == f"http://127.0.0.1:8000/s/{old_token}/"
        assert client.get(f"/s/{old_token}/").status_code == 200
        # while new invitations get tokens of the new key
        assert tokens.invitation_token_for(invitation.public_id) != old_token
    # without the fallback the page still opens (it looks up the hash, no key needed), but the
    # link can no longer be rebuilt: nothing would send a link that differs from the stored hash
    with signing_keys(NEW_KEY, []):
        assert client.get(f"/s/{old_token}/").status_code == 200
        with pytest.raises(tokens.TokenKeyUnknown):
            tokens.invitation_link(invitation)


@pytest.mark.django_db
def test_a_send_whose_key_was_dropped_fails_for_good_without_a_dead_link() -> None:
    # given a scheduled email invitation made under a key that is no longer configured
    with signing_keys(OLD_KEY, []):
        invitation = InvitationFactory(due_at=NOW, expires_at=NOW + dt.timedelta(days=7))
    # when it is sent under the new key alone
    with signing_keys(NEW_KEY, []):
        outcome = invitation_send(invitation_id=invitation.pk, now=NOW)
    # then nothing is mailed and the invitation fails with the reason
    assert mail.outbox == []
    assert outcome.status == "failed"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.FAILED
    assert invitation.last_error.startswith("email: token_key_unknown")
