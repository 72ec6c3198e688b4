"""Extra admin pages of the survey builder: preview, publish, duplicate, starter templates.

Each view calls one service from ``surveys.services``; a ``ValidationError`` from it is shown on
the page, naming the question and field, never turned into a 500. Who may open each page is
checked before the view runs (``config.access.admin_page``, from ``config.permissions``).
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from config.permissions import admin_view_need, user_meets
from surveys import selectors, services
from surveys.forms import DuplicateForm, TemplateLoadForm, survey_key_free
from surveys.models import Audience, Survey, SurveyVersion

QUESTION_PATH = re.compile(r"^questions\[(?P<index>\d+)\](?: \((?P<key>[^)]*)\))?$")


def preview_locale(request: HttpRequest, definition: dict) -> str:
    """``?lang=`` when the survey declares it, else the survey's default locale."""
    declared = [code for code in definition.get("locales") or [] if isinstance(code, str)]
    declared = declared or list(settings.SURVEY_LOCALES)
    wanted = request.GET.get("lang", "")
    if wanted in declared:
        return wanted
    default = definition.get("default_locale")
    return default if default in declared else declared[0]


def respondent_page_context(*, definition: dict, locale: str, preview: bool, **extra) -> dict:
    """The context of templates/survey/page.html (also used by the real respondent page)."""
    return {
        "definition": definition,
        "locale": locale,
        "locales": [code for code in definition.get("locales") or [] if isinstance(code, str)],
        "answers": extra.get("answers") or {},
        "errors": extra.get("errors") or {},
        "form_action": extra.get("form_action"),
        "preview": preview,
        "preview_note": extra.get("preview_note", ""),
    }


def survey_preview_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=object_id)
    definition = services.survey_preview_definition(survey=survey)
    locale = preview_locale(request, definition)
    with translation.override(locale):
        note = gettext("Draft of %(key)s, not yet published.") % {"key": survey.key}
    context = respondent_page_context(definition=definition, locale=locale, preview=True, preview_note=note)
    context["submitted"] = request.GET.get("page") == "thanks"
    context["back_url"] = reverse("admin:surveys_survey_change", args=[survey.pk])
    return TemplateResponse(request, "survey/page.html", context)


def version_preview_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    version = get_object_or_404(SurveyVersion.objects.select_related("survey"), pk=object_id)
    definition = version.definition
    locale = preview_locale(request, definition)
    with translation.override(locale):
        note = gettext("Version %(number)s of %(key)s, as respondents see it.") % {
            "number": version.number,
            "key": version.survey.key,
        }
    context = respondent_page_context(definition=definition, locale=locale, preview=True, preview_note=note)
    context["submitted"] = request.GET.get("page") == "thanks"
    context["back_url"] = reverse("admin:surveys_surveyversion_change", args=[version.pk])
    return TemplateResponse(request, "survey/page.html", context)


def error_row(*, path: str, field: str, message: str) -> dict:
    """Where (question number and key, or the survey), field, message of one definition error."""
    match = QUESTION_PATH.match(path)
    if match:
        number = int(match.group("index")) + 1
        key = match.group("key")
        where = (
            gettext("Question %(number)s (%(key)s)") % {"number": number, "key": key}
            if key
            else gettext("Question %(number)s") % {"number": number}
        )
    elif path in ("", "survey"):
        where = gettext("Survey")
    else:
        where = path
    # Messages start with the raw path ("questions[1] (why): ..."); the row names it already.
    if path and message.startswith(f"{path}: "):
        message = message[len(path) + 2 :]
    return {"where": where, "field": field, "message": message}


def publish_error_rows(exc: ValidationError) -> list[dict]:
    """One row per error of a refused publish."""
    rows = []
    for error in exc.error_list:
        params = error.params if isinstance(error.params, dict) else {}
        rows.append(
            error_row(
                path=str(params.get("path", "")),
                field=str(params.get("field", "")),
                message=str(next(iter(error))),
            )
        )
    return rows


def survey_check_errors(survey: Survey) -> list:
    """The saved draft's definition errors, computed once per survey object and request."""
    cached = getattr(survey, "_admin_check_errors", None)
    if cached is None:
        cached = services.survey_validate(survey=survey)
        survey._admin_check_errors = cached
    return cached


def survey_check_rows(survey: Survey) -> list[dict]:
    """What would stop the saved draft from being published now, one row per problem."""
    return [
        error_row(path=error.path, field=error.field, message=error.message)
        for error in survey_check_errors(survey)
    ]


# Definition fields (docs/survey-definition.md) -> input names on the survey page.
SCALE_FIELD = re.compile(r"^scale\.(?P<end>min_label|max_label)(?:\.(?P<locale>.+))?$")
TEXT_FIELD = re.compile(r"^(?P<name>title|introduction|thank_you|text|help_text)(?:\.(?P<locale>.+))?$")
ITEMS_FIELD = re.compile(r"^(?:choices|items)(?:\[\d+\].*)?$")


