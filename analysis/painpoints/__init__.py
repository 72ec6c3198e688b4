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

One definition, computed once, over counts (``analysis.painpoints.counts``): the command reduces
its frame to the counts below; the API and the pages read the same counts from the daily
aggregates or the facts (``analysis.selectors``). Counts of a group of responses: responses,
scored, promoters (successes of a share metric), passives, detractors, sum and sum of squares of
the scores, comments, scored comments, mentions, detractors among the comments.

Polarity: an optional column ``topic_polarity`` holds per row an object (or its JSON text) topic
key -> -1 (complaint), 0 (neutral) or 1 (praise). A pain point counts only its complaint
mentions (a topic the row's object does not name counts as a complaint); a topic whose praise
mentions outnumber its complaint mentions is a *strength*: listed apart (``Ranking.strengths``,
the report's ``"strengths"``), never ranked. Neutral mentions count in neither. Without the
column every mention is a complaint.

Definitions:

- ``share`` = mentions / number of comments.
- ``detractor_rate`` among the topic's comments and ``overall_detractor_rate`` among all comments:
  detractors among the *scored* comments (``analysis.metrics.detractor_mask``), when the metric
  defines detractors and some comment of the scope is scored; comments with no score are left
  out. Otherwise (no score at all, or a metric without detractors: ``mean``, ``rate``) the mean
  detractor likelihood of the comments that have one (the expected share; the platform stores no
  likelihood, so its rate is then None). None when no comment counts.
- ``impact`` = metric of every scored response except the topic's minus metric of every scored
  response, in report points: NPS points, CSAT / CES-share in share points (x100), CES and rating
  in scale points. Positive means the topic costs the metric. None without scores, or when every
  scored response mentions the topic (there is nothing to compare with).
- ``impact_low`` / ``impact_high``: 95 % interval of the impact. impact = (n_t / n) x (M_rest -
  M_t) with n_t the topic's scored responses of n; its standard error is (n_t / n) x
  sqrt(var_rest + var_t), each the variance of that side's metric estimate (NPS from the class
  counts, (p_P + p_D - (p_P - p_D)^2) / n; shares p(1-p)/n; means s^2/n from the sums of scores
  and squares), in report points; normal quantile. None when either side has fewer than two
  scores.
- ``p_value``: one-sided Fisher exact test that the detractor share among the topic's scored
  comments is above that among the other scored comments (None for likelihood rates or when a
  side is empty); ``p_adjusted`` is Benjamini-Hochberg over the ranked topics and ``significant``
  means p_adjusted < ``ALPHA``.
- ``small_sample``: fewer than ``MIN_RANKED_MENTIONS`` (30) complaint mentions, or (with a
  metric) no interval or an interval wider than a quarter of the metric's range in report points
  (50 NPS points, 25 share points, 1.5 points of a 1..7 mean, 1 point of a 1..5 mean).
- Ranking: significant topics first, then the others (a topic whose detractor rate is not
  significantly above the rest never ranks above one whose rate is); within each, largest impact
  first, missing impact last; then mentions, then key.
- Segments: for each value of each segment column, and each pair of values of two columns
  (``column="scenario & district_type"``, ``value="peak & office"``, in the order of the columns
  given; the platform gives its keys in alphabetical order, and only on an unfiltered scope: a
  pair inside a filtered slice would be three keys, which no table holds), lift = share of the
  topic's comments with that value / share of all comments with it. A candidate needs at least
  ``MIN_SEGMENT_MENTIONS`` topic comments and ``MIN_SEGMENT_SIZE`` comments in all. A pair must
  also concentrate the topic within each of its two values alone (one-sided Fisher test inside
  that value, p < ``ALPHA``), so "peak & office" is not reported when it only repeats "peak".
  Over-representation is tested with the one-sided Fisher exact test; ``p_value`` is
  Benjamini-Hochberg adjusted over the topic's candidates, and only those with p < ``ALPHA`` and
  lift > 1 are kept, highest lift first (then mentions, column, value), ``max_segments`` of them.
- Trend: the share against the share in ``previous`` (same shape), two-proportion z-test
  (Fisher's exact test when counts are small).
"""

from analysis.painpoints.counts import (
    MIN_RANKED_MENTIONS,
    Counts,
    Ranking,
    Strength,
    TopicImpact,
    Trend,
    rank_key,
    strength_as_dict,
    topic_impact_as_dict,
    topics_rank,
)
from analysis.painpoints.ranking import (
    POLARITY_COLUMN,
    TOPIC_SEPARATOR,
    impact_of,
    painpoint_analyse,
    painpoint_rank,
)
from analysis.painpoints.segments import (
    ALPHA,
    COMBINATION_SEPARATOR,
    MIN_SEGMENT_MENTIONS,
    MIN_SEGMENT_SIZE,
    SegmentCell,
    SegmentLift,
    segment_lift_as_dict,
)

__all__ = [
    "ALPHA",
    "COMBINATION_SEPARATOR",
    "MIN_RANKED_MENTIONS",
    "MIN_SEGMENT_MENTIONS",
    "MIN_SEGMENT_SIZE",
    "POLARITY_COLUMN",
    "TOPIC_SEPARATOR",
    "Counts",
    "Ranking",
    "SegmentCell",
    "SegmentLift",
    "Strength",
    "TopicImpact",
    "Trend",
    "impact_of",
    "painpoint_analyse",
    "painpoint_rank",
    "rank_key",
    "segment_lift_as_dict",
    "strength_as_dict",
    "topic_impact_as_dict",
    "topics_rank",
]
