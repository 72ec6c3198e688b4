"""Pain-point ranking: what each topic costs the primary metric, where it concentrates, and how
it moved since the previous period.

Pure computation on a DataFrame with one row per response (``comments``):

- ``topics``: the topic keys a comment was tagged with (list, tuple, set, or a string joined by
  ``;``); empty or NaN for none.
- ``score``: the response's score on the metric's scale, NaN when none. Rows without a comment
  still belong here: they count in the metric, so the impact is measured against every response.
- ``detractor_likelihood`` (optional): 0..1 from the text model, NaN when none.
- ``text`` (optional): when present, only rows with non-blank text are comments; without it every
  row is a comment.
- the segment columns (strings; NaN = unknown).

Definitions:

- ``share`` = mentions / number of comments.
- ``detractor_rate`` among the topic's comments and ``overall_detractor_rate`` among all comments:
  a scored row counts 1 if its score is a detractor's (see ``analysis.metrics.detractor_mask``)
  and 0 otherwise; a row with no score but a ``detractor_likelihood`` counts as that likelihood
  (its expected contribution), so the rate is the expected detractor share; a row with neither is
  left out. With ``metric=None`` (or a metric without detractors: ``mean``, ``rate``) only
  likelihoods count. None when no row counts.
- ``impact`` = metric of every scored response except the topic's minus metric of every scored
  response, in report points: NPS points, CSAT / CES-share in share points (x100), CES and rating
  in scale points. Positive means the topic costs the metric. None without scores, or when every
  scored response mentions the topic (there is nothing to compare with).
- Ranking: largest impact first; equal or missing impact by mentions, then key.
- Segments: for each value of each segment column, and each pair of values of two columns
  (``column="scenario & district_type"``, ``value="peak & office"``), lift = share of the topic's
  comments with that value / share of all comments with it. A candidate needs at least
  ``MIN_SEGMENT_MENTIONS`` topic comments and ``MIN_SEGMENT_SIZE`` comments in all. A pair must
  also concentrate the topic within each of its two values alone (one-sided Fisher test inside
  that value, p < ``ALPHA``), so "peak & office" is not reported when it only repeats "peak".
  Over-representation is tested with the one-sided Fisher exact test; ``p_value`` is
  Benjamini-Hochberg adjusted over the topic's candidates, and only those with p < ``ALPHA`` and
  lift > 1 are kept, highest lift first, ``max_segments`` of them.
- Trend: the share against the share in ``previous`` (same shape), two-proportion z-test
  (Fisher's exact test when counts are small).
"""

from analysis.painpoints.ranking import (
    TOPIC_SEPARATOR,
    TopicImpact,
    Trend,
    impact_of,
    painpoint_rank,
    topic_impact_as_dict,
)
from analysis.painpoints.segments import (
    ALPHA,
    COMBINATION_SEPARATOR,
    MIN_SEGMENT_MENTIONS,
    MIN_SEGMENT_SIZE,
    SegmentLift,
    segment_lift_as_dict,
)

__all__ = [
    "ALPHA",
    "COMBINATION_SEPARATOR",
    "MIN_SEGMENT_MENTIONS",
    "MIN_SEGMENT_SIZE",
    "TOPIC_SEPARATOR",
    "SegmentLift",
    "TopicImpact",
    "Trend",
    "impact_of",
    "painpoint_rank",
    "segment_lift_as_dict",
    "topic_impact_as_dict",
]
