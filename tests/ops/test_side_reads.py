"""Reads beside a request's own (``ops.databases.alongside``): on PostgreSQL outside a
transaction on a connection of their own, closed when they end; inside a transaction, or with
``DATABASE_SIDE_READS`` off, here and only when their result is asked for."""

import datetime as dt
import threading
import time
from functools import partial

import pytest
from django.db import OperationalError, connection
from django.test.utils import override_settings
from django.utils import translation

from analysis.selectors import painpoints_for_scope
from analysis.selectors.comments import comment_sample
from analysis.selectors.scope import Scope
from analysis.services import response_analyse
from ops import databases
from ops.databases import alongside
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.conftest import service_missing

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)


def _backend() -> tuple[int, int, str | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return pid, threading.get_ident(), translation.get_language()


def _alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 1


@pytest.fixture
def committed_postgres(transactional_db) -> None:
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.mark.django_db
def test_inside_a_transaction_the_read_runs_here_once_and_only_when_asked() -> None:
    calls = []

    def read():
        calls.append(threading.get_ident())
        return len(calls)

    # when a read is started inside a transaction (the test's)
    result = alongside(read)

    # then nothing has run yet; asked twice, it runs once, on this thread
    assert calls == []
    assert (result(), result()) == (1, 1)
    assert calls == [threading.get_ident()]
    # and a read whose result is never asked for never runs
    alongside(read)
    assert len(calls) == 1


@pytest.mark.django_db
def test_an_error_of_a_read_run_here_reaches_the_caller() -> None:
    def read():
        raise ValueError("bad scope")

    result = alongside(read)
    with pytest.raises(ValueError, match="bad scope"):
        result()


def test_outside_a_transaction_the_read_runs_on_its_own_connection_and_closes_it(committed_postgres) -> None:
    main_pid, main_thread, _language = _backend()

    # when a read is started outside any transaction, in Chinese
    with translation.override("zh-hans"):
        result = alongside(_backend)
        side_pid, side_thread, language = result()

    # then it ran on another thread, another connection, in the caller's language
    assert side_thread != main_thread
    assert side_pid != main_pid
    assert language == "zh-hans"
    # and its connection is closed once it has ended (the server lets go of the backend)
    deadline = time.monotonic() + 5
    while _alive(side_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(side_pid)
    assert _alive(main_pid)


def test_a_read_started_inside_a_side_read_runs_on_that_side_thread(committed_postgres) -> None:
    main_pid, main_thread, _language = _backend()

    def outer():
        inner = alongside(_backend)
        return _backend(), inner()

    # when a side read starts another read
    (outer_pid, outer_thread, _l1), (inner_pid, inner_thread, _l2) = alongside(outer)()

    # then the side thread runs it itself, on its own connection (no second pool thread waited for)
    assert outer_thread != main_thread and outer_pid != main_pid
    assert (inner_pid, inner_thread) == (outer_pid, outer_thread)


def test_the_setting_off_keeps_the_read_here(committed_postgres) -> None:
    main_pid, main_thread, _language = _backend()
    with override_settings(DATABASE_SIDE_READS=False):
        side_pid, side_thread, _language = alongside(_backend)()
    assert (side_pid, side_thread) == (main_pid, main_thread)


def test_a_read_whose_connection_cannot_be_opened_runs_here(committed_postgres, monkeypatch) -> None:
    main_pid, main_thread, _language = _backend()

    def refused(read, language):
        raise OperationalError("FATAL: sorry, too many clients already")

    # when the side connection is refused by the server
    monkeypatch.setattr(databases, "_read_apart", refused)
    side_pid, side_thread, _language = alongside(_backend)()

    # then the read ran here instead, with the same result
    assert (side_pid, side_thread) == (main_pid, main_thread)


def test_an_error_of_a_side_read_reaches_the_caller(committed_postgres) -> None:
    def read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    result = alongside(read)
    with pytest.raises(Exception, match="division by zero"):
        result()


def test_the_pain_points_are_the_same_with_the_sample_and_coverage_read_beside(
    committed_postgres, monkeypatch
) -> None:
    # given committed answers: late deliveries in the office at peak, praise elsewhere
    survey, version = analysed_survey()
    rows = [(1, "送餐太慢了", {"district_type": "office", "scenario": "peak", "city": "上海"})] * 6 + [
        (10, "很好吃", {"district_type": "residential", "scenario": "normal", "city": "北京"})
    ] * 5
    for i, (nps, why, attributes) in enumerate(rows):
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=i % 7)
        )
        response_analyse(response_id=response.pk)
    scope = {"survey": survey, "date_from": FROM, "date_to": TO}
    apart = []
    read_apart = databases._read_apart

    def counted(read, language):
        apart.append(getattr(read, "func", read).__name__)
        return read_apart(read, language)

    monkeypatch.setattr(databases, "_read_apart", counted)

    for filters in ({}, {"district_type": "office"}, {"district_type": "office", "scenario": "peak"}):
        # when the report is read with its side reads beside, then one after the other
        with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
            beside = painpoints_for_scope(**scope, filters=filters)
            with override_settings(DATABASE_SIDE_READS=False):
                alone = painpoints_for_scope(**scope, filters=filters)

        # then the sample and the coverage (and, unfiltered, the pair rows) were read beside the
        # counts, and both give the same report, with its examples and coverage
        expected = ["comment_sample", "coverage_for_scope"] + (["_summed"] if not filters else [])
        assert sorted(apart) == sorted(expected)
        apart.clear()
        assert beside == alone
        # and a sample drawn by the caller beside them (the topic page's) gives it too
        drawn = alongside(partial(comment_sample, Scope(survey, FROM, TO, filters)))
        with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
            assert painpoints_for_scope(**scope, filters=filters, sample=drawn) == alone
        apart.clear()
        assert [t["key"] for t in beside["topics"]] == ["delivery_time"]
        assert len(beside["topics"][0]["examples"]) == 5
        assert beside["coverage"]["covered_comments"] == 6
