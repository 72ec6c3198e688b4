"""Field checks shared by the draft services; each raises a ValidationError naming the field."""

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.errors import SurveyErrorCode as Code
from surveys.models import Audience, Question, Survey
from surveys.validation import is_slug

# Who acts: a user, an anonymous request's user (recorded as nobody), or nobody (a command).
Actor = AbstractBaseUser | AnonymousUser | None

SURVEY_FIELDS = (
    "key",
    "audience",
    "family",
    "locales",
    "default_locale",
    "title",
    "introduction",
    "thank_you",
    "primary_question_key",
)
QUESTION_FIELDS = (
    "key",
    "kind",
    "position",
    "text",
    "help_text",
    "required",
    "scale_min",
    "scale_max",
    "min_label",
    "max_label",
    "max_length",
    "condition",
)
CHOICE_FIELDS = ("key", "label", "position")
LOCALE_MAP_FIELDS = frozenset(
    {"title", "introduction", "thank_you", "text", "help_text", "min_label", "max_label", "label"}
)


def field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message.replace("%", "%%"), code=code)]})


def check_locale_map(field: str, value: Any, stored: Any = None) -> None:
    """A map of allowed locale to text. ``stored``: the field's stored map, whose text in a
    locale since dropped from settings may stay as it is (it is kept, not lost on a save)."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise field_error(
            field,
            _('%(field)s must be an object of locale to text, e.g. {"zh-hans": "…", "en": "…"}.')
            % {"field": field},
            Code.NOT_A_LOCALE_MAP,
        )
    kept = {code for code, text in (stored or {}).items() if value.get(code) == text}
    unknown = sorted(set(value) - set(settings.SURVEY_LOCALES) - kept)
    if unknown:
        raise field_error(
            field,
            _("%(field)s has text in a locale that is not allowed: %(locales)s.")
            % {"field": field, "locales": ", ".join(unknown)},
            Code.UNKNOWN_LOCALE,
        )


def check_fields(data: dict, stored: Any = None) -> None:
    """Check the fields of ``data``; ``stored``: the object they change, if any."""
    for field, value in data.items():
        if field in LOCALE_MAP_FIELDS:
            check_locale_map(field, value, getattr(stored, field, None) if stored is not None else None)
    if "locales" in data:
        locales = data["locales"]
        if not isinstance(locales, list) or not locales or len(set(locales)) != len(locales):
            raise field_error("locales", _("locales must be a list of distinct locales."), Code.BAD_LOCALES)
        unknown = [x for x in locales if x not in settings.SURVEY_LOCALES]
        if unknown:
            raise field_error(
                "locales",
                _("Locales not allowed: %(locales)s (allowed: %(allowed)s).")
                % {"locales": ", ".join(map(str, unknown)), "allowed": ", ".join(settings.SURVEY_LOCALES)},
                Code.UNKNOWN_LOCALE,
            )
    if "default_locale" in data and data["default_locale"] not in settings.SURVEY_LOCALES:
        raise field_error(
            "default_locale",
            _("default_locale must be one of %(allowed)s.") % {"allowed": ", ".join(settings.SURVEY_LOCALES)},
            Code.UNKNOWN_LOCALE,
        )
    if "audience" in data and data["audience"] not in Audience.values:
        raise field_error(
            "audience",
            _("audience must be one of %(values)s.") % {"values": ", ".join(Audience.values)},
            Code.UNKNOWN_AUDIENCE,
        )
    if "kind" in data and data["kind"] not in Question.Kind.values:
        raise field_error(
            "kind",
            _("Unknown question kind %(kind)r; use one of %(kinds)s.")
            % {"kind": data["kind"], "kinds": ", ".join(Question.Kind.values)},
            Code.UNKNOWN_KIND,
        )
    if "condition" in data and data["condition"] is not None and not isinstance(data["condition"], dict):
        raise field_error("condition", _("condition must be an object or null."), Code.CONDITION_MALFORMED)


def check_key(value: Any, max_length: int) -> None:
    if not is_slug(value, max_length):
        raise field_error(
            "key",
            _("The key must be 1 to %(max)d letters, digits, hyphens or underscores.") % {"max": max_length},
            Code.BAD_KEY,
        )


def duplicate_key_error(key: str, where: str) -> ValidationError:
    return field_error(
        "key",
        _("The key %(key)s is already used in %(where)s.") % {"key": key, "where": where},
        Code.DUPLICATE_KEY,
    )


def survey_touch(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(has_unpublished_changes=True, updated_at=timezone.now())
    survey.has_unpublished_changes = True


def apply_changes(instance, data: dict, allowed: tuple[str, ...]) -> list[str]:
    changed = []
    for field, value in data.items():
        if field not in allowed:
            raise field_error(
                field, _("%(field)s cannot be changed here.") % {"field": field}, Code.MALFORMED
            )
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed
