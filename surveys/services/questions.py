"""Draft questions and their choices (or matrix items); every edit marks the survey changed."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from surveys.errors import SurveyErrorCode as Code
from surveys.models import Choice, Question, Survey
from surveys.services.checks import (
    CHOICE_FIELDS,
    QUESTION_FIELDS,
    apply_changes,
    check_fields,
    check_key,
    check_locale_map,
    duplicate_key_error,
    field_error,
    survey_touch,
)
from surveys.validation import QUESTION_KEY_MAX_LENGTH


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
    check_key(key, QUESTION_KEY_MAX_LENGTH)
    fields = {
        "kind": kind,
        "text": text,
        "help_text": help_text or {},
        "min_label": min_label or {},
        "max_label": max_label or {},
        "condition": condition,
    }
    check_fields(fields)
    if survey.questions.filter(key=key).exists():
        raise duplicate_key_error(key, _("this survey"))
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
            survey_touch(survey)
    except IntegrityError as exc:
        raise duplicate_key_error(key, _("this survey")) from exc
    return question


def _check_choice_list(choices: list[dict]) -> None:
    seen = set()
    for choice in choices:
        check_key(choice.get("key"), QUESTION_KEY_MAX_LENGTH)
        check_locale_map("label", choice.get("label") or {})
        if choice["key"] in seen:
            raise field_error(
                "choices",
                _("The choice key %(key)s is used twice.") % {"key": choice["key"]},
                Code.DUPLICATE_KEY,
            )
        seen.add(choice["key"])


def question_update(*, question: Question, data: dict) -> Question:
    check_fields(data, question)
    if "key" in data and data["key"] != question.key:
        check_key(data["key"], QUESTION_KEY_MAX_LENGTH)
        if (
            Question.objects.filter(survey_id=question.survey_id, key=data["key"])
            .exclude(pk=question.pk)
            .exists()
        ):
            raise duplicate_key_error(data["key"], _("this survey"))
    changed = apply_changes(question, data, QUESTION_FIELDS)
    if not changed:
        return question
    try:
        with transaction.atomic():
            question.save(update_fields=changed)
            survey_touch(question.survey)
    except IntegrityError as exc:
        raise duplicate_key_error(question.key, _("this survey")) from exc
    return question


def questions_renumber(*, survey: Survey) -> None:
    """Number the draft's questions 1..n in their order (position, then id). The order is
    unchanged, so the draft is not marked changed."""
    with transaction.atomic():
        questions = list(
            Question.objects.select_for_update().filter(survey=survey).order_by("position", "id")
        )
        for number, question in enumerate(questions, start=1):
            if question.position != number:
                question.position = number
                question.save(update_fields=["position"])


def question_delete(*, question: Question) -> None:
    with transaction.atomic():
        survey = question.survey
        question.delete()
        survey_touch(survey)


def choice_create(*, question: Question, key: str, label: dict, position: int | None = None) -> Choice:
    check_key(key, QUESTION_KEY_MAX_LENGTH)
    check_locale_map("label", label)
    if question.choices.filter(key=key).exists():
        raise duplicate_key_error(key, _("this question"))
    try:
        with transaction.atomic():
            if position is None:
                last = question.choices.aggregate(last=Max("position"))["last"]
                position = (last or 0) + 1
            choice = Choice.objects.create(question=question, key=key, label=label, position=position)
            survey_touch(question.survey)
    except IntegrityError as exc:
        raise duplicate_key_error(key, _("this question")) from exc
    return choice


def choice_update(*, choice: Choice, data: dict) -> Choice:
    check_fields(data, choice)
    if "key" in data and data["key"] != choice.key:
        check_key(data["key"], QUESTION_KEY_MAX_LENGTH)
        if (
            Choice.objects.filter(question_id=choice.question_id, key=data["key"])
            .exclude(pk=choice.pk)
            .exists()
        ):
            raise duplicate_key_error(data["key"], _("this question"))
    changed = apply_changes(choice, data, CHOICE_FIELDS)
    if not changed:
        return choice
    try:
        with transaction.atomic():
            choice.save(update_fields=changed)
            survey_touch(choice.question.survey)
    except IntegrityError as exc:
        raise duplicate_key_error(choice.key, _("this question")) from exc
    return choice


def choice_delete(*, choice: Choice) -> None:
    with transaction.atomic():
        survey = choice.question.survey
        choice.delete()
        survey_touch(survey)
