"""Complaints counted per segment value: which responses complain, about what, and how the
complaint rate of each value compares with the rest. Pure: plain data in, dicts out.

A comment complains about a topic when the topic's polarity in that comment is a complaint (-1),
or the comment's polarity object does not name the topic (as the ranking counts it,
``analysis.painpoints.ranking``); praise and neutral mentions are no complaint. A response
complains when one of its comments does. The complaint rate of a value is the share of its
responses that complain, with a Wilson interval, tested against every other response of the
scope (``analysis.metrics`` with the ``rate`` metric: the two-proportion test, Fisher's exact test
on small counts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from analysis import metrics
from analysis.painpoints.ranking import COMPLAINT


def complained_topics(topics: Iterable[str], polarity: Mapping[str, int] | None) -> list[str]:
    """The topics a comment complains about, in its order."""
    polarity = polarity or {}
    return [key for key in topics or () if polarity.get(key, COMPLAINT) == COMPLAINT]


def _rate(successes: int, n: int) -> metrics.MetricResult:
    """The ``rate`` metric of ``successes`` ones among ``n`` responses, from the counts (what
    ``metric_compute`` gives for that array, without building it)."""
    return metrics.metric_compute_classes(successes, n - successes, 0, metric="rate")


def _versus(inside: metrics.MetricResult, rest: metrics.MetricResult) -> metrics.Comparison | None:
    """``metric_compare_or_none`` of the two sides' 0/1 arrays, from their counts (a rate's test
    needs no array)."""
    if inside.n < 2 or rest.n < 2:
        return None
    return metrics.compare_results(inside, rest, metric="rate", values=None)


def complaint_rates(
    responses: Mapping[str, int],
    complaints: Mapping[str, int],
    topics: Mapping[str, Counter],
    *,
    total: int,
    total_complaints: int,
) -> list[dict]:
    """Per value (largest first): responses, complaining responses, the rate with its interval and
    its test against the rest, the most complained-about topics (``[(key, responses), ...]``).

    ``responses``: responses per value; ``complaints``: complaining responses per value;
    ``topics``: per value, complaining responses per topic; ``total`` and ``total_complaints``:
    responses and complaining responses in the scope (those without the attribute included, so
    they count in every "rest")."""
    if total_complaints > total or any(complaints.get(v, 0) > n for v, n in responses.items()):
        raise ValueError("more complaining responses than responses")
    rows = []
    for value in sorted(responses, key=lambda v: (-responses[v], v)):
        n, k = responses[value], complaints.get(value, 0)
        result = _rate(k, n)
        comparison = _versus(result, _rate(total_complaints - k, total - n))
        rows.append(
            {
                "value": value,
                "responses": n,
                "complaints": k,
                "result": result.as_dict(),
                "versus_rest": metrics.comparison_as_dict(comparison) if comparison else None,
                "topics": sorted(topics.get(value, Counter()).items(), key=lambda item: (-item[1], item[0])),
            }
        )
    return rows
