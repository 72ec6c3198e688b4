"""Draft questions and their choices, nested under their survey."""

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
    ChoiceOutputSerializer,
    CodedChoiceField,
    ConditionField,
    KeyField,
    LocaleMapField,
    QuestionOutputSerializer,
    choice_or_404,
    question_or_404,
    survey_or_404,
)
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Question
from surveys.validation import MAX_LENGTH_LIMIT

# Questions and choices ------------------------------------------------------------------------

MAX_POSITION = 2_147_483_647  # PositiveIntegerField's upper bound on every database


class ChoiceInputSerializer(serializers.Serializer):
    key = KeyField()
    label = LocaleMapField()
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)


class QuestionInputSerializer(serializers.Serializer):
    key = KeyField()
    kind = CodedChoiceField(choices=Question.Kind.choices, code=Code.UNKNOWN_KIND)
    text = LocaleMapField()
    help_text = LocaleMapField(required=False)
    required = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)
    # Bounded so an absurd number is a 400 here, not a database overflow; the publish check
    # narrows them to the kind's real scale.
    scale_min = serializers.IntegerField(min_value=-100, max_value=100, required=False, allow_null=True)
    scale_max = serializers.IntegerField(min_value=-100, max_value=100, required=False, allow_null=True)
    min_label = LocaleMapField(required=False)
    max_label = LocaleMapField(required=False)
    max_length = serializers.IntegerField(
        min_value=1, max_value=MAX_LENGTH_LIMIT, required=False, allow_null=True
    )
    condition = ConditionField(required=False, allow_null=True)


class QuestionListApi(PaginatedApiMixin, BaseApi):
    class QuestionCreateInputSerializer(QuestionInputSerializer):
        choices = ChoiceInputSerializer(many=True, required=False)

    @extend_schema(
        tags=TAG,
        summary="A survey's draft questions, in order",
        responses={200: QuestionOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, key: str):
        questions = selectors.survey_questions(survey=survey_or_404(key))
        return self.paginated(questions, QuestionOutputSerializer)

    @extend_schema(
        tags=TAG,
        summary="Add a question (with its choices or matrix items) to the draft",
        request=QuestionCreateInputSerializer,
        responses={201: QuestionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, key: str):
        survey = survey_or_404(key)
        serializer = self.QuestionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_create(survey=survey, **serializer.validated_data)
        return Response(QuestionOutputSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(BaseApi):
    @extend_schema(
        tags=TAG, summary="One draft question", responses={200: QuestionOutputSerializer, **COMMON_ERRORS}
    )
    def get(self, request, key: str, question_key: str):
        return Response(QuestionOutputSerializer(question_or_404(key, question_key)).data)

    @extend_schema(
        tags=TAG,
        summary="Change a draft question",
        request=QuestionInputSerializer(partial=True),
        responses={200: QuestionOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, key: str, question_key: str):
        question = question_or_404(key, question_key)
        serializer = QuestionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        question = services.question_update(question=question, data=serializer.validated_data)
        return Response(QuestionOutputSerializer(question).data)

    @extend_schema(tags=TAG, summary="Remove a draft question", responses={204: None, **COMMON_ERRORS})
    def delete(self, request, key: str, question_key: str):
        services.question_delete(question=question_or_404(key, question_key))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChoiceListApi(PaginatedApiMixin, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="A question's choices or matrix items",
        responses={200: ChoiceOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, key: str, question_key: str):
        question = question_or_404(key, question_key)
        return self.paginated(question.choices.order_by("position", "id"), ChoiceOutputSerializer)

    @extend_schema(
        tags=TAG,
        summary="Add a choice or matrix item",
        request=ChoiceInputSerializer,
        responses={201: ChoiceOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request, key: str, question_key: str):
        question = question_or_404(key, question_key)
        serializer = ChoiceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        choice = services.choice_create(question=question, **serializer.validated_data)
        return Response(ChoiceOutputSerializer(choice).data, status=status.HTTP_201_CREATED)


class ChoiceDetailApi(BaseApi):
    @extend_schema(
        tags=TAG,
        summary="One choice or matrix item",
        responses={200: ChoiceOutputSerializer, **COMMON_ERRORS},
    )
    def get(self, request, key: str, question_key: str, choice_key: str):
        return Response(ChoiceOutputSerializer(choice_or_404(key, question_key, choice_key)).data)

    @extend_schema(
        tags=TAG,
        summary="Change a choice or matrix item",
        request=ChoiceInputSerializer(partial=True),
        responses={200: ChoiceOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, key: str, question_key: str, choice_key: str):
        choice = choice_or_404(key, question_key, choice_key)
        serializer = ChoiceInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        choice = services.choice_update(choice=choice, data=serializer.validated_data)
        return Response(ChoiceOutputSerializer(choice).data)

    @extend_schema(tags=TAG, summary="Remove a choice or matrix item", responses={204: None, **COMMON_ERRORS})
    def delete(self, request, key: str, question_key: str, choice_key: str):
        services.choice_delete(choice=choice_or_404(key, question_key, choice_key))
        return Response(status=status.HTTP_204_NO_CONTENT)
