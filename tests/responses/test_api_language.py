"""API messages follow the caller's Accept-Language: the events API's per-item messages, its
whole-request errors, DRF's own exceptions, a parse error, and the respondent autosave's refusals.
Codes never change with the language."""

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.responses.factories import source_system

pytestmark = pytest.mark.django_db
URL = "/api/v1/events/"
ENGLISH = "en-US,en;q=0.9"
CHINESE = "zh-CN,zh;q=0.9"


@pytest.fixture
def api() -> APIClient:
    _system, key = source_system("order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def post(client: APIClient, body, accept: str | None):
    headers = {} if accept is None else {"HTTP_ACCEPT_LANGUAGE": accept}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


ITEM_MESSAGES = {
    "en": [
        ("source", "required", "source is required."),
        ("external_id", "required", "external_id is required."),
    ],
    "zh-hans": [
        ("source", "required", "source 为必填项。"),
        ("external_id", "required", "external_id 为必填项。"),
    ],
}


# The production default is Chinese: an English caller must still get English.
@override_settings(LANGUAGE_CODE="zh-hans")
@pytest.mark.parametrize(
    ("accept", "language"), [(ENGLISH, "en"), ("en", "en"), (CHINESE, "zh-hans"), (None, "zh-hans")]
)
def test_per_item_messages_follow_accept_language(api, accept, language) -> None:
    response = post(api, {"events": [{"type": "order.delivered"}]}, accept)
    assert (response.status_code, response["Content-Language"]) == (200, language)
    errors = response.json()["results"][0]["errors"]
    assert [(e["field"], e["code"], e["message"]) for e in errors[:2]] == ITEM_MESSAGES[language]


@override_settings(LANGUAGE_CODE="zh-hans")
@pytest.mark.parametrize(
    ("accept", "empty", "parse", "unauthenticated", "wrong_key"),
    [
        (
            ENGLISH,
            "The batch holds no events; send 1 to 1,000.",
            "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            "Authentication credentials were not provided.",
            "The API key is not valid or its source system is disabled.",
        ),
        (
            CHINESE,
            "该批次没有事件，请发送 1 到 1,000 个。",
            "JSON 解析错误 - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            "身份认证信息未提供。",
            "API 密钥无效，或其来源系统已停用。",
        ),
    ],
)
def test_whole_request_errors_follow_accept_language(
    api, accept, empty, parse, unauthenticated, wrong_key
) -> None:
    assert post(api, {"events": []}, accept).json() == {
        "code": "batch_empty",
        "message": empty,
        "details": {},
    }
    assert post(api, "{bad", accept).json() == {"code": "parse_error", "message": parse, "details": {}}
    assert post(APIClient(), {"events": []}, accept).json() == {
        "code": "not_authenticated",
        "message": unauthenticated,
        "details": {},
    }
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer voc_wrong")
    assert post(wrong, {"events": []}, accept).json()["message"] == wrong_key


@pytest.mark.parametrize(
    ("accept", "message"),
    [(ENGLISH, "The page you asked for does not exist."), (CHINESE, "您访问的页面不存在。")],
)
def test_an_unknown_api_address_answers_in_the_callers_language(client, accept, message) -> None:
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.json() == {"code": "not_found", "message": message, "details": {}}


@pytest.mark.parametrize(
    ("accept", "bad_body", "unknown"),
    [
        (ENGLISH, 'Send {"fields": {...}} as JSON.', "This link does not work"),
        (CHINESE, '请以 JSON 发送 {"fields": {...}}。', "此链接无法使用"),
    ],
)
def test_autosave_refusals_are_in_the_respondents_language(client, accept, bad_body, unknown) -> None:
    from tests.responses.factories import invitation

    _sent, token = invitation()
    # a survey in Chinese and English; the invitation's own locale is Chinese, so ?lang= decides
    lang = "en" if accept == ENGLISH else "zh-hans"
    reply = client.post(f"/s/{token}/autosave/?lang={lang}", data="[", content_type="application/json")
    assert reply.json() == {"code": "bad_request", "message": bad_body}
    reply = client.post(
        "/s/no-such-token/autosave/", data="{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE=accept
    )
    assert (reply.status_code, reply.json()) == (404, {"code": "not_found", "message": unknown})


def test_the_locale_middleware_runs_after_the_session_and_before_common_and_authentication() -> None:
    from django.conf import settings

    order = settings.MIDDLEWARE
    locale = order.index("django.middleware.locale.LocaleMiddleware")
    assert order.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < order.index("django.middleware.common.CommonMiddleware")
    assert locale < order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
