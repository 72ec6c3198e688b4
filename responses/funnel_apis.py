"""The funnel API: ``GET /api/v1/funnel/`` (``responses.view_funnel``, as the admin page)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.access import ApiPermission
from responses.services.funnel import funnel_group_by_validate, funnel_report
from surveys.models import Survey


class FunnelInputSerializer(serializers.Serializer):
    survey = serializers.SlugField(max_length=80)
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)
    group_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def validate_group_by(self, value: str) -> str:
        try:
            return funnel_group_by_validate(value)
        except Exception as exc:
            raise serializers.ValidationError(
                "Use channel, rule or an attribute name (letters, digits, _).", code="invalid"
            ) from exc

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"to": ["The end date is before the start date."]}, code="invalid"
            )
        return attrs


class FunnelRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    events = serializers.IntegerField()
    invitations = serializers.IntegerField()
    suppressed = serializers.IntegerField()
    suppressions = serializers.DictField(child=serializers.IntegerField(), help_text="Count by reason.")
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    bounced = serializers.IntegerField()
    expired = serializers.IntegerField()
    response_rate = serializers.FloatField(
        allow_null=True, help_text="completed / sent; null when nothing sent."
    )


class FunnelOutputSerializer(serializers.Serializer):
    survey = serializers.CharField()
    group_by = serializers.CharField()
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    rows = FunnelRowSerializer(many=True)
    total = FunnelRowSerializer()


class FunnelApi(APIView):
    """The invitation funnel of a survey, per channel, rule or segment attribute.

    Events that reached the survey's rules, invitations, suppressions by reason, then sent,
    opened, started and completed, and the response rate (completed / sent). ``from`` and
    ``to`` are days (inclusive) of the decision in the site's time zone.
    """

    permission_classes = [ApiPermission]

    @extend_schema(
        operation_id="funnel_read",
        parameters=[
            OpenApiParameter("survey", str, required=True, description="Survey key."),
            OpenApiParameter("from", str, description="First day, YYYY-MM-DD."),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (inclusive)."),
            OpenApiParameter(
                "group_by", str, description="channel, rule, or an attribute name (city, district_type ...)."
            ),
        ],
        responses={
            200: FunnelOutputSerializer,
            400: OpenApiResponse(description="A parameter is invalid (see details)."),
            403: OpenApiResponse(description="Missing responses.view_funnel."),
            404: OpenApiResponse(description="No survey with this key."),
        },
    )
    def get(self, request):
        params = request.query_params
        names = {"survey": "survey", "from": "date_from", "to": "date_to", "group_by": "group_by"}
        data = {field: params[name] for name, field in names.items() if params.get(name)}
        serializer = FunnelInputSerializer(data=data)
        if not serializer.is_valid():
            errors = {
                ("from" if k == "date_from" else "to" if k == "date_to" else k): v
                for k, v in serializer.errors.items()
            }
            raise serializers.ValidationError(errors)
        values = serializer.validated_data
        survey = get_object_or_404(Survey, key=values["survey"])
        report = funnel_report(
            survey=survey,
            group_by=values["group_by"],
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
        )
        body = {
            "survey": report.survey,
            "group_by": report.group_by,
            "date_from": report.date_from,
            "date_to": report.date_to,
            "rows": [row.as_dict() for row in report.rows],
            "total": report.total.as_dict(),
        }
        return Response(FunnelOutputSerializer(body).data)
