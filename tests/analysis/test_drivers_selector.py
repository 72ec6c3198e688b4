"""Key drivers over a scope: the survey's other scored questions (matrix rows), attributes and
topics as the drivers of the score, through the one driver maths (analysis.drivers)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

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


def facts_queries(context) -> list[str]:
    """The queries that read the facts or the answers (the fit's rows)."""
    return [q["sql"] for q in context.captured_queries if "responsefacts" in q["sql"] or "answer" in q["sql"]]


def test_the_fit_is_read_again_from_the_cache_until_a_write_path_changes_the_facts():
    # given 24 responses and the drivers read once
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
    scope = Scope(version.survey, FROM, TO, {})
    first = drivers_for_scope(scope=scope)

    # when they are read again, then no facts or answers are read: the same fit
    with CaptureQueriesContext(connection) as context:
        again = drivers_for_scope(scope=scope)
    assert facts_queries(context) == []
    assert again == first
    assert again["n"] == 24

    # when one more response is analysed, then the next read fits the 25 rows
    _respond(version, nps=10, speed=5, packaging=5, day=3)
    with CaptureQueriesContext(connection) as context:
        after = drivers_for_scope(scope=scope)
    assert facts_queries(context) != []
    assert after["n"] == 25
    with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
        assert drivers_for_scope(scope=scope) == after


def test_a_cached_error_speaks_the_language_of_each_reader():
    # given 3 scored responses (too few to fit), read first in Chinese
    _survey, version = analysed_survey()
    for index in range(3):
        _respond(version, nps=index + 5, speed=index + 1, packaging=3, day=index)
    scope = Scope(version.survey, FROM, TO, {})
    with translation.override("zh-hans"):
        chinese = drivers_for_scope(scope=scope)

    # when read again in English (from the cache), then the error is in English, its numbers filled in
    with translation.override("en"), CaptureQueriesContext(connection) as context:
        english = drivers_for_scope(scope=scope)
    assert facts_queries(context) == []
    assert english["error"] == "Key drivers need at least 20 scored responses; this scope has 3."
    assert chinese["error"] == "关键驱动因素分析至少需要 20 份带评分的回答；当前范围内有 3 份。"
    assert (english["n"], english["drivers"]) == (chinese["n"], []) == (3, [])
