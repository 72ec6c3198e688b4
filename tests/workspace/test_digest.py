"""The weekly digest (docs/digest.md): its content on a fixed data set (tests/workspace/
digest_data.py), both languages, escaping, the schedule with a frozen clock, once per week,
opting out, the preview page, the command, and one mail through a real SMTP server."""

import datetime as dt
import email
from email import policy
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from cases.models import StaffProfile, Team, WeeklyDigest
from cases.services import digest_subscription_set
from tests.analysis.platform_factories import BASE, completed
from tests.responses.test_smtp import smtp_server  # noqa: F401 - the loopback SMTP fixture
from tests.workspace.digest_data import SENT_AT, digest_made
from workspace import tasks
from workspace.digest.mail import digest_render, unsubscribe_link, unsubscribe_token
from workspace.digest.services import digest_deliver, due_readers

pytestmark = pytest.mark.django_db
WEEK = dt.date(2026, 5, 11)


def _painpoints(survey: dict) -> list[tuple]:
    return [(t["key"], t["mine"], t["mentions"], t["share"], t["change"]) for t in survey["painpoints"]]


def test_the_digest_content_on_the_fixed_data(data):
    # given the fixed data set and its owner (zh-hans, Shanghai)
    made = digest_made(data)

    # when their digest is read on Monday 2026-05-11 at 09:00 Shanghai time
    content = digest_render(user=made["owner"], now=SENT_AT).content

    # then it covers the week before, against the week before that
    assert (content["date_from"], content["date_to"], content["week"]) == (
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 10),
        WEEK,
    )
    after, hotel = content["surveys"]
    assert (after["key"], after["responses"], after["comments"]) == ("after-delivery", 9, 8)
    # the ranked pain points (the ranking's order, the owner's delivery_ops topics first) and
    # how their share moved: slow delivery 4 of 8 comments, 1 of 1 the week before
    assert _painpoints(after) == [
        ("delivery_time", True, 4, 0.5, -0.5),
        ("food_temperature", True, 2, 0.25, 0.25),
        ("rider_attitude", False, 1, 0.125, 0.125),
        ("packaging_spill", False, 2, 0.25, 0.25),
    ]
    assert after["painpoints"][0]["url"] == (
        "http://127.0.0.1:8000/workspace/topics/delivery_time/"
        "?survey=after-delivery&from=2026-05-04&to=2026-05-10"
    )
    assert after["new_topics"] == []
    # the hotel's topics were discovered on 2026-05-08: new this week, six comments each
    assert [(n["label"], n["mentions"]) for n in hotel["new_topics"]] == [
        ("位置很好 / 地铁站", 6),
        ("隔音太差 / 吵", 6),
        ("早餐 / 品种丰富", 6),
    ]
    assert [(t["label"], t["discovered"], t["mentions"]) for t in hotel["painpoints"]] == [
        ("隔音太差 / 吵", True, 6),
        ("早餐 / 品种丰富", True, 2),
    ]
    assert hotel["painpoints"][0]["url"].startswith(
        f"http://127.0.0.1:8000/workspace/topics/~{hotel['painpoints'][0]['url'].split('~')[1].split('/')[0]}/"
    )
    # the team's cases: two open, both overdue (due 2026-05-05), the resolved one not counted
    cases = content["cases"]
    assert (cases["open"], cases["overdue"]) == (2, 2)
    assert [c["id"] for c in cases["teams"][0]["overdue_cases"]] == [made["cases"][0].pk, made["cases"][1].pk]
    # the action under review: slow delivery in 1 of 1 comments before, 4 of 8 after
    (action,) = content["actions"]
    assert (action["title"], action["topic"], action["days"]) == ("午高峰加派骑手", "配送慢/超时", 8)
    assert (action["before"], action["after"], action["change"]) == (1.0, 0.5, -0.5)
    # the cases touched: the three opened on slow-delivery complaints in the after window
    assert action["cases"] == 3


def test_topics_of_the_readers_teams_come_first(data):
    # given the owner also in merchant_ops (which owns packaging_spill)
    made = digest_made(data)
    Team.objects.create(key="merchant_ops", name={"zh-hans": "商家运营", "en": "Merchant ops"}).members.add(
        made["owner"]
    )
    # when the digest is read
    content = digest_render(user=made["owner"], now=SENT_AT).content
    # then packaging_spill moves up among the owner's teams' topics, keeping its rank number
    assert [(t["key"], t["rank"], t["mine"]) for t in content["surveys"][0]["painpoints"]] == [
        ("delivery_time", 1, True),
        ("food_temperature", 2, True),
        ("packaging_spill", 4, True),
        ("rider_attitude", 3, False),
    ]


