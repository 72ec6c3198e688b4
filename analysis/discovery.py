"""Whether a taxonomy fits a set of comments, and topics discovered where it does not.

Pure: processed comments in, plain frozen results out; no ORM.

**Coverage.** A taxonomy is written for one domain (``food_delivery``); on another domain its
generic words still match (价格, 服务…差, 卫生, 小时 in hotel reviews), so "share of comments with
a topic" rises with comment length and says little: a 70-character hotel review almost always
holds one such word. Two shares are measured per run:

- ``coverage``: the share of comments (with at least one content token) matched by at least one
  taxonomy topic;
- ``clause_coverage``: the same share over their clauses (``analysis.text.clauses``), which does
  not grow with comment length.

The decision (``--taxonomy auto``) uses ``clause_coverage >= COVERAGE_THRESHOLD``. Measured with
the food_delivery taxonomy (BENCHMARKS.md, ``benchmarks/domains.py``): waimai_10k 0.30 of clauses
(0.61 of comments); the ten online_shopping_10_cats categories 0.03 to 0.16 of clauses but up to
0.56 of comments (酒店 0.56, 计算机 0.55: a comment threshold of 0.5 would take food-delivery
names to hotels); UCI yelp restaurant sentences 0.19, UCI amazon phone sentences 0.07. 0.25 sits
between the food-delivery data and the nearest other domain on both sides.

**Discovery on clauses.** The clauses of the comments the taxonomy does not cover (of every
comment when the taxonomy is not used) are clustered (``analysis.clustering.cluster_comments``);
a comment mentions a discovered topic when any of its clauses is in it, so one long review feeds
several topics. A comment the taxonomy covers is explained by its topics and is not clustered:
on waimai_10k, discovering in the uncovered clauses of covered comments as well gave generic
complaint clusters (饭 / 全, 真是 / 无语) impacts above four of the seven complaint themes, which
fell out of the top ten (3 of 7 left).

**Mentions.** k-means puts every clause in some cluster, also a clause that shares no word with
it (差到极点, 再也不会订了 land in whichever centre is nearest). A taxonomy topic is mentioned only
where one of its terms occurs; a discovered topic is held to the same rule: a member clause is a
mention when it holds one of the topic's keywords among its subject terms (``holds_keyword``);
the other member clauses belong to no topic. Without this rule the complaint clauses with no
subject of their own swelled the mixed clusters: on waimai_10k two such clusters (里面 / 打电话,
0.94 with 514 complaint mentions; 一份 / 订, 0.67) ranked above rider attitude (0.64), which fell
to 12th; with it they hold 104 and 106 complaint mentions (0.21, 0.25) and the seven complaint
themes are the top ten's (BENCHMARKS.md).

**Names.** A discovered topic is named by its top c-TF-IDF keywords in the data's own words
(``topic_label``, from ``analysis.text.display.topic_name``): at most ``LABEL_PARTS`` of them,
a keyword replaced by a top phrase that extends it with a sentiment or content word
(``隔音差 / 噪音`` from 隔音, 隔音差, 噪音), no part holding or repeating another, no lone
character that is no sentiment word. The same text serves both label languages: there is no
translation.

**Examples.** The member clauses nearest the topic's normalised centre (cosine), each standing
for its comment; a comment qualifies when it has at least ``MIN_EXAMPLE_TERMS`` content tokens
(beyond stopwords) and its text was not shown already. Only when no member qualifies do the
nearest distinct ones stand in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from analysis.clustering import (
    DEFAULT_K_RANGE,
    DEFAULT_THREADS,
    SUBTOPIC_MIN_SIZE,
    SUBTOPIC_SHARE,
    ClusteringResult,
    EmergingCluster,
    cluster_comments,
    subject_terms,
)
from analysis.text.clauses import clauses_split
from analysis.text.display import NAME_PARTS, topic_name
from analysis.text.pipeline import ProcessedComment
from analysis.text.polarity import NEUTRAL, clause_score, polarity_combine, polarity_of, text_polarity

COVERAGE_THRESHOLD = 0.25  # share of clauses the taxonomy must cover to be used (see above)
MIN_EXAMPLE_TERMS = 3
LABEL_PARTS = NAME_PARTS
MAX_EXAMPLES = 5
EXAMPLE_CANDIDATES = 60  # nearest member clauses considered for the examples

AUTO = "auto"
NONE = "none"

# Why a taxonomy was or was not used (``TaxonomyFit.reason``).
REASON_NONE = "none_requested"  # --taxonomy none
REASON_FORCED = "forced"  # --taxonomy NAME
REASON_COVERS = "covers"  # auto, at or above the threshold
REASON_BELOW = "below_threshold"  # auto, below the threshold
REASON_NO_COMMENTS = "no_comments"  # auto, nothing to measure


@dataclass(frozen=True, slots=True)
class TaxonomyFit:
    name: str | None
    coverage: float | None  # share of comments with a taxonomy topic
    clause_coverage: float | None  # share of clauses with a taxonomy topic
    threshold: float
    used: bool
    reason: str


@dataclass(frozen=True, slots=True)
class DiscoveredTopic:
    key: str
    label: Mapping[str, str]
    keywords: tuple[str, ...]
    mentions: int  # comments with at least one clause in the topic
    clauses: int
    members: tuple[int, ...]  # comment positions, ascending
    clause_members: tuple[int, ...]  # positions in the clauses given to the clustering
    examples: tuple[int, ...]  # comment positions, nearest the centre first
    parent: str | None


@dataclass(frozen=True, slots=True)
class Discovery:
    topics: tuple[DiscoveredTopic, ...]
    parents: tuple[EmergingCluster, ...]
    clustering: ClusteringResult
    clauses: int  # clauses given to the clustering


def share(flags: Sequence[bool]) -> float | None:
    """The share of true flags (None for none); counted by the sequence's own ``count``."""
    return flags.count(True) / len(flags) if flags else None


