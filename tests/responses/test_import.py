"""Events from CSV/XLSX: ``manage.py import_events`` and the admin upload, same path as the API."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from responses.models import Invitation, ServiceEvent, Suppression
from responses.services.imports import row_to_event
from tests.responses.factories import DistributionRuleFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "external_id",
    "type",
    "occurred_at",
    "respondent_type",
    "respondent_ref",
    "respondent_phone",
    "attr_city",
    "attr_district_type",
    "attributes",
]


def rows() -> list[list]:
    at = (timezone.now() - dt.timedelta(minutes=5)).astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()
    return [
        ["o-1", "order.delivered", at, "customer", "c-1", "13812345678", "上海", "office", ""],
        ["o-2", "order.delivered", at, "customer", "c-2", "", "北京", "residential", '{"scenario": "night"}'],
        ["o-3", "order.delivered", "2026-05-01 12:00", "courier", "c-3", "12345", "上海", "", ""],
        ["o-4", "order.delivered", at, "customer", "c-4", "", "上海", "", "{not json"],
    ]


def write_csv(path, encoding: str = "utf-8") -> None:
    with path.open("w", newline="", encoding=encoding) as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows())


def write_xlsx(path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows():
        sheet.append([value if value != "" else None for value in row])
    book.save(path)


def test_row_mapping_of_flat_and_json_columns() -> None:
    row = row_to_event(
        2,
        {
            "External_ID": 1001,
            "type": "order.delivered",
            "occurred_at": "2026-05-01T12:00:00+08:00",
            "respondent_type": "customer",
            "respondent_ref": 42.0,
            "respondent_email": " ",
            "attributes": '{"city": "北京", "scenario": "night"}',
            "attr_city": "上海",
        },
        default_source="order-platform",
    )
    assert row.errors == []
    assert row.item == {
        "source": "order-platform",
        "external_id": "1001",
        "type": "order.delivered",
        "occurred_at": "2026-05-01T12:00:00+08:00",
        "respondent": {"type": "customer", "ref": "42"},
        "attributes": {"city": "上海", "scenario": "night"},
    }


@pytest.mark.parametrize(("suffix", "writer"), [(".csv", write_csv), (".xlsx", write_xlsx)])
def test_import_events_reports_each_row_and_writes_the_error_csv(tmp_path, suffix, writer) -> None:
    # given a rule and a file with two good rows and two bad ones
    DistributionRuleFactory(channels=["sms", "link"])
    path = tmp_path / f"events{suffix}"
    writer(path)
    out = io.StringIO()
    # when imported
    call_command("import_events", str(path), "--source", "order-platform", "--no-progress", stdout=out)
    # then the good rows are events with decisions, the bad ones are in the report
    report = path.with_name(path.name + ".errors.csv")
    assert out.getvalue() == f"4 rows: 2 accepted, 0 duplicate, 2 rejected\nerrors per row: {report}\n"
    assert sorted(ServiceEvent.objects.values_list("external_id", "attributes")) == [
        ("o-1", {"city": "上海", "district_type": "office"}),
        ("o-2", {"city": "北京", "district_type": "residential", "scenario": "night"}),
    ]
    assert sorted(Invitation.objects.values_list("event__external_id", "channel")) == [
        ("o-1", "sms"),
        ("o-2", "link"),
    ]
    with report.open(encoding="utf-8") as handle:
        lines = [(r["row"], r["external_id"], r["field"], r["code"]) for r in csv.DictReader(handle)]
    assert lines == [
        ("4", "o-3", "occurred_at", "datetime_without_offset"),
        ("4", "o-3", "respondent.type", "unknown_respondent_type"),
        ("4", "o-3", "respondent.phone", "invalid_phone"),
        ("5", "o-4", "attributes", "attributes_invalid_json"),
    ]


def test_running_an_import_again_creates_nothing(tmp_path) -> None:
    # given a file imported once
    DistributionRuleFactory()
    path = tmp_path / "events.csv"
    write_csv(path)
    call_command(
        "import_events", str(path), "--source", "order-platform", "--no-progress", stdout=io.StringIO()
    )
    counts = (ServiceEvent.objects.count(), Invitation.objects.count(), Suppression.objects.count())
    # when imported again
    out = io.StringIO()
    call_command("import_events", str(path), "--source", "order-platform", "--no-progress", stdout=out)
    # then every good row is a duplicate
    assert out.getvalue().startswith("4 rows: 0 accepted, 2 duplicate, 2 rejected\n")
    assert (ServiceEvent.objects.count(), Invitation.objects.count(), Suppression.objects.count()) == counts


def test_gb18030_csv_from_a_chinese_spreadsheet(tmp_path) -> None:
    path = tmp_path / "events.csv"
    write_csv(path, encoding="gb18030")
    call_command(
        "import_events", str(path), "--source", "order-platform", "--no-progress", stdout=io.StringIO()
    )
    assert ServiceEvent.objects.get(external_id="o-1").attributes["city"] == "上海"


def test_rows_without_a_source_are_rejected_when_none_is_given(tmp_path) -> None:
    path = tmp_path / "events.csv"
    write_csv(path)
    call_command(
        "import_events", str(path), "--no-progress", "--errors", str(tmp_path / "r.csv"), stdout=io.StringIO()
    )
    assert ServiceEvent.objects.count() == 0
    with (tmp_path / "r.csv").open(encoding="utf-8") as handle:
        assert {(r["field"], r["code"]) for r in csv.DictReader(handle)} >= {("source", "required")}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("events.txt", b"x", "Upload a .csv or .xlsx file. (unsupported_file)"),
        ("events.xlsx", b"not a workbook", "not a readable XLSX workbook"),
        ("events.csv", b"", "The file has no header row. (unreadable_file)"),
    ],
)
def test_unreadable_files_stop_the_command_and_write_nothing(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(
        CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        call_command("import_events", str(path), "--no-progress")
    assert ServiceEvent.objects.count() == 0


def test_admin_upload_shows_a_result_per_row(admin_client, tmp_path) -> None:
    # given a rule and a CSV
    DistributionRuleFactory()
    path = tmp_path / "events.csv"
    write_csv(path)
    upload = SimpleUploadedFile("events.csv", path.read_bytes(), content_type="text/csv")
    # when uploaded in the admin
    response = admin_client.post(
        "/admin/responses/serviceevent/upload/", {"file": upload, "default_source": "order-platform"}
    )
    # then the page lists every row's result with its field errors
    assert response.status_code == 200
    results = [(row.row_number, row.result.status) for row in response.context["results"]]
    assert results == [(2, "accepted"), (3, "accepted"), (4, "rejected"), (5, "rejected")]
    assert response.context["counts"] == {"accepted": 2, "duplicate": 0, "rejected": 2}
    page = response.content.decode()
    assert "unknown_respondent_type" in page
    assert "attributes_invalid_json" in page
    assert ServiceEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("accept", "words", "codes"),
    [
        (
            "en",
            ["<td>Accepted</td>", "<td>Rejected</td>", ": Scheduled"],
            ["<td>accepted</td>", ": scheduled"],
        ),
        (
            "zh-CN,zh;q=0.9",
            ["<td>已接收</td>", "<td>已拒绝</td>", ": 已计划"],
            ["<td>accepted</td>", ": scheduled"],
        ),
    ],
)
def test_admin_upload_names_results_and_decisions_in_words(
    admin_client, tmp_path, accept, words, codes
) -> None:
    DistributionRuleFactory()
    path = tmp_path / "events.csv"
    write_csv(path)
    upload = SimpleUploadedFile("events.csv", path.read_bytes(), content_type="text/csv")
    response = admin_client.post(
        "/admin/responses/serviceevent/upload/",
        {"file": upload, "default_source": "order-platform"},
        HTTP_ACCEPT_LANGUAGE=accept,
    )
    page = response.content.decode()
    for word in words:
        assert word in page
    for code in codes:
        assert code not in page


def test_admin_upload_refuses_other_files(admin_client) -> None:
    upload = SimpleUploadedFile("events.pdf", b"%PDF", content_type="application/pdf")
    response = admin_client.post("/admin/responses/serviceevent/upload/", {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}
    assert ServiceEvent.objects.count() == 0


def test_admin_pages_show_each_decision(admin_client) -> None:
    # given one invited and one suppressed event
    rule = DistributionRuleFactory(sampling_rate=0.0)
    from responses.distribution.ingestion import events_ingest
    from tests.responses.factories import NOW, event

    events_ingest(source_system=None, items=[event("e-1")], now=NOW)
    suppressed = ServiceEvent.objects.get()
    # when ops open the list and the event page
    listing = admin_client.get("/admin/responses/serviceevent/")
    detail = admin_client.get(f"/admin/responses/serviceevent/{suppressed.pk}/change/")
    # then the reason is visible on both
    assert "suppressed: sampled_out" in listing.content.decode()
    assert "Not drawn by sampling" in detail.content.decode()
    assert f"The event drew 0.851325; rule {rule.name} samples 0.0 of events." in detail.content.decode()
    for url in [
        "/admin/responses/suppression/?reason__exact=sampled_out",
        "/admin/responses/invitation/",
        "/admin/responses/respondent/",
        "/admin/responses/quotacounter/",
        "/admin/responses/sourcesystem/",
        "/admin/surveys/distributionrule/add/",
    ]:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("rule_kwargs", "item", "sentence"),
    [
        ({}, {}, "Invited to {survey} by link, due 2026-05-01T04:10:00+00:00."),
        (
            {"event_types": ["ticket.closed"]},
            {},
            "No rule matches event type order.delivered from order-platform",
        ),
        ({"is_active": False}, {}, "Only rule {rule} matches, and it is not live (inactive)."),
        ({}, {"occurred_at": "2026-04-27T12:00:00+08:00"}, "The event was 96.2 hours old when received"),
        ({"channels": ["sms"]}, {}, "no contact point for the channels sms of rule {rule}."),
        (
            {"quota_attribute": "city", "quota_max_per_day": 0},
            {},
            "city = 上海 already had 0 invitations on 2026-05-01.",
        ),
    ],
)
def test_the_event_page_explains_the_decision_in_a_sentence(
    admin_client, rule_kwargs, item, sentence
) -> None:
    # given a rule and an event it decides on
    from responses.distribution.ingestion import events_ingest
    from tests.responses.factories import NOW, event

    rule = DistributionRuleFactory(**rule_kwargs)
    events_ingest(source_system=None, items=[event("e-2", **item)], now=NOW)
    # when ops open the event's page
    page = admin_client.get(f"/admin/responses/serviceevent/{ServiceEvent.objects.get().pk}/change/")
    # then one sentence says why
    assert sentence.format(survey=rule.survey.key, rule=rule.name) in page.content.decode()


def test_the_invitation_page_never_shows_the_token_or_its_hash(admin_client) -> None:
    from responses import tokens
    from responses.distribution.ingestion import events_ingest
    from tests.responses.factories import NOW, event

    DistributionRuleFactory()
    events_ingest(source_system=None, items=[event()], now=NOW)
    invitation = Invitation.objects.get()
    page = admin_client.get(f"/admin/responses/invitation/{invitation.pk}/change/").content.decode()
    assert str(invitation.public_id) in page
    assert invitation.token_hash not in page
    assert tokens.invitation_token(invitation) not in page