def test_the_digest_in_chinese_and_in_english(data):
    made = digest_made(data)
    zh = digest_render(user=made["owner"], now=SENT_AT)
    assert zh.subject == "每周摘要 2026年5月4日 – 2026年5月10日"
    assert "主要痛点" in zh.text and "改进措施评估中" in zh.text
    assert "配送慢/超时 [你的团队]: 50.0% (4), -50.0 pp" in zh.text
    assert "2 个未结，2 个已逾期" in zh.text
    StaffProfile.objects.filter(user=made["owner"]).update(locale="en", timezone="Europe/London")
    en = digest_render(user=made["owner"], now=dt.datetime(2026, 5, 11, 8, 0, tzinfo=dt.UTC))
    assert en.subject == "Weekly digest May 4, 2026 – May 10, 2026"
    assert "Top pain points" in en.text
    assert "Late delivery [your team]: 50.0% (4), -50.0 pp" in en.text
    assert "2 open, 2 overdue" in en.text
    # the deadline in the reader's zone and language: 05:00 UTC is 06:00 in London
    assert "due May 5, 2026, 6 a.m." in en.text
    assert zh.html.startswith("<!DOCTYPE html>") and 'lang="zh-hans"' in zh.html


def test_comment_text_is_escaped_in_the_html(data):
    # given a comment with markup, the only one about the rider that week
    made = digest_made(data)
    response = completed(
        data["version"],
        nps=0,
        why='<img src=x onerror="alert(1)">骑手态度很差',
        attributes={"city": "上海"},
        completed_at=BASE + dt.timedelta(hours=50),
    )
    from analysis.services import response_analyse

    response_analyse(response_id=response.pk)
    rendered = digest_render(user=made["owner"], now=SENT_AT)
    # then the HTML shows it as text, and the text version as it is
    assert "<img src=x" not in rendered.html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;骑手态度很差" in rendered.html
    assert '<img src=x onerror="alert(1)">骑手态度很差' in rendered.text


# -- schedule, once per week, opting out --------------------------------------------------------


def _london_reader() -> User:
    reader = User.objects.create_user("london", email="london@example.com", is_staff=True)
    from django.contrib.auth.models import Group

    reader.groups.add(Group.objects.get(name="process_owners"))
    StaffProfile.objects.create(user=reader, locale="en", timezone="Europe/London")
    return reader


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 5, 11, 0, 55, tzinfo=dt.UTC), set()),  # 08:55 Shanghai, 01:55 London
        (dt.datetime(2026, 5, 11, 1, 0, tzinfo=dt.UTC), {"delivery_ops-lead"}),  # 09:00 Shanghai
        (dt.datetime(2026, 5, 11, 8, 0, tzinfo=dt.UTC), {"delivery_ops-lead", "london"}),  # 09:00 BST
        (dt.datetime(2026, 5, 11, 16, 0, tzinfo=dt.UTC), {"london"}),  # Tuesday in Shanghai
    ],
)
def test_readers_are_due_on_monday_nine_in_their_own_zone(data, now, expected):
    made = digest_made(data)
    _london_reader()
    # a viewer and a designer get no digest; nor does a process owner without an address
    User.objects.create_user("nomail", is_staff=True).groups.add(made["owner"].groups.get())
    due = due_readers(now=now)
    assert {User.objects.get(pk=u).username for u, _week in due} == expected
    assert {week for _u, week in due} <= {WEEK}


def test_two_beats_send_the_week_once(data):
    made = digest_made(data)
    # when beat runs at 09:00 and again at 09:15 (and the task is delivered a second time)
    with time_machine.travel(SENT_AT, tick=False):
        assert tasks.digests_send_due() == 1
    with time_machine.travel(SENT_AT + dt.timedelta(minutes=15), tick=False):
        assert tasks.digests_send_due() == 0
        assert digest_deliver(user_id=made["owner"].pk, week=WEEK) is False
    # then one mail, one row marked sent
    assert len(mail.outbox) == 1
    (row,) = WeeklyDigest.objects.all()
    assert (row.user_id, row.week, row.sent_at, row.error) == (made["owner"].pk, WEEK, SENT_AT, "")
    message = mail.outbox[0]
    assert message.to == [made["owner"].email]
    assert message.subject == "每周摘要 2026年5月4日 – 2026年5月10日"
    assert [mime for _content, mime in message.alternatives] == ["text/html"]
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_link(made['owner'])}>"
    # next Monday is a new week
    with time_machine.travel(SENT_AT + dt.timedelta(days=7), tick=False):
        assert tasks.digests_send_due() == 1
    assert len(mail.outbox) == 2


def test_a_failed_send_is_recorded_and_not_retried(data, settings):
    made = digest_made(data)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    assert digest_deliver(user_id=made["owner"].pk, week=WEEK, now=SENT_AT) is False
    (row,) = WeeklyDigest.objects.all()
    assert row.sent_at is None and row.error.startswith("ConnectionRefusedError")
    assert due_readers(now=SENT_AT) == []


def test_a_reader_who_turned_it_off_gets_none(data):
    made = digest_made(data)
    digest_subscription_set(user=made["owner"], enabled=False)
    assert due_readers(now=SENT_AT) == []
    assert digest_deliver(user_id=made["owner"].pk, week=WEEK) is False
    digest_subscription_set(user=made["owner"], enabled=True)
    assert due_readers(now=SENT_AT) == [(made["owner"].pk, WEEK)]


