"""The exports API: who may export what, bad filters, background exports through the task, who
may download them, and the record every export leaves."""

import csv
import io

import pytest
from django.utils import timezone

from exports import services
from exports.models import Export
from tests.exports.conftest import client_for
from tests.exports.test_kinds import MAY, body, read_csv

pytestmark = pytest.mark.django_db
KINDS = ("responses", "pain-points", "funnel", "comments")


def stream(client, kind: str, query: str = MAY, **headers):
    return client.get(f"/api/v1/exports/{kind}/?survey=after-delivery&{query}", **headers)


# Who may export --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("process_owners", {"responses", "pain-points", "funnel", "comments"}),
        # designers do not read responses' answers (config/permissions.py), so not that kind
        ("survey_designers", {"pain-points", "funnel", "comments"}),
        ("viewers", set()),
        ("nobody", set()),
        ("superuser", {"responses", "pain-points", "funnel", "comments"}),
    ],
)
def test_each_role_may_export_the_kinds_it_may_read(world, role, allowed) -> None:
    client, _user = client_for(role)

    statuses = {kind: stream(client, kind).status_code for kind in KINDS}

    assert statuses == {kind: 200 if kind in allowed else 403 for kind in KINDS}
    assert Export.objects.count() == len(allowed)


def test_a_refused_export_writes_nothing_and_names_no_data(world) -> None:
    client, _user = client_for("viewers")

    response = stream(client, "responses")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Export.objects.count() == 0


def test_anonymous_callers_are_refused(world) -> None:
    from rest_framework.test import APIClient

    assert stream(APIClient(), "responses").status_code == 401


@pytest.mark.parametrize(
    ("role", "kind", "status"),
    [
        ("viewers", "pain-points", 403),
        ("survey_designers", "responses", 403),
        ("survey_designers", "funnel", 202),
        ("process_owners", "responses", 202),
    ],
)
def test_a_background_export_needs_the_same_as_streaming_its_kind(world, role, kind, status) -> None:
    client, _user = client_for(role)

    response = client.post("/api/v1/exports/", {"kind": kind, "survey": "after-delivery"}, format="json")

    assert response.status_code == status
    assert Export.objects.count() == (1 if status == 202 else 0)