def survey_problem_inputs(survey: Survey) -> list[dict]:
    """The inputs of the survey page each check points at, for marking them on the page."""
    marks = []
    for error in survey_check_errors(survey):
        match = QUESTION_PATH.match(error.path)
        prefix = f"questions-{match.group('index')}-" if match else ""
        if error.path not in ("survey", "") and not match:
            continue
        name = ""
        if text := TEXT_FIELD.match(error.field):
            name = f"{prefix}{text.group('name')}" + (
                f"_{text.group('locale')}" if text.group("locale") else ""
            )
        elif scale := SCALE_FIELD.match(error.field):
            name = f"{prefix}{scale.group('end')}" + (
                f"_{scale.group('locale')}" if scale.group("locale") else ""
            )
        elif match and ITEMS_FIELD.match(error.field):
            name = f"{prefix}choices_text"
        elif match and error.field.startswith("condition"):
            name = f"{prefix}condition_question"
        elif match and error.field in ("key", "kind", "max_length"):
            name = f"{prefix}{error.field}"
        elif match and error.field.startswith("scale"):
            name = f"{prefix}scale_min"
        elif not match and error.field in ("primary_question", "locales", "default_locale"):
            name = "primary_question_key" if error.field == "primary_question" else error.field
        if name:
            message = error_row(path=error.path, field=error.field, message=error.message)["message"]
            marks.append({"name": name, "message": message})
    return marks


def survey_publish_with_messages(
    request: HttpRequest, survey: Survey, note: str = ""
) -> SurveyVersion | None:
    """Publish, then tell the user on the next page: the new version, or every error."""
    if not user_meets(request.user, admin_view_need("admin:surveys_survey_publish")):
        messages.error(request, gettext("You may not publish surveys."))
        return None
    try:
        version = services.survey_publish(survey=survey, user=request.user, note=note)
    except ValidationError as exc:
        rows = publish_error_rows(exc)
        if len(rows) == 1 and exc.error_list[0].code == "no_changes":
            messages.warning(request, rows[0]["message"])
            return None
        messages.error(
            request,
            gettext("Not published: %(key)s has %(count)s problem(s) to fix.")
            % {"key": survey.key, "count": len(rows)},
            extra_tags="publish-summary",
        )
        for row in rows:
            text = f"{row['where']} · {row['field']}: {row['message']}" if row["field"] else row["message"]
            messages.error(request, text, extra_tags="publish-error")
        return None
    messages.success(
        request,
        gettext("Published %(key)s as version %(number)s.") % {"key": survey.key, "number": version.number},
    )
    return version


def survey_publish_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST only: publish the saved draft, then back to the survey page."""
    survey = get_object_or_404(Survey, pk=object_id)
    change_url = reverse("admin:surveys_survey_change", args=[survey.pk])
    if request.method != "POST":
        return HttpResponseRedirect(change_url)
    survey_publish_with_messages(request, survey, note=request.POST.get("publish_note", "")[:255])
    return HttpResponseRedirect(change_url)


def free_copy_key(key: str) -> str:
    base = f"{key}-copy"[:80]
    candidate, number = base, 2
    while Survey.objects.filter(key=candidate).exists():
        suffix = f"-{number}"
        candidate = f"{base[: 80 - len(suffix)]}{suffix}"
        number += 1
    return candidate


def survey_duplicate_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=object_id)
    if request.method == "POST":
        form = DuplicateForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    copy = services.survey_duplicate(
                        survey=survey, new_key=form.cleaned_data["new_key"], user=request.user
                    )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("new_key", message)
            else:
                messages.success(
                    request,
                    gettext("Copied %(key)s to %(new_key)s, a draft.")
                    % {"key": survey.key, "new_key": copy.key},
                )
                return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[copy.pk]))
    else:
        form = DuplicateForm(initial={"new_key": free_copy_key(survey.key)})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Survey._meta,
        "original": survey,
        "form": form,
        "title": gettext("Duplicate %(key)s") % {"key": survey.key},
    }
    return TemplateResponse(request, "admin/surveys/survey/duplicate.html", context)


def survey_templates_view(model_admin, request: HttpRequest) -> HttpResponse:
    templates = selectors.survey_templates()
    failed_key, failed_form = None, None
    if request.method == "POST":
        form = TemplateLoadForm(request.POST)
        if form.is_valid():
            try:
                survey = services.survey_template_load(
                    template_key=form.cleaned_data["template_key"],
                    survey_key=form.cleaned_data["survey_key"] or None,
                    user=request.user,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    gettext("The survey %(key)s was created from a starter template; it is a draft.")
                    % {"key": survey.key},
                )
                return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[survey.pk]))
        failed_key, failed_form = request.POST.get("template_key"), form
    rows = []
    audiences = dict(Audience.choices)
    for info in templates:
        form = failed_form if info.key == failed_key else TemplateLoadForm(initial={"template_key": info.key})
        rows.append(
            {
                "key": info.key,
                "title": info.title,
                "audience": audiences.get(info.audience, info.audience),
                "question_count": info.question_count,
                "taken": Survey.objects.filter(key=info.key).exists(),
                "free_key": survey_key_free(info.key),
                "form": form,
            }
        )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Survey._meta,
        "rows": rows,
        "title": gettext("Load a starter template"),
        "language": (request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else settings.LANGUAGE_CODE),
    }
    return TemplateResponse(request, "admin/surveys/survey/templates.html", context)
