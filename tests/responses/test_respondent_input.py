"""The respondent POST (/s/<token>/, /o/<slug>/ and their autosave) with hostile bodies.

Whatever the body, the answer is a page, a form error or a 400, never a 500, and what is
stored is what the respondent meant (a character that cannot be stored never reaches the
database).
"""

import pytest
from django.core.cache import cache
from django.test import Client

from responses.models import Response
from tests.responses.factories import invitation, open_link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


@pytest.fixture(params=["invitation", "open_link"])
def page_url(request) -> str:
    if request.param == "invitation":
        _sent, token = invitation()
        return f"/s/{token}/"
    return f"/o/{open_link().slug}/"


def answers() -> dict:
    response = Response.objects.get()
    return dict(response.answers.values_list("question_key", "value"))


def multipart(charset: str, fields: dict[str, bytes]) -> tuple[str, bytes]:
    parts = b"".join(
        b'--xx\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (name.encode(), value)
        for name, value in fields.items()
    )
    return f"multipart/form-data; boundary=xx; charset={charset}", parts + b"--xx--\r\n"


def test_a_lone_surrogate_in_an_autosave_is_stored_as_the_replacement_character(page_url) -> None:
    # given an autosave whose text answer holds a JSON "\ud800" escape
    body = b'{"fields": {"q_nps": "10", "q_praise": "\\ud800 fast"}}'
    # when it is posted
    reply = Client().post(f"{page_url}autosave/", data=body, content_type="application/json")
    # then it is saved, the surrogate replaced as an undecodable byte of a form post is
    assert reply.status_code == 200
    assert reply.json() == {"status": "saved", "saved": ["nps", "praise"], "errors": {}}
    assert answers() == {"nps": 10, "praise": "\ufffd fast"}


def test_an_autosave_nested_100000_levels_is_400(page_url) -> None:
    body = b'{"fields": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = Client().post(f"{page_url}autosave/", data=body, content_type="application/json")
    assert reply.status_code == 400
    # in the invitation's language, Chinese
    assert reply.json() == {"code": "bad_request", "message": '请以 JSON 发送 {"fields": {...}}。'}
    assert not Response.objects.exists()


def test_a_utf7_form_with_a_surrogate_completes_with_the_replacement_character(page_url) -> None:
    # UTF-7 can spell a lone surrogate (+2AA-); Django decodes multipart fields with the charset
    content_type, body = multipart("utf-7", {"q_nps": b"2", "q_reason": b"late", "q_why": b"+2AA- slow"})
    reply = Client().generic("POST", page_url, data=body, content_type=content_type)
    assert reply.status_code == 302
    assert answers() == {"nps": 2, "reason": "late", "why": "\ufffd slow"}


@pytest.mark.parametrize("charset", ["rot13", "hex", "zlib"])
def test_a_form_in_a_codec_that_is_no_text_encoding_is_400_even_with_csrf_checks(page_url, charset) -> None:
    # given a browser session with a CSRF cookie, as a real form post has
    client = Client(enforce_csrf_checks=True)
    client.get(page_url)
    content_type, body = multipart(charset, {"q_nps": b"2", "csrfmiddlewaretoken": b"x"})
    # when the body declares a codec Django would take as its encoding
    reply = client.generic("POST", page_url, data=body, content_type=content_type)
    # then it is a 400 (the CSRF check reads the form first: it used to fail there with a 500)
    assert reply.status_code == 400
    assert "The request could not be understood." in reply.content.decode()
    assert not Response.objects.exists()


def test_nul_and_control_characters_in_a_form_are_dropped_from_text(page_url) -> None:
    reply = Client().post(
        page_url, data={"q_nps": "3", "q_reason": "cold", "q_why": "cold\x00 and\x07 late\r\nagain"}
    )
    assert reply.status_code == 302
    assert answers() == {"nps": 3, "reason": "cold", "why": "cold and late\nagain"}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"q_nps": "9\x00"}, "Choose a value from 0 to 10."),
        ({"q_nps": "1" * 5000}, "Choose a value from 0 to 10."),
        ({"q_nps": "\ufffd"}, "Choose a value from 0 to 10."),
        ({"q_nps": "2", "q_reason": "late\x00"}, "Choose one of the options shown."),
    ],
)
def test_nul_and_odd_values_in_choices_are_form_errors(page_url, fields, error) -> None:
    reply = Client().post(f"{page_url}?lang=en", data=fields)
    assert reply.status_code == 200
    assert error in reply.content.decode()
