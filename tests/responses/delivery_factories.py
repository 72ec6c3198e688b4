"""Factories for delivery tests: a published survey, a respondent, an event, an invitation."""

import datetime as dt
import uuid

import factory
from django.utils import timezone

from responses.models import Invitation, Respondent, ServiceEvent
from responses.tokens import invitation_token_for, token_hash
from surveys.models import DistributionRule, Survey, SurveyVersion

DEFINITION = {
    "schema": 1,
    "key": "after-delivery",
    "version": 1,
    "audience": "customer",
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
            "scale": {"min": 0, "max": 10, "min_label": {}, "max_label": {}},
            "condition": None,
        }
    ],
}


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey
        django_get_or_create = ("key",)

    key = "after-delivery"
    audience = "customer"
    title = factory.LazyFunction(lambda: dict(DEFINITION["title"]))
    status = Survey.Status.PUBLISHED


class SurveyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyVersion

    survey = factory.SubFactory(SurveyFactory)
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyAttribute(lambda o: {**DEFINITION, "key": o.survey.key})
    checksum = "0" * 64
    published_at = factory.LazyFunction(timezone.now)


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DistributionRule

    name = factory.Sequence(lambda n: f"rule {n}")
    survey = factory.SubFactory(SurveyFactory)
    event_types = factory.LazyFunction(lambda: ["order.delivered"])
    audience = "customer"
    delay_minutes = 0
    reminder_count = 2
    reminder_after_hours = 24
    channels = factory.LazyFunction(lambda: ["email"])


class RespondentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Respondent

    type = "customer"
    ref = factory.Sequence(lambda n: f"c{n:06d}")
    email = factory.LazyAttribute(lambda o: f"{o.ref}@example.com")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    locale = "zh-hans"
    timezone = "Asia/Shanghai"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceEvent

    source = "order-platform"
    external_id = factory.Sequence(lambda n: f"o{n:08d}")
    type = "order.delivered"
    occurred_at = factory.LazyFunction(timezone.now)
    received_at = factory.LazyFunction(timezone.now)
    respondent = factory.SubFactory(RespondentFactory)
    attributes = factory.LazyFunction(lambda: {"city": "上海", "district_type": "office"})
    batch_id = factory.LazyFunction(uuid.uuid4)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    public_id = factory.LazyFunction(uuid.uuid4)
    token_hash = factory.LazyAttribute(lambda o: token_hash(invitation_token_for(o.public_id)))
    survey_version = factory.SubFactory(SurveyVersionFactory)
    survey = factory.LazyAttribute(lambda o: o.survey_version.survey)
    rule = factory.SubFactory(RuleFactory, survey=factory.SelfAttribute("..survey"))
    event = factory.SubFactory(EventFactory)
    respondent = factory.LazyAttribute(lambda o: o.event.respondent)
    channel = "email"
    channels = factory.LazyAttribute(lambda o: [o.channel])
    status = Invitation.Status.SCHEDULED
    locale = factory.LazyAttribute(lambda o: o.respondent.locale or "zh-hans")
    context = factory.LazyAttribute(
        lambda o: {"attributes": dict(o.event.attributes), "locale": o.locale, "timezone": "Asia/Shanghai"}
    )
    due_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(seconds=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
