"""Pure helpers of the benchmarks' figures: percentiles, latency summaries, a text table.

No Django here (tested without a database in tests/test_benchmark_latency.py).
"""

from collections import Counter
from collections.abc import Iterable, Sequence


def percentile(samples: Sequence[float], share: float) -> float:
    """The sample at ``share`` (0-1) of the sorted samples, nearest rank; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def latency_summary(seconds: Sequence[float]) -> dict:
    """Count, p50, p99 and max of request latencies given in seconds, in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 1),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
        "max_ms": round(max(seconds, default=0.0) * 1000, 1),
    }


def duplicates(keys: Iterable[str]) -> dict[str, int]:
    """The keys seen more than once, with how often (a message id sent twice, ...)."""
    return {key: count for key, count in Counter(keys).items() if count > 1}


def text_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Columns padded to their widest cell, a dashed line under the header."""
    cells = [[str(cell) for cell in header]] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
