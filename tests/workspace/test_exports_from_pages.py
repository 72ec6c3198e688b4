"""The workspace's pages and the exports: an export of the Comments page's search holds exactly
the page's hits, in its order (the page's ``seg.<attr>`` filters are the API's ``<attr>``)."""

import csv
import io
import re

import pytest

from tests.workspace.conftest import PERIOD

COMMENTS = "/workspace/comments/"


def _export_rows(client, query: dict) -> list[list[str]]:
    response = client.get("/api/v1/exports/comments/", {"survey": "after-delivery", **query})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("page_query", "api_query"),
    [
        ({"q": "送餐"}, {"q": "送餐"}),
        ({"band": "detractor"}, {"band": "detractor"}),
        ({"topic": "delivery_time", "language": "zh"}, {"topic": "delivery_time", "language": "zh"}),
        ({"q": "Late", "language": "en"}, {"q": "Late", "language": "en"}),
        ({"seg.city": "上海", "band": "low"}, {"city": "上海", "band": "low"}),
        (
            {"seg.district_type": "office", "locale": "zh-hans"},
            {"district_type": "office", "locale": "zh-hans"},
        ),
    ],
)
def test_the_comments_export_of_a_search_is_the_pages_hits(data, client_for, page_query, api_query):
    # given the owner reading the comments page with a search
    client = client_for("owner")
    page = client.get(COMMENTS, {"survey": "after-delivery", **PERIOD, **page_query})
    assert page.status_code == 200
    hits = [(item["hit"].id, item["hit"].text) for item in page.context["hits"]]
    assert hits  # every search here finds something

    # when the same search is exported
    rows = _export_rows(client, {**PERIOD, **api_query})

    # then the rows are the page's hits, one for one, in the page's order
    assert [(int(row[0]), row[5]) for row in rows[1:]] == hits


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"q": "的"}, "q", "query_without_words"),
        ({"band": "loud"}, "band", "invalid_score_band"),
        ({"language": "fr"}, "language", "invalid_language"),
    ],
)
def test_a_bad_search_is_a_400_naming_its_field(data, client_for, query, field, code):
    response = client_for("owner").get(
        "/api/v1/exports/comments/", {"survey": "after-delivery", **PERIOD, **query}
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["details"])) == (code, [field])


# -- export buttons on the pages --------------------------------------------------------------------

PAINPOINTS = "/workspace/painpoints/"
FILTERED = {"survey": "after-delivery", **PERIOD, "seg.city": "上海", "locale": "zh-hans"}
API_FILTERS = "from=2026-05-04&to=2026-05-10&city=%E4%B8%8A%E6%B5%B7&locale=zh-hans"


def test_the_pain_points_page_links_its_exports_with_its_filters(data, client_for):
    # given the owner on the pain points page filtered by a segment and a language
    page = client_for("owner").get(PAINPOINTS, FILTERED)

    # then both kinds are linked, the page's seg.city written as the API's city
    html = page.content.decode()
    assert page.context["export_painpoints"]["csv"] == (
        f"/api/v1/exports/pain-points/?survey=after-delivery&format=csv&{API_FILTERS}"
    )
    assert page.context["export_responses"]["xlsx"] == (
        f"/api/v1/exports/responses/?survey=after-delivery&format=xlsx&{API_FILTERS}"
    )
    assert 'id="export-pain-points-csv"' in html
    assert 'id="export-responses-start"' in html
    assert page.context["export_painpoints"]["start_body"] == (
        '{"kind": "pain-points", "survey": "after-delivery", "format": "csv", "filters": '
        '{"from": "2026-05-04", "to": "2026-05-10", "city": "上海", "locale": "zh-hans"}}'
    )
    # the background export's file format is the user's choice, CSV first
    assert re.findall(r'<select name="format" id="export-pain-points-format">(.*?)</select>', html, re.S) == [
        '\n      <option value="csv" selected>CSV</option>\n      <option value="xlsx">XLSX</option>\n    '
    ]


def test_the_pain_points_export_holds_the_pages_rows(data, client_for):
    # given the owner on the filtered pain points page
    client = client_for("owner")
    page = client.get(PAINPOINTS, FILTERED)
    shown = [(row["key"], row["mentions"]) for row in page.context["rows"]]

    # when the page's CSV link is followed
    response = client.get(page.context["export_painpoints"]["csv"])

    # then its rows are the page's, in its order
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert shown
    assert [(row["topic"], int(row["mentions"])) for row in rows] == shown


def test_the_comments_page_links_its_search(data, client_for):
    page = client_for("owner").get(
        COMMENTS, {"survey": "after-delivery", **PERIOD, "seg.city": "上海", "q": "送餐", "band": "low"}
    )

    assert page.context["export_comments"]["csv"] == (
        "/api/v1/exports/comments/?survey=after-delivery&format=csv&from=2026-05-04&to=2026-05-10"
        "&city=%E4%B8%8A%E6%B5%B7&q=%E9%80%81%E9%A4%90&band=low"
    )


def test_the_overview_links_the_funnel_with_its_segment(data, client_for):
    client = client_for("owner")

    whole = client.get("/workspace/", {"survey": "after-delivery", **PERIOD})
    segment = client.get("/workspace/", FILTERED)

    assert whole.context["export_funnel"]["csv"] == (
        "/api/v1/exports/funnel/?survey=after-delivery&format=csv&from=2026-05-04&to=2026-05-10"
    )
    # the funnel export filters as the overview's funnel does
    assert segment.context["export_funnel"]["csv"] == (
        f"/api/v1/exports/funnel/?survey=after-delivery&format=csv&{API_FILTERS}"
    )
    assert segment.context["export_responses"]["csv"] == (
        f"/api/v1/exports/responses/?survey=after-delivery&format=csv&{API_FILTERS}"
    )


@pytest.mark.parametrize(
    ("role", "painpoints", "responses"),
    [("owner", True, True), ("designer", True, False), ("viewer", False, False)],
)
def test_only_users_who_may_export_see_the_buttons(data, client_for, role, painpoints, responses):
    page = client_for(role).get(PAINPOINTS, {"survey": "after-delivery", **PERIOD})

    html = page.content.decode()
    assert page.status_code == 200
    assert ('id="export-pain-points-csv"' in html, 'id="export-responses-csv"' in html) == (
        painpoints,
        responses,
    )


def test_the_buttons_speak_the_users_language(data, client_for):
    client = client_for("owner")

    chinese = client.get(PAINPOINTS, {"survey": "after-delivery", **PERIOD}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = client.get(PAINPOINTS, {"survey": "after-delivery", **PERIOD}, HTTP_ACCEPT_LANGUAGE="en")

    assert "导出痛点" in chinese.content.decode()
    assert "后台准备（适合大量数据）" in chinese.content.decode()
    assert "Export the pain points" in english.content.decode()


def test_a_background_export_starts_with_the_pages_session_and_csrf_token(data, client_for):
    # given the owner's browser session, with CSRF checks on as in a browser
    client = client_for("owner")
    client.handler.enforce_csrf_checks = True
    page = client.get(PAINPOINTS, FILTERED)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    body = page.context["export_painpoints"]["start_body"]

    # when the button posts without and then with the token
    refused = client.post("/api/v1/exports/", body, content_type="application/json")
    started = client.post("/api/v1/exports/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    # then only the request carrying the token starts an export with the page's filters
    assert refused.status_code == 403
    assert started.status_code == 202
    assert started.json()["filters"] == {
        "from": "2026-05-04",
        "to": "2026-05-10",
        "attributes": {"city": "上海", "locale": "zh-hans"},
    }
    assert started.json()["format"] == "csv"
