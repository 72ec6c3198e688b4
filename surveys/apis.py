"""Staff API of the surveys app: drafts, publishing, versions (read-only), starter templates.

Each write endpoint: an input serializer, one service call, an output serializer. Permissions
follow the model permissions of the user's roles (``surveys.roles``); publishing needs
``surveys.publish_survey``. Errors use the one body ``{code, message, details}``.
"""

from dataclasses import asdict

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import error_body
from surveys import selectors, services
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Audience, Choice, Question, Survey, SurveyVersion
from surveys.validation import QUESTION_KEY_MAX_LENGTH, SURVEY_KEY_MAX_LENGTH, is_slug

TAG = ["surveys"]


class ModelPermission(BasePermission):
    """Django model permissions for plain APIViews; reading needs the ``view_`` permission.

    The view names its ``permission_model``; ``extra_permissions`` maps a method to the
    permissions it needs instead (publishing).
    """

    actions = {
        "GET": "view",
        "HEAD": "view",
        "OPTIONS": "view",
        "POST": "add",
        "PUT": "change",
        "PATCH": "change",
        "DELETE": "delete",
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        perms = getattr(view, "extra_permissions", {}).get(request.method)
        if perms is None:
            meta = view.permission_model._meta
            perms = [f"{meta.app_label}.{self.actions.get(request.method, 'change')}_{meta.model_name}"]
        return user.has_perms(perms)


# Fields -------------------------------------------------------------------------------------


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "example": {"zh-hans": "…", "en": "…"}}
)
class LocaleMapField(serializers.Field):
    """A locale map, ``{"zh-hans": "…", "en": "…"}``, with locales from SURVEY_LOCALES."""

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise serializers.ValidationError(
                _('Must be an object of locale to text, e.g. {"zh-hans": "…", "en": "…"}.'),
                code=Code.NOT_A_LOCALE_MAP,
            )
        unknown = sorted(set(data) - set(settings.SURVEY_LOCALES))
        if unknown:
            raise serializers.ValidationError(
                _("Locales not allowed: %(locales)s (allowed: %(allowed)s).")
                % {"locales": ", ".join(unknown), "allowed": ", ".join(settings.SURVEY_LOCALES)},
                code=Code.UNKNOWN_LOCALE,
            )
        return data

    def to_representation(self, value):
        return value


class KeyField(serializers.CharField):
    def __init__(self, *, max_key_length: int = QUESTION_KEY_MAX_LENGTH, **kwargs) -> None:
        self.max_key_length = max_key_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not is_slug(value, self.max_key_length):
            raise serializers.ValidationError(
                _("Use 1 to %(max)d letters, digits, hyphens or underscores.") % {"max": self.max_key_length},
                code=Code.BAD_KEY,
            )
        return value


class CodedChoiceField(serializers.ChoiceField):
    def __init__(self, *, code: str, **kwargs) -> None:
        self.code = code
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if str(data) not in self.choice_strings_to_values:
            raise serializers.ValidationError(
                _("%(value)r is not one of %(choices)s.")
                % {"value": data, "choices": ", ".join(self.choice_strings_to_values)},
                code=self.code,
            )
        return self.choice_strings_to_values[str(data)]


@extend_schema_field(
    {"type": "object", "nullable": True, "example": {"question": "nps", "op": "lte", "value": 6}}
)
class ConditionField(serializers.JSONField):
    def to_internal_value(self, data):
        if data is not None and not isinstance(data, dict):
            raise serializers.ValidationError(
                _("Must be an object (see docs/survey-definition.md) or null."), code=Code.CONDITION_MALFORMED
            )
        return data


class LocalesField(serializers.ListField):
    def __init__(self, **kwargs) -> None:
        super().__init__(child=serializers.CharField(), allow_empty=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = [x for x in value if x not in settings.SURVEY_LOCALES]
        if unknown:
            raise serializers.ValidationError(
                _("Locales not allowed: %(locales)s (allowed: %(allowed)s).")
                % {"locales": ", ".join(unknown), "allowed": ", ".join(settings.SURVEY_LOCALES)},
                code=Code.UNKNOWN_LOCALE,
            )
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("A locale is listed twice."), code=Code.BAD_LOCALES)
        return value


