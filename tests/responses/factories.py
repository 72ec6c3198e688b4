"""Factories for the responses tests, each defined once.

- Surveys: a published survey and version (one NPS question by default; ``DEFINITION`` is the
  five-question survey the respondent pages are tested with), distribution rules.
- Who is asked: respondents, service events (rows, or ``event()`` as a source system posts one),
  invitations, open links, source systems.
"""

import copy
import datetime as dt
import uuid

import factory
from django.db.models import Max
from django.utils import timezone

from responses.distribution.models import DistributionRule
from responses.models import Invitation, OpenLink, Respondent, ServiceEvent
from responses.services.sources import source_system_create
from responses.tokens import invitation_token, invitation_token_for, token_hash
from surveys.models import Audience, Survey, SurveyVersion

# The frozen clock of the responses tests: 2026-05-01 12:10 in Shanghai.
NOW = dt.datetime(2026, 5, 1, 4, 10, tzinfo=dt.UTC)


# Survey definitions ---------------------------------------------------------------------------


def _t(zh: str, en: str) -> dict:
    return {"zh-hans": zh, "en": en}


def _scale(low: int, high: int, zh_low: str, en_low: str, zh_high: str, en_high: str) -> dict:
    return {"min": low, "max": high, "min_label": _t(zh_low, en_low), "max_label": _t(zh_high, en_high)}


NPS_QUESTION = {
    "key": "nps",
    "kind": "nps",
    "text": _t("您向朋友推荐我们的可能性有多大？", "How likely are you to recommend us?"),
    "help_text": {},
    "required": True,
    "scale": _scale(0, 10, "完全不可能", "Not at all likely", "非常可能", "Extremely likely"),
    "condition": None,
}


def minimal_definition(key: str, audience: str = Audience.CUSTOMER) -> dict:
    """The smallest valid definition (docs/survey-definition.md): one NPS question."""
    return {
        "schema": 1,
        "key": key,
        "version": 1,
        "audience": str(audience),
        "locales": ["zh-hans", "en"],
        "default_locale": "zh-hans",
        "title": _t("配送体验调查", "Delivery experience"),
        "introduction": {},
        "thank_you": _t("感谢您的反馈！", "Thank you for your feedback!"),
        "primary_question": "nps",
        "questions": [copy.deepcopy(NPS_QUESTION)],
    }


# The survey of the respondent-page tests: NPS, a matrix, and three questions shown by the score.
DEFINITION = {
    **minimal_definition("after-delivery"),
    "introduction": _t("花一分钟告诉我们这次配送怎么样。", "Tell us in a minute how this delivery went."),
    "questions": [
        NPS_QUESTION,
        {
            "key": "aspects",
            "kind": "matrix",
            "text": _t("请为以下方面打分", "Rate each of these"),
            "help_text": {},
            "required": False,
            "scale": _scale(1, 5, "非常不满意", "Very dissatisfied", "非常满意", "Very satisfied"),
            "items": [
                {"key": "speed", "label": _t("配送速度", "Delivery speed")},
                {"key": "packaging", "label": _t("包装", "Packaging")},
            ],
            "condition": None,
        },
        {
            "key": "reason",
            "kind": "single_choice",
            "text": _t("主要问题是什么？", "What was the main problem?"),
            "help_text": {},
            "required": True,
            "choices": [
                {"key": "late", "label": _t("送达太晚", "It arrived late")},
                {"key": "cold", "label": _t("餐品凉了", "The food was cold")},
            ],
            "condition": {"question": "nps", "op": "lte", "value": 6},
        },
        {
            "key": "why",
            "kind": "long_text",
            "text": _t("哪里可以做得更好？", "What could we do better?"),
            "help_text": {},
            "required": False,
            "max_length": 50,
            "condition": {"question": "nps", "op": "lte", "value": 6},
        },
        {
            "key": "praise",
            "kind": "short_text",
            "text": _t("哪一点让您最满意？", "What did you like most?"),
            "help_text": {},
            "required": False,
            "max_length": 100,
            "condition": {"question": "nps", "op": "gte", "value": 9},
        },
    ],
}


# Surveys and rules ----------------------------------------------------------------------------


class SurveyFactory(factory.django.DjangoModelFactory):
    """A published survey; a given key that exists already is that survey."""

    class Meta:
        model = Survey
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"survey-{n}")
    audience = Audience.CUSTOMER
    family = "delivery"
    title = factory.LazyFunction(lambda: _t("配送体验调查", "Delivery experience"))
    status = Survey.Status.PUBLISHED


class SurveyVersionFactory(factory.django.DjangoModelFactory):
    """A version of the "after-delivery" survey (one NPS question) unless told otherwise."""

    class Meta:
        model = SurveyVersion

    survey = factory.SubFactory(SurveyFactory, key="after-delivery")
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyAttribute(lambda o: minimal_definition(o.survey.key, o.survey.audience))
    checksum = "0" * 64
    published_at = factory.LazyFunction(timezone.now)


def published_survey(**kwargs) -> Survey:
    """A new survey (its own key unless one is given) with version 1."""
    survey = SurveyFactory(**kwargs)
    SurveyVersionFactory(survey=survey, number=1)
    return survey


def survey_version(key: str = "after-delivery") -> SurveyVersion:
    """The survey ``key``'s next version (1 for a new survey), with the respondent pages' five
    questions (``DEFINITION``)."""
    survey = SurveyFactory(key=key)
    number = (survey.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    return SurveyVersionFactory(
        survey=survey, number=number, definition={**copy.deepcopy(DEFINITION), "key": key}
    )


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


# Respondents, events, invitations, open links -------------------------------------------------


class RespondentFactory(factory.django.DjangoModelFactory):
    """A customer with an email address and a phone number, in Chinese, in Shanghai."""

    class Meta:
        model = Respondent

    type = Audience.CUSTOMER
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
    """A scheduled email invitation, due now, by a rule with two reminders a day apart."""

    class Meta:
        model = Invitation

    public_id = factory.LazyFunction(uuid.uuid4)
    token_hash = factory.LazyAttribute(lambda o: token_hash(invitation_token_for(o.public_id)))
    survey_version = factory.SubFactory(SurveyVersionFactory)
    survey = factory.LazyAttribute(lambda o: o.survey_version.survey)
    rule = factory.SubFactory(
        DistributionRuleFactory,
        survey=factory.SelfAttribute("..survey"),
        channels=["email"],
        reminder_count=2,
        reminder_after_hours=24,
    )
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


def invitation(**kwargs) -> tuple[Invitation, str]:
    """(invitation, its token) to the respondent pages' survey: sent, in Chinese, expiring in a week."""
    kwargs.setdefault("survey_version", survey_version())
    kwargs.setdefault("status", Invitation.Status.SENT)
    kwargs.setdefault("sent_at", timezone.now() - dt.timedelta(minutes=5))
    made = InvitationFactory(**kwargs)
    return made, invitation_token(made)


def open_link(**kwargs) -> OpenLink:
    """An open link to the respondent pages' survey (a new version unless one is given)."""
    version = kwargs.pop("survey_version", None) or survey_version()
    kwargs.setdefault("name", "Store 1024 counter")
    kwargs.setdefault("attributes", {"store_id": "1024", "city": "上海", "channel": "qr"})
    return OpenLink.objects.create(survey=version.survey, **kwargs)


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
