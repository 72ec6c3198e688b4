"""The opt-out page: both languages, CSRF, one click from a mail client, unknown tokens."""

import pytest
from django.test import Client

from responses.models import Respondent
from responses.tokens import optout_link, optout_token
from tests.responses.factories import RespondentFactory

pytestmark = pytest.mark.django_db


def _path(respondent: Respondent) -> str:
    return f"/s/optout/{optout_token(respondent)}/"


@pytest.mark.parametrize(
    ("locale", "heading", "button"),
    [
        ("zh-hans", "不再接收问卷邀请？", "是的，停止所有问卷邀请"),
        ("en", "Stop survey invitations?", "Yes, stop all survey invitations"),
    ],
)
def test_get_shows_the_confirmation_in_the_respondents_language(client, locale, heading, button) -> None:
    person = RespondentFactory(locale=locale, email="wang.fang@example.com", phone="+8613812345678")

    response = client.get(_path(person))

    assert response.status_code == 200
    page = response.content.decode()
    assert heading in page
    assert button in page
    assert f'<html lang="{locale}">' in page
    assert response["Content-Language"] == locale
    # no contact data on the page
    assert "wang.fang" not in page
    assert "13812345678" not in page
    assert person.ref not in page
    person.refresh_from_db()
    assert person.opted_out_at is None


def test_the_language_switch_overrides_the_respondents_language(client) -> None:
    person = RespondentFactory(locale="zh-hans")

    response = client.get(_path(person) + "?lang=en")

    assert "Stop survey invitations?" in response.content.decode()
    assert f'href="{_path(person)}?lang=zh-hans"' in response.content.decode()


@pytest.mark.parametrize(
    ("locale", "confirmation"),
    [("zh-hans", "您将不再收到问卷邀请"), ("en", "You will not receive survey invitations any more")],
)
def test_post_opts_out_and_confirms(client, locale, confirmation) -> None:
    person = RespondentFactory(locale=locale)

    response = client.post(_path(person))

    assert response.status_code == 200
    assert confirmation in response.content.decode()
    person.refresh_from_db()
    assert person.opted_out_at is not None


def test_post_without_the_csrf_token_is_refused_and_changes_nothing() -> None:
    person = RespondentFactory()
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post(_path(person))

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.opted_out_at is None


def test_one_click_post_from_a_mail_client_opts_out_without_csrf() -> None:
    person = RespondentFactory()
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        optout_link(person).replace("http://127.0.0.1:8000", "") + "one-click/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.opted_out_at is not None


def test_one_click_needs_the_exact_body() -> None:
    person = RespondentFactory()

    response = Client(enforce_csrf_checks=True).post(_path(person) + "one-click/", data={"x": "1"})

    assert response.status_code == 400
    person.refresh_from_db()
    assert person.opted_out_at is None


@pytest.mark.parametrize(
    "token",
    ["nope", "0" * 32 + ".abc", "not-a-uuid.signature"],
)
def test_unknown_or_forged_token_is_404(client, token) -> None:
    RespondentFactory()

    assert client.get(f"/s/optout/{token}/").status_code == 404
    assert client.post(f"/s/optout/{token}/").status_code == 404
    assert Respondent.objects.filter(opted_out_at__isnull=False).count() == 0


def test_a_token_for_another_respondent_cannot_be_forged(client) -> None:
    person = RespondentFactory()
    other = RespondentFactory()
    forged = f"{other.public_id.hex}.{optout_token(person).split('.')[1]}"

    assert client.post(f"/s/optout/{forged}/").status_code == 404
    assert Respondent.objects.filter(opted_out_at__isnull=False).count() == 0
