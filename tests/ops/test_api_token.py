"""My API token: every active staff user makes, replaces and revokes their own token; the key is
shown once; each change is in the audit trail without the key."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from rest_framework.authtoken.models import Token

from ops.models import AuditEntry
from ops.services import api_token_create, api_token_revoke
from surveys.roles import PROCESS_OWNERS, SURVEY_DESIGNERS, VIEWERS

pytestmark = pytest.mark.django_db
URL = "/admin/api-token/"


def staff(name: str, group: str | None = None, **kwargs) -> User:
    user = User.objects.create_user(name, password="pw", is_staff=True, **kwargs)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def test_the_page_has_its_address() -> None:
    assert reverse("admin:api_token") == URL


@pytest.mark.parametrize("group", [VIEWERS, PROCESS_OWNERS, SURVEY_DESIGNERS, None])
def test_any_staff_user_makes_their_token_shown_once_and_it_works(client, group) -> None:
    user = staff("ana", group)
    client.force_login(user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert '<p id="api-token-state">You have no API token.</p>' in page.content.decode()

    made = client.post(URL, {"action": "create"}, HTTP_ACCEPT_LANGUAGE="en")
    key = Token.objects.get(user=user).key
    html = made.content.decode()
    assert f'<code id="api-token-key" class="api-token-key">{key}</code>' in html
    assert "no-store" in made["Cache-Control"]
    # never shown again
    again = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert key not in again
    assert "You have an API token, made on" in again
    # and it authenticates the API as this user
    api = client.__class__()
    answer = api.get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == (200 if group in (VIEWERS, PROCESS_OWNERS, SURVEY_DESIGNERS) else 403)


def test_replacing_stops_the_old_token_and_revoking_stops_the_new_one(client) -> None:
    user = staff("ana", VIEWERS)
    client.force_login(user)
    client.post(URL, {"action": "create"})
    old = Token.objects.get(user=user).key
    client.post(URL, {"action": "create"})
    new = Token.objects.get(user=user).key
    assert new != old
    api = client.__class__()
    assert api.get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Token {old}").status_code == 401
    assert api.get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200
    revoked = client.post(URL, {"action": "revoke"})
    assert (revoked.status_code, revoked["Location"]) == (302, URL)
    assert not Token.objects.filter(user=user).exists()
    assert api.get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 401


def test_each_change_is_audited_without_the_key(client) -> None:
    user = staff("ana", VIEWERS)
    client.force_login(user)
    client.post(URL, {"action": "create"})
    client.post(URL, {"action": "create"})
    key = Token.objects.get(user=user).key
    client.post(URL, {"action": "revoke"})
    client.post(URL, {"action": "revoke"})  # nothing left to revoke: nothing recorded
    entries = list(AuditEntry.objects.order_by("at", "pk"))
    assert [(e.action, e.actor_id, e.object_label, e.object_id) for e in entries] == [
        ("ops.api_token.created", user.pk, "auth.user", str(user.pk)),
        ("ops.api_token.replaced", user.pk, "auth.user", str(user.pk)),
        ("ops.api_token.revoked", user.pk, "auth.user", str(user.pk)),
    ]
    assert entries[0].before == {"token_created": None}
    assert entries[2].after == {"token_created": None}
    for entry in entries:
        assert key not in str(entry.before) + str(entry.after) + entry.object_repr


def test_a_user_can_touch_only_their_own_token(client) -> None:
    owner = staff("owner", VIEWERS)
    other_key = api_token_create(user=owner)
    client.force_login(staff("ana", VIEWERS))
    page = client.post(URL, {"action": "revoke", "user": str(owner.pk)})
    assert page.status_code == 302
    assert Token.objects.get(user=owner).key == other_key
    assert other_key not in client.get(URL).content.decode()


@pytest.mark.parametrize("kind", ["anonymous", "not staff", "inactive"])
def test_who_is_not_active_staff_gets_no_page(client, kind) -> None:
    if kind != "anonymous":
        user = User.objects.create_user(
            "x", password="pw", is_staff=kind == "inactive", is_active=kind != "inactive"
        )
        client.force_login(user)
    response = client.post(URL, {"action": "create"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Token.objects.count() == 0


def test_an_unknown_action_is_a_400_naming_it(client) -> None:
    client.force_login(staff("ana"))
    response = client.post(URL, {"action": "steal"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.content.decode()) == (400, "Unknown action: use create or revoke.")


@pytest.mark.parametrize(("accept", "link"), [("en", "My API token"), ("zh-CN,zh;q=0.9", "我的 API 令牌")])
def test_the_admin_and_workspace_link_the_page_in_both_languages(admin_client, accept, link) -> None:
    for url in ("/admin/", "/workspace/"):
        html = admin_client.get(url, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
        assert f'<a href="{URL}" id="api-token-link">{link}</a>' in html


def test_revoking_without_a_token_changes_nothing() -> None:
    user = staff("ana")
    assert api_token_revoke(user=user) is False
    assert AuditEntry.objects.count() == 0


def test_the_page_speaks_chinese_too(client) -> None:
    client.force_login(staff("ana"))
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "API 令牌让脚本以您的身份、按您的权限调用 API（<code>/api/v1/</code>）" in html
    assert '<p id="api-token-state">您还没有 API 令牌。</p>' in html
    made = client.post(URL, {"action": "create"}, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "请立即复制：它只显示这一次。如果丢失，请重新生成一个。" in made
