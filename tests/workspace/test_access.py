"""Who may open each workspace page (config.permissions.WORKSPACE_PAGES): owner, designer,
viewer, superuser; anyone else is sent to the login page."""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from config.permissions import WORKSPACE_PAGES
from tests.workspace.conftest import PERIOD

pytestmark = pytest.mark.django_db

PAGES = ["overview", "painpoints", "topic", "response"]
# role -> the pages it may open (the others answer 403)
ALLOWED = {
    "owner": {"overview", "painpoints", "topic", "response"},
    "viewer": {"overview", "painpoints", "topic", "response"},
    "designer": {"overview", "painpoints", "topic"},
    "superuser": {"overview", "painpoints", "topic", "response"},
}


def _url(page: str, data) -> str:
    return {
        "overview": "/workspace/",
        "painpoints": "/workspace/painpoints/",
        "topic": "/workspace/topics/delivery_time/",
        "response": f"/workspace/responses/{data['responses'][0].pk}/",
    }[page]


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("page", PAGES)
def test_each_role_on_each_page(data, client_for, role, page):
    # given a user of the role
    client = client_for(role)
    # when they open the page
    response = client.get(_url(page, data), {**PERIOD, "survey": data["survey"].key})
    # then it is shown, or refused with 403
    assert response.status_code == (200 if page in ALLOWED[role] else 403)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["anonymous", "nonstaff"])
def test_anyone_else_is_sent_to_the_login_page(data, client_for, page, who):
    client = Client() if who == "anonymous" else client_for("nonstaff")
    url = _url(page, data)
    response = client.get(url, PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/workspace/")


def test_the_funnel_is_a_section_for_whoever_reads_the_funnel(data, client_for):
    # every role of the seed reads the funnel; a staff user without it sees the page without it
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("reader", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_painpoints"))
    client = Client()
    client.force_login(user)
    response = client.get("/workspace/", {**PERIOD, "survey": data["survey"].key})
    assert response.status_code == 200
    assert response.context["funnel"] is None
    assert client_for("viewer").get("/workspace/", PERIOD).context["funnel"] is not None


def test_every_workspace_page_is_in_the_permission_map():
    (resolver,) = [
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "workspace"
    ]
    names = {f"workspace:{p.name}" for p in resolver.url_patterns}
    assert names <= set(WORKSPACE_PAGES)
    assert {"workspace:overview", "workspace:painpoints", "workspace:topic", "workspace:response"} <= names


def test_the_site_root_leads_to_the_workspace_and_the_admin_links_to_it(client_for):
    client = client_for("owner")
    assert Client().get("/")["Location"] == "/workspace/"
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert b'href="/workspace/" id="workspace-link"' in admin.content


@pytest.mark.parametrize(("role", "linked"), [("owner", True), ("viewer", True), ("designer", False)])
def test_verbatims_link_to_responses_only_for_who_may_open_them(data, client_for, role, linked):
    response = client_for(role).get(
        "/workspace/topics/delivery_time/", {**PERIOD, "survey": data["survey"].key}
    )
    assert ('class="ws-verbatim-link"' in response.content.decode()) is linked
    assert "午高峰送餐" in response.content.decode()
