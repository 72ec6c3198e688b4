"""Fail-open bookkeeping (ops/outages.py): pure, no database."""

import logging

from ops.outages import outage_counts, outage_failed, outage_recovered, outage_skips
from tests.ops.redis_server import fresh_outages

__all__ = ["fresh_outages"]


def _warnings(caplog) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "ops.outages" and r.levelno == logging.WARNING
    ]


def test_a_failure_is_warned_once_per_kind_and_type_and_every_request_is_counted(fresh_outages, caplog):
    caplog.set_level(logging.WARNING, logger="ops.outages")
    # when three throttle calls fail the same way and one another way, and one broker call fails
    for _ in range(3):
        outage_failed("throttle", ConnectionError("refused"), retry_after=0)
    outage_failed("throttle", TimeoutError("silent"), retry_after=0)
    outage_failed("broker", ConnectionError("refused"), retry_after=0)
    # then one warning per (kind, exception type), and every request counted
    assert len(_warnings(caplog)) == 3
    assert outage_counts() == {
        "broker": {"fail_open_total": 1, "down": True},
        "throttle": {"fail_open_total": 4, "down": True},
    }


def test_calls_are_skipped_during_the_retry_window_and_counted(fresh_outages):
    assert outage_skips("throttle") is False  # nothing recorded: the hot path goes on
    outage_failed("throttle", ConnectionError("refused"), retry_after=60)
    assert outage_skips("throttle") is True
    assert outage_skips("throttle") is True
    assert outage_skips("broker") is False
    assert outage_counts()["throttle"] == {"fail_open_total": 3, "down": True}


def test_no_skip_after_the_window_and_recovery_ends_the_outage_and_rearms_the_warning(fresh_outages, caplog):
    caplog.set_level(logging.WARNING, logger="ops.outages")
    outage_failed("throttle", ConnectionError("refused"), retry_after=0)
    assert outage_skips("throttle") is False  # the window is over: try the dependency again
    outage_failed("throttle", ConnectionError("refused"), retry_after=0)
    # when a call succeeds
    outage_recovered("throttle")
    # then the outage is over, the total stays, and the next failure warns again
    assert outage_counts()["throttle"] == {"fail_open_total": 2, "down": False}
    assert _warnings(caplog)[-1] == "throttle: dependency back; 2 requests were served without it"
    outage_failed("throttle", ConnectionError("refused"), retry_after=0)
    assert len([m for m in _warnings(caplog) if "unavailable" in m]) == 2


def test_recovered_without_an_outage_does_nothing(fresh_outages, caplog):
    caplog.set_level(logging.WARNING, logger="ops.outages")
    outage_recovered("throttle")
    assert outage_counts() == {}
    assert _warnings(caplog) == []
