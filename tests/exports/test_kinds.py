"""What each kind of export holds, on the fixed survey of conftest.py, read back from the CSV (with
csv) and from the XLSX (with openpyxl): the same cells in both, formulas neutralised."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from exports.models import Export
from responses.models import Invitation
from responses.services.funnel import funnel_report
from tests.exports.conftest import HYPERLINK, client_for
from tests.responses.factories import EventFactory, InvitationFactory

pytestmark = pytest.mark.django_db
MAY = "from=2026-05-01&to=2026-05-31"
R1, R2, R3 = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
NEUTRALISED = "'" + HYPERLINK


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response) -> list[list[str]]:
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list[str]]:
    """The XLSX cells as the CSV writes them (numbers as text, empty as "")."""
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = []
    for row in sheet.iter_rows(values_only=True):
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            else:
                cells.append(str(value))
        rows.append(cells)
    return rows


def export_both(client, kind: str, query: str) -> list[list[str]]:
    """The CSV's rows, after checking the XLSX holds exactly the same."""
    as_csv = client.get(f"/api/v1/exports/{kind}/?survey=after-delivery&{query}")
    as_xlsx = client.get(f"/api/v1/exports/{kind}/?survey=after-delivery&format=xlsx&{query}")
    assert (as_csv.status_code, as_xlsx.status_code) == (200, 200)
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_csv(as_csv)
    # XLSX keeps 15 significant digits of a float (Excel's precision); the CSV all of them
    assert [[_rounded(v) for v in row] for row in read_xlsx(as_xlsx)] == [
        [_rounded(v) for v in row] for row in rows
    ]
    return rows


def _rounded(text: str) -> str:
    if "." in text:
        try:
            return f"{float(text):.12g}"
        except ValueError:
            pass
    return text


RESPONSE_HEADER = [
    "response_id",
    "completed_at",
    "locale",
    "respondent_type",
    "channel",
    "email",
    "phone",
    "metric",
    "score",
    "score_class",
    "topics",
    "topic_polarity",
    "comment_language",
    "answer.nps",
    "answer.aspects",
    "answer.reason",
    "answer.why",
    "answer.praise",
    "segment.city",
    "segment.district_type",
    "segment.merchant_type",
    "segment.scenario",
    "other_segments",
]


def test_responses_hold_answers_scores_topics_polarity_segments_and_language(world) -> None:
    # given a process owner (who may read contact details)
    client, _user = client_for("process_owners")

    # when the responses of May are exported
    rows = export_both(client, "responses", MAY)

    # then one row per response, oldest first, with contact details, formulas neutralised
    assert rows == [
        RESPONSE_HEADER,
        [
            R1,
            "2026-05-04 12:00:00",
            "zh-hans",
            "customer",
            "email",
            "li.lei@example.com",
            "'+8613800000001",
            "nps",
            "2",
            "detractor",
            "delivery_time;food_temperature",
            '{"delivery_time":-1,"food_temperature":-1}',
            "zh",
            "2",
            "",
            "late",
            "送餐太慢了，饭都凉了",
            "",
            "上海",
            "office",
            "",
            "",
            "",  # no attribute without a column of its own
        ],
        [
            R2,
            "2026-05-05 12:00:00",
            "zh-hans",
            "customer",
            "link",
            "",
            "",
            "nps",
            "6",
            "detractor",
            "packaging_spill",
            '{"packaging_spill":-1}',
            "en;none",
            "6",
            "",
            "",
            NEUTRALISED,
            "'+1",
            "北京",
            "",
            "",
            "",
            '{"store_id":"1024"}',
        ],
        [
            R3,
            "2026-05-06 12:00:00",
            "en",
            "customer",
            "link",
            "",
            "",
            "nps",
            "10",
            "promoter",
            "",
            "",
            "en;none",
            "10",
            "",
            "",
            "'@SUM(A1:A9)",
            "'-2",
            "上海",
            "",
            "",
            "",
            "",
        ],
    ]