def taxonomy_fit(
    *,
    name: str | None,
    mode: str,
    comments_matched: Sequence[bool],
    clauses_matched: Sequence[bool],
    threshold: float = COVERAGE_THRESHOLD,
) -> TaxonomyFit:
    """Whether to rank a taxonomy's topics: ``mode`` is ``auto`` (decide by clause coverage),
    ``none`` (never) or anything else (forced: always). The ``*_matched`` flags are one per
    comment / clause with content, true where a taxonomy topic matched."""
    coverage, clause_coverage = share(comments_matched), share(clauses_matched)
    if mode == NONE or name is None:
        return TaxonomyFit(None, None, None, threshold, False, REASON_NONE)
    if mode != AUTO:
        return TaxonomyFit(name, coverage, clause_coverage, threshold, True, REASON_FORCED)
    if clause_coverage is None:
        return TaxonomyFit(name, coverage, clause_coverage, threshold, False, REASON_NO_COMMENTS)
    used = clause_coverage >= threshold
    return TaxonomyFit(
        name, coverage, clause_coverage, threshold, used, REASON_COVERS if used else REASON_BELOW
    )


def topic_label(
    keywords: Sequence[str], *, parts: int = LABEL_PARTS, polarity: int | None = None
) -> dict[str, str]:
    """A topic's name in both label languages from its keywords, best first
    (``analysis.text.display.topic_name``; ``polarity`` -1 for a pain point, 1 for a strength):
    the same text, in the data's own words."""
    text = topic_name(keywords, parts=parts, polarity=polarity)
    return {"zh-hans": text, "en": text}


def content_terms(doc: ProcessedComment) -> int:
    """How many content tokens (subject words, no phrases) a comment has."""
    tokens = set(doc.tokens)
    return sum(1 for t in subject_terms(doc) if t in tokens)


