"""Reads of the surveys app."""

from django.db.models import Count, QuerySet

from surveys.models import Choice, Question, Survey, SurveyVersion
from surveys.starter_templates import TemplateInfo, template_info, template_keys


def survey_list(*, audience: str | None = None, status: str | None = None) -> QuerySet[Survey]:
    surveys = Survey.objects.annotate(version_count=Count("versions")).order_by("key")
    if audience:
        surveys = surveys.filter(audience=audience)
    if status:
        surveys = surveys.filter(status=status)
    return surveys


def survey_get_by_key(*, key: str) -> Survey | None:
    return Survey.objects.filter(key=key).first()


def survey_version_latest(*, survey: Survey) -> SurveyVersion | None:
    return SurveyVersion.objects.filter(survey=survey).order_by("-number").first()


def survey_versions(*, survey: Survey) -> QuerySet[SurveyVersion]:
    return (
        SurveyVersion.objects.filter(survey=survey)
        .select_related("survey", "published_by")
        .order_by("-number")
    )


def survey_version_get(*, survey: Survey, number: int) -> SurveyVersion | None:
    return (
        SurveyVersion.objects.filter(survey=survey, number=number)
        .select_related("survey", "published_by")
        .first()
    )


def survey_questions(*, survey: Survey) -> QuerySet[Question]:
    return survey.questions.order_by("position", "id").prefetch_related("choices")


def question_get_by_key(*, survey: Survey, key: str) -> Question | None:
    return survey.questions.filter(key=key).select_related("survey").first()


def choice_get_by_key(*, question: Question, key: str) -> Choice | None:
    return question.choices.filter(key=key).select_related("question__survey").first()


def survey_templates() -> list[TemplateInfo]:
    """Every starter template, by key."""
    return [info for key in template_keys() if (info := template_info(key)) is not None]