def test_responses_without_the_contact_permission_have_no_email_or_phone_column(world) -> None:
    # given a survey designer (who may export but not read respondents' contact details) ...
    # a process owner stripped of the contact permission stands for any such user
    client, user = client_for("process_owners")
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="owners without contact")
    group.permissions.set(
        Group.objects.get(name="process_owners").permissions.exclude(codename="view_respondent")
    )
    user.groups.set([group])
    assert not user.has_perm("responses.view_respondent")
    assert Permission.objects.filter(codename="view_respondent").exists()

    # when the responses are exported
    rows = export_both(client, "responses", MAY)

    # then neither the columns nor the values are there, and the record says so
    assert rows[0] == [name for name in RESPONSE_HEADER if name not in ("email", "phone")]
    assert all("li.lei@example.com" not in row and "'+8613800000001" not in row for row in rows)
    assert list(Export.objects.values_list("with_contact", flat=True)) == [False, False]


def test_responses_follow_the_analysis_filters(world) -> None:
    client, _user = client_for("process_owners")

    by_city = export_both(client, "responses", f"{MAY}&city=上海")
    by_locale = export_both(client, "responses", f"{MAY}&locale=en&respondent_type=customer")
    by_day = export_both(client, "responses", "from=2026-05-05&to=2026-05-05")

    assert [row[0] for row in by_city[1:]] == [R1, R3]
    assert [row[0] for row in by_locale[1:]] == [R3]
    assert [row[0] for row in by_day[1:]] == [R2]


def test_comments_hold_the_respondents_words_topics_and_polarity(world) -> None:
    client, _user = client_for("process_owners")

    rows = export_both(client, "comments", MAY)

    header = ["comment_id", "response_id", "completed_day", "question", "language", "text", "topics"]
    assert [row[:7] for row in rows] == [
        header,
        [rows[1][0], R3, "2026-05-06", "praise", "none", "'-2", ""],
        [rows[2][0], R3, "2026-05-06", "why", "en", "'@SUM(A1:A9)", ""],
        [rows[3][0], R2, "2026-05-05", "praise", "none", "'+1", ""],
        [rows[4][0], R2, "2026-05-05", "why", "en", NEUTRALISED, "packaging_spill"],
        [rows[5][0], R1, "2026-05-04", "why", "zh", "送餐太慢了，饭都凉了", "delivery_time;food_temperature"],
    ]
    assert [row[7:] for row in rows] == [
        ["topic_polarity", "detractor_likelihood", "score"],
        ["", "", "10"],
        ["", "", "10"],
        ["", "", "6"],
        ['{"packaging_spill":-1}', "", "6"],
        ['{"delivery_time":-1,"food_temperature":-1}', "", "2"],
    ]


def test_comments_filtered_by_a_word_and_a_segment(world) -> None:
    client, _user = client_for("process_owners")

    slow = export_both(client, "comments", f"{MAY}&q=太慢")
    hyperlink = export_both(client, "comments", f"{MAY}&q=hyperlink&city=北京")
    nothing = export_both(client, "comments", f"{MAY}&q=hyperlink&city=上海")

    assert [(row[1], row[5]) for row in slow[1:]] == [(R1, "送餐太慢了，饭都凉了")]
    assert [(row[1], row[5]) for row in hyperlink[1:]] == [(R2, NEUTRALISED)]
    assert nothing == [slow[0]]


def test_pain_points_are_ranked_as_the_pain_points_api_ranks_them(world) -> None:
    client, _user = client_for("process_owners")
    api = client.get(f"/api/v1/surveys/after-delivery/pain-points/?{MAY}").json()

    rows = export_both(client, "pain-points", MAY)

    assert rows[0] == [
        "rank",
        "topic",
        "label_zh_hans",
        "label_en",
        "stage",
        "team",
        "mentions",
        "share",
        "detractor_rate",
        "overall_detractor_rate",
        "impact",
        "impact_low",
        "impact_high",
        "p_value",
        "significant",
        "small_sample",
        "trend_change",
        "keywords",
        "example",
    ]
    assert [row[1] for row in rows[1:]] == [t["key"] for t in api["topics"]]
    assert [row[:7] for row in rows[1:]] == [
        ["1", "delivery_time", "配送慢/超时", "Late delivery", "Delivery", "delivery_ops", "1"],
        ["2", "food_temperature", "餐品变凉", "Food arrived cold", "Delivery", "delivery_ops", "1"],
        ["3", "packaging_spill", "包装/洒漏", "Packaging or spills", "Delivery", "merchant_ops", "1"],
    ]
    assert [row[14:] for row in rows[1:]] == [
        ["false", "true", "", "", "送餐太慢了，饭都凉了"],
        ["false", "true", "", "", "送餐太慢了，饭都凉了"],
        ["false", "true", "", "", NEUTRALISED],
    ]
    # the figures are the API's own
    assert [float(row[10]) for row in rows[1:]] == [t["impact"] for t in api["topics"]]
    assert [float(row[7]) for row in rows[1:]] == [t["share"] for t in api["topics"]]


