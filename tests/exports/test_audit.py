"""Every export is in the audit trail: who started which export with which filters, and who
downloaded a background export's file."""

import pytest

from exports.models import Export
from ops.models import AuditEntry
from tests.exports.conftest import client_for

pytestmark = pytest.mark.django_db

MAY = {"from": "2026-05-01", "to": "2026-05-31"}


def test_a_streamed_export_is_audited_when_it_starts(world, owner) -> None:
    client, user = owner

    response = client.get("/api/v1/exports/comments/", {"survey": "after-delivery", **MAY, "city": "上海"})
    b"".join(response.streaming_content)

    export = Export.objects.get()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_label, entry.object_id, entry.at) == (
        "exports.export.started",
        user,
        "exports.export",
        str(export.pk),
        export.created_at,
    )
    assert entry.before == {}
    assert entry.after == {
        "kind": "comments",
        "survey": "after-delivery",
        "format": "csv",
        "mode": "stream",
        "filters": export.filters,
        "with_contact": True,
    }
    assert entry.after["filters"]["attributes"] == {"city": "上海"}


def test_a_background_export_is_audited_when_started_and_each_time_it_is_downloaded(
    world, owner, django_capture_on_commit_callbacks
) -> None:
    client, user = owner
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/v1/exports/",
            {"survey": "after-delivery", "kind": "responses", "filters": MAY},
            format="json",
        )
    export = Export.objects.get()
    root, root_user = client_for("superuser")

    mine = client.get(f"/api/v1/exports/{export.public_id}/download/")
    theirs = root.get(f"/api/v1/exports/{export.public_id}/download/")

    assert (mine.status_code, theirs.status_code) == (200, 200)
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "actor", "object_id"))
    assert entries == [
        ("exports.export.started", user.pk, str(export.pk)),
        ("exports.export.downloaded", user.pk, str(export.pk)),
        ("exports.export.downloaded", root_user.pk, str(export.pk)),
    ]
    downloaded = AuditEntry.objects.filter(action="exports.export.downloaded").first()
    assert (downloaded.after["mode"], downloaded.after["rows"], downloaded.after["made_by"]) == (
        "background",
        3,
        "process_owners",
    )


def test_a_refused_download_is_not_audited(world, owner, django_capture_on_commit_callbacks) -> None:
    client, _user = owner
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/v1/exports/",
            {"survey": "after-delivery", "kind": "comments", "filters": MAY},
            format="json",
        )
    other, _other = client_for("survey_designers")

    refused = other.get(f"/api/v1/exports/{Export.objects.get().public_id}/download/")

    assert refused.status_code == 404
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["exports.export.started"]
