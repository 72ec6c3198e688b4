"""Topic tagging with matched terms, exclusions and negation."""

import pytest

from analysis.taxonomy import (
    TaxonomyError,
    TaxonomyNotFoundError,
    TopicMatch,
    TopicTagger,
    taxonomy_from_dict,
    taxonomy_load,
    taxonomy_names,
    trie_regex,
)
from analysis.text import TextPipeline


@pytest.fixture(scope="module")
def pipeline():
    return TextPipeline()


@pytest.fixture(scope="module")
def tagger(pipeline):
    return TopicTagger(taxonomy_load("food_delivery"), pipeline)


def tags(tagger, pipeline, text):
    return tagger.tag(pipeline.process(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "等了一个小时才送到，出餐慢，汤都洒了",
            (
                TopicMatch("delivery_time", ("等了", "一个小时", "才送到")),
                TopicMatch("packaging_spill", ("洒",)),
                TopicMatch("merchant_preparation", ("出餐慢",)),
            ),
        ),
        ("送得不慢，也不贵", ()),  # negated: not a delay, not a price complaint
        ("一点都不慢，但是凉了", (TopicMatch("food_temperature", ("凉了",)),)),
        ("凉皮很好吃", ()),  # exclusion: a dish, not a cold meal
        ("凉皮很好吃但是有点凉了", (TopicMatch("food_temperature", ("凉了",)),)),
        ("骑手态度很差", (TopicMatch("rider_attitude", ("骑手…差", "态度…差")),)),
        ("骑手态度不差", ()),
        (
            "量少还贵，少送了一份饮料",
            (
                TopicMatch("missing_wrong_items", ("少送",)),
                TopicMatch("portion_price", ("量少", "贵")),
            ),
        ),
        (
            "The food was COLD and it took forever, the rider was rude",
            (
                TopicMatch("delivery_time", ("took forever",)),
                TopicMatch("food_temperature", ("cold",)),
                TopicMatch("rider_attitude", ("rider", "rude")),
            ),
        ),
        ("food was not cold, delivery was not slow", ()),
        ("the cold drink was fine", ()),  # English exclusion
        ("外賣送得太慢了", (TopicMatch("delivery_time", ("太慢",)),)),  # traditional script
        ("😡😡", ()),
        ("", ()),
    ],
)
def test_tagging_table(tagger, pipeline, text, expected):
    assert tags(tagger, pipeline, text) == expected


def test_starter_taxonomies_ship_and_validate():
    assert taxonomy_names() == ("car_rental", "food_delivery", "merchant_onboarding", "rider_experience")
    food = taxonomy_load("food_delivery")
    assert [t.key for t in food.topics] == [
        "delivery_time",
        "food_temperature",
        "missing_wrong_items",
        "rider_attitude",
        "taste",
        "portion_price",
        "packaging_spill",
        "hygiene",
        "app_ordering",
        "refund_aftersales",
        "merchant_preparation",
    ]
    topic = food.topic("delivery_time")
    assert (dict(topic.label), topic.stage, topic.team) == (
        {"zh-hans": "配送慢/超时", "en": "Late delivery"},
        "delivery",
        "delivery_ops",
    )
    onboarding = taxonomy_load("merchant_onboarding")
    assert [t.stage for t in onboarding.topics][:4] == [
        "information_collection",
        "review",
        "going_live",
        "operations_support",
    ]


