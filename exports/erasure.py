"""Stored export files that hold an erased response, deleted (the record stays, marked deleted).

Registered in ``responses.hooks.personal_data_erase`` (exports/apps.py). Only the responses and
comments exports hold rows of single responses (each row starts with the response's public
id); pain points and the funnel are counts. A stored file of such an export of the response's
survey is read (CSV as text; XLSX, a zip, member by member) and deleted when it names one of
the responses: a file is never edited in place.
"""

import zipfile
from pathlib import Path

from exports.models import Export
from exports.services import export_delete, export_file_path
from responses.models import Response

ROW_KINDS = (Export.Kind.RESPONSES, Export.Kind.COMMENTS)
_CHUNK = 1 << 20


def _mentions(path: Path, needles: list[bytes]) -> bool:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                with archive.open(member) as handle:
                    if _stream_mentions(handle, needles):
                        return True
        return False
    with open(path, "rb") as handle:
        return _stream_mentions(handle, needles)


def _stream_mentions(handle, needles: list[bytes]) -> bool:
    overlap = max(len(needle) for needle in needles)
    tail = b""
    while chunk := handle.read(_CHUNK):
        window = tail + chunk
        if any(needle in window for needle in needles):
            return True
        tail = window[-overlap:]
    return False


def exports_with_responses_delete(*, responses: list[tuple[int, str]]) -> int:
    """Delete the stored files naming any of ``responses`` ((survey id, response public id))."""
    if not responses:
        return 0
    needles = [public_id.encode() for _survey, public_id in responses]
    surveys = {survey for survey, _public_id in responses}
    deleted = 0
    stored = Export.objects.filter(status=Export.Status.DONE, kind__in=ROW_KINDS, survey_id__in=surveys)
    for export in stored.exclude(file_name="").order_by("pk"):
        path = export_file_path(export)
        if path is not None and _mentions(path, needles):
            export_delete(export=export)
            deleted += 1
    return deleted


def exports_erase(*, response_ids: list[int], respondent_ids: list[int]) -> dict[str, int]:
    responses = [
        (survey, str(public_id))
        for survey, public_id in Response.objects.filter(pk__in=response_ids).values_list(
            "survey_id", "public_id"
        )
    ]
    return {"exports.export": exports_with_responses_delete(responses=responses)}
