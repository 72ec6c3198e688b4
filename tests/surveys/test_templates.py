"""Starter templates: complete in both locales, load as drafts, publish without errors."""

import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from surveys import selectors, services
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Question, Survey, SurveyVersion
from surveys.starter_templates import template_definition, template_keys
from surveys.validation import definition_errors

KEYS = [
    "car-rental-return",
    "customer-after-delivery",
    "merchant-after-onboarding",
    "rider-experience",
    "support-ticket-closed",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def locale_maps(definition: dict) -> list[tuple[str, dict]]:
    """Every (where, locale map) in a definition."""
    found = [(name, definition[name]) for name in ("title", "introduction", "thank_you")]
    for question in definition["questions"]:
        where = question["key"]
        found += [(f"{where}.text", question["text"]), (f"{where}.help_text", question["help_text"])]
        scale = question.get("scale") or {}
        found += [(f"{where}.{end}", scale[end]) for end in ("min_label", "max_label") if end in scale]
        for option in question.get("choices", []) + question.get("items", []):
            found.append((f"{where}.{option['key']}", option["label"]))
    return found


def test_the_five_templates_are_shipped() -> None:
    assert template_keys() == KEYS
    assert [info.key for info in selectors.survey_templates()] == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_template_is_complete_in_both_locales_and_natural_in_each(key: str) -> None:
    definition = template_definition(key)

    assert definition["locales"] == ["zh-hans", "en"]
    assert definition_errors({**definition, "version": 1}, allowed_locales=["zh-hans", "en"]) == []
    for where, text in locale_maps(definition):
        if text == {}:
            continue  # an optional text left out in every locale
        assert set(text) == {"zh-hans", "en"}, where
        assert CJK.search(text["zh-hans"]), f"{where}: no Chinese in {text['zh-hans']!r}"
        assert not CJK.search(text["en"]), f"{where}: Chinese in the English {text['en']!r}"
        # Respondents are addressed politely: 您, never 你.
        assert "你" not in text["zh-hans"], where


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_template_loads_as_a_draft_and_publishes_cleanly(key: str) -> None:
    survey = services.survey_template_load(template_key=key)

    version = services.survey_publish(survey=survey, note="starter")

    assert survey.key == key
    assert version.number == 1
    assert version.definition == {**template_definition(key), "version": 1}


@pytest.mark.django_db
def test_a_template_can_be_loaded_again_under_another_key() -> None:
    services.survey_template_load(template_key="rider-experience")

    copy = services.survey_template_load(template_key="rider-experience", survey_key="rider-experience-night")

    assert copy.key == "rider-experience-night"
    assert copy.questions.count() == 5


@pytest.mark.django_db
def test_loading_a_template_onto_a_taken_key_writes_nothing() -> None:
    services.survey_template_load(template_key="rider-experience")
    before = Question.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.survey_template_load(template_key="rider-experience")

    assert [e.code for e in exc.value.error_dict["key"]] == [Code.DUPLICATE_KEY]
    assert Survey.objects.count() == 1
    assert Question.objects.count() == before


@pytest.mark.django_db
def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        services.survey_template_load(template_key="hotel-stay")

    assert exc.value.error_list[0].code == Code.UNKNOWN_TEMPLATE
    assert Survey.objects.count() == 0


def test_customer_after_delivery_asks_what_the_issue_asks() -> None:
    definition = template_definition("customer-after-delivery")
    questions = {q["key"]: q for q in definition["questions"]}

    assert definition["primary_question"] == "nps"
    assert [q["kind"] for q in definition["questions"]] == [
        "nps",
        "matrix",
        "long_text",
        "long_text",
        "long_text",
    ]
    assert [i["key"] for i in questions["aspects"]["items"]] == [
        "delivery_speed",
        "food_temperature",
        "packaging",
        "rider_attitude",
    ]
    assert questions["why"]["condition"] == {"question": "nps", "op": "lte", "value": 6}
    assert questions["praise"]["condition"] == {"question": "nps", "op": "gte", "value": 9}


def test_merchant_after_onboarding_measures_effort_per_step() -> None:
    definition = template_definition("merchant-after-onboarding")
    questions = {q["key"]: q for q in definition["questions"]}

    assert questions[definition["primary_question"]]["kind"] == "ces"
    assert [i["key"] for i in questions["steps"]["items"]] == [
        "information_collection",
        "review",
        "going_live",
    ]
    assert questions["steps"]["scale"]["min"] == 1
    assert questions["steps"]["scale"]["max"] == 7
    assert questions["slowed_down"]["kind"] == "long_text"
    assert questions["slowed_down"]["text"]["en"] == "What slowed you down, and what should we change?"


@pytest.mark.parametrize(
    ("key", "audience", "kinds"),
    [
        ("rider-experience", "rider", {"nps", "matrix", "single_choice", "long_text"}),
        ("support-ticket-closed", "customer", {"ces", "csat", "single_choice", "long_text"}),
        ("car-rental-return", "customer", {"nps", "rating", "csat", "multiple_choice", "long_text"}),
    ],
)
def test_other_templates_have_their_audience_and_kinds(key: str, audience: str, kinds: set[str]) -> None:
    definition = template_definition(key)

    assert definition["audience"] == audience
    assert kinds <= {q["kind"] for q in definition["questions"]}


@pytest.mark.django_db
def test_command_loads_every_template_with_a_progress_line_and_skips_existing_ones() -> None:
    out = StringIO()

    call_command("survey_templates_load", "--all", stdout=out)

    assert out.getvalue().splitlines() == [
        "[1/5] car-rental-return: loaded as draft (5 questions)",
        "[2/5] customer-after-delivery: loaded as draft (5 questions)",
        "[3/5] merchant-after-onboarding: loaded as draft (4 questions)",
        "[4/5] rider-experience: loaded as draft (5 questions)",
        "[5/5] support-ticket-closed: loaded as draft (4 questions)",
    ]
    assert sorted(Survey.objects.values_list("key", flat=True)) == KEYS
    assert SurveyVersion.objects.count() == 0

    again = StringIO()
    call_command("survey_templates_load", "rider-experience", "--publish", stdout=again)
    assert again.getvalue().splitlines() == ["[1/1] rider-experience: skipped, a survey with this key exists"]
    assert Survey.objects.count() == 5


@pytest.mark.django_db
def test_command_publishes_on_request() -> None:
    out = StringIO()

    call_command("survey_templates_load", "support-ticket-closed", "--publish", stdout=out)

    assert out.getvalue().splitlines() == [
        "[1/1] support-ticket-closed: loaded as draft (4 questions), published v1"
    ]
    assert SurveyVersion.objects.get().survey.key == "support-ticket-closed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hotel-stay"], "Unknown template(s): hotel-stay."),
        ([], "Give template keys or --all (not both)."),
        (["--all", "rider-experience"], "Give template keys or --all (not both)."),
    ],
)
def test_command_refuses_bad_arguments_and_writes_nothing(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("survey_templates_load", *args, stdout=StringIO())

    assert Survey.objects.count() == 0


@pytest.mark.django_db
def test_demo_load_publishes_every_template_once() -> None:
    call_command("demo_load", stdout=StringIO())
    call_command("demo_load", stdout=StringIO())

    assert sorted(SurveyVersion.objects.values_list("survey__key", "number")) == [(key, 1) for key in KEYS]
