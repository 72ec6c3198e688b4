"""A survey to answer on the respondent pages, invitations to it, and an open link."""

import copy
import datetime as dt

from django.utils import timezone

from responses.models import OpenLink
from responses.tokens import invitation_token
from tests.responses.delivery_factories import InvitationFactory, SurveyFactory, SurveyVersionFactory


def _t(zh: str, en: str) -> dict:
    return {"zh-hans": zh, "en": en}


def _scale(low: int, high: int, zh_low: str, en_low: str, zh_high: str, en_high: str) -> dict:
    return {"min": low, "max": high, "min_label": _t(zh_low, en_low), "max_label": _t(zh_high, en_high)}


DEFINITION = {
    "schema": 1,
    "key": "after-delivery",
    "version": 1,
    "audience": "customer",
    "locales": ["zh-hans", "en"],
    "default_locale": "zh-hans",
    "title": _t("配送体验调查", "Delivery experience"),
    "introduction": _t("花一分钟告诉我们这次配送怎么样。", "Tell us in a minute how this delivery went."),
    "thank_you": _t("感谢您的反馈！", "Thank you for your feedback!"),
    "primary_question": "nps",
    "questions": [
        {
            "key": "nps",
            "kind": "nps",
            "text": _t("您向朋友推荐我们的可能性有多大？", "How likely are you to recommend us?"),
            "help_text": {},
            "required": True,
            "scale": _scale(0, 10, "完全不可能", "Not at all likely", "非常可能", "Extremely likely"),
            "condition": None,
        },
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


def survey_version(key: str = "after-delivery"):
    survey = SurveyFactory(key=key)
    return SurveyVersionFactory(survey=survey, definition={**copy.deepcopy(DEFINITION), "key": key})


def invitation(**kwargs):
    """(invitation, its token): sent, in Chinese, expiring in a week."""
    kwargs.setdefault("survey_version", survey_version())
    kwargs.setdefault("status", "sent")
    kwargs.setdefault("sent_at", timezone.now() - dt.timedelta(minutes=5))
    made = InvitationFactory(**kwargs)
    return made, invitation_token(made)


def open_link(**kwargs) -> OpenLink:
    version = kwargs.pop("survey_version", None) or survey_version()
    kwargs.setdefault("name", "Store 1024 counter")
    kwargs.setdefault("attributes", {"store_id": "1024", "city": "上海", "channel": "qr"})
    return OpenLink.objects.create(survey=version.survey, **kwargs)