def test_unknown_taxonomy_lists_the_available_ones():
    with pytest.raises(TaxonomyNotFoundError) as caught:
        taxonomy_load("hotels")
    assert caught.value.available == (
        "car_rental",
        "food_delivery",
        "merchant_onboarding",
        "rider_experience",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"topics": [{"label": {"zh-hans": "a", "en": "a"}, "terms": {"en": ["x"]}}]},
            "topics[0].key is required",
        ),
        (
            {"topics": [{"key": "a", "label": {"en": "a"}, "terms": {"en": ["x"]}}]},
            "topics[0].label needs both",
        ),
        (
            {"topics": [{"key": "a", "label": {"zh-hans": "a", "en": "a"}, "terms": {}}]},
            "topics[0].terms has no term",
        ),
        (
            {"topics": [{"key": "a", "label": {"zh-hans": "a", "en": "a"}, "terms": {"en": "x"}}]},
            "topics[0].terms.en must be a list of strings",
        ),
    ],
)
def test_invalid_taxonomy_names_the_field(data, message):
    with pytest.raises(TaxonomyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        taxonomy_from_dict(data)


def test_admin_edited_taxonomy_with_extra_terms(pipeline):
    # given a taxonomy passed as plain data, as the admin would
    taxonomy = taxonomy_from_dict(
        {
            "key": "custom",
            "topics": [
                {
                    "key": "insurance",
                    "label": {"zh-hans": "准时宝", "en": "On-time guarantee"},
                    "terms": {"zh-hans": ["准时宝"], "en": ["on-time guarantee"]},
                    "exclusions": {"zh-hans": ["准时宝赔付到账"]},
                }
            ],
        }
    )
    tagger = TopicTagger(taxonomy, pipeline)
    # when / then
    assert tagger.tag(pipeline.process("准时宝没赔")) == (TopicMatch("insurance", ("准时宝",)),)
    assert tagger.tag(pipeline.process("准时宝赔付到账了")) == ()
    assert tagger.tag(pipeline.process("the on-time guarantee failed")) == (
        TopicMatch("insurance", ("on-time guarantee",)),
    )


def test_trie_regex_prefers_the_longest_term():
    regex = trie_regex(["慢", "出餐", "出餐慢"])
    assert [m.group() for m in regex.finditer("出餐慢,送得慢,出餐")] == ["出餐慢", "慢", "出餐"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "rider", "driver", "staff" ... name a person: a complaint only in a negative clause
        ("The rider was lovely and fast", ()),
        ("rider", ()),
        ("The rider was rude", (TopicMatch("rider_attitude", ("rider", "rude")),)),
        ("The driver never showed up", (TopicMatch("rider_attitude", ("driver",)),)),
        ("Great food, but the waiter ignored us", (TopicMatch("rider_attitude", ("waiter",)),)),
        ("The staff were friendly but the food was cold", (TopicMatch("food_temperature", ("cold",)),)),
        ("The price was reasonable", ()),
        (
            "Expensive, and the portion was small",
            (TopicMatch("portion_price", ("expensive", "portion", "small")),),
        ),
    ],
)
def test_ambiguous_terms_tag_only_negative_clauses(tagger, pipeline, text, expected):
    assert tags(tagger, pipeline, text) == expected


def test_ambiguous_chinese_terms_tag_only_negative_clauses(pipeline):
    rental = TopicTagger(taxonomy_load("car_rental"), pipeline)
    assert rental.tag(pipeline.process("店员很热情，车也干净")) == ()
    assert rental.tag(pipeline.process("车很新，但是店员很慢")) == (TopicMatch("staff_service", ("店员",)),)
    # 推销 is no ambiguous term: tagged whatever its clause
    assert rental.tag(pipeline.process("店员很热情地推销")) == (
        TopicMatch("staff_service", ("店员", "推销")),
    )


def test_an_ambiguous_term_must_be_a_seed_term():
    data = {
        "topics": [
            {
                "key": "staff",
                "label": {"zh-hans": "员工", "en": "Staff"},
                "terms": {"en": ["rude"]},
                "ambiguous": {"en": ["rider"]},
            }
        ]
    }
    with pytest.raises(TaxonomyError) as caught:
        taxonomy_from_dict(data)
    assert str(caught.value) == "topics[0].ambiguous.en 'rider' is not one of the topic's terms"
    data["topics"][0]["terms"]["en"].append("rider")
    assert taxonomy_from_dict(data).topics[0].ambiguous == {"zh-hans": (), "en": ("rider",)}


def test_topic_admin_form_refuses_an_ambiguous_term_that_is_no_seed_term():
    from django.core.exceptions import ValidationError

    from analysis.models import Topic

    topic = Topic(key="staff", terms={"zh-hans": ["店员"], "en": ["rude"]}, ambiguous={"en": ["rider"]})
    with pytest.raises(ValidationError) as caught:
        topic.clean()
    assert caught.value.message_dict == {
        "ambiguous": ["Ambiguous terms must also be seed terms of the same language: rider"]
    }
    topic.ambiguous = {"zh-hans": ["店员"], "en": []}
    topic.clean()


def test_an_ambiguous_term_in_a_neutral_clause_is_no_complaint_whatever_the_comment(tagger, pipeline):
    # the waiter's clause holds no sentiment word: the waiter is named, not blamed
    assert tags(tagger, pipeline, "The waiter brought the bill. It was a terrible evening") == ()
    assert tags(tagger, pipeline, "The waiter brought the bill. It was a lovely evening") == ()
    assert tags(tagger, pipeline, "The food was cold. The driver arrived at seven") == (
        TopicMatch("food_temperature", ("cold",)),
    )
    # in the negative clause it is
    assert tags(tagger, pipeline, "The food was fine but the driver was late") == (
        TopicMatch("delivery_time", ("late",)),
        TopicMatch("rider_attitude", ("driver",)),
    )
