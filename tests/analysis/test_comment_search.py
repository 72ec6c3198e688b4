"""Comment search: the query tokenised as the comments were, words matched on the stored
tokens, topic, score band, language and segment filters, newest first, pageable, streamed;
PostgreSQL's containment and the Python path give the same hits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator

import analysis.selectors.scope as scope_module
from analysis.selectors.scope import Scope
from analysis.selectors.search import comment_search, query_terms, score_band_parse
from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)
OFFICE = {"district_type": "office"}
HOME = {"district_type": "residential"}
ROWS = {
    # name: (nps, why, attributes, day offset, locale)
    "rude": (2, "骑手态度很差，送餐太慢了", OFFICE, 0, "zh-hans"),
    "late_en": (8, "The Riders were LATE again", HOME, 1, "en"),
    "polite": (10, "骑手很有礼貌", OFFICE, 2, "zh-hans"),
    "script": (5, "<script>alert(1)</script>骑手不送上楼", OFFICE, 2, "zh-hans"),
    "tasty": (9, "味道很好", OFFICE, 3, "zh-hans"),
    "unscored": (None, "骑手迟到了", HOME, 4, "zh-hans"),
    "before": (3, "骑手态度差", OFFICE, -7, "zh-hans"),
}


@pytest.fixture
def made():
    survey, version = analysed_survey()
    ids = {}
    for name, (nps, why, attributes, offset, locale) in ROWS.items():
        response = completed(
            version,
            nps=nps,
            why=why,
            attributes=attributes,
            completed_at=BASE + dt.timedelta(days=offset),
            locale=locale,
        )
        response_analyse(response_id=response.pk)
        ids[response.pk] = name
    return survey, ids


def _names(hits, ids) -> list[str]:
    return [ids[h.response_id] for h in hits]


def _scope(survey, **filters) -> Scope:
    return Scope(survey, FROM, TO, filters)


@pytest.fixture(params=["database", "python"])
def path(request, monkeypatch):
    """Each search runs on PostgreSQL's containment and on the Python path (SQLite's)."""
    if request.param == "python":
        monkeypatch.setattr(scope_module, "in_database", lambda: False)
    return request.param


def test_a_word_finds_the_comments_holding_it_newest_first(made, path):
    survey, ids = made
    # when the period's comments are searched for 骑手
    hits = comment_search(scope=_scope(survey), query="骑手")
    # then every comment of the period holding it, newest day first (the week before left out)
    assert hits.terms == ("骑手",)
    assert hits.count() == 4
    assert _names(hits[0:10], ids) == ["unscored", "script", "polite", "rude"]


def test_english_is_matched_by_lemma_whatever_the_case(made, path):
    survey, ids = made
    hits = comment_search(scope=_scope(survey), query="rider late")
    assert hits.terms == ("rider", "late")
    assert _names(hits[0:10], ids) == ["late_en"]
    assert list(hits[0:1][0].parts) == [
        ("The ", False),
        ("Riders", True),
        (" were ", False),
        ("LATE", True),
        (" again", False),
    ]


def test_every_word_of_the_query_must_be_there(made, path):
    survey, ids = made
    assert _names(comment_search(scope=_scope(survey), query="骑手 态度很差")[0:10], ids) == ["rude"]


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("low", ["script", "rude"]),
        ("detractor", ["script", "rude"]),
        ("mid", ["late_en"]),
        ("passive", ["late_en"]),
        ("high", ["tasty", "polite"]),
        ("promoter", ["tasty", "polite"]),
    ],
)
def test_score_bands_are_the_metric_classes(made, path, band, expected):
    survey, ids = made
    # when the comments are read by score band (an unscored response is in no band)
    hits = comment_search(scope=_scope(survey), score_band=band)
    assert _names(hits[0:10], ids) == expected


def test_topic_language_and_segment_filters(made, path):
    survey, ids = made
    assert _names(comment_search(scope=_scope(survey), topic="rider_attitude")[0:10], ids) == [
        "late_en",
        "rude",
    ]
    assert _names(comment_search(scope=_scope(survey), topic="delivery_time")[0:10], ids) == [
        "unscored",
        "late_en",
        "rude",
    ]
    assert _names(comment_search(scope=_scope(survey), language="en")[0:10], ids) == ["late_en"]
    office = comment_search(scope=_scope(survey, **OFFICE), query="骑手")
    assert _names(office[0:10], ids) == ["script", "polite", "rude"]
    assert _names(comment_search(scope=_scope(survey, locale="en"))[0:10], ids) == ["late_en"]


def test_comments_tagged_with_any_of_a_teams_topics(made, path):
    survey, ids = made
    # tagged with either topic (a team owning rider attitude and late delivery), newest first
    either = comment_search(scope=_scope(survey), topics_any={"rider_attitude", "delivery_time"})
    assert _names(either[0:10], ids) == ["unscored", "late_en", "rude"]
    # with another filter, both hold; an empty set of topics matches nothing
    office = comment_search(scope=_scope(survey, **OFFICE), topics_any=["delivery_time"])
    assert _names(office[0:10], ids) == ["rude"]
    assert comment_search(scope=_scope(survey), topics_any=[]).count() == 0


def test_hits_carry_score_band_topics_and_the_original_words(made, path):
    survey, ids = made
    (hit,) = comment_search(scope=_scope(survey), query="态度很差")[0:10]
    assert ids[hit.response_id] == "rude"
    assert (hit.score, hit.band, hit.language, hit.question_key) == (2.0, "low", "zh", "why")
    assert hit.topics == ("delivery_time", "rider_attitude")
    assert hit.segments == {
        "district_type": "office",
        "channel": "link",
        "respondent_type": "customer",
        "locale": "zh-hans",
    }
    assert hit.text == "骑手态度很差，送餐太慢了"
    assert hit.parts == (("骑手", False), ("态度很差", True), ("，送餐太慢了", False))


def test_markup_in_a_comment_is_kept_as_text_for_the_page_to_escape(made, path):
    survey, _ids = made
    (hit,) = comment_search(scope=_scope(survey), query="上楼")[0:10]
    assert hit.parts == (("<script>alert(1)</script>骑手不送", False), ("上楼", True))


def test_pages_and_the_export_iterator_follow_the_same_order(made, path):
    survey, ids = made
    hits = comment_search(scope=_scope(survey))
    # when six comments are paged two at a time
    paginator = Paginator(hits, 2)
    assert paginator.count == 6
    assert paginator.num_pages == 3
    assert _names(paginator.page(2).object_list, ids) == ["script", "polite"]
    # and streamed two at a time
    streamed = _names(hits.iterator(chunk_size=2), ids)
    assert streamed == ["unscored", "tasty", "script", "polite", "late_en", "rude"]


def test_nothing_found_is_an_empty_page(made, path):
    survey, _ids = made
    hits = comment_search(scope=_scope(survey), query="发票")
    assert hits.count() == 0
    assert Paginator(hits, 20).page(1).object_list == []
    assert list(hits.iterator()) == []


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"query": "的了"}, "query_without_words"),
        ({"query": "x" * 201}, "query_too_long"),
        ({"score_band": "angry"}, "invalid_score_band"),
        ({"language": "fr"}, "invalid_language"),
    ],
)
def test_bad_input_names_the_field(made, arguments, code):
    survey, _ids = made
    with pytest.raises(ValidationError) as raised:
        comment_search(scope=_scope(survey), **arguments)
    assert raised.value.code == code


def test_query_terms_and_band_names():
    assert query_terms("") == ()
    assert query_terms("  Riders  ") == ("rider",)
    assert query_terms("菜不新鲜，等了很久") == ("菜", "不新鲜", "等", "很久")
    assert score_band_parse("") is None
    assert score_band_parse("promoter") == "high"
