"""The survey builder's saves, through the same services as the API (``surveys.services``).

The admin's forms read and clean the input (locale maps side by side, choices as lines, the
condition editor); the writes are the services' (``survey_create``, ``survey_update``,
``question_create`` ...), so a draft edited in the admin is checked, stored and marked changed
exactly as the same edit through the API. A ``ValidationError`` a service raises rolls the
whole save back (the admin's change view is one transaction) and the page is shown again with
the service's message on the field it names; nothing is written.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.forms import BaseForm

from surveys import services
from surveys.models import Choice, Question, Survey
from surveys.services.checks import CHOICE_FIELDS, QUESTION_FIELDS, SURVEY_FIELDS
from surveys.services.surveys import RETENTION_FIELDS

REFUSAL_ATTRIBUTE = "survey_service_refusal"


class ServiceRefused(Exception):
    """A service refused an admin save; ``where`` names the question or choice, if any."""

    def __init__(self, error: ValidationError, where: str = "") -> None:
        super().__init__(str(error))
        self.error = error
        self.where = where


@contextmanager
def refused(where: str = "") -> Iterator[None]:
    """Run service calls, turning a ValidationError into ``ServiceRefused``."""
    try:
        yield
    except ValidationError as exc:
        raise ServiceRefused(exc, where) from exc


def refusal_errors(refusal: ServiceRefused, fields) -> list[tuple[str | None, str]]:
    """(form field or None, message) for each message of the refusal: on the field the service
    named when the form has it (and the refusal is not about a question or choice), else on the
    form as a whole, prefixed with where and which field."""
    error = refusal.error
    by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    rows: list[tuple[str | None, str]] = []
    for field, messages in by_field.items():
        for message in messages:
            if field in fields and not refusal.where:
                rows.append((field, message))
            else:
                prefix = ": ".join(part for part in (refusal.where, field) if part)
                rows.append((None, f"{prefix}: {message}" if prefix else message))
    return rows


class ServiceWritesAdminMixin:
    """Saves through the services; a refusal shows the form again with the service's errors."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refusal:
            # The change view's transaction rolled back: nothing of this save was kept. The
            # form is read again from the same POST, now carrying the refusal as its errors.
            setattr(request, REFUSAL_ATTRIBUTE, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, REFUSAL_ATTRIBUTE, None)
        if refusal is None:
            return form_class

        def clean(form: BaseForm):
            cleaned = form_class.clean(form)
            for field, message in refusal_errors(refusal, form.fields):
                form.add_error(field, message)
            return cleaned

        return type(form_class.__name__, (form_class,), {"clean": clean})


def _cleaned(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


def _copy_fields(source, target) -> None:
    """Give the admin's object (``target``) the row the service wrote (``source``)."""
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding, target._state.db = False, source._state.db


def survey_save(request, obj: Survey, form, change: bool) -> None:
    """The survey form's save: ``survey_create`` or ``survey_update``, and the retention
    settings through ``survey_retention_update``."""
    data = _cleaned(form, SURVEY_FIELDS)
    with refused():
        if change:
            # The fields the form changed, as a PATCH through the API sends them.
            changed = {name: data[name] for name in form.changed_data if name in data}
            survey = services.survey_update(
                survey=Survey.objects.get(pk=obj.pk), data=changed, user=request.user
            )
        else:
            survey = services.survey_create(**data, user=request.user)
        survey = services.survey_retention_update(
            survey=survey, data=_cleaned(form, RETENTION_FIELDS), user=request.user
        )
    _copy_fields(survey, obj)


def _choice_dicts(lines) -> list[dict]:
    return [{"key": key, "label": label} for key, label in lines]


def _choices_sync(question: Question, lines) -> None:
    """Make the question's choices the given lines, in order, through the choice services."""
    wanted = dict(lines)
    for choice in question.choices.exclude(key__in=list(wanted)):
        services.choice_delete(choice=choice)
    existing = {choice.key: choice for choice in question.choices.all()}
    for position, (key, label) in enumerate(lines, start=1):
        choice = existing.get(key)
        if choice is None:
            services.choice_create(question=question, key=key, label=label, position=position)
        else:
            services.choice_update(choice=choice, data={"label": label, "position": position})


def questions_save(formset, survey: Survey) -> None:
    """The survey page's question rows: deleted, added (with their choice lines) or changed,
    each through its service; ``formset``'s new/changed/deleted objects are set as
    ``formset.save()`` sets them (the admin's history reads them)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.initial_forms:
        if form in formset.deleted_forms and form.instance.pk is not None:
            question = Question.objects.get(pk=form.instance.pk)
            with refused(question.key):
                services.question_delete(question=question)
            formset.deleted_objects.append(form.instance)
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        data = _cleaned(form, QUESTION_FIELDS)
        where = str(data.get("key") or form.instance.key or "")
        if form.instance.pk is None:
            lines = form.cleaned_data.get("choices_text") or []
            with refused(where):
                question = services.question_create(survey=survey, **data, choices=_choice_dicts(lines))
            _copy_fields(question, form.instance)
            formset.new_objects.append(form.instance)
            continue
        question = Question.objects.select_related("survey").get(pk=form.instance.pk)
        changed = [name for name in form.changed_data if name in QUESTION_FIELDS]
        with refused(where):
            services.question_update(question=question, data={name: data[name] for name in changed})
            if "choices_text" in form.changed_data:
                _choices_sync(question, form.cleaned_data["choices_text"])
        formset.changed_objects.append((form.instance, form.changed_data))


def question_save(request, obj: Question, form) -> None:
    """The question page's form: ``question_update`` with the fields that changed."""
    question = Question.objects.select_related("survey").get(pk=obj.pk)
    data = _cleaned(form, QUESTION_FIELDS)
    with refused():
        services.question_update(question=question, data={n: data[n] for n in form.changed_data if n in data})
    _copy_fields(question, obj)


def choices_save(formset, question: Question) -> None:
    """The question page's choice rows, each through its service (see ``questions_save``)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    question = Question.objects.select_related("survey").get(pk=question.pk)
    for form in formset.initial_forms:
        if form in formset.deleted_forms and form.instance.pk is not None:
            choice = Choice.objects.select_related("question__survey").get(pk=form.instance.pk)
            with refused(f"{question.key}.{choice.key}"):
                services.choice_delete(choice=choice)
            formset.deleted_objects.append(form.instance)
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        data = _cleaned(form, CHOICE_FIELDS)
        where = f"{question.key}.{data.get('key') or form.instance.key}"
        if form.instance.pk is None:
            with refused(where):
                choice = services.choice_create(question=question, **data)
            _copy_fields(choice, form.instance)
            formset.new_objects.append(form.instance)
            continue
        choice = Choice.objects.select_related("question__survey").get(pk=form.instance.pk)
        changed = [name for name in form.changed_data if name in CHOICE_FIELDS]
        with refused(where):
            services.choice_update(choice=choice, data={name: data[name] for name in changed})
        formset.changed_objects.append((form.instance, form.changed_data))
