"""Factories for the responses tests: a survey with a published version, rules, source systems."""

import datetime as dt

import factory

from responses.models import Respondent
from responses.services.sources import source_system_create
from surveys.models import Audience, DistributionRule, Survey, SurveyVersion

# The frozen clock of the responses tests: 2026-05-01 12:10 in Shanghai.
NOW = dt.datetime(2026, 5, 1, 4, 10, tzinfo=dt.UTC)


def minimal_definition(key: str, audience: str) -> dict:
    """The smallest valid definition (docs/survey-definition.md): one NPS question."""
    return {
        "schema": 1,
        "key": key,
        "version": 1,
        "audience": audience,
        "locales": ["zh-hans", "en"],
        "default_locale": "zh-hans",
        "title": {"zh-hans": "配送体验调查", "en": "Delivery experience"},
        "introduction": {},
        "thank_you": {"zh-hans": "感谢您的反馈！", "en": "Thank you for your feedback!"},
        "primary_question": "nps",
        "questions": [
            {
                "key": "nps",
                "kind": "nps",
                "text": {
                    "zh-hans": "您向朋友推荐我们的可能性有多大？",
                    "en": "How likely are you to recommend us?",
                },
                "help_text": {},
                "required": True,
                "scale": {
                    "min": 0,
                    "max": 10,
                    "min_label": {"zh-hans": "完全不可能", "en": "Not at all likely"},
                    "max_label": {"zh-hans": "非常可能", "en": "Extremely likely"},
                },
                "condition": None,
            }
        ],
    }


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    key = factory.Sequence(lambda n: f"survey-{n}")
    audience = Audience.CUSTOMER
    family = "delivery"
    title = factory.LazyFunction(lambda: {"zh-hans": "配送体验调查", "en": "Delivery experience"})
    status = Survey.Status.PUBLISHED


class SurveyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyVersion

    survey = factory.SubFactory(SurveyFactory)
    number = 1
    definition = factory.LazyAttribute(lambda o: minimal_definition(o.survey.key, o.survey.audience))
    checksum = "0" * 64
    published_at = factory.LazyFunction(lambda: dt.datetime(2026, 5, 1, tzinfo=dt.UTC))


def published_survey(**kwargs) -> Survey:
    survey = SurveyFactory(**kwargs)
    SurveyVersionFactory(survey=survey)
    return survey


class DistributionRuleFactory(factory.django.DjangoModelFactory):
    """A rule that invites every customer after order.delivered, by link, with no limits."""

    class Meta:
        model = DistributionRule

    name = factory.Sequence(lambda n: f"rule {n}")
    survey = factory.LazyFunction(published_survey)
    event_types = factory.LazyFunction(lambda: ["order.delivered"])
    audience = Audience.CUSTOMER
    delay_minutes = 0
    sampling_rate = 1.0
    fatigue_days = 0
    max_event_age_hours = 72
    link_expiry_hours = 168
    channels = factory.LazyFunction(lambda: ["link"])


class RespondentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Respondent

    type = Audience.CUSTOMER
    ref = factory.Sequence(lambda n: f"c-{n}")


def source_system(name: str = "order-platform"):
    """(SourceSystem, its API key)."""
    return source_system_create(name=name)


def event(
    external_id: str = "e-1",
    *,
    source: str = "order-platform",
    type: str = "order.delivered",
    occurred_at: str = "2026-05-01T12:00:00+08:00",
    respondent: dict | None = None,
    attributes: dict | None = None,
) -> dict:
    """A valid event as a source system posts it."""
    return {
        "source": source,
        "external_id": external_id,
        "type": type,
        "occurred_at": occurred_at,
        "respondent": respondent if respondent is not None else {"type": "customer", "ref": "c-1"},
        "attributes": attributes if attributes is not None else {"city": "上海"},
    }
