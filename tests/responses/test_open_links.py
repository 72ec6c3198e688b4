"""Open (anonymous) links: one response per browser, their context, QR codes, closing, demo links."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from responses.models import Invitation, OpenLink, Response
from responses.respondent_views import open_link_qr
from tests.responses.factories import SurveyVersionFactory, open_link, survey_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def test_an_open_link_takes_one_response_per_browser(client) -> None:
    # given an open link printed as a QR code in store 1024
    link = open_link()
    # when a customer opens it, answers and sends
    page = client.get(f"/o/{link.slug}/")
    assert page.status_code == 200
    assert "配送体验调查" in page.content.decode()
    done = client.post(f"/o/{link.slug}/", {"q_nps": "8"})
    assert (done.status_code, done["Location"]) == (302, f"/o/{link.slug}/done/")
    assert "感谢您的反馈！" in client.get(f"/o/{link.slug}/done/").content.decode()
    # then the same browser is told it already answered
    again = client.get(f"/o/{link.slug}/")
    assert "您已经回答过了" in again.content.decode()
    assert client.post(f"/o/{link.slug}/", {"q_nps": "1"}).status_code == 409
    # and another browser may answer once more
    Client().post(f"/o/{link.slug}/", {"q_nps": "10"})
    responses = Response.objects.order_by("id")
    assert [dict(r.answers.values_list("question_key", "value")) for r in responses] == [
        {"nps": 8},
        {"nps": 10},
    ]
    assert [r.status for r in responses] == ["completed", "completed"]
    # each with the link's attributes as its context, and no invitation
    assert responses[0].context == {
        "origin": "open_link",
        "open_link": str(link.public_id),
        "attributes": {"store_id": "1024", "city": "上海", "channel": "qr"},
        "channel": "qr",
        "respondent_type": "customer",
    }
    assert responses[0].invitation_id is None and responses[0].client_key != responses[1].client_key
    assert Invitation.objects.count() == 0


def test_the_browser_cookie_is_signed_httponly_and_limited_to_the_link(client) -> None:
    link = open_link()
    page = client.get(f"/o/{link.slug}/")
    cookie = next(c for name, c in page.cookies.items() if name.startswith("voc_o_"))
    assert (cookie["path"], cookie["httponly"], cookie["samesite"]) == (f"/o/{link.slug}/", True, "Lax")
    # a forged cookie value is not trusted: a fresh one is issued
    client.cookies[cookie.key] = "forged"
    again = client.get(f"/o/{link.slug}/")
    assert again.cookies[cookie.key].value != "forged"


def test_an_open_link_resumes_a_partial_answer_in_the_same_browser(client) -> None:
    link = open_link()
    client.get(f"/o/{link.slug}/")
    client.post(f"/o/{link.slug}/", {"q_nps": "3"})  # reason is required for detractors
    page = client.get(f"/o/{link.slug}/").content.decode()
    assert 'id="q-nps-3" value="3" checked' in page
    assert Response.objects.get().status == "in_progress"


def test_open_links_follow_the_browsers_language(client) -> None:
    link = open_link()
    page = client.get(f"/o/{link.slug}/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "en"
    assert "How likely are you to recommend us?" in page.content.decode()
    chinese = Client().get(f"/o/{link.slug}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}],
)
@pytest.mark.parametrize(("lang", "title"), [("zh-hans", "此问卷未开放"), ("en", "This survey is not open")])
def test_a_closed_open_link_takes_no_answers(client, change, lang, title) -> None:
    link = open_link()
    OpenLink.objects.filter(pk=link.pk).update(**change)
    page = client.get(f"/o/{link.slug}/?lang={lang}")
    assert page.status_code == 410
    assert f'<h1 class="survey-title">{title}</h1>' in page.content.decode()
    assert client.post(f"/o/{link.slug}/", {"q_nps": "5"}).status_code == 410
    assert Response.objects.count() == 0


def test_an_unknown_open_link_is_a_404(client) -> None:
    open_link()
    assert client.get("/o/not-a-real-slug/").status_code == 404
    assert client.get("/o/not-a-real-slug/qr.svg").status_code == 404


def test_an_open_link_answers_the_latest_version(client) -> None:
    link = open_link()
    first = link.survey.versions.get()
    latest = SurveyVersionFactory(survey=link.survey, number=first.number + 1, definition=first.definition)
    client.post(f"/o/{link.slug}/", {"q_nps": "9"})
    assert Response.objects.get().survey_version == latest


@override_settings(RESPONDENT_THROTTLE_RATES={"post_ip": "2/min"})
def test_open_links_are_throttled_per_ip() -> None:
    link = open_link()
    codes = [
        Client().post(f"/o/{link.slug}/", {"q_nps": "9"}, REMOTE_ADDR="10.1.1.1").status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Response.objects.count() == 2


def test_the_qr_codes_encode_the_link(client, settings) -> None:
    import segno

    settings.SITE_URL = "https://voc.example.com"
    link = open_link()
    svg = client.get(f"/o/{link.slug}/qr.svg")
    png = client.get(f"/o/{link.slug}/qr.png")
    assert (svg.status_code, svg["Content-Type"]) == (200, "image/svg+xml")
    assert (png.status_code, png["Content-Type"]) == (200, "image/png")
    assert svg.content.startswith(b"<svg") and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    # the same matrix segno makes for the link's address
    expected = io.BytesIO()
    segno.make(f"https://voc.example.com/o/{link.slug}/", error="m").save(
        expected, kind="png", scale=10, border=4
    )
    assert png.content == expected.getvalue() == open_link_qr(link, "png")
    assert "max-age=3600" in png["Cache-Control"]


def test_the_open_link_admin_shows_the_link_and_its_qr_code(admin_client, settings) -> None:
    settings.SITE_URL = "https://voc.example.com"
    link = open_link()
    page = admin_client.get(f"/admin/responses/openlink/{link.pk}/change/").content.decode()
    assert f"https://voc.example.com/o/{link.slug}/" in page
    assert f'<img src="/o/{link.slug}/qr.svg"' in page
    assert f'href="/o/{link.slug}/qr.png" download' in page


def test_the_open_link_admin_refuses_nested_attributes(admin_client) -> None:
    version = survey_version()
    page = admin_client.post(
        "/admin/responses/openlink/add/",
        {
            "survey": version.survey.pk,
            "name": "Store",
            "attributes": '{"store": {"id": 1}}',
            "is_active": "on",
        },
    )
    assert page.status_code == 200
    assert "Attributes must be a flat JSON object" in page.content.decode()
    assert OpenLink.objects.count() == 0


def test_demo_links_make_an_invitation_and_an_open_link(tmp_path: Path, settings) -> None:
    settings.BASE_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8000"
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    call_command("respondent_demo_links", stdout=io.StringIO())
    call_command("respondent_demo_links", stdout=io.StringIO())  # idempotent
    lines = (tmp_path / "var" / "demo_links.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert (OpenLink.objects.count(), Invitation.objects.count()) == (1, 1)
    invitation_url = lines[0].split()[-1]
    assert invitation_url.startswith("http://127.0.0.1:8000/s/")
    path = invitation_url.removeprefix("http://127.0.0.1:8000")
    assert "外卖配送体验调查" in Client().get(path).content.decode()
    assert lines[1].split()[-1] == f"http://127.0.0.1:8000/o/{OpenLink.objects.get().slug}/"
    assert Invitation.objects.get().expires_at > timezone.now()