# Output serializers ---------------------------------------------------------------------------


class ChoiceOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    position = serializers.IntegerField()
    label = LocaleMapField()


class QuestionOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    position = serializers.IntegerField()
    kind = serializers.CharField()
    text = LocaleMapField()
    help_text = LocaleMapField()
    required = serializers.BooleanField()
    scale_min = serializers.IntegerField(allow_null=True)
    scale_max = serializers.IntegerField(allow_null=True)
    min_label = LocaleMapField()
    max_label = LocaleMapField()
    max_length = serializers.IntegerField(allow_null=True)
    condition = ConditionField(allow_null=True)
    choices = ChoiceOutputSerializer(many=True)


class SurveyOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    public_id = serializers.UUIDField()
    audience = serializers.CharField()
    family = serializers.CharField()
    locales = serializers.ListField(child=serializers.CharField())
    default_locale = serializers.CharField()
    title = LocaleMapField()
    introduction = LocaleMapField()
    thank_you = LocaleMapField()
    primary_question_key = serializers.CharField()
    status = serializers.CharField()
    has_unpublished_changes = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SurveyDetailOutputSerializer(SurveyOutputSerializer):
    questions = serializers.SerializerMethodField()

    @extend_schema_field(QuestionOutputSerializer(many=True))
    def get_questions(self, survey: Survey) -> list:
        return QuestionOutputSerializer(selectors.survey_questions(survey=survey), many=True).data


class VersionOutputSerializer(serializers.Serializer):
    survey = serializers.CharField(source="survey.key")
    number = serializers.IntegerField()
    public_id = serializers.UUIDField()
    checksum = serializers.CharField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(source="published_by.get_username", allow_null=True, default=None)
    note = serializers.CharField()


class VersionDetailOutputSerializer(VersionOutputSerializer):
    definition = serializers.JSONField()


ERROR_BODY = inline_serializer(
    name="ErrorBody",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "details": serializers.JSONField(),
    },
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ERROR_BODY, description=description)


COMMON_ERRORS = {
    401: _error("Not authenticated"),
    403: _error("Missing permission"),
    404: _error("Not found"),
}
WRITE_ERRORS = {400: _error("Invalid input: details names each field"), **COMMON_ERRORS}


def _survey(key: str) -> Survey:
    survey = selectors.survey_get_by_key(key=key)
    if survey is None:
        raise Http404
    return survey


def _question(survey_key: str, question_key: str) -> Question:
    question = selectors.question_get_by_key(survey=_survey(survey_key), key=question_key)
    if question is None:
        raise Http404
    return question


def _choice(survey_key: str, question_key: str, choice_key: str) -> Choice:
    choice = selectors.choice_get_by_key(question=_question(survey_key, question_key), key=choice_key)
    if choice is None:
        raise Http404
    return choice


class _Api(APIView):
    permission_classes = [ModelPermission]
    permission_model: type = Survey


# Surveys --------------------------------------------------------------------------------------


