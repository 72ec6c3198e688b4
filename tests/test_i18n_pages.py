"""The language comes from the user's choice first, then Accept-Language."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_accept_language_picks_chinese_admin_login(client) -> None:
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.django_db
def test_chosen_language_wins_over_accept_language(client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/login/"})
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert 'lang="en"' in response.content.decode()


@pytest.mark.django_db
def test_api_not_found_has_error_body(client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "The page you asked for does not exist.",
        "details": {},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["zh-CN,zh;q=0.9", "en"])
@pytest.mark.parametrize("url", ["/admin/", "/workspace/", "/admin/surveys/survey/"])
def test_the_language_switcher_names_each_language_in_its_own_words(admin_client, url, accept) -> None:
    html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    chinese_selected = " selected" if accept.startswith("zh") else ""
    english_selected = "" if accept.startswith("zh") else " selected"
    assert f'<option value="zh-hans" lang="zh-hans"{chinese_selected}>简体中文</option>' in html
    assert f'<option value="en" lang="en"{english_selected}>English</option>' in html
    assert "英文" not in html
