"""Words for what the data stores as keys: segment attributes and their values, suppression
reasons, process stages. A value with no known label is humanised (``fast_food`` -> "Fast food"),
so a page never shows a slug."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from analysis.admin_views import SEGMENT_LABELS
from analysis.models import Topic
from responses.distribution.models import DistributionRule
from responses.labels import code_label
from surveys.models import Audience

# Values of the attributes the source systems post (DESIGN.md's segments); others are humanised.
VALUE_LABELS: dict[str, dict[str, object]] = {
    "district_type": {
        "office": _("Office building"),
        "residential": _("Residential"),
        "business_district": _("Business district"),
        "campus": _("Campus"),
    },
    "scenario": {
        "peak": _("Peak hours"),
        "night": _("Night"),
        "rain": _("Rain"),
        "normal": _("Normal hours"),
    },
    "merchant_type": {
        "fast_food": _("Fast food"),
        "tea_drinks": _("Tea and drinks"),
        "hotpot": _("Hotpot"),
        "bakery": _("Bakery"),
        "restaurant": _("Restaurant"),
    },
    "channel": dict(DistributionRule.Channel.choices) | {"open_link": _("Open link")},
    "respondent_type": dict(Audience.choices),
    "locale": dict(settings.LANGUAGES),
}


def humanise(value: str) -> str:
    """``fast_food`` / ``delivery-ops`` -> "Fast food" / "Delivery ops"."""
    text = str(value).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else "—"


def segment_key_label(key: str) -> str:
    label = SEGMENT_LABELS.get(key)
    return str(label) if label is not None else humanise(key)


def segment_value_label(key: str, value: str) -> str:
    label = VALUE_LABELS.get(key, {}).get(value)
    if label is not None:
        return str(label)
    # Free text such as a city name (上海) is shown as it is; only slug-like values are humanised.
    return humanise(value) if value.isascii() and ("_" in value or value.islower()) else value


COMMENT_LANGUAGES = {"zh": _("Chinese"), "en": _("English"), "mixed": _("Chinese and English")}


def comment_language_label(code: str) -> str:
    """The language the text analysis found in a comment (``analysis.text.language``)."""
    return str(COMMENT_LANGUAGES.get(code) or humanise(code))


def suppression_reason_label(reason: str) -> str:
    label = code_label("suppression_reason", reason)
    return label if label != reason else humanise(reason)


def stage_label(stage: str) -> str:
    return str(dict(Topic.Stage.choices).get(stage) or humanise(stage)) if stage else ""


def language_code(lang: str) -> str:
    """The key of a bilingual text map for a UI language (``zh-hans`` or ``en``)."""
    return "en" if (lang or "").startswith("en") else "zh-hans"


def text_in(texts, lang: str, fallback: str = "") -> str:
    """A ``{"zh-hans": ..., "en": ...}`` text in the UI language, else the other one."""
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, dict):
        return fallback
    code = language_code(lang)
    return texts.get(code) or next((v for v in texts.values() if v), "") or fallback
