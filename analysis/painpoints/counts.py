"""Pain-point ranking over counts: the one place where impact, its interval, detractor rates and
their test, trend and the ranking order are computed, with the segment lifts of
``analysis.painpoints.segments`` (rules in the package docstring).

Pure: plain counts in, frozen dataclasses out; no pandas, no ORM. ``manage.py painpoints``
reduces its per-row frame to these counts (``analysis.painpoints.ranking``); the API and the
pages read the same counts from the daily aggregates or the facts (``analysis.selectors``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

from analysis import metrics, stats
from analysis.painpoints.segments import (
    ALPHA,
    SegmentCell,
    SegmentLift,
    segment_lift_as_dict,
    segment_lifts,
)

# A ranked topic with fewer complaint mentions than this is flagged ``small_sample`` (the same
# minimum as a metric's, ``analysis.metrics.SMALL_SAMPLE_N``).
MIN_RANKED_MENTIONS = metrics.SMALL_SAMPLE_N

# The polarity of a topic mention (``analysis.text.polarity``).
COMPLAINT, NEUTRAL, PRAISE = -1, 0, 1


def mention_polarity(polarities: Mapping[str, int] | None, key: str) -> int:
    """The polarity of the mention of ``key`` in a row's ``topic -> polarity`` object: a topic
    the object does not name is a complaint (so rows without polarity count every mention as
    one). A pain point counts the complaint mentions, a strength the praise ones; a neutral
    mention counts in neither."""
    return (polarities or {}).get(key, COMPLAINT)


@dataclass(frozen=True)
class Counts:
    """Counts of one group of responses: a scope's totals, or the responses that mention a topic
    (then ``comments`` = ``mentions``, since a mention is a comment).

    The first eleven are the daily aggregates' fields (``analysis.services.aggregates``).
    ``promoters`` counts the metric's successes for share metrics (CSAT 4-5, CES 5-7).
    ``likelihood_comments`` / ``likelihood_sum``: comments with no score but a detractor
    likelihood from the text model, and the sum of those likelihoods (the offline command only;
    the platform keeps none). ``praise_mentions``: mentions whose polarity is praise (+1).
    """

    responses: float = 0.0
    scored: float = 0.0
    promoters: float = 0.0
    passives: float = 0.0
    detractors: float = 0.0
    score_sum: float = 0.0
    score_sum_squares: float = 0.0
    comments: float = 0.0
    scored_comments: float = 0.0
    mentions: float = 0.0
    detractor_mentions: float = 0.0
    likelihood_comments: float = 0.0
    likelihood_sum: float = 0.0
    praise_mentions: float = 0.0

    @classmethod
    def of(cls, values: Mapping[str, float]) -> Counts:
        """The known fields of a mapping (a table row); missing ones are 0."""
        return cls(**{f.name: float(values[f.name]) for f in fields(cls) if f.name in values})


EMPTY = Counts()


@dataclass(frozen=True)
class Trend:
    previous_mentions: int
    previous_share: float
    share: float
    change: float
    p_value: float | None
    significant: bool


@dataclass(frozen=True)
class TopicImpact:
    key: str
    mentions: int
    share: float
    detractor_rate: float | None
    overall_detractor_rate: float | None
    # points of the metric the topic costs (metric without those responses minus metric with them)
    impact: float | None
    trend: Trend | None
    segments: tuple[SegmentLift, ...]
    impact_low: float | None = None
    impact_high: float | None = None
    # one-sided: is the detractor rate among the topic's comments above the rest's?
    p_value: float | None = None
    p_adjusted: float | None = None
    significant: bool = False
    small_sample: bool = True


@dataclass(frozen=True)
class Strength:
    """A topic whose praise mentions outnumber its complaint mentions: listed apart, not ranked."""

    key: str
    mentions: int  # praise mentions
    complaint_mentions: int
    share: float  # praise mentions / comments


@dataclass(frozen=True)
class Ranking:
    topics: tuple[TopicImpact, ...]
    strengths: tuple[Strength, ...]


# -- metric terms ---------------------------------------------------------------------------------


def term_sum(counts: Counts, metric: str) -> float:
    """The sum of per-response metric terms whose mean is the metric in report points."""
    spec = metrics.spec_for(metric)
    if spec.kind == "nps":
        return 100.0 * (counts.promoters - counts.detractors)
    if spec.kind == "share":
        return 100.0 * counts.promoters
    return counts.score_sum


def _mean_variance(counts: Counts, metric: str) -> float | None:
    """Variance of the metric's estimate over ``counts`` in report points squared; None with
    fewer than two scores."""
    n = counts.scored
    if n < 2:
        return None
    spec = metrics.spec_for(metric)
    if spec.kind == "nps":
        return 10000.0 * stats.nps_variance(int(counts.promoters), int(counts.detractors), int(n))
    if spec.kind == "share":
        p = counts.promoters / n
        return 10000.0 * p * (1.0 - p) / n
    return stats.sample_variance_from_sums(n, counts.score_sum, counts.score_sum_squares) / n


def _minus(total: Counts, part: Counts) -> Counts:
    return Counts(**{f.name: getattr(total, f.name) - getattr(part, f.name) for f in fields(Counts)})


def impact(total: Counts, topic: Counts, metric: str | None) -> float | None:
    """Metric over every scored response but the topic's minus the metric over all of them; None
    without a metric or score, or when every scored response mentions the topic."""
    if metric is None or total.scored <= 0:
        return None
    n_without = total.scored - topic.scored
    if n_without <= 0:
        return None
    all_sum = term_sum(total, metric)
    return (all_sum - term_sum(topic, metric)) / n_without - all_sum / total.scored


def impact_interval(
    total: Counts, topic: Counts, metric: str | None, *, confidence: float = metrics.CONFIDENCE
) -> tuple[float, float] | None:
    """95 % interval of ``impact``. The impact is (n_topic / n) x (metric of the rest - metric of
    the topic's responses); its standard error is n_topic / n x sqrt(var_rest + var_topic), each
    variance the metric estimate's own (NPS from the class counts, shares p(1-p)/n, means s^2/n).
    None when either side has fewer than two scores."""
    value = impact(total, topic, metric)
    if value is None:
        return None
    rest = _minus(total, topic)
    var_topic, var_rest = _mean_variance(topic, metric), _mean_variance(rest, metric)
    if var_topic is None or var_rest is None:
        return None
    half = stats.z_value(confidence) * (topic.scored / total.scored) * math.sqrt(var_topic + var_rest)
    return (value - half, value + half)


# -- detractor rate -------------------------------------------------------------------------------


def rate_from_scores(total: Counts, metric: str | None) -> bool:
    """Detractor rates are observed (detractors among scored comments) when the metric defines
    detractors and some comment of the scope is scored; otherwise they are the expected share
    from the text model's likelihoods."""
    return (
        metric is not None
        and metrics.spec_for(metric).detractor_max is not None
        and total.scored_comments > 0
    )


def detractor_rate(counts: Counts, *, observed: bool) -> float | None:
    if observed:
        return counts.detractor_mentions / counts.scored_comments if counts.scored_comments else None
    return counts.likelihood_sum / counts.likelihood_comments if counts.likelihood_comments else None


def detractor_p_value(total: Counts, topic: Counts, *, observed: bool) -> float | None:
    """One-sided Fisher exact test that the detractor share among the topic's scored comments is
    above that among the other scored comments; None for likelihood rates or an empty side."""
    if not observed or topic.scored_comments <= 0 or total.scored_comments - topic.scored_comments <= 0:
        return None
    return stats.fisher_greater(
        int(topic.detractor_mentions),
        int(topic.scored_comments),
        int(total.detractor_mentions),
        int(total.scored_comments),
    )


# -- trend ----------------------------------------------------------------------------------------


def trend(
    mentions: float, comments: float, previous_mentions: float, previous_comments: float
) -> Trend | None:
    """Share now against the share in the previous period, two-proportion test."""
    if not comments or not previous_comments:
        return None
    share, previous_share = mentions / comments, previous_mentions / previous_comments
    test = stats.two_proportion_test(
        int(mentions), int(comments), int(previous_mentions), int(previous_comments)
    )
    significant = test.p_value is not None and test.p_value < ALPHA
    return Trend(
        int(previous_mentions), previous_share, share, share - previous_share, test.p_value, significant
    )


# -- the ranking ----------------------------------------------------------------------------------


def _is_small(mentions: int, interval: tuple[float, float] | None, metric: str | None) -> bool:
    if mentions < MIN_RANKED_MENTIONS:
        return True
    if metric is None:
        return False
    if interval is None:
        return True
    spec = metrics.spec_for(metric)
    if spec.value_range is None:
        return False
    span = (spec.value_range[1] - spec.value_range[0]) * spec.impact_factor  # in report points
    return interval[1] - interval[0] > metrics.WIDE_INTERVAL_FRACTION * span


def rank_key(topic: TopicImpact) -> tuple:
    """Significant topics first (detractor rate above the rest's, adjusted p < ALPHA), then the
    others; within each, largest impact first, missing impact last, then mentions, then key."""
    return (not topic.significant, topic.impact is None, -(topic.impact or 0.0), -topic.mentions, topic.key)


def topics_rank(
    *,
    total: Counts,
    topics: Mapping[str, Counts],
    metric: str | None,
    cells: Mapping[str, Sequence[SegmentCell]] | None = None,
    previous_total: Counts | None = None,
    previous_topics: Mapping[str, Counts] | None = None,
    min_mentions: int = 1,
    max_segments: int = 5,
) -> Ranking:
    """Every topic with at least ``min_mentions`` complaint mentions, ranked (``rank_key``), and
    the topics whose praise mentions outnumber their complaint mentions, apart (most praised
    first). ``cells``: each topic's segment cells; ``previous_*``: the previous period (its
    topics' ``mentions``), for the trend."""
    comments = total.comments
    if comments <= 0:
        return Ranking((), ())
    observed = rate_from_scores(total, metric)
    overall_rate = detractor_rate(total, observed=observed)
    strengths = []
    found = []
    for key in sorted(topics):
        counts = topics[key]
        mentions = int(counts.mentions)
        if counts.praise_mentions > counts.mentions:
            strengths.append(
                Strength(key, int(counts.praise_mentions), mentions, counts.praise_mentions / comments)
            )
            continue
        if mentions < max(1, min_mentions):
            continue
        interval = impact_interval(total, counts, metric)
        moved = None
        if previous_total is not None:
            previous = (previous_topics or {}).get(key, EMPTY)
            moved = trend(mentions, comments, previous.mentions, previous_total.comments)
        found.append(
            TopicImpact(
                key=key,
                mentions=mentions,
                share=mentions / comments,
                detractor_rate=detractor_rate(counts, observed=observed),
                overall_detractor_rate=overall_rate,
                impact=impact(total, counts, metric),
                trend=moved,
                segments=segment_lifts((cells or {}).get(key, ()), mentions, comments, max_segments),
                impact_low=interval[0] if interval else None,
                impact_high=interval[1] if interval else None,
                p_value=detractor_p_value(total, counts, observed=observed),
                small_sample=_is_small(mentions, interval, metric),
            )
        )
    tested = [i for i, t in enumerate(found) if t.p_value is not None]
    adjusted = dict(zip(tested, stats.benjamini_hochberg([found[i].p_value for i in tested]), strict=True))
    ranked = []
    for i, topic in enumerate(found):
        p = adjusted.get(i)
        ranked.append(replace(topic, p_adjusted=p, significant=p is not None and p < ALPHA))
    ranked.sort(key=rank_key)
    strengths.sort(key=lambda s: (-s.mentions, s.key))
    return Ranking(tuple(ranked), tuple(strengths))


# -- JSON -----------------------------------------------------------------------------------------


def topic_impact_as_dict(topic: TopicImpact) -> dict:
    """The ranking fields of a report topic; the caller adds ``label``, ``keywords`` and
    ``examples``."""
    moved = None
    if topic.trend is not None:
        moved = {
            "previous_mentions": topic.trend.previous_mentions,
            "previous_share": topic.trend.previous_share,
            "share": topic.trend.share,
            "change": topic.trend.change,
            "p_value": topic.trend.p_value,
            "significant": topic.trend.significant,
        }
    return {
        "key": topic.key,
        "mentions": topic.mentions,
        "share": topic.share,
        "detractor_rate": topic.detractor_rate,
        "overall_detractor_rate": topic.overall_detractor_rate,
        "impact": topic.impact,
        "impact_low": topic.impact_low,
        "impact_high": topic.impact_high,
        "p_value": topic.p_value,
        "p_adjusted": topic.p_adjusted,
        "significant": topic.significant,
        "small_sample": topic.small_sample,
        "trend": moved,
        "segments": [segment_lift_as_dict(s) for s in topic.segments],
    }


def strength_as_dict(strength: Strength) -> dict:
    return {
        "key": strength.key,
        "mentions": strength.mentions,
        "complaint_mentions": strength.complaint_mentions,
        "share": strength.share,
    }
