"""Invitation and opt-out tokens: derived, unguessable, only hashes stored."""

import hashlib
import uuid

import pytest
from django.test import override_settings

from responses import tokens
from responses.models import Invitation
from responses.selectors import invitation_get_by_token, respondent_get_by_optout_token
from responses.services import events_ingest
from tests.responses.factories import NOW, DistributionRuleFactory, RespondentFactory, event

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
    tokens._key.cache_clear()
    try:
        with override_settings(INVITATION_TOKEN_KEY="another-key"):
            assert tokens.invitation_token(Stub(PUBLIC_ID)) != before
    finally:
        tokens._key.cache_clear()
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