def test_funnel_counts_invitations_suppressions_and_stages(world) -> None:
    # events, invitations, suppressed, sent, opened, started, completed, failed, bounced,
    # expired, response rate, then suppressions by reason (one for fatigue)
    counts = ["3", "2", "1", "2", "1", "1", "1", "0", "0", "0", "0.5", "0", "0", "0", "0", "0", "1", "0", "0"]
    client, _user = client_for("process_owners")

    rows = export_both(client, "funnel", "")
    by_channel = export_both(client, "funnel", "group_by=channel")

    assert rows == [
        [
            "group",
            "label",
            "events",
            "invitations",
            "suppressed",
            "sent",
            "opened",
            "started",
            "completed",
            "failed",
            "bounced",
            "expired",
            "response_rate",
            "suppressed.no_rule",
            "suppressed.inactive_rule",
            "suppressed.stale_event",
            "suppressed.opted_out",
            "suppressed.no_contact",
            "suppressed.fatigue",
            "suppressed.quota_full",
            "suppressed.sampled_out",
        ],
        ["", "—", *counts],
        ["*", "All", *counts],
    ]
    assert [row[:6] for row in by_channel[1:]] == [
        ["email", "email", "1", "1", "0", "1"],
        ["sms", "sms", "1", "1", "0", "1"],
        ["", "—", "1", "0", "1", "0"],
        ["*", "All", "3", "2", "1", "2"],
    ]


@pytest.mark.parametrize(("zone", "expected"), [("Asia/Shanghai", "12:00:59"), ("Europe/Berlin", "06:00:59")])
def test_completion_times_are_the_sites_wall_clock_cut_to_the_second(world, settings, zone, expected) -> None:
    # given a response completed just before a minute's end (04:00:59.999 UTC), and a site zone
    # with summer time or without
    from analysis.models import ResponseFacts
    from tests.analysis.platform_factories import BASE

    settings.TIME_ZONE = zone
    ResponseFacts.objects.filter(response__public_id=R1).update(
        completed_at=BASE + dt.timedelta(seconds=59, microseconds=999_000)
    )
    client, _user = client_for("process_owners")

    # when the responses of May are exported
    rows = export_both(client, "responses", MAY)

    # then the time is the site's wall clock, seconds cut (not rounded up to the next minute)
    assert rows[1][:2] == [R1, f"2026-05-04 {expected}"]


def test_the_funnel_export_follows_a_segment_as_the_overviews_funnel(world) -> None:
    # given one more invitation, sent by SMS for an event in 北京 (the others are in 上海)
    InvitationFactory(
        survey_version=world["version"],
        event=EventFactory(attributes={"city": "北京", "district-type": "campus"}),
        channel="sms",
        status=Invitation.Status.SENT,
        sent_at=timezone.now(),
    )
    client, _user = client_for("process_owners")

    # when the funnel is exported for 北京, for 上海, and for a key with a hyphen
    beijing = export_both(client, "funnel", "city=北京")
    shanghai = export_both(client, "funnel", "city=上海")
    campus = export_both(client, "funnel", "district-type=campus&group_by=channel")

    # then each holds only the segment's invitations and suppressions ...
    # (events, invitations, suppressed, sent, opened, started, completed)
    assert beijing[-1][:9] == ["*", "All", "1", "1", "0", "1", "0", "0", "0"]
    assert shanghai[-1][:9] == ["*", "All", "3", "2", "1", "2", "1", "1", "1"]
    assert [row[:6] for row in campus[1:]] == [
        ["sms", "sms", "1", "1", "0", "1"],
        ["*", "All", "1", "1", "0", "1"],
    ]
    # ... as the funnel the overview shows for that segment
    total = funnel_report(survey=world["survey"], filters={"city": "上海"}).total
    assert [int(v) for v in shanghai[-1][2:9]] == [
        total.events,
        total.invitations,
        total.suppressed,
        total.sent,
        total.opened,
        total.started,
        total.completed,
    ]
