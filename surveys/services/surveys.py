"""Draft surveys: create, change, duplicate, and make from a definition or a starter template."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from surveys.errors import SurveyErrorCode as Code
from surveys.models import Choice, Survey
from surveys.services.checks import (
    SURVEY_FIELDS,
    Actor,
    apply_changes,
    check_fields,
    check_key,
    duplicate_key_error,
    field_error,
)
from surveys.services.questions import question_create
from surveys.starter_templates import template_definition
from surveys.validation import SURVEY_KEY_MAX_LENGTH


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
    user: Actor = None,
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
    check_key(key, SURVEY_KEY_MAX_LENGTH)
    check_fields(data)
    if Survey.objects.filter(key=key).exists():
        raise duplicate_key_error(key, _("another survey"))
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
        raise duplicate_key_error(key, _("another survey")) from exc


def survey_update(*, survey: Survey, data: dict, user: Actor = None) -> Survey:
    """Change the draft's survey-level fields; the key only while no version exists."""
    check_fields(data, survey)
    if "key" in data and data["key"] != survey.key:
        check_key(data["key"], SURVEY_KEY_MAX_LENGTH)
        if survey.versions.exists():
            raise field_error(
                "key",
                _("The key of a published survey cannot change: responses refer to it."),
                Code.KEY_LOCKED,
            )
        if Survey.objects.filter(key=data["key"]).exclude(pk=survey.pk).exists():
            raise duplicate_key_error(data["key"], _("another survey"))
    changed = apply_changes(survey, data, SURVEY_FIELDS)
    if not changed:
        return survey
    survey.has_unpublished_changes = True
    try:
        with transaction.atomic():
            survey.save(update_fields=[*changed, "has_unpublished_changes", "updated_at"])
    except IntegrityError as exc:
        raise duplicate_key_error(data.get("key", survey.key), _("another survey")) from exc
    return survey


RETENTION_FIELDS = ("retention_days", "retention_mode", "retention_enabled")


def survey_retention_update(*, survey: Survey, data: dict, user: Actor = None) -> Survey:
    """Change how long the survey's responses are kept. Not part of the definition: the draft
    is not marked changed, no version is needed."""
    changed = apply_changes(survey, data, RETENTION_FIELDS)
    if changed:
        survey.save(update_fields=[*changed, "updated_at"])
    return survey


def survey_duplicate(*, survey: Survey, new_key: str, user: Actor = None) -> Survey:
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


def survey_from_definition(*, definition: dict, key: str | None = None, user: Actor = None) -> Survey:
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


def survey_template_load(*, template_key: str, survey_key: str | None = None, user: Actor = None) -> Survey:
    """A new draft survey from a starter template (surveys/starter_templates/<key>.json)."""
    definition = template_definition(template_key)
    if definition is None:
        raise ValidationError(
            _("There is no starter template %(key)r.") % {"key": template_key}, code=Code.UNKNOWN_TEMPLATE
        )
    return survey_from_definition(definition=definition, key=survey_key or definition["key"], user=user)
