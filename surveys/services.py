"""Writes of the surveys app: drafts, publishing, duplicating, starter templates.

One service owns each state change. Every draft edit marks ``has_unpublished_changes``;
publishing validates the built definition and freezes it as the next ``SurveyVersion``. Nothing
here (or anywhere) updates a ``SurveyVersion`` row once it is written.
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.errors import SurveyErrorCode as Code
from surveys.models import Audience, Choice, Question, Survey, SurveyVersion
from surveys.starter_templates import template_definition
from surveys.validation import (
    CHOICE_KINDS,
    DEFAULT_MAX_LENGTH,
    FIXED_SCALES,
    MATRIX_DEFAULT_SCALE,
    MATRIX_KIND,
    QUESTION_KEY_MAX_LENGTH,
    SCALE_KINDS,
    SCHEMA_VERSION,
    SURVEY_KEY_MAX_LENGTH,
    TEXT_KINDS,
    DefinitionError,
    definition_errors,
    is_slug,
)

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


# Building the definition ---------------------------------------------------------------------


def _scale(question: Question) -> dict:
    low, high = FIXED_SCALES.get(question.kind, MATRIX_DEFAULT_SCALE)
    return {
        "min": question.scale_min if question.scale_min is not None else low,
        "max": question.scale_max if question.scale_max is not None else high,
        "min_label": question.min_label or {},
        "max_label": question.max_label or {},
    }


def _question_definition(question: Question) -> dict:
    data: dict[str, Any] = {
        "key": question.key,
        "kind": question.kind,
        "text": question.text,
        "help_text": question.help_text or {},
        "required": question.required,
        "condition": question.condition,
    }
    options = [{"key": c.key, "label": c.label} for c in question.choices.all()]
    if question.kind in SCALE_KINDS or question.kind == MATRIX_KIND:
        data["scale"] = _scale(question)
    if question.kind in CHOICE_KINDS:
        data["choices"] = options
    if question.kind == MATRIX_KIND:
        data["items"] = options
    if question.kind in TEXT_KINDS:
        data["max_length"] = question.max_length or DEFAULT_MAX_LENGTH[question.kind]
    return data


def survey_definition_build(*, survey: Survey) -> dict:
    """The draft as the JSON a version freezes (docs/survey-definition.md), defaults filled in.

    ``version`` is the number the draft would get if published now.
    """
    latest = SurveyVersion.objects.filter(survey=survey).aggregate(number=Max("number"))["number"]
    questions = survey.questions.order_by("position", "id").prefetch_related("choices")
    return {
        "schema": SCHEMA_VERSION,
        "key": survey.key,
        "version": (latest or 0) + 1,
        "audience": survey.audience,
        "locales": list(survey.locales) if isinstance(survey.locales, list) else survey.locales,
        "default_locale": survey.default_locale,
        "title": survey.title,
        "introduction": survey.introduction or {},
        "thank_you": survey.thank_you,
        "primary_question": survey.primary_question_key,
        "questions": [_question_definition(q) for q in questions],
    }


def survey_preview_definition(*, survey: Survey) -> dict:
    """The built definition for the admin preview; an invalid draft still previews."""
    return survey_definition_build(survey=survey)


def definition_checksum(definition: dict) -> str:
    """sha256 of the canonical JSON without ``version``: equal content, equal checksum."""
    content = {key: value for key, value in definition.items() if key != "version"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _as_validation_error(errors: list[DefinitionError]) -> ValidationError:
    # The message is already formatted; escape % so ValidationError does not format it again.
    return ValidationError(
        [
            ValidationError(
                error.message.replace("%", "%%"),
                code=error.code,
                params={"path": error.path, "field": error.field},
            )
            for error in errors
        ]
    )


def survey_validate(*, survey: Survey) -> list[DefinitionError]:
    return definition_errors(survey_definition_build(survey=survey), allowed_locales=settings.SURVEY_LOCALES)


# Publishing ----------------------------------------------------------------------------------


def survey_publish(*, survey: Survey, user=None, note: str = "") -> SurveyVersion:
    """Validate the draft and freeze it as the next version; refuse an invalid or unchanged one."""
    with transaction.atomic():
        # The row lock serialises publishes of one survey, so two never compute the same
        # number; the unique constraint on (survey, number) is the backstop.
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        definition = survey_definition_build(survey=locked)
        errors = definition_errors(definition, allowed_locales=settings.SURVEY_LOCALES)
        if errors:
            raise _as_validation_error(errors)
        checksum = definition_checksum(definition)
        latest = SurveyVersion.objects.filter(survey=locked).order_by("-number").first()
        if latest is not None and latest.checksum == checksum:
            raise ValidationError(
                _("Nothing changed since version %(number)d: there is nothing to publish.")
                % {"number": latest.number},
                code=Code.NO_CHANGES,
            )
        version = SurveyVersion.objects.create(
            survey=locked,
            number=definition["version"],
            definition=definition,
            checksum=checksum,
            published_at=timezone.now(),
            published_by=user if user is not None and user.is_authenticated else None,
            note=note[:255],
        )
        locked.status = Survey.Status.PUBLISHED
        locked.has_unpublished_changes = False
        locked.save(update_fields=["status", "has_unpublished_changes", "updated_at"])
    survey.status = locked.status
    survey.has_unpublished_changes = False
    return version


# Field checks shared by the draft services ----------------------------------------------------


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message.replace("%", "%%"), code=code)]})


def _check_locale_map(field: str, value: Any) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _field_error(
            field,
            _('%(field)s must be an object of locale to text, e.g. {"zh-hans": "…", "en": "…"}.')
            % {"field": field},
            Code.NOT_A_LOCALE_MAP,
        )
    unknown = sorted(set(value) - set(settings.SURVEY_LOCALES))
    if unknown:
        raise _field_error(
            field,
            _("%(field)s has text in a locale that is not allowed: %(locales)s.")
            % {"field": field, "locales": ", ".join(unknown)},
            Code.UNKNOWN_LOCALE,
        )


def _check_fields(data: dict) -> None:
    for field, value in data.items():
        if field in LOCALE_MAP_FIELDS:
            _check_locale_map(field, value)
    if "locales" in data:
        locales = data["locales"]
        if not isinstance(locales, list) or not locales or len(set(locales)) != len(locales):
            raise _field_error("locales", _("locales must be a list of distinct locales."), Code.BAD_LOCALES)
        unknown = [x for x in locales if x not in settings.SURVEY_LOCALES]
        if unknown:
            raise _field_error(
                "locales",
                _("Locales not allowed: %(locales)s (allowed: %(allowed)s).")
                % {"locales": ", ".join(map(str, unknown)), "allowed": ", ".join(settings.SURVEY_LOCALES)},
                Code.UNKNOWN_LOCALE,
            )
    if "default_locale" in data and data["default_locale"] not in settings.SURVEY_LOCALES:
        raise _field_error(
            "default_locale",
            _("default_locale must be one of %(allowed)s.") % {"allowed": ", ".join(settings.SURVEY_LOCALES)},
            Code.UNKNOWN_LOCALE,
        )
    if "audience" in data and data["audience"] not in Audience.values:
        raise _field_error(
            "audience",
            _("audience must be one of %(values)s.") % {"values": ", ".join(Audience.values)},
            Code.UNKNOWN_AUDIENCE,
        )
    if "kind" in data and data["kind"] not in Question.Kind.values:
        raise _field_error(
            "kind",
            _("Unknown question kind %(kind)r; use one of %(kinds)s.")
            % {"kind": data["kind"], "kinds": ", ".join(Question.Kind.values)},
            Code.UNKNOWN_KIND,
        )
    if "condition" in data and data["condition"] is not None and not isinstance(data["condition"], dict):
        raise _field_error("condition", _("condition must be an object or null."), Code.CONDITION_MALFORMED)


def _check_key(value: Any, max_length: int) -> None:
    if not is_slug(value, max_length):
        raise _field_error(
            "key",
            _("The key must be 1 to %(max)d letters, digits, hyphens or underscores.") % {"max": max_length},
            Code.BAD_KEY,
        )


def _duplicate_key(key: str, where: str) -> ValidationError:
    return _field_error(
        "key",
        _("The key %(key)s is already used in %(where)s.") % {"key": key, "where": where},
        Code.DUPLICATE_KEY,
    )


def _survey_touch(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(has_unpublished_changes=True, updated_at=timezone.now())
    survey.has_unpublished_changes = True


def _apply(instance, data: dict, allowed: tuple[str, ...]) -> list[str]:
    changed = []
    for field, value in data.items():
        if field not in allowed:
            raise _field_error(
                field, _("%(field)s cannot be changed here.") % {"field": field}, Code.MALFORMED
            )
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


# Surveys -------------------------------------------------------------------------------------


def survey_create(
    *,
    key: str,
    audience: str,
    title: dict,
    locales: list[str] | None = None,
    default_locale: str | None = None,
    introduction: dict | None = None,
    thank_you: dict | None = None,
    family: str = "",
    primary_question_key: str = "",
    user=None,
) -> Survey:
    locales = list(settings.SURVEY_LOCALES) if locales is None else locales
    default_locale = default_locale or (locales[0] if locales else "")
    data = {
        "audience": audience,
        "locales": locales,
        "default_locale": default_locale,
        "title": title,
        "introduction": introduction or {},
        "thank_you": thank_you or {},
    }
    _check_key(key, SURVEY_KEY_MAX_LENGTH)
    _check_fields(data)
    if Survey.objects.filter(key=key).exists():
        raise _duplicate_key(key, _("another survey"))
    try:
        with transaction.atomic():
            return Survey.objects.create(
                key=key,
                family=family,
                primary_question_key=primary_question_key,
                created_by=user if user is not None and user.is_authenticated else None,
                status=Survey.Status.DRAFT,
                has_unpublished_changes=True,
                **data,
            )
    except IntegrityError as exc:
        raise _duplicate_key(key, _("another survey")) from exc


def survey_update(*, survey: Survey, data: dict, user=None) -> Survey:
    """Change the draft's survey-level fields; the key only while no version exists."""
    _check_fields(data)
    if "key" in data and data["key"] != survey.key:
        _check_key(data["key"], SURVEY_KEY_MAX_LENGTH)
        if survey.versions.exists():
            raise _field_error(
                "key",
                _("The key of a published survey cannot change: responses refer to it."),
                Code.KEY_LOCKED,
            )
        if Survey.objects.filter(key=data["key"]).exclude(pk=survey.pk).exists():
            raise _duplicate_key(data["key"], _("another survey"))
    changed = _apply(survey, data, SURVEY_FIELDS)
    if not changed:
        return survey
    survey.has_unpublished_changes = True
    try:
        with transaction.atomic():
            survey.save(update_fields=[*changed, "has_unpublished_changes", "updated_at"])
    except IntegrityError as exc:
        raise _duplicate_key(data.get("key", survey.key), _("another survey")) from exc
    return survey