def examples_pick(
    candidates: Sequence[int], docs: Sequence[ProcessedComment], *, limit: int = MAX_EXAMPLES
) -> tuple[int, ...]:
    """Up to ``limit`` comment positions from ``candidates`` (nearest first, repeats allowed):
    distinct texts with at least ``MIN_EXAMPLE_TERMS`` content tokens; only when none has that
    much content, the nearest distinct ones."""
    picked: list[int] = []
    fallback: list[int] = []
    seen: set[str] = set()
    for position in candidates:
        text = docs[position].text.strip()
        if not text or text in seen:
            continue
        seen.add(text)
        if content_terms(docs[position]) >= MIN_EXAMPLE_TERMS:
            picked.append(position)
            if len(picked) == limit:
                break
        elif len(fallback) < limit:
            fallback.append(position)
    return tuple(picked or fallback)


def holds_keyword(clause: ProcessedComment, keywords: Sequence[str]) -> bool:
    """Whether a clause holds one of a topic's keywords among its subject terms: what makes
    a member clause a mention of the topic."""
    wanted = set(keywords)
    return any(term in wanted for term in subject_terms(clause))


def clauses_build(
    comments: Sequence[ProcessedComment],
    positions: Sequence[int],
    process: Callable[[str], ProcessedComment],
) -> tuple[list[ProcessedComment], list[int]]:
    """The clauses (``analysis.text.clauses``) of the comments at ``positions`` that have
    tokens, processed with ``process``, and for each the position of its comment. A comment that
    is one clause is used as it was processed."""
    clauses: list[ProcessedComment] = []
    owners: list[int] = []
    for position in positions:
        doc = comments[position]
        parts = clauses_split(doc.text)
        for part in parts:
            clause = doc if len(parts) == 1 and part == doc.text.strip() else process(part)
            if clause.tokens:
                clauses.append(clause)
                owners.append(position)
    return clauses, owners


def mention_polarities(
    discovery: Discovery,
    clauses: Sequence[ProcessedComment],
    owners: Sequence[int],
    comments: Sequence[ProcessedComment],
) -> dict[int, dict[str, int]]:
    """comment position -> discovered topic key -> the polarity of its mention: its member
    clauses' (``analysis.text.polarity``) combined; a neutral one takes the whole comment's, as
    a taxonomy mention does. ``clauses`` and ``owners`` are those given to ``topics_discover``."""
    clause_polarity: dict[int, int] = {}
    out: dict[int, dict[str, int]] = {}
    for topic in discovery.topics:
        by_comment: dict[int, list[int]] = {}
        for c in topic.clause_members:
            by_comment.setdefault(owners[c], []).append(c)
        for position, members in by_comment.items():
            value = polarity_combine(
                clause_polarity.setdefault(c, polarity_of(clause_score(clauses[c].text))) for c in members
            )
            if value == NEUTRAL:
                value = text_polarity(comments[position].text)
            out.setdefault(position, {})[topic.key] = value
    return out


def topics_discover(
    clauses: Sequence[ProcessedComment],
    owners: Sequence[int],
    comments: Sequence[ProcessedComment],
    *,
    k: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = 0,
    threads: int | None = DEFAULT_THREADS,
    subtopic_share: float | None = SUBTOPIC_SHARE,
    subtopic_min_size: int = SUBTOPIC_MIN_SIZE,
) -> Discovery:
    """Cluster ``clauses`` (``owners[i]``: the position in ``comments`` of clause i's comment)
    into topics of comments."""
    result = cluster_comments(
        clauses,
        k=k,
        k_range=k_range,
        seed=seed,
        threads=threads,
        n_examples=EXAMPLE_CANDIDATES,
        subtopic_share=subtopic_share,
        subtopic_min_size=subtopic_min_size,
    )
    topics = []
    for cluster in result.clusters:
        clause_members = tuple(c for c in cluster.members if holds_keyword(clauses[c], cluster.keywords))
        if not clause_members:
            continue
        kept = set(clause_members)
        members = tuple(sorted({owners[c] for c in clause_members}))
        topics.append(
            DiscoveredTopic(
                key=cluster.key,
                label=topic_label(cluster.keywords),
                keywords=cluster.keywords,
                mentions=len(members),
                clauses=len(clause_members),
                members=members,
                clause_members=clause_members,
                examples=examples_pick([owners[c] for c in cluster.examples if c in kept], comments),
                parent=cluster.parent,
            )
        )
    return Discovery(tuple(topics), result.parents, result, len(clauses))
