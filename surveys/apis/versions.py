"""Publishing, preview and the read-only version history."""

from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from config.exceptions import error_body
from config.pagination import PaginatedApiMixin
from surveys import selectors, services
from surveys.apis.common import (
    COMMON_ERRORS,
    TAG,
    BaseApi,
    VersionDetailOutputSerializer,
    VersionOutputSerializer,
    survey_or_404,
)
from surveys.errors import SurveyErrorCode as Code

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
                    required=False,
                )
            },
        ),
    },
)


class SurveyPublishApi(BaseApi):
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
        survey = survey_or_404(key)
        serializer = self.SurveyPublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = services.survey_publish(
                survey=survey, user=request.user, note=serializer.validated_data["note"]
            )
        except DjangoValidationError as exc:
            return Response(definition_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(VersionDetailOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class SurveyPreviewApi(BaseApi):
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
        survey = survey_or_404(key)
        definition = services.survey_preview_definition(survey=survey)
        errors = [asdict(error) for error in services.survey_validate(survey=survey)]
        return Response({"definition": definition, "errors": errors})


class SurveyVersionListApi(PaginatedApiMixin, BaseApi):
    @extend_schema(
        tags=TAG,
        summary="A survey's published versions, newest first",
        responses={200: VersionOutputSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request, key: str):
        versions = selectors.survey_versions(survey=survey_or_404(key))
        return self.paginated(versions, VersionOutputSerializer)


class SurveyVersionDetailApi(BaseApi):
    @extend_schema(
        tags=TAG,
        summary="One published version with its frozen definition",
        responses={200: VersionDetailOutputSerializer, **COMMON_ERRORS},
    )
    def get(self, request, key: str, number: int):
        version = selectors.survey_version_get(survey=survey_or_404(key), number=number)
        if version is None:
            raise Http404
        return Response(VersionDetailOutputSerializer(version).data)
