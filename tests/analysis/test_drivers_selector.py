"""Key drivers over a scope: the survey's other scored questions (matrix rows), attributes and
topics as the drivers of the score, through the one driver maths (analysis.drivers)."""

import datetime as dt

import pytest

from analysis.selectors.drivers import drivers_for_scope
from analysis.selectors.scope import Scope
from analysis.services import response_analyse
from responses.models import Answer
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)


def _respond(version, *, nps, speed, packaging, why="", city="上海", day=0):
    response = completed(
        version, nps=nps, why=why, attributes={"city": city}, completed_at=BASE + dt.timedelta(days=day)
    )
    Answer.objects.create(
        response=response,
        question_key="aspects",
        value={"speed": speed, "packaging": packaging},
        updated_at=response.completed_at,
    )
    response_analyse(response_id=response.pk)
    return response


def test_orthogonal_questions_get_their_share_of_the_variance():
    # given 24 responses: speed and packaging each 1 or 5, balanced and independent, and the
    # score 2 + 6 (fast) + 2 (well packed): speed explains 36/40 of the variance, packaging 4/40
    _survey, version = analysed_survey()
    for index in range(24):
        fast, packed = index % 2, (index // 2) % 2
        _respond(
            version,
            nps=2 + 6 * fast + 2 * packed,
            speed=1 + 4 * fast,
            packaging=1 + 4 * packed,
            day=index % 7,
        )

    # when the drivers are read
    found = drivers_for_scope(scope=Scope(version.survey, FROM, TO, {}))

    # then the two matrix rows, speed first, with their exact shares of R² = 1
    assert found["error"] == ""
    assert (found["metric"], found["n"]) == ("nps", 24)
    assert found["r_squared"] == pytest.approx(1.0)
    assert [(d["kind"], d["key"], d["rank"]) for d in found["drivers"]] == [
        ("question", "speed", 1),
        ("question", "packaging", 2),
    ]
    speed, packaging = found["drivers"]
    assert speed["importance"] == pytest.approx(0.9)
    assert packaging["importance"] == pytest.approx(0.1)
    assert speed["share"] == pytest.approx(0.9)
    assert speed["correlation"] == pytest.approx(0.9**0.5)
    assert speed["low"] <= speed["importance"] <= speed["high"]
    assert speed["text"] == {"zh-hans": "配送速度", "en": "Delivery speed"}


def test_attributes_and_topics_are_drivers_too():
    # given late deliveries (a topic) in Beijing with low scores, and good ones in Shanghai
    _survey, version = analysed_survey()
    for index in range(30):
        late = index % 3 == 0
        _respond(
            version,
            nps=2 if late else 9 - index % 2,
            speed=2 if late else 4 + index % 2,
            packaging=3 + index % 3 % 2,
            why="送餐太慢了" if late else "",
            city="北京" if index % 5 == 0 else "上海",
            day=index % 7,
        )
    found = drivers_for_scope(scope=Scope(version.survey, FROM, TO, {}))
    kinds = {(d["kind"], d["key"]) for d in found["drivers"]}
    assert kinds == {
        ("question", "speed"),
        ("question", "packaging"),
        ("attribute", "city"),
        ("topic", "delivery_time"),
    }
    city = next(d for d in found["drivers"] if d["key"] == "city")
    assert city["levels"] == [("上海", 24), ("北京", 6)]
    assert city["correlation"] is None
    topic = next(d for d in found["drivers"] if d["key"] == "delivery_time")
    assert topic["mentions"] == 10
    assert topic["correlation"] < 0
    assert found["n"] == 30
    # filtered on the city, the city explains nothing any more
    filtered = drivers_for_scope(scope=Scope(version.survey, FROM, TO, {"city": "上海"}))
    assert "city" not in {d["key"] for d in filtered["drivers"]}


def test_too_few_responses_say_so():
    _survey, version = analysed_survey()
    for index in range(5):
        _respond(version, nps=index, speed=1 + index % 5, packaging=3)
    found = drivers_for_scope(scope=Scope(version.survey, FROM, TO, {}))
    assert found["drivers"] == []
    assert found["n"] == 5
    assert found["error"] == "Key drivers need at least 20 scored responses; this scope has 5."
