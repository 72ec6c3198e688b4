"""Which alert rules an analysed response matches, and where its case goes: pure, no Django.

The selectors turn a response's stored analysis (``ResponseFacts`` and its ``CommentAnalysis``
rows) into an ``AnalysedResponse`` and each active ``AlertRule`` into a ``RuleSpec``; this module
decides. Nothing here segments text again: words are matched on the stored tokens and phrases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DETRACTOR = "detractor"
TOPIC = "topic"
SEGMENT = "segment"
MISMATCH = "mismatch"
WORD = "word"
KINDS = (DETRACTOR, TOPIC, SEGMENT, MISMATCH, WORD)

COMPLAINT = -1
PRAISE = 1


@dataclass(frozen=True)
class AnalysedComment:
    topics: tuple[str, ...] = ()
    # topic key -> -1 complaint, 0 neutral, 1 praise (CommentAnalysis.topic_polarity)
    polarity: dict[str, int] = field(default_factory=dict)
    tokens: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    is_mismatch: bool = False


@dataclass(frozen=True)
class AnalysedResponse:
    survey_id: int
    metric: str = ""
    score: float | None = None
    is_detractor: bool = False
    is_promoter: bool = False
    topics: tuple[str, ...] = ()
    segments: dict[str, str] = field(default_factory=dict)
    comments: tuple[AnalysedComment, ...] = ()


@dataclass(frozen=True)
class Route:
    """Send the case to ``team`` when the response mentions ``topic`` (not as praise) and/or
    has ``segment`` = ``value``; an empty condition holds always."""

    team: str
    topic: str = ""
    segment: str = ""
    value: str = ""


@dataclass(frozen=True)
class RuleSpec:
    id: int
    kind: str
    team: str
    survey_id: int | None = None
    metric: str = ""
    topic_keys: tuple[str, ...] = ()
    segment_key: str = ""
    segment_value: str = ""
    words: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()
    # route to the team that owns a mentioned topic (Topic.team) when such a team exists
    route_by_topic_owner: bool = False


@dataclass(frozen=True)
class Match:
    rule_id: int
    # what matched, shown on the case: topic keys, words, the segment, the score
    reason: dict


def complained_topics(response: AnalysedResponse) -> list[str]:
    """Topics the response mentions other than as praise, in first-mention order."""
    found: list[str] = []
    for comment in response.comments:
        for topic in comment.topics:
            if comment.polarity.get(topic, 0) != PRAISE and topic not in found:
                found.append(topic)
    return found


def _words(response: AnalysedResponse) -> set[str]:
    return {item.casefold() for comment in response.comments for item in (*comment.tokens, *comment.phrases)}


def rule_match(rule: RuleSpec, response: AnalysedResponse) -> Match | None:
    """The rule's match on the response, or None."""
    if rule.survey_id is not None and rule.survey_id != response.survey_id:
        return None
    if rule.kind == DETRACTOR:
        if response.is_detractor and (not rule.metric or rule.metric == response.metric):
            return Match(rule.id, {"metric": response.metric, "score": response.score})
        return None
    if rule.kind == TOPIC:
        topics = [t for t in complained_topics(response) if t in rule.topic_keys]
        return Match(rule.id, {"topics": topics}) if topics else None
    if rule.kind == SEGMENT:
        value = response.segments.get(rule.segment_key)
        if rule.segment_key and value is not None and value == rule.segment_value:
            return Match(rule.id, {"segment": {rule.segment_key: value}})
        return None
    if rule.kind == MISMATCH:
        # A high score beside a complaint: the analysis flagged the comment (a promoter whose
        # text reads as a detractor's), or a promoter's comment complains about a topic.
        if not response.is_promoter:
            return None
        complaints = sorted({t for c in response.comments for t, p in c.polarity.items() if p == COMPLAINT})
        if complaints or any(c.is_mismatch for c in response.comments):
            return Match(rule.id, {"score": response.score, "topics": complaints})
        return None
    if rule.kind == WORD:
        present = _words(response)
        words = [w for w in rule.words if w.casefold() in present]
        return Match(rule.id, {"words": words}) if words else None
    return None


def rules_match(rules: Iterable[RuleSpec], response: AnalysedResponse) -> list[Match]:
    return [m for m in (rule_match(rule, response) for rule in rules) if m is not None]


def route_team(
    rule: RuleSpec, response: AnalysedResponse, *, topic_owners: dict[str, str], teams: Sequence[str]
) -> str:
    """The key of the team a case of ``rule`` on ``response`` goes to.

    The rule's routes first (in order, the first whose conditions hold and whose team exists);
    then, when asked, the owner of the first complained-about topic (``topic_owners``: topic
    key -> Topic.team) if a team of that key exists; else the rule's own team.
    """
    complained = complained_topics(response)
    for route in rule.routes:
        if route.team not in teams:
            continue
        if route.topic and route.topic not in complained:
            continue
        if route.segment and response.segments.get(route.segment) != route.value:
            continue
        return route.team
    if rule.route_by_topic_owner:
        for topic in complained:
            owner = topic_owners.get(topic, "")
            if owner and owner in teams:
                return owner
    return rule.team


def round_robin_next(member_ids: Sequence[int], last_id: int | None) -> int | None:
    """The member after ``last_id`` in id order (wrapping), the first when none was last."""
    ordered = sorted(member_ids)
    if not ordered:
        return None
    if last_id is None:
        return ordered[0]
    for member in ordered:
        if member > last_id:
            return member
    return ordered[0]


def escalation_level_due(*, hours_overdue: float, sla_hours: float, max_level: int) -> int:
    """The escalation level a case has earned: 1 as soon as it is overdue, one more for each
    further SLA period it stays open, at most ``max_level``; 0 while it is not overdue."""
    if hours_overdue <= 0:
        return 0
    period = sla_hours if sla_hours > 0 else 1.0
    return min(max_level, 1 + int(hours_overdue // period))
