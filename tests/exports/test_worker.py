"""Integration: a background export goes through the real broker (Redis) to a real worker process
on the ``default`` queue, which writes the file the API then serves."""

import time

import pytest
from django.conf import settings

from exports.models import Export
from tests.exports.conftest import client_for
from tests.exports.test_kinds import read_csv
from tests.responses.worker import live_broker, start_worker  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


def test_a_background_export_is_written_by_a_worker_and_downloaded(transactional_db, world, start_worker):  # noqa: F811
    # given a worker writing exports where this process reads them
    start_worker(env={"EXPORTS_ROOT": str(settings.EXPORTS_ROOT)}, concurrency=1)
    client, _user = client_for("process_owners")

    # when a process owner starts an export of May's comments
    started = client.post(
        "/api/v1/exports/",
        {
            "kind": "comments",
            "survey": "after-delivery",
            "filters": {"from": "2026-05-01", "to": "2026-05-31"},
        },
        format="json",
    )
    assert started.status_code == 202
    url = f"/api/v1/exports/{started.json()['id']}/"

    # then the worker finishes it, and its file is the streamed export's
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and Export.objects.get().status in ("pending", "running"):
        time.sleep(0.3)
    detail = client.get(url).json()
    assert (detail["status"], detail["progress"], detail["rows"]) == ("done", 100, 5)
    downloaded = read_csv(client.get(detail["download_url"]))
    streamed = read_csv(
        client.get("/api/v1/exports/comments/?survey=after-delivery&from=2026-05-01&to=2026-05-31")
    )
    assert downloaded == streamed
    assert len(downloaded) == 6
