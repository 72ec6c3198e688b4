"""The platform discovers topics in the clauses of stored comments with the ``painpoints``
command's algorithm: a long review feeds several discovered topics, each mention with the
polarity of its own clause, and the platform and the command find the same topics, mentions
and examples on the same comments."""

import datetime as dt

import pytest

from analysis.models import CommentAnalysis, EmergingTopic, discovered_topic_key
from analysis.services import cluster_discover, response_analyse
from analysis.text.normalise import normalise_text
from analysis.voc_analysis import comments_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 1), dt.date(2026, 5, 31)
# Hotel reviews, most of several clauses: location (位置, 地铁站), noise (隔音, 吵), breakfast (早餐).
HOTEL = [
    "位置很好，但是隔音太差，早餐也一般",
    "离地铁站很近，房间隔音太差",
    "隔音太差半夜很吵，早餐品种太少",
    "早餐品种丰富，离地铁站很近",
    "位置很好离地铁站近",
    "房间隔音太差很吵",
    "早餐品种一般，位置很好",
    "早餐品种很多",
    "隔音太差，位置很好",
    "早餐一般，房间很吵",
]
LOCATION, NOISE, BREAKFAST = "emerging-位置-位置很", "emerging-太差-隔音", "emerging-早餐-品种"


@pytest.fixture
def survey():
    survey, version = analysed_survey(taxonomy=None)
    for index, text in enumerate(HOTEL):
        when = BASE + dt.timedelta(minutes=index)
        response_analyse(response_id=completed(version, nps=5, why=text, completed_at=when).pk)
    return survey


def stored(text: str) -> str:
    """A comment as stored (normalised: full-width punctuation made half-width)."""
    return normalise_text(text)[0]


def discovered_of_comments() -> dict[str, dict[str, int]]:
    """comment text -> emerging topic key -> polarity, as the platform stored them."""
    keys = {discovered_topic_key(row.pk): row.key for row in EmergingTopic.objects.all()}
    return {
        c.text: {keys[k]: polarity for k, polarity in c.clusters.items()}
        for c in CommentAnalysis.objects.all()
    }


def test_a_long_review_feeds_several_discovered_topics(survey):
    # given ten stored hotel reviews and no taxonomy (every comment uncovered)

    # when the platform discovers topics
    result = cluster_discover(survey=survey, date_from=FROM, date_to=TO)

    # then it clustered the 18 clauses of the 10 comments into location, noise and breakfast
    assert (result.comments, result.clauses, result.clusters) == (10, 18, 3)
    assert sorted((t.key, t.keywords, t.mentions) for t in EmergingTopic.objects.all()) == [
        (LOCATION, ["位置", "位置很", "位置很好", "地铁站", "近"], 6),
        (NOISE, ["太差", "隔音", "隔音太差", "吵", "很吵"], 6),
        (BREAKFAST, ["早餐", "品种", "早餐品种", "丰富", "品种丰富"], 6),
    ]
    # and each comment carries every topic one of its clauses mentions, with that clause's
    # polarity (a neutral clause takes the comment's: 离地铁站很近 in a complaint about noise)
    assert discovered_of_comments() == {
        stored(text): topics
        for text, topics in {
            "位置很好，但是隔音太差，早餐也一般": {LOCATION: 1, NOISE: -1, BREAKFAST: 0},
            "离地铁站很近，房间隔音太差": {LOCATION: -1, NOISE: -1},
            "隔音太差半夜很吵，早餐品种太少": {NOISE: -1, BREAKFAST: -1},
            "早餐品种丰富，离地铁站很近": {LOCATION: 1, BREAKFAST: 1},
            "位置很好离地铁站近": {LOCATION: 1},
            "房间隔音太差很吵": {NOISE: -1},
            "早餐品种一般，位置很好": {LOCATION: 1, BREAKFAST: 1},
            "早餐品种很多": {BREAKFAST: 0},
            "隔音太差，位置很好": {LOCATION: 1, NOISE: -1},
            "早餐一般，房间很吵": {NOISE: -1, BREAKFAST: -1},
        }.items()
    }


def test_the_platform_and_the_command_discover_the_same_topics(survey):
    # given the same reviews analysed by the command, in the order the platform reads them
    # (newest first)
    texts = list(reversed(HOTEL))
    command = comments_analyse(texts, taxonomy=None, taxonomy_mode="none")

    # when the platform discovers topics in the stored comments
    cluster_discover(survey=survey, date_from=FROM, date_to=TO)

    # then both find the same topics, keywords, mentions and examples
    comment_text = dict(CommentAnalysis.objects.values_list("id", "text"))
    platform = sorted(
        (t.key, t.keywords, t.mentions, [comment_text[i] for i in t.example_comment_ids])
        for t in EmergingTopic.objects.all()
    )
    assert platform == sorted(
        (e["key"], e["keywords"], e["mentions"], [stored(x["text"]) for x in e["examples"]])
        for e in command.report["emerging"]
    )
    assert [key for key, *_ in platform] == [LOCATION, NOISE, BREAKFAST]
    # and each comment is given the same topics with the same polarities
    assert discovered_of_comments() == {stored(texts[row.row]): row.topic_polarity for row in command.rows}
