"""The workspace's pages and the exports: an export of the Comments page's search holds exactly
the page's hits, in its order (the page's ``seg.<attr>`` filters are the API's ``<attr>``)."""

import csv
import io

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
