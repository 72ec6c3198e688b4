"""Shared pieces of the surveys API: the base view, fields, output serializers, lookups."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from config.access import ApiPermission
from config.json_text import has_unstorable_text
from surveys import selectors
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Choice, Question, Survey
from surveys.validation import QUESTION_KEY_MAX_LENGTH, is_slug

TAG = ["surveys"]
KEY_PATTERN = r"^[-a-zA-Z0-9_]+$"


# Fields -------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "properties": {locale: {"type": "string"} for locale in settings.SURVEY_LOCALES},
        "additionalProperties": False,
        "example": {"zh-hans": "…", "en": "…"},
    }
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
        return refuse_unstorable_text(data)

    def to_representation(self, value):
        return value


def refuse_unstorable_text(data):
    if has_unstorable_text(data):
        raise serializers.ValidationError(
            _("Text may not contain NUL characters or unpaired surrogates."), code=Code.UNSTORABLE_TEXT
        )
    return data


class KeyField(serializers.CharField):
    def __init__(self, *, max_key_length: int = QUESTION_KEY_MAX_LENGTH, **kwargs) -> None:
        self.max_key_length = max_key_length
        super().__init__(**kwargs)
        # Documents the rule in the schema (pattern, maxLength); to_internal_value checks it
        # first, with its own code.
        self.validators.append(RegexValidator(KEY_PATTERN))
        self.validators.append(MaxLengthValidator(max_key_length))

    def to_internal_value(self, data):
        if not isinstance(data, str):  # CharField would take 1894745 for "1894745"
            self.fail("invalid")
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
        return refuse_unstorable_text(data)


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": list(settings.SURVEY_LOCALES)},
        "minItems": 1,
        "uniqueItems": True,
    }
)
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


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ERROR_BODY, description=description)


COMMON_ERRORS = {
    401: error_response("Not authenticated"),
    403: error_response("Missing permission"),
    404: error_response("Not found"),
}
WRITE_ERRORS = {400: error_response("Invalid input: details names each field"), **COMMON_ERRORS}


def survey_or_404(key: str) -> Survey:
    survey = selectors.survey_get_by_key(key=key)
    if survey is None:
        raise Http404
    return survey


def question_or_404(survey_key: str, question_key: str) -> Question:
    question = selectors.question_get_by_key(survey=survey_or_404(survey_key), key=question_key)
    if question is None:
        raise Http404
    return question


def choice_or_404(survey_key: str, question_key: str, choice_key: str) -> Choice:
    choice = selectors.choice_get_by_key(question=question_or_404(survey_key, question_key), key=choice_key)
    if choice is None:
        raise Http404
    return choice


class BaseApi(APIView):
    permission_classes = [ApiPermission]