def survey_duplicate(*, survey: Survey, new_key: str, user=None) -> Survey:
    """A new draft survey with a copy of ``survey``'s draft questions and choices."""
    with transaction.atomic():
        copy = survey_create(
            key=new_key,
            audience=survey.audience,
            title=survey.title,
            locales=survey.locales,
            default_locale=survey.default_locale,
            introduction=survey.introduction,
            thank_you=survey.thank_you,
            family=survey.family,
            primary_question_key=survey.primary_question_key,
            user=user,
        )
        for question in survey.questions.order_by("position", "id").prefetch_related("choices"):
            choices = list(question.choices.all())
            question.pk = None
            question.id = None
            question.survey = copy
            question.save()
            Choice.objects.bulk_create(
                Choice(question=question, position=c.position, key=c.key, label=c.label) for c in choices
            )
    return copy


def survey_from_definition(*, definition: dict, key: str | None = None, user=None) -> Survey:
    """A draft survey made from a definition (a starter template or an exported version)."""
    with transaction.atomic():
        survey = survey_create(
            key=key or definition["key"],
            audience=definition["audience"],
            title=definition["title"],
            locales=definition.get("locales"),
            default_locale=definition.get("default_locale"),
            introduction=definition.get("introduction") or {},
            thank_you=definition.get("thank_you") or {},
            family=definition.get("family", ""),
            primary_question_key=definition.get("primary_question") or "",
            user=user,
        )
        for position, q in enumerate(definition.get("questions", []), start=1):
            scale = q.get("scale") or {}
            question_create(
                survey=survey,
                key=q["key"],
                kind=q["kind"],
                text=q["text"],
                help_text=q.get("help_text") or {},
                required=q.get("required", True),
                position=position,
                scale_min=scale.get("min"),
                scale_max=scale.get("max"),
                min_label=scale.get("min_label") or {},
                max_label=scale.get("max_label") or {},
                max_length=q.get("max_length"),
                condition=q.get("condition"),
                choices=q.get("choices") or q.get("items") or [],
            )
    return survey


