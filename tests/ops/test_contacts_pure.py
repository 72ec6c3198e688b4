"""Masking and the contact key rules: pure functions, no database."""

import base64

import pytest

from config.contact_keys import (
    DEVELOPMENT_ENCRYPTION_KEY,
    DEVELOPMENT_HASH_KEY,
    contact_keys_problems,
    fernet_key_problem,
)
from ops.masking import email_mask, phone_mask

GOOD_FERNET = base64.urlsafe_b64encode(bytes(range(32))).decode()
GOOD_HASH = "h" * 20 + "0123456789abcdefghij"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("li.lei@example.com", "l***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("  Wang@Example.com ", "W***@Example.com"),
        ("not-an-address", "***"),
        ("@example.com", "***"),
        ("", ""),
    ],
)
def test_email_mask_keeps_the_first_character_and_the_domain(value: str, masked: str) -> None:
    assert email_mask(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+8613812345678", "+86 138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("+4915112345678", "+*********5678"),
        ("13812345678", "*******5678"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_phone_mask_keeps_the_country_code_and_the_last_four_digits(value: str, masked: str) -> None:
    assert phone_mask(value) == masked


def test_fernet_key_problem_names_what_is_wrong() -> None:
    assert fernet_key_problem(GOOD_FERNET) is None
    assert fernet_key_problem(DEVELOPMENT_ENCRYPTION_KEY) is None
    assert (
        fernet_key_problem(base64.urlsafe_b64encode(b"short").decode())
        == "decodes to 5 bytes; a Fernet key is 32"
    )
    assert fernet_key_problem("not base64!") == "is not url-safe base64"


def test_production_contact_keys_are_required_and_never_the_development_ones() -> None:
    assert contact_keys_problems(encryption_keys=[GOOD_FERNET], hash_key=GOOD_HASH) == []
    problems = contact_keys_problems(encryption_keys=[], hash_key="")
    assert problems[:2] == ["CONTACT_ENCRYPTION_KEYS is not set.", "CONTACT_HASH_KEY is not set."]
    problems = contact_keys_problems(
        encryption_keys=[GOOD_FERNET, DEVELOPMENT_ENCRYPTION_KEY], hash_key=DEVELOPMENT_HASH_KEY
    )
    assert problems[:2] == [
        "CONTACT_ENCRYPTION_KEYS: key 2 is the public development key.",
        "CONTACT_HASH_KEY is the public development key.",
    ]
    assert contact_keys_problems(encryption_keys=[GOOD_FERNET], hash_key="short")[0] == (
        "CONTACT_HASH_KEY has 5 characters; at least 32 are needed."
    )
    assert problems[-1].startswith("Generate an encryption key with:")
