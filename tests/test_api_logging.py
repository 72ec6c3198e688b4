"""Each 4xx of the API is logged once, as one line without a traceback (also under DEBUG)."""

import io
import logging
import re
from collections.abc import Iterator

import pytest
from django.utils.log import configure_logging
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(settings) -> Iterator[io.StringIO]:
    """The project's LOGGING as `make run` has it (DEBUG on, Django's handlers too), every
    stream handler writing to one buffer."""
    settings.DEBUG = True
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    buffer = io.StringIO()
    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    for logger in loggers:  # every handler of every logger, Django's own included
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                handler.setStream(buffer)
    yield buffer
    settings.DEBUG = False
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def lines(buffer: io.StringIO) -> list[str]:
    """The lines written since the last call, without their time stamp, and the request log's
    time and ids left out."""
    found = [
        re.sub(r" \d+\.\dms id=\w+ user=\S+$", "", line.split(" ", 2)[-1])
        for line in buffer.getvalue().splitlines()
        if line.strip()
    ]
    buffer.seek(0)
    buffer.truncate()
    return found


def test_401_403_404_are_each_logged_once_in_one_line(log) -> None:
    viewer = APIClient()
    viewer.force_authenticate(UserFactory(username="viewer", groups=["viewers"]))

    assert APIClient().get("/api/v1/surveys/").status_code == 401
    assert lines(log) == ["WARNING voc.request GET /api/v1/surveys/ 401"]
    assert viewer.post("/api/v1/surveys/", {}, format="json").status_code == 403
    assert lines(log) == ["WARNING voc.request POST /api/v1/surveys/ 403"]
    assert viewer.get("/api/v1/surveys/nope/").status_code == 404
    assert lines(log) == ["WARNING voc.request GET /api/v1/surveys/nope/ 404"]


def test_a_permission_denied_raised_by_a_view_is_one_line_without_traceback(log) -> None:
    # given a staff member whose role may not see users
    client = APIClient()
    client.force_login(UserFactory(username="viewer", groups=["viewers"]))
    log.seek(0)
    log.truncate()  # the login's own lines (axes notes every login)
    # when the admin refuses the page (Django's PermissionDenied, logged with its exception)
    assert client.get("/admin/auth/user/").status_code == 403
    # then one line, no traceback
    assert lines(log) == ["WARNING voc.request GET /admin/auth/user/ 403"]