# Bad filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "query", "code", "field"),
    [
        ("responses", "from=2026-13-01", "bad_date", "from"),
        ("responses", "from=2026-06-01&to=2026-05-01", "date_range_reversed", "from"),
        ("responses", "from=1900-01-01", "date_out_of_range", "from"),
        ("comments", "c%20ity=x", "bad_filter", "c ity"),
        ("pain-points", "from=2024-01-01&to=2026-05-01", "date_range_too_long", "from"),
        ("responses", "format=pdf", "bad_format", "format"),
        ("funnel", "c%20ity=上海", "bad_filter", "c ity"),
        ("funnel", "group_by=a%20b", "invalid", "group_by"),
        ("funnel", "from=2026-06-01&to=2026-05-01", "invalid", "to"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field_and_nothing_is_recorded(
    world, owner, kind, query, code, field
) -> None:
    client, _user = owner

    response = client.get(f"/api/v1/exports/{kind}/?survey=after-delivery&{query}")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert list(response.json()["details"]) == [field]
    assert Export.objects.count() == 0


def test_a_bad_filter_is_explained_in_the_users_language(world, owner) -> None:
    client, _user = owner

    english = stream(client, "responses", "format=pdf")
    chinese = stream(client, "responses", "format=pdf", HTTP_ACCEPT_LANGUAGE="zh-hans")
    funnel = stream(client, "funnel", "city%24=上海", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.json()["details"]["format"] == [
        {"code": "bad_format", "message": "format must be csv or xlsx."}
    ]
    assert chinese.json()["details"]["format"] == [
        {"code": "bad_format", "message": "format 必须是 csv 或 xlsx。"}
    ]
    assert funnel.json()["details"]["city$"] == [
        {"code": "bad_filter", "message": "筛选条件名称只能使用字母、数字、_ . 和 -。"}
    ]


def test_the_survey_is_required_and_must_exist(world, owner) -> None:
    client, _user = owner

    missing = client.get("/api/v1/exports/responses/")
    unknown = client.get("/api/v1/exports/responses/?survey=nope")

    assert (missing.status_code, missing.json()["code"], list(missing.json()["details"])) == (
        400,
        "survey_required",
        ["survey"],
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "survey_not_found")
    assert Export.objects.count() == 0


def test_an_xlsx_too_large_for_a_sheet_is_a_400_before_anything_is_written(world, owner, monkeypatch):
    monkeypatch.setattr("exports.services.XLSX_MAX_ROWS", 3)  # a sheet of a header and two rows
    client, _user = owner

    response = stream(client, "responses", f"{MAY}&format=xlsx")

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_rows"
    assert Export.objects.count() == 0


def test_bad_filters_of_a_background_export_are_named_under_filters(world, owner) -> None:
    client, _user = owner

    response = client.post(
        "/api/v1/exports/",
        {"kind": "responses", "survey": "after-delivery", "filters": {"from": "May"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_date"
    assert list(response.json()["details"]) == ["filters"]
    assert list(response.json()["details"]["filters"]) == ["from"]
    assert Export.objects.count() == 0


# The record -----------------------------------------------------------------------------------


def test_every_streamed_export_is_recorded_with_who_what_filters_and_rows(world, owner) -> None:
    client, user = owner

    response = stream(client, "responses", f"{MAY}&city=上海&format=xlsx")

    export = Export.objects.get()
    assert response["X-Export-Id"] == str(export.public_id)
    assert response["Content-Disposition"] == (
        f'attachment; filename="after-delivery-responses-{timezone.localdate().isoformat()}.xlsx"'
    )
    assert (export.user, export.username, export.kind, export.survey_key, export.format, export.mode) == (
        user,
        "process_owners",
        "responses",
        "after-delivery",
        "xlsx",
        "stream",
    )
    assert export.filters == {"from": "2026-05-01", "to": "2026-05-31", "attributes": {"city": "上海"}}
    assert (export.status, export.rows, export.with_contact) == ("done", 2, True)
    assert export.created_at <= export.finished_at


def test_a_streamed_csv_is_finished_when_its_last_row_is_sent(world, owner) -> None:
    client, _user = owner

    response = stream(client, "comments", f"{MAY}&q=太慢")
    running = Export.objects.get().status
    rows = read_csv(response)

    assert (running, len(rows)) == ("running", 2)
    assert Export.objects.values_list("status", "rows").get() == ("done", 1)


def test_the_admin_shows_the_records_read_only(world, client) -> None:
    from tests.factories import UserFactory

    services.export_record(
        user=UserFactory(username="someone"),
        kind="funnel",
        survey=world["survey"],
        format="csv",
        mode="stream",
        filters={},
        with_contact=False,
    )
    client.force_login(UserFactory(username="root", is_superuser=True))
    export = Export.objects.get()

    listing = client.get("/admin/exports/export/")
    change = client.get(f"/admin/exports/export/{export.pk}/change/")
    add = client.get("/admin/exports/export/add/")
    delete = client.post(f"/admin/exports/export/{export.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and "someone" in listing.content.decode()
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert (add.status_code, delete.status_code) == (403, 403)
    assert Export.objects.count() == 1


# Background exports ---------------------------------------------------------------------------


def start(client, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/api/v1/exports/", {"survey": "after-delivery", **body}, format="json")
    return response, callbacks


def test_a_background_export_runs_through_the_task_and_serves_the_same_file(
    world, owner, django_capture_on_commit_callbacks
) -> None:
    client, _user = owner

    # when a process owner starts an export of May's responses (the task runs eagerly on commit)
    may = {"from": "2026-05-01", "to": "2026-05-31"}
    started, callbacks = start(client, django_capture_on_commit_callbacks, kind="responses", filters=may)

    # then it was accepted as pending, and is now done with its download URL
    assert started.status_code == 202
    assert (started.json()["status"], started.json()["progress"], started.json()["download_url"]) == (
        "pending",
        0,
        None,
    )
    assert len(callbacks) == 1
    export = Export.objects.get()
    detail = client.get(f"/api/v1/exports/{export.public_id}/").json()
    download_url = f"http://testserver/api/v1/exports/{export.public_id}/download/"
    assert (detail["status"], detail["progress"], detail["rows"], detail["download_url"]) == (
        "done",
        100,
        3,
        download_url,
    )
    # and the file is the streamed export's, under EXPORTS_ROOT
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="after-delivery-responses-')
    assert read_csv(download) == read_csv(stream(client, "responses"))
    assert (services.exports_root() / export.file_name).is_file()


def test_a_background_xlsx_export(world, owner, django_capture_on_commit_callbacks) -> None:
    from openpyxl import load_workbook

    client, _user = owner

    by_channel = {"group_by": "channel"}
    start(client, django_capture_on_commit_callbacks, kind="funnel", format="xlsx", filters=by_channel)

    export = Export.objects.get()
    download = client.get(f"/api/v1/exports/{export.public_id}/download/")
    sheet = load_workbook(io.BytesIO(body(download))).active
    assert (export.status, export.rows) == ("done", 4)
    assert export.filters == {"from": "", "to": "", "group_by": "channel", "attributes": {}}
    assert [c.value for c in sheet[2]][:4] == ["email", "email", 1, 1]


def test_another_user_can_neither_follow_nor_download_an_export(
    world, owner, django_capture_on_commit_callbacks
) -> None:
    client, _user = owner
    start(client, django_capture_on_commit_callbacks, kind="comments")
    export = Export.objects.get()
    other, _other_user = client_for("survey_designers")
    root, _root_user = client_for("superuser")

    refused_detail = other.get(f"/api/v1/exports/{export.public_id}/")
    refused_file = other.get(f"/api/v1/exports/{export.public_id}/download/")
    allowed_file = root.get(f"/api/v1/exports/{export.public_id}/download/")

    assert (refused_detail.status_code, refused_detail.json()["code"]) == (404, "export_not_found")
    assert (refused_file.status_code, refused_file.json()["code"]) == (404, "export_not_found")
    assert allowed_file.status_code == 200  # staff allowed to download any export


def test_a_viewer_cannot_reach_the_download_at_all(world, owner, django_capture_on_commit_callbacks) -> None:
    client, _user = owner
    start(client, django_capture_on_commit_callbacks, kind="comments")
    viewer, _viewer_user = client_for("viewers")

    response = viewer.get(f"/api/v1/exports/{Export.objects.get().public_id}/download/")

    assert response.status_code == 403


def test_a_second_delivery_of_the_task_changes_nothing(
    world, owner, django_capture_on_commit_callbacks
) -> None:
    client, _user = owner
    start(client, django_capture_on_commit_callbacks, kind="comments")
    export = Export.objects.get()
    path = services.exports_root() / export.file_name
    first = (export.finished_at, path.read_bytes())

    again = services.export_run(export_id=export.pk)

    assert (again.status, again.finished_at, path.read_bytes()) == ("done", *first)
    assert sorted(p.name for p in services.exports_root().iterdir()) == [export.file_name]


def test_a_run_interrupted_before_it_finished_is_run_again_from_the_start(world, owner) -> None:
    _client, user = owner
    export = services.export_record(
        user=user,
        kind="comments",
        survey=world["survey"],
        format="csv",
        mode="background",
        filters={"from": "2026-05-01", "to": "2026-05-31", "attributes": {}, "q": ""},
        with_contact=True,
    )
    Export.objects.filter(pk=export.pk).update(status="running", progress=40)  # a worker died here

    done = services.export_run(export_id=export.pk)

    assert (done.status, done.progress, done.rows) == ("done", 100, 5)


def test_progress_is_written_once_a_percent_while_the_rows_are_written() -> None:
    # given four rows, and a progress writer that records what it is given
    written, seen = [], []

    def rows():
        for n in range(4):
            seen.append(list(written))
            yield (n,)

    # when they pass through the progress counter
    counter = [0]
    list(services._progress(rows(), 4, counter, written.append))

    # then each row moved the progress by a quarter (99 at most: 100 is written with the file)
    assert (written, counter) == ([25, 50, 75, 99], [4])
    assert seen == [[], [25], [25, 50], [25, 50, 75]]


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_at_once_while_the_rows_stream(world) -> None:
    # given a committed, running export (as a worker sees it)
    _client, user = client_for("process_owners")
    export = services.export_record(
        user=user,
        kind="funnel",
        survey=world["survey"],
        format="csv",
        mode="background",
        filters={},
        with_contact=False,
    )
    Export.objects.filter(pk=export.pk).update(status="running")

    # when progress is written while the connection streams rows (COPY on PostgreSQL)
    with services._progress_writer(export) as write:
        write(42)
        seen = Export.objects.get(pk=export.pk).progress

    # then the status API reads it at once
    assert seen == 42


def test_a_missing_export_is_logged_not_raised(db, caplog) -> None:
    assert services.export_run(export_id=999_999) is None
    assert "export 999999 not found" in caplog.text


def test_delete_removes_the_file_and_keeps_the_record(
    world, owner, django_capture_on_commit_callbacks
) -> None:
    client, _user = owner
    start(client, django_capture_on_commit_callbacks, kind="pain-points")
    export = Export.objects.get()
    path = services.exports_root() / export.file_name

    services.export_delete(export=export)

    assert not path.exists()
    assert Export.objects.values_list("status", "file_name").get() == ("deleted", "")
    detail = client.get(f"/api/v1/exports/{export.public_id}/").json()
    assert (detail["status"], detail["download_url"]) == ("deleted", None)
    assert client.get(f"/api/v1/exports/{export.public_id}/download/").json()["code"] == "not_ready"


def test_csv_reader_sees_the_bom_only_once(world, owner) -> None:
    client, _user = owner

    data = body(stream(client, "funnel", ""))

    assert data.count(b"\xef\xbb\xbf") == 1
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[0] == "group"