def survey_template_load(*, template_key: str, survey_key: str | None = None, user=None) -> Survey:
    """A new draft survey from a starter template (surveys/starter_templates/<key>.json)."""
    definition = template_definition(template_key)
    if definition is None:
        raise ValidationError(
            _("There is no starter template %(key)r.") % {"key": template_key}, code=Code.UNKNOWN_TEMPLATE
        )
    return survey_from_definition(definition=definition, key=survey_key or definition["key"], user=user)


# Questions and choices -----------------------------------------------------------------------


def question_create(
    *,
    survey: Survey,
    key: str,
    kind: str,
    text: dict,
    help_text: dict | None = None,
    required: bool = True,
    position: int | None = None,
    scale_min: int | None = None,
    scale_max: int | None = None,
    min_label: dict | None = None,
    max_label: dict | None = None,
    max_length: int | None = None,
    condition: dict | None = None,
    choices: list[dict] | None = None,
) -> Question:
    """Add a question to the draft (at the end unless ``position`` is given), with its choices."""
    _check_key(key, QUESTION_KEY_MAX_LENGTH)
    fields = {
        "kind": kind,
        "text": text,
        "help_text": help_text or {},
        "min_label": min_label or {},
        "max_label": max_label or {},
        "condition": condition,
    }
    _check_fields(fields)
    if survey.questions.filter(key=key).exists():
        raise _duplicate_key(key, _("this survey"))
    choices = choices or []
    _check_choice_list(choices)
    try:
        with transaction.atomic():
            if position is None:
                last = survey.questions.aggregate(last=Max("position"))["last"]
                position = (last or 0) + 1
            question = Question.objects.create(
                survey=survey,
                key=key,
                position=position,
                required=required,
                scale_min=scale_min,
                scale_max=scale_max,
                max_length=max_length,
                **fields,
            )
            Choice.objects.bulk_create(
                Choice(question=question, position=i, key=c["key"], label=c.get("label") or {})
                for i, c in enumerate(choices, start=1)
            )
            _survey_touch(survey)
    except IntegrityError as exc:
        raise _duplicate_key(key, _("this survey")) from exc
    return question