class SurveyListApi(_Api):
    class SurveyFilterSerializer(serializers.Serializer):
        audience = serializers.ChoiceField(choices=Audience.choices, required=False)
        status = serializers.ChoiceField(choices=Survey.Status.choices, required=False)

    class SurveyCreateInputSerializer(serializers.Serializer):
        key = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH)
        audience = CodedChoiceField(choices=Audience.choices, code=Code.UNKNOWN_AUDIENCE)
        title = LocaleMapField()
        locales = LocalesField(required=False)
        default_locale = serializers.CharField(required=False)
        introduction = LocaleMapField(required=False)
        thank_you = LocaleMapField(required=False)
        family = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH, required=False, allow_blank=True)
        primary_question_key = KeyField(required=False, allow_blank=True)

    @extend_schema(
        tags=TAG,
        summary="List surveys",
        parameters=[SurveyFilterSerializer],
        responses={200: SurveyOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request):
        filters = self.SurveyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        surveys = selectors.survey_list(**filters.validated_data)
        return Response(SurveyOutputSerializer(surveys, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Create a draft survey",
        request=SurveyCreateInputSerializer,
        responses={201: SurveyDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        serializer = self.SurveyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey = services.survey_create(**serializer.validated_data, user=request.user)
        return Response(SurveyDetailOutputSerializer(survey).data, status=status.HTTP_201_CREATED)


class SurveyDetailApi(_Api):
    class SurveyUpdateInputSerializer(serializers.Serializer):
        key = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH, required=False)
        audience = CodedChoiceField(choices=Audience.choices, code=Code.UNKNOWN_AUDIENCE, required=False)
        title = LocaleMapField(required=False)
        locales = LocalesField(required=False)
        default_locale = serializers.CharField(required=False)
        introduction = LocaleMapField(required=False)
        thank_you = LocaleMapField(required=False)
        family = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH, required=False, allow_blank=True)
        primary_question_key = KeyField(required=False, allow_blank=True)

    @extend_schema(
        tags=TAG,
        summary="Read a survey's draft with its questions",
        responses={200: SurveyDetailOutputSerializer, **COMMON_ERRORS},
    )
    def get(self, request, key: str):
        return Response(SurveyDetailOutputSerializer(_survey(key)).data)

    @extend_schema(
        tags=TAG,
        summary="Change a survey's draft",
        request=SurveyUpdateInputSerializer,
        responses={200: SurveyDetailOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, key: str):
        survey = _survey(key)
        serializer = self.SurveyUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey = services.survey_update(survey=survey, data=serializer.validated_data, user=request.user)
        return Response(SurveyDetailOutputSerializer(survey).data)


class SurveyDuplicateApi(_Api):
    extra_permissions = {"POST": ["surveys.add_survey", "surveys.add_question", "surveys.add_choice"]}

    class SurveyDuplicateInputSerializer(serializers.Serializer):
        key = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH)

    @extend_schema(
        tags=TAG,
        summary="Copy a survey's draft into a new draft survey",
        request=SurveyDuplicateInputSerializer,
        responses={201: SurveyDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, key: str):
        survey = _survey(key)
        serializer = self.SurveyDuplicateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.survey_duplicate(
            survey=survey, new_key=serializer.validated_data["key"], user=request.user
        )
        return Response(SurveyDetailOutputSerializer(copy).data, status=status.HTTP_201_CREATED)


# Publishing and versions ----------------------------------------------------------------------


def definition_error_body(exc: DjangoValidationError) -> dict:
    """The error body of a refused publish: every problem with its path, field and code."""
    errors = [
        {
            "path": (error.params or {}).get("path", "survey"),
            "field": (error.params or {}).get("field", ""),
            "code": error.code or "invalid",
            "message": error.message % error.params if error.params else error.message,
        }
        for error in exc.error_list
    ]
    if len(errors) == 1 and errors[0]["code"] == Code.NO_CHANGES:
        return error_body(Code.NO_CHANGES, errors[0]["message"], {"definition": errors})
    message = _("The survey cannot be published: %(count)d problem(s) to fix.") % {"count": len(errors)}
    return error_body(Code.INVALID_DEFINITION, message, {"definition": errors})


DEFINITION_ERRORS = inline_serializer(
    name="DefinitionErrors",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "details": inline_serializer(
            name="DefinitionErrorList",
            fields={
                "definition": inline_serializer(
                    name="DefinitionError",
                    many=True,
                    fields={
                        "path": serializers.CharField(),
                        "field": serializers.CharField(),
                        "code": serializers.CharField(),
                        "message": serializers.CharField(),
                    },
                )
            },
        ),
    },
)


class SurveyPublishApi(_Api):
    extra_permissions = {"POST": ["surveys.publish_survey"]}

    class SurveyPublishInputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    @extend_schema(
        tags=TAG,
        summary="Validate the draft and freeze it as the next version",
        request=SurveyPublishInputSerializer,
        responses={
            201: VersionDetailOutputSerializer,
            400: OpenApiResponse(DEFINITION_ERRORS, description="Invalid or unchanged draft"),
            **COMMON_ERRORS,
        },
    )
    def post(self, request, key: str):
        survey = _survey(key)
        serializer = self.SurveyPublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = services.survey_publish(
                survey=survey, user=request.user, note=serializer.validated_data["note"]
            )
        except DjangoValidationError as exc:
            return Response(definition_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(VersionDetailOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class SurveyPreviewApi(_Api):
    @extend_schema(
        tags=TAG,
        summary="The definition the draft would publish, and what stops it",
        responses={
            200: inline_serializer(
                name="SurveyPreview",
                fields={
                    "definition": serializers.JSONField(),
                    "errors": serializers.ListField(child=serializers.DictField()),
                },
            ),
            **COMMON_ERRORS,
        },
    )
    def get(self, request, key: str):
        survey = _survey(key)
        definition = services.survey_preview_definition(survey=survey)
        errors = [asdict(error) for error in services.survey_validate(survey=survey)]
        return Response({"definition": definition, "errors": errors})


class SurveyVersionListApi(_Api):
    permission_model = SurveyVersion

    @extend_schema(
        tags=TAG,
        summary="A survey's published versions, newest first",
        responses={200: VersionOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, key: str):
        versions = selectors.survey_versions(survey=_survey(key))
        return Response(VersionOutputSerializer(versions, many=True).data)


class SurveyVersionDetailApi(_Api):
    permission_model = SurveyVersion

    @extend_schema(
        tags=TAG,
        summary="One published version with its frozen definition",
        responses={200: VersionDetailOutputSerializer, **COMMON_ERRORS},
    )
    def get(self, request, key: str, number: int):
        version = selectors.survey_version_get(survey=_survey(key), number=number)
        if version is None:
            raise Http404
        return Response(VersionDetailOutputSerializer(version).data)


# Questions and choices ------------------------------------------------------------------------


class ChoiceInputSerializer(serializers.Serializer):
    key = KeyField()
    label = LocaleMapField()
    position = serializers.IntegerField(min_value=0, required=False)


class QuestionInputSerializer(serializers.Serializer):
    key = KeyField()
    kind = CodedChoiceField(choices=Question.Kind.choices, code=Code.UNKNOWN_KIND)
    text = LocaleMapField()
    help_text = LocaleMapField(required=False)
    required = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)
    scale_min = serializers.IntegerField(required=False, allow_null=True)
    scale_max = serializers.IntegerField(required=False, allow_null=True)
    min_label = LocaleMapField(required=False)
    max_label = LocaleMapField(required=False)
    max_length = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    condition = ConditionField(required=False, allow_null=True)


class QuestionListApi(_Api):
    permission_model = Question

    class QuestionCreateInputSerializer(QuestionInputSerializer):
        choices = ChoiceInputSerializer(many=True, required=False)

    @extend_schema(
        tags=TAG,
        summary="A survey's draft questions, in order",
        responses={200: QuestionOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, key: str):
        questions = selectors.survey_questions(survey=_survey(key))
        return Response(QuestionOutputSerializer(questions, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add a question (with its choices or matrix items) to the draft",
        request=QuestionCreateInputSerializer,
        responses={201: QuestionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, key: str):
        survey = _survey(key)
        serializer = self.QuestionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_create(survey=survey, **serializer.validated_data)
        return Response(QuestionOutputSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(_Api):
    permission_model = Question

    @extend_schema(
        tags=TAG, summary="One draft question", responses={200: QuestionOutputSerializer, **COMMON_ERRORS}
    )
    def get(self, request, key: str, question_key: str):
        return Response(QuestionOutputSerializer(_question(key, question_key)).data)

    @extend_schema(
        tags=TAG,
        summary="Change a draft question",
        request=QuestionInputSerializer(partial=True),
        responses={200: QuestionOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, key: str, question_key: str):
        question = _question(key, question_key)
        serializer = QuestionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        question = services.question_update(question=question, data=serializer.validated_data)
        return Response(QuestionOutputSerializer(question).data)

    @extend_schema(tags=TAG, summary="Remove a draft question", responses={204: None, **COMMON_ERRORS})
    def delete(self, request, key: str, question_key: str):
        services.question_delete(question=_question(key, question_key))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChoiceListApi(_Api):
    permission_model = Choice

    @extend_schema(
        tags=TAG,
        summary="A question's choices or matrix items",
        responses={200: ChoiceOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, key: str, question_key: str):
        question = _question(key, question_key)
        return Response(ChoiceOutputSerializer(question.choices.order_by("position", "id"), many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add a choice or matrix item",
        request=ChoiceInputSerializer,
        responses={201: ChoiceOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, key: str, question_key: str):
        question = _question(key, question_key)
        serializer = ChoiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        choice = services.choice_create(question=question, **serializer.validated_data)
        return Response(ChoiceOutputSerializer(choice).data, status=status.HTTP_201_CREATED)


class ChoiceDetailApi(_Api):
    permission_model = Choice

    @extend_schema(
        tags=TAG,
        summary="One choice or matrix item",
        responses={200: ChoiceOutputSerializer, **COMMON_ERRORS},
    )
    def get(self, request, key: str, question_key: str, choice_key: str):
        return Response(ChoiceOutputSerializer(_choice(key, question_key, choice_key)).data)

    @extend_schema(
        tags=TAG,
        summary="Change a choice or matrix item",
        request=ChoiceInputSerializer(partial=True),
        responses={200: ChoiceOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, key: str, question_key: str, choice_key: str):
        choice = _choice(key, question_key, choice_key)
        serializer = ChoiceInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        choice = services.choice_update(choice=choice, data=serializer.validated_data)
        return Response(ChoiceOutputSerializer(choice).data)

    @extend_schema(tags=TAG, summary="Remove a choice or matrix item", responses={204: None, **COMMON_ERRORS})
    def delete(self, request, key: str, question_key: str, choice_key: str):
        services.choice_delete(choice=_choice(key, question_key, choice_key))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Starter templates ----------------------------------------------------------------------------


class TemplateOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    audience = serializers.CharField()
    title = LocaleMapField()
    introduction = LocaleMapField()
    primary_question = serializers.CharField()
    question_count = serializers.IntegerField()
    locales = serializers.ListField(child=serializers.CharField())


class SurveyTemplateListApi(_Api):
    @extend_schema(
        tags=TAG,
        summary="Starter templates",
        responses={200: TemplateOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request):
        return Response(TemplateOutputSerializer(selectors.survey_templates(), many=True).data)


class SurveyTemplateLoadApi(_Api):
    extra_permissions = {"POST": ["surveys.add_survey", "surveys.add_question", "surveys.add_choice"]}

    class SurveyTemplateLoadInputSerializer(serializers.Serializer):
        survey_key = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH, required=False)

    @extend_schema(
        tags=TAG,
        summary="Make a draft survey from a starter template",
        request=SurveyTemplateLoadInputSerializer,
        responses={201: SurveyDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, template_key: str):
        serializer = self.SurveyTemplateLoadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if template_key not in {info.key for info in selectors.survey_templates()}:
            raise Http404
        survey = services.survey_template_load(
            template_key=template_key,
            survey_key=serializer.validated_data.get("survey_key"),
            user=request.user,
        )
        return Response(SurveyDetailOutputSerializer(survey).data, status=status.HTTP_201_CREATED)
