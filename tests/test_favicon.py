"""The site's icon: a static file, served, linked from the respondent pages, admin and workspace."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.responses.factories import invitation

LINKS = (
    '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
    '<link rel="icon" href="/static/favicon.ico" sizes="32x32">',
)


def test_the_icons_are_static_files() -> None:
    svg = Path(finders.find("favicon.svg")).read_text(encoding="utf-8")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">')
    ico = Path(finders.find("favicon.ico")).read_bytes()
    # an ICO directory of one 32x32 image, stored as PNG
    assert ico[:6] == b"\x00\x00\x01\x00\x01\x00"
    assert (ico[6], ico[7]) == (32, 32)
    assert ico[22:30] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.django_db
def test_the_icons_are_served_and_favicon_ico_leads_to_them(client) -> None:
    assert client.get("/static/favicon.svg")["Content-Type"] == "image/svg+xml"
    redirect = client.get("/favicon.ico")
    assert (redirect.status_code, redirect["Location"]) == (301, "/static/favicon.ico")
    served = client.get(redirect["Location"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content)[:4] == b"\x00\x00\x01\x00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/surveys/survey/", "/admin/surveys/survey/add/", "/workspace/", "/no-such-page/"],
)
def test_the_staff_pages_link_the_icon(admin_client, url) -> None:
    html = admin_client.get(url).content.decode()
    for link in LINKS:
        assert html.count(link) == 1


@pytest.mark.django_db
def test_the_login_page_links_the_icon(client) -> None:
    html = client.get("/admin/login/").content.decode()
    for link in LINKS:
        assert html.count(link) == 1


@pytest.mark.django_db
def test_the_respondent_pages_link_the_icon(client) -> None:
    _sent, token = invitation()
    for url in (f"/s/{token}/", "/s/unknown-token/"):
        html = client.get(url).content.decode()
        for link in LINKS:
            assert html.count(link) == 1
