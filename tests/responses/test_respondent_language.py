"""Which language a respondent page speaks: an invitation whose event named no locale follows the
browser; an event's locale, ?lang= and the switcher still win; languages are named in their own
words."""

import pytest
from django.core.cache import cache

from responses.distribution.ingestion import events_ingest
from responses.models import Invitation
from tests.responses.factories import (
    NOW,
    DistributionRuleFactory,
    EventFactory,
    RespondentFactory,
    event,
    invitation,
)

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = "en-GB,en;q=0.9"
CHINESE_BROWSER = "zh-CN,zh;q=0.9,en;q=0.5"
ENGLISH_TITLE = "How likely are you to recommend us?"
CHINESE_TITLE = "您向朋友推荐我们的可能性有多大？"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def _without_locale() -> tuple[Invitation, str]:
    """An invitation as events_ingest makes it for an event without respondent.locale."""
    respondent = RespondentFactory(locale="")
    return invitation(
        event=EventFactory(respondent=respondent),
        locale="zh-hans",
        context={
            "attributes": {},
            "locale": "zh-hans",
            "timezone": "Asia/Shanghai",
            "locale_defaulted": True,
        },
    )


def _language(page) -> tuple[str, bool, bool]:
    html = page.content.decode()
    return page["Content-Language"], ENGLISH_TITLE in html, CHINESE_TITLE in html


def test_an_event_without_a_locale_marks_the_invitation_defaulted_and_one_with_a_locale_does_not() -> None:
    DistributionRuleFactory()
    events_ingest(
        source_system=None,
        items=[
            event("e-1", respondent={"type": "customer", "ref": "c-1"}),
            event("e-2", respondent={"type": "customer", "ref": "c-2", "locale": "en"}),
        ],
        now=NOW,
    )
    defaulted = Invitation.objects.get(event__external_id="e-1")
    chosen = Invitation.objects.get(event__external_id="e-2")
    assert (defaulted.locale, defaulted.context["locale"], defaulted.context["locale_defaulted"]) == (
        "zh-hans",
        "zh-hans",
        True,
    )
    assert (chosen.locale, "locale_defaulted" in chosen.context) == ("en", False)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (ENGLISH_BROWSER, ("en", True, False)),
        (CHINESE_BROWSER, ("zh-hans", False, True)),
        ("fr-FR,fr;q=0.9", ("zh-hans", False, True)),  # no language of the survey: its default
        ("fr-FR,en-US;q=0.5", ("en", True, False)),  # the first one the survey is written in
    ],
)
def test_an_invitation_without_a_locale_follows_the_browser(client, header, expected) -> None:
    _sent, token = _without_locale()
    assert _language(client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=header)) == expected


@pytest.mark.parametrize("header", [ENGLISH_BROWSER, CHINESE_BROWSER])
def test_the_error_pages_of_such_an_invitation_follow_the_browser_too(client, header) -> None:
    sent, token = _without_locale()
    Invitation.objects.filter(pk=sent.pk).update(status=Invitation.Status.EXPIRED)
    page = client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=header)
    assert (page.status_code, page["Content-Language"]) == (
        410,
        "en" if header == ENGLISH_BROWSER else "zh-hans",
    )


def test_an_older_invitation_to_a_respondent_without_a_locale_follows_the_browser(client) -> None:
    # Made before invitations recorded locale_defaulted: the respondent's blank locale says so.
    respondent = RespondentFactory(locale="")
    _sent, token = invitation(event=EventFactory(respondent=respondent), locale="zh-hans")
    assert _language(client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)) == ("en", True, False)


@pytest.mark.parametrize(("locale", "header"), [("zh-hans", ENGLISH_BROWSER), ("en", CHINESE_BROWSER)])
def test_an_invitation_whose_event_chose_a_locale_keeps_it_whatever_the_browser(
    client, locale, header
) -> None:
    respondent = RespondentFactory(locale=locale)
    _sent, token = invitation(event=EventFactory(respondent=respondent))
    page = client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=header)
    assert page["Content-Language"] == locale


def test_lang_and_the_switcher_still_win_over_the_browser(client) -> None:
    _sent, token = _without_locale()
    assert _language(client.get(f"/s/{token}/?lang=zh-hans", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)) == (
        "zh-hans",
        False,
        True,
    )
    # remembered for the session
    assert client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)["Content-Language"] == "zh-hans"
    # the switcher posts the form and keeps the answer
    switched = client.post(
        f"/s/{token}/",
        {"locale": "zh-hans", "switch_lang": "en", "q_nps": "8"},
        HTTP_ACCEPT_LANGUAGE=CHINESE_BROWSER,
    )
    assert switched["Location"] == f"/s/{token}/?lang=en"
    page = client.get(switched["Location"], HTTP_ACCEPT_LANGUAGE=CHINESE_BROWSER)
    assert _language(page) == ("en", True, False)
    assert '<input class="scale__input" type="radio" name="q_nps" id="q-nps-8" value="8" checked>' in (
        page.content.decode()
    )


def test_a_resumed_response_keeps_the_language_it_was_answered_in(client) -> None:
    _sent, token = _without_locale()
    # answered in English on one device
    client.post(f"/s/{token}/", {"locale": "en", "switch_lang": "en", "q_nps": "9"})
    # resumed on a Chinese phone
    phone = client.__class__()
    assert phone.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=CHINESE_BROWSER)["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("header", "zh_current", "en_current"),
    [(ENGLISH_BROWSER, "", ' aria-current="true"'), (CHINESE_BROWSER, ' aria-current="true"', "")],
)
def test_the_language_buttons_name_each_language_in_its_own_words(
    client, header, zh_current, en_current
) -> None:
    _sent, token = _without_locale()
    html = client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert f'lang="zh-hans"{zh_current}>简体中文</button>' in html
    assert f'lang="en"{en_current}>English</button>' in html
    assert "英文" not in html
