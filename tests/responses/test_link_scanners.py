"""Mail gateways, link previews and prefetches get the survey page but never open the invitation."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from responses.models import Invitation, Response
from responses.scanners import request_is_automated, user_agent_is_scanner
from responses.services.funnel import funnel_report
from tests.responses.factories import invitation, open_link

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2183A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/107.0.5304.141 "
    "Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230405 MicroMessenger/8.0.35.2360 WeChat/arm64 NetType/WIFI"
)
CUBOT_PHONE = (
    "Mozilla/5.0 (Linux; Android 11; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
SOGOU_BROWSER = (
    "Mozilla/5.0 (Linux; Android 10; HMA-AL00) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 "
    "Mobile Safari/537.36 SogouMSE,SogouMobileBrowser/5.36.4"
)
OUTLOOK_DESKTOP = "Mozilla/4.0 (compatible; ms-office; MSOffice 16)"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def _stage(sent: Invitation) -> tuple:
    sent.refresh_from_db()
    return sent.status, sent.opened_at is not None, sent.started_at is not None


AUTOMATED = [
    pytest.param("head", {"HTTP_USER_AGENT": IPHONE}, id="HEAD"),
    pytest.param("get", {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Mimecast URL Protect)"}, id="mimecast"),
    pytest.param("get", {"HTTP_USER_AGENT": "Proofpoint URL Defense/1.0"}, id="proofpoint"),
    pytest.param("get", {"HTTP_USER_AGENT": "Barracuda Sentinel (EE)"}, id="barracuda"),
    pytest.param("get", {"HTTP_USER_AGENT": OUTLOOK_DESKTOP}, id="outlook-link-check"),
    pytest.param(
        "get", {"HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0) BingPreview/1.0b"}, id="bing-preview"
    ),
    pytest.param("get", {"HTTP_USER_AGENT": "facebookexternalhit/1.1"}, id="facebook-preview"),
    pytest.param("get", {"HTTP_USER_AGENT": "python-requests/2.32.3"}, id="python-requests"),
    pytest.param("get", {"HTTP_USER_AGENT": "curl/8.5.0"}, id="curl"),
    pytest.param(
        "get", {"HTTP_USER_AGENT": ANDROID_CHROME, "HTTP_SEC_PURPOSE": "prefetch"}, id="sec-purpose"
    ),
    pytest.param(
        "get",
        {"HTTP_USER_AGENT": ANDROID_CHROME, "HTTP_SEC_PURPOSE": "prefetch;prerender"},
        id="sec-purpose-prerender",
    ),
    pytest.param("get", {"HTTP_USER_AGENT": IPHONE, "HTTP_PURPOSE": "prefetch"}, id="purpose"),
    pytest.param("get", {"HTTP_USER_AGENT": IPHONE, "HTTP_X_PURPOSE": "preview"}, id="x-purpose"),
    pytest.param("get", {"HTTP_USER_AGENT": "Firefox/125.0", "HTTP_X_MOZ": "prefetch"}, id="x-moz"),
    pytest.param("get", {"HTTP_USER_AGENT": ANDROID_CHROME, "HTTP_SEC_FETCH_DEST": "empty"}, id="fetch-dest"),
]


@pytest.mark.parametrize(("method", "headers"), AUTOMATED)
def test_an_automated_fetch_gets_the_page_but_does_not_open_the_invitation(method, headers) -> None:
    # given a sent invitation
    sent, token = invitation()
    # when a scanner, a preview or a prefetch fetches its link
    page = getattr(Client(), method)(f"/s/{token}/", **headers)
    # then it gets the page as anybody does
    assert page.status_code == 200
    assert page["Content-Language"] == "zh-hans"
    if method == "get":
        assert "您向朋友推荐我们的可能性有多大？" in page.content.decode()
    # and the invitation is still only sent
    assert _stage(sent) == ("sent", False, False)
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_USER_AGENT": IPHONE}, id="iphone"),
        pytest.param(
            {
                "HTTP_USER_AGENT": ANDROID_CHROME,
                "HTTP_SEC_FETCH_DEST": "document",
                "HTTP_SEC_FETCH_MODE": "navigate",
                "HTTP_SEC_FETCH_USER": "?1",
            },
            id="android-chrome-navigation",
        ),
        pytest.param({"HTTP_USER_AGENT": WECHAT}, id="wechat"),
        pytest.param({"HTTP_USER_AGENT": CUBOT_PHONE}, id="cubot-phone"),
        pytest.param({"HTTP_USER_AGENT": SOGOU_BROWSER}, id="sogou-browser"),
        pytest.param({}, id="no-user-agent"),
    ],
)
def test_a_browser_opening_the_link_marks_it_opened(headers) -> None:
    sent, token = invitation()
    assert Client().get(f"/s/{token}/", **headers).status_code == 200
    assert _stage(sent) == ("opened", True, False)


def test_an_answer_after_a_scanner_fetch_marks_opened_and_started_at_once() -> None:
    # given an invitation whose link a mail gateway fetched
    sent, token = invitation()
    Client().get(f"/s/{token}/", HTTP_USER_AGENT="Mimecast")
    assert _stage(sent) == ("sent", False, False)
    # when the respondent's browser autosaves a first answer (the page view itself was not counted)
    saved = Client().post(
        f"/s/{token}/autosave/",
        data=json.dumps({"locale": "zh-hans", "fields": {"q_nps": ["9"]}}),
        content_type="application/json",
        HTTP_USER_AGENT=IPHONE,
    )
    assert saved.status_code == 200
    # then the invitation is started, and opened at the same instant: never started without opened
    assert _stage(sent) == ("started", True, True)
    assert sent.opened_at == sent.started_at


def test_a_submit_after_a_scanner_fetch_marks_every_stage_at_once() -> None:
    sent, token = invitation()
    Client().head(f"/s/{token}/")
    # an answer is counted whatever the User-Agent says: only a person answers
    answered = Client().post(f"/s/{token}/", {"q_nps": "10"}, HTTP_USER_AGENT=OUTLOOK_DESKTOP)
    assert answered.status_code == 302
    sent.refresh_from_db()
    assert sent.status == "completed"
    assert sent.opened_at == sent.started_at == sent.completed_at is not None


def test_the_funnel_counts_only_the_browser() -> None:
    # given two sent invitations of one survey: one fetched by a gateway only, one also opened
    scanned, scanned_token = invitation()
    _opened, opened_token = invitation(survey_version=scanned.survey_version)
    for token in (scanned_token, opened_token):
        Client().get(f"/s/{token}/", HTTP_USER_AGENT="Proofpoint URL Defense")
    Client().get(f"/s/{opened_token}/", HTTP_USER_AGENT=IPHONE)
    # when the funnel is read
    total = funnel_report(survey=scanned.survey).total
    # then one of the two sent was opened
    assert (total.sent, total.opened, total.started, total.completed) == (2, 1, 0, 0)


@pytest.mark.parametrize("path", ["/o/{slug}/", "/o/{slug}/done/"])
def test_open_link_pages_answer_a_head(path) -> None:
    link = open_link()
    page = Client().head(path.format(slug=link.slug))
    assert (page.status_code, page.content) == ((200, b"") if path == "/o/{slug}/" else (302, b""))


def test_the_thank_you_page_answers_a_head_like_a_get() -> None:
    sent, token = invitation()
    assert Client().head(f"/s/{token}/done/").status_code == 302
    assert _stage(sent) == ("sent", False, False)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        ("Mozilla/5.0 (compatible; Mimecast URL Protect)", True),
        ("MIMECAST", True),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", True),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/124.0.0.0 Safari/537.36", True),
        (IPHONE, False),
        (ANDROID_CHROME, False),
        (WECHAT, False),
        (CUBOT_PHONE, False),
        (SOGOU_BROWSER, False),
        ("", False),
    ],
)
def test_user_agent_is_scanner(user_agent, expected) -> None:
    assert user_agent_is_scanner(user_agent) is expected


def test_request_is_automated_reads_no_more_than_the_headers(rf) -> None:
    assert request_is_automated(rf.get("/", HTTP_USER_AGENT=IPHONE)) is False
    assert request_is_automated(rf.head("/", HTTP_USER_AGENT=IPHONE)) is True
    assert request_is_automated(rf.get("/", HTTP_USER_AGENT=IPHONE, HTTP_SEC_FETCH_DEST="Document")) is False
    assert request_is_automated(rf.get("/", HTTP_USER_AGENT=IPHONE, HTTP_SEC_FETCH_DEST="iframe")) is True
