"""Survey drafts and starter templates."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.pagination import PaginatedApiMixin
from surveys import selectors, services
from surveys.apis.common import (
    COMMON_ERRORS,
    TAG,
    WRITE_ERRORS,
    BaseApi,
    CodedChoiceField,
    KeyField,
    LocaleMapField,
    LocalesField,
    SurveyDetailOutputSerializer,
    SurveyOutputSerializer,
    survey_or_404,
)
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Audience, Survey
from surveys.validation import SURVEY_KEY_MAX_LENGTH

# Surveys --------------------------------------------------------------------------------------


class SurveyListApi(PaginatedApiMixin, BaseApi):
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
        return self.paginated(surveys, SurveyOutputSerializer)

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


class SurveyDetailApi(BaseApi):
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
        return Response(SurveyDetailOutputSerializer(survey_or_404(key)).data)

    @extend_schema(
        tags=TAG,
        summary="Change a survey's draft",
        request=SurveyUpdateInputSerializer,
        responses={200: SurveyDetailOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, key: str):
        survey = survey_or_404(key)
        serializer = self.SurveyUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey = services.survey_update(survey=survey, data=serializer.validated_data, user=request.user)
        return Response(SurveyDetailOutputSerializer(survey).data)


class SurveyDuplicateApi(BaseApi):
    class SurveyDuplicateInputSerializer(serializers.Serializer):
        key = KeyField(max_key_length=SURVEY_KEY_MAX_LENGTH)

    @extend_schema(
        tags=TAG,
        summary="Copy a survey's draft into a new draft survey",
        request=SurveyDuplicateInputSerializer,
        responses={201: SurveyDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, key: str):
        survey = survey_or_404(key)
        serializer = self.SurveyDuplicateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.survey_duplicate(
            survey=survey, new_key=serializer.validated_data["key"], user=request.user
        )
        return Response(SurveyDetailOutputSerializer(copy).data, status=status.HTTP_201_CREATED)


# Starter templates ----------------------------------------------------------------------------


class TemplateOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    audience = serializers.CharField()
    title = LocaleMapField()
    introduction = LocaleMapField()
    primary_question = serializers.CharField()
    question_count = serializers.IntegerField()
    locales = serializers.ListField(child=serializers.CharField())


class SurveyTemplateListApi(PaginatedApiMixin, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="Starter templates",
        responses={200: TemplateOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request):
        return self.paginated(list(selectors.survey_templates()), TemplateOutputSerializer)


class SurveyTemplateLoadApi(BaseApi):
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
