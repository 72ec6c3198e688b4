"""The benchmarks' pure figures (benchmarks/latency.py): no database."""

from benchmarks.latency import duplicates, latency_summary, percentile, text_table


def test_percentile_nearest_rank_of_the_sorted_samples():
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 0.5) == 3.0
    assert percentile(samples, 0.99) == 5.0
    assert percentile(samples, 1.0) == 5.0
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile([], 0.5) == 0.0


def test_latency_summary_in_milliseconds():
    seconds = [0.010] * 98 + [0.200, 0.500]
    assert latency_summary(seconds) == {"count": 100, "p50_ms": 10.0, "p99_ms": 200.0, "max_ms": 500.0}
    assert latency_summary([]) == {"count": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}


def test_duplicates_names_the_keys_seen_more_than_once():
    assert duplicates(["inv-a", "inv-b", "inv-a", "inv-c", "inv-a", "inv-b"]) == {"inv-a": 3, "inv-b": 2}
    assert duplicates(["inv-a", "inv-b"]) == {}


def test_text_table_pads_columns_and_underlines_the_header():
    table = text_table(("figure", "value"), [("events /s", 19.7), ("check", "ok")])
    assert table.splitlines() == [
        "figure     value",
        "---------  -----",
        "events /s  19.7",
        "check      ok",
    ]
