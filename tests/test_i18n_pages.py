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


@pytest.mark.django_db
def test_team_and_taxonomy_lists_and_a_viewers_team_page_show_names_as_text(admin_client, client) -> None:
    from django.contrib.auth.models import Group, User

    from analysis.models import Taxonomy
    from cases.models import Team
    from surveys.roles import VIEWERS

    team = Team.objects.create(key="delivery", name={"zh-hans": "配送组", "en": "Delivery team"})
    Taxonomy.objects.create(key="food", name={"zh-hans": "外卖", "en": "Food delivery"})
    named = (
        '<dl class="locale-text"><div><dt>简体中文</dt><dd lang="zh-hans">{}</dd></div>'
        '<div><dt>English</dt><dd lang="en">{}</dd></div></dl>'
    )
    teams = admin_client.get("/admin/cases/team/").content.decode()
    assert named.format("配送组", "Delivery team") in teams
    taxonomies = admin_client.get("/admin/analysis/taxonomy/").content.decode()
    assert named.format("外卖", "Food delivery") in taxonomies
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.groups.add(Group.objects.get(name=VIEWERS))
    client.force_login(viewer)
    page = client.get(f"/admin/cases/team/{team.pk}/change/").content.decode()
    assert named.format("配送组", "Delivery team") in page
    assert "&quot;zh-hans&quot;" not in page
