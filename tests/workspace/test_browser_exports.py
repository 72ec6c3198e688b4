"""In headless Chromium: a process owner filters the pain points by a segment, downloads the
page's CSV and XLSX exports and reads them back, then prepares an export in the background and
downloads it when it is done. Screenshots go to test-artifacts/screenshots/."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from openpyxl import load_workbook

from tests.workspace.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csv_rows(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, so a spreadsheet reads the Chinese
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _xlsx_rows(path: Path) -> list[dict]:
    sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_owner_exports_the_filtered_pain_points_from_the_page(browser, live_server, screenshot_dir, data):
    # given a process owner, logged in, on the pain points of 2026-05-04..10 filtered to Shanghai
    owner = User.objects.create_user("owner", password=PASSWORD, is_staff=True)
    owner.groups.add(Group.objects.get(name="process_owners"))
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/workspace/painpoints/?survey=after-delivery&from=2026-05-04&to=2026-05-10")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#painpoints-table")
    page.select_option("select[name='seg.city']", "上海")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**seg.city=**")
    page.wait_for_selector("#export-pain-points")
    page.screenshot(path=str(screenshot_dir / "exports-01-painpoints-shanghai.png"), full_page=True)
    shown = [
        (row.locator(".ws-topic a").inner_text(), row.locator("td").nth(5).inner_text())
        for row in page.locator("#painpoints-table tbody tr").all()
    ]
    assert [topic for topic, _mentions in shown] == [
        "Late delivery",
        "Food arrived cold",
        "Packaging or spills",
    ]

    # when they download the CSV and the XLSX from the page
    with page.expect_download() as csv_download:
        page.click("#export-pain-points-csv")
    with page.expect_download() as xlsx_download:
        page.click("#export-pain-points-xlsx")

    # then both files hold the page's rows, in its order
    from_csv = _csv_rows(Path(csv_download.value.path()))
    from_xlsx = _xlsx_rows(Path(xlsx_download.value.path()))
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    assert [(row["label_en"], row["mentions"]) for row in from_csv] == shown
    assert [(row["label_en"], str(row["mentions"])) for row in from_xlsx] == shown

    # when they prepare the pain points in the background as CSV (the first choice)
    assert page.locator("#export-pain-points-format").input_value() == "csv"
    page.click("#export-pain-points-start")
    ready_csv = page.locator("#export-pain-points .ws-export-download")
    ready_csv.wait_for(state="visible")

    # then the prepared file is a CSV of the page's rows
    with page.expect_download() as prepared_csv:
        ready_csv.click()
    assert prepared_csv.value.suggested_filename.endswith(".csv")
    background = _csv_rows(Path(prepared_csv.value.path()))
    assert [(row["label_en"], row["mentions"]) for row in background] == shown

    # when they choose XLSX and prepare the responses in the background
    page.select_option("#export-responses-format", "xlsx")
    page.click("#export-responses-start")
    ready = page.locator("#export-responses .ws-export-download")
    ready.wait_for(state="visible")
    page.screenshot(path=str(screenshot_dir / "exports-02-background-done.png"), full_page=True)

    # then the prepared file is the Shanghai responses of the period
    with page.expect_download() as prepared:
        ready.click()
    rows = _xlsx_rows(Path(prepared.value.path()))
    assert prepared.value.suggested_filename.endswith(".xlsx")
    assert len(rows) == 5
    assert {row["segment.city"] for row in rows} == {"上海"}
    context.close()


def test_a_viewer_sees_no_export_button(browser, live_server, screenshot_dir, data):
    viewer = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    viewer.groups.add(Group.objects.get(name="viewers"))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/workspace/painpoints/?survey=after-delivery&from=2026-05-04&to=2026-05-10")
    page.fill("#id_username", "viewer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#painpoints-table")
    page.screenshot(path=str(screenshot_dir / "exports-03-viewer.png"), full_page=True)

    assert page.locator(".ws-export").count() == 0
    context.close()