def test_the_unsubscribe_link_needs_no_login(data):
    made = digest_made(data)
    link = unsubscribe_link(made["owner"]).removeprefix("http://127.0.0.1:8000")
    client = Client()
    # opening the link (a mail scanner does) changes nothing; it asks, in the reader's language
    page = client.get(link)
    assert page.status_code == 200 and "退订" in page.content.decode()
    assert StaffProfile.objects.get(user=made["owner"]).digest_enabled is True
    # the button turns it off
    done = client.post(link)
    assert done.status_code == 200 and 'id="unsubscribe-done"' in done.content.decode()
    assert StaffProfile.objects.get(user=made["owner"]).digest_enabled is False
    # the one-click POST of a mail client does the same
    digest_subscription_set(user=made["owner"], enabled=True)
    one_click = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert one_click.content == b"unsubscribed"
    assert StaffProfile.objects.get(user=made["owner"]).digest_enabled is False
    # a forged or altered token is not found
    token = unsubscribe_token(made["owner"])
    assert client.get(f"/digest/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert client.get("/digest/unsubscribe/1/").status_code == 404


# -- the preview page and the command -----------------------------------------------------------


def test_the_preview_page_for_the_owner(data):
    made = digest_made(data)
    client = Client()
    client.force_login(made["owner"])
    with time_machine.travel(SENT_AT, tick=False):
        page = client.get("/workspace/digest/")
        text = client.get("/workspace/digest/text/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="digest-subject">每周摘要 2026年5月4日 – 2026年5月10日<' in body
    assert 'data-topic="delivery_time"' in body and 'id="digest-cases"' in body
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode().startswith("每周摘要 2026年5月4日 – 2026年5月10日")
    # the switch turns it off for themself, and on again; a bad value names the field
    assert client.post("/workspace/digest/settings/", {"enabled": "off"}).status_code == 302
    assert StaffProfile.objects.get(user=made["owner"]).digest_enabled is False
    assert 'data-enabled="off"' in client.get("/workspace/digest/").content.decode()
    bad = client.post("/workspace/digest/settings/", {"enabled": "maybe"})
    assert bad.status_code == 400 and 'data-field="enabled"' in bad.content.decode()
    client.post("/workspace/digest/settings/", {"enabled": "on"})
    assert StaffProfile.objects.get(user=made["owner"]).digest_enabled is True


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("viewer", 403), ("designer", 403)])
def test_the_preview_page_is_for_who_receives_the_digest(data, client_for, role, status):
    client = client_for(role)
    assert client.get("/workspace/digest/").status_code == status
    assert client.get("/workspace/digest/text/").status_code == status
    assert client.post("/workspace/digest/settings/", {"enabled": "off"}).status_code in (status, 302)
    assert Client().get("/workspace/digest/").status_code == 302  # to the login page


def test_the_command_sends_or_prints(data):
    made = digest_made(data)
    out = StringIO()
    call_command("digest_send", "--user", made["owner"].username, "--dry-run", stdout=out)
    assert out.getvalue().startswith("Subject: 每周摘要 ")
    assert mail.outbox == []
    call_command("digest_send", "--user", made["owner"].username, stdout=StringIO())
    assert len(mail.outbox) == 1 and WeeklyDigest.objects.count() == 0
    with pytest.raises(CommandError, match="--user: no user 'nobody'"):
        call_command("digest_send", "--user", "nobody")


def test_a_real_smtp_server_receives_a_multipart_digest(data, smtp_server):  # noqa: F811
    made = digest_made(data)
    assert digest_deliver(user_id=made["owner"].pk, week=WEEK, now=SENT_AT) is True
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == [made["owner"].email]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"].strip() == "每周摘要 2026年5月4日 – 2026年5月10日"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert unsubscribe_link(made["owner"]) in text
    assert f'href="{unsubscribe_link(made["owner"])}"' in html
    assert 'href="http://127.0.0.1:8000/workspace/cases/?tab=team"' in html


def test_the_demo_leaves_the_owners_digest_in_the_mail_folder(data, settings, tmp_path):
    # given the demo's owner (no address yet) and the development mail backend (files)
    from django.contrib.auth.models import Group

    User.objects.create_user("owner", is_staff=True).groups.add(Group.objects.get(name="process_owners"))
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    out = StringIO()
    # when the demo's last step runs
    with time_machine.travel(SENT_AT, tick=False):
        call_command("digest_demo_send", stdout=out)
    # then the owner has an address and a profile, and one mail file holds their digest
    assert "Weekly digest of owner sent: 每周摘要 2026年5月4日 – 2026年5月10日" in out.getvalue()
    assert User.objects.get(username="owner").email == "owner@example.com"
    (written,) = tmp_path.iterdir()
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "owner@example.com"
    assert "配送体验调查" in message.get_body(preferencelist=("plain",)).get_content()