def _check_choice_list(choices: list[dict]) -> None:
    seen = set()
    for choice in choices:
        _check_key(choice.get("key"), QUESTION_KEY_MAX_LENGTH)
        _check_locale_map("label", choice.get("label") or {})
        if choice["key"] in seen:
            raise _field_error(
                "choices",
                _("The choice key %(key)s is used twice.") % {"key": choice["key"]},
                Code.DUPLICATE_KEY,
            )
        seen.add(choice["key"])


def question_update(*, question: Question, data: dict) -> Question:
    _check_fields(data)
    if "key" in data and data["key"] != question.key:
        _check_key(data["key"], QUESTION_KEY_MAX_LENGTH)
        if (
            Question.objects.filter(survey_id=question.survey_id, key=data["key"])
            .exclude(pk=question.pk)
            .exists()
        ):
            raise _duplicate_key(data["key"], _("this survey"))
    changed = _apply(question, data, QUESTION_FIELDS)
    if not changed:
        return question
    try:
        with transaction.atomic():
            question.save(update_fields=changed)
            _survey_touch(question.survey)
    except IntegrityError as exc:
        raise _duplicate_key(question.key, _("this survey")) from exc
    return question


def question_delete(*, question: Question) -> None:
    with transaction.atomic():
        survey = question.survey
        question.delete()
        _survey_touch(survey)


def choice_create(*, question: Question, key: str, label: dict, position: int | None = None) -> Choice:
    _check_key(key, QUESTION_KEY_MAX_LENGTH)
    _check_locale_map("label", label)
    if question.choices.filter(key=key).exists():
        raise _duplicate_key(key, _("this question"))
    try:
        with transaction.atomic():
            if position is None:
                last = question.choices.aggregate(last=Max("position"))["last"]
                position = (last or 0) + 1
            choice = Choice.objects.create(question=question, key=key, label=label, position=position)
            _survey_touch(question.survey)
    except IntegrityError as exc:
        raise _duplicate_key(key, _("this question")) from exc
    return choice


def choice_update(*, choice: Choice, data: dict) -> Choice:
    _check_fields(data)
    if "key" in data and data["key"] != choice.key:
        _check_key(data["key"], QUESTION_KEY_MAX_LENGTH)
        if (
            Choice.objects.filter(question_id=choice.question_id, key=data["key"])
            .exclude(pk=choice.pk)
            .exists()
        ):
            raise _duplicate_key(data["key"], _("this question"))
    changed = _apply(choice, data, CHOICE_FIELDS)
    if not changed:
        return choice
    try:
        with transaction.atomic():
            choice.save(update_fields=changed)
            _survey_touch(choice.question.survey)
    except IntegrityError as exc:
        raise _duplicate_key(choice.key, _("this question")) from exc
    return choice


def choice_delete(*, choice: Choice) -> None:
    with transaction.atomic():
        survey = choice.question.survey
        choice.delete()
        _survey_touch(survey)
