"""Rule matching, routing, round robin and escalation levels: pure functions, no database."""

import pytest

from cases.matching import (
    AnalysedComment,
    AnalysedResponse,
    Match,
    Route,
    RuleSpec,
    escalation_level_due,
    round_robin_next,
    route_team,
    rule_match,
    rules_match,
)

HAIR = AnalysedComment(topics=("hygiene",), polarity={"hygiene": -1}, tokens=("饭", "头发", "恶心"))
PRAISE = AnalysedComment(topics=("hygiene",), polarity={"hygiene": 1}, tokens=("很", "干净"))
SLOW = AnalysedComment(topics=("delivery_time",), polarity={"delivery_time": -1}, tokens=("送餐", "太慢"))


def response(**kwargs) -> AnalysedResponse:
    kwargs.setdefault("survey_id", 1)
    kwargs.setdefault("metric", "nps")
    kwargs.setdefault("segments", {"city": "上海", "merchant_type": "vip"})
    return AnalysedResponse(**kwargs)


@pytest.mark.parametrize(
    ("spec", "analysed", "expected"),
    [
        # detractor score, per metric
        (
            RuleSpec(1, "detractor", "ops", metric="nps"),
            response(score=2, is_detractor=True),
            {"metric": "nps", "score": 2},
        ),
        (RuleSpec(1, "detractor", "ops", metric="csat"), response(score=2, is_detractor=True), None),
        (RuleSpec(1, "detractor", "ops"), response(score=8), None),
        # a severe topic, complained about (praise of it does not count)
        (
            RuleSpec(2, "topic", "ops", topic_keys=("hygiene",)),
            response(comments=(HAIR,)),
            {"topics": ["hygiene"]},
        ),
        (RuleSpec(2, "topic", "ops", topic_keys=("hygiene",)), response(comments=(PRAISE,)), None),
        (RuleSpec(2, "topic", "ops", topic_keys=("hygiene",)), response(comments=(SLOW,)), None),
        # a segment
        (
            RuleSpec(3, "segment", "ops", segment_key="merchant_type", segment_value="vip"),
            response(),
            {"segment": {"merchant_type": "vip"}},
        ),
        (RuleSpec(3, "segment", "ops", segment_key="city", segment_value="北京"), response(), None),
        # a high score beside a complaint
        (
            RuleSpec(4, "mismatch", "ops"),
            response(score=10, is_promoter=True, comments=(SLOW,)),
            {"score": 10, "topics": ["delivery_time"]},
        ),
        (
            RuleSpec(4, "mismatch", "ops"),
            response(score=9, is_promoter=True, comments=(AnalysedComment(is_mismatch=True),)),
            {"score": 9, "topics": []},
        ),
        (RuleSpec(4, "mismatch", "ops"), response(score=10, is_promoter=True, comments=(PRAISE,)), None),
        (RuleSpec(4, "mismatch", "ops"), response(score=2, is_detractor=True, comments=(SLOW,)), None),
        # a word, on the stored tokens, case-insensitive
        (
            RuleSpec(5, "word", "ops", words=("头发", "12315")),
            response(comments=(HAIR,)),
            {"words": ["头发"]},
        ),
        (
            RuleSpec(5, "word", "ops", words=("RUDE",)),
            response(comments=(AnalysedComment(tokens=("rider", "rude")),)),
            {"words": ["RUDE"]},
        ),
        (RuleSpec(5, "word", "ops", words=("头",)), response(comments=(HAIR,)), None),
        # a rule of another survey
        (RuleSpec(6, "detractor", "ops", survey_id=2), response(score=0, is_detractor=True), None),
    ],
)
def test_rule_match_per_kind(spec, analysed, expected) -> None:
    # when the rule is matched against the analysed response
    found = rule_match(spec, analysed)

    # then it matches with exactly that reason, or not at all
    assert found == (None if expected is None else Match(spec.id, expected))


def test_rules_match_keeps_the_rules_that_match_in_order() -> None:
    rules = [
        RuleSpec(1, "detractor", "ops"),
        RuleSpec(2, "topic", "ops", topic_keys=("delivery_time",)),
        RuleSpec(3, "word", "ops", words=("头发",)),
    ]

    found = rules_match(rules, response(score=1, is_detractor=True, comments=(HAIR,)))

    assert [m.rule_id for m in found] == [1, 3]


def test_routing_takes_the_first_route_that_holds_then_the_topic_owner_then_the_rule_team() -> None:
    # given routes by topic and by segment, and a rule that may route to the topic's owner
    spec = RuleSpec(
        1,
        "detractor",
        "cs",
        routes=(Route(team="safety", topic="hygiene"), Route(team="sh", segment="city", value="上海")),
        route_by_topic_owner=True,
    )
    owners = {"hygiene": "food_safety", "delivery_time": "delivery_ops"}
    teams = ["cs", "safety", "sh", "delivery_ops"]

    # then each response goes where the first holding condition sends it
    assert route_team(spec, response(comments=(HAIR,)), topic_owners=owners, teams=teams) == "safety"
    assert route_team(spec, response(comments=(SLOW,)), topic_owners=owners, teams=teams) == "sh"
    beijing = response(comments=(SLOW,), segments={"city": "北京"})
    assert route_team(spec, beijing, topic_owners=owners, teams=teams) == "delivery_ops"
    assert route_team(spec, response(segments={"city": "北京"}), topic_owners=owners, teams=teams) == "cs"
    # a route or an owner naming no existing team is passed over
    assert route_team(spec, response(comments=(HAIR,)), topic_owners=owners, teams=["cs"]) == "cs"


@pytest.mark.parametrize(
    ("members", "last", "expected"),
    [
        ([7, 3, 5], None, 3),
        ([7, 3, 5], 3, 5),
        ([7, 3, 5], 5, 7),
        ([7, 3, 5], 7, 3),
        ([7, 3, 5], 4, 5),
        ([], 3, None),
    ],
)
def test_round_robin_takes_the_next_member_in_id_order(members, last, expected) -> None:
    assert round_robin_next(members, last) == expected


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(-1.0, 0), (0.0, 0), (0.01, 1), (23.9, 1), (24.0, 2), (47.9, 2), (48.0, 3), (500.0, 3)],
)
def test_escalation_level_is_one_when_overdue_plus_one_per_further_sla_period(hours, expected) -> None:
    assert escalation_level_due(hours_overdue=hours, sla_hours=24, max_level=3) == expected
