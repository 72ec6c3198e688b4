"""The funnel API: ``GET /api/v1/funnel/`` (``responses.view_funnel``, as the admin page)."""

import datetime as dt

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.access import ApiPermission
from config.dates import (
    API_DATE_MAX,
    API_DATE_MIN,
    DATE_OUT_OF_RANGE,
    DAY_OR_EMPTY,
    date_out_of_range_message,
)
from responses.services.funnel import funnel_group_by_validate, funnel_report
from surveys.models import Survey


def _in_range(value: dt.date | None, field: str) -> dt.date | None:
    if value is not None and not API_DATE_MIN <= value <= API_DATE_MAX:
        raise serializers.ValidationError(date_out_of_range_message(field), code=DATE_OUT_OF_RANGE)
    return value


class FunnelInputSerializer(serializers.Serializer):
    survey = serializers.SlugField(max_length=80)
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)
    group_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def validate_date_from(self, value: dt.date | None) -> dt.date | None:
        return _in_range(value, "from")

    def validate_date_to(self, value: dt.date | None) -> dt.date | None:
        return _in_range(value, "to")

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
        tags=["distribution"],
        summary="The invitation funnel of a survey, per channel, rule or attribute",
        parameters=[
            OpenApiParameter(
                "survey",
                {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 80},
                required=True,
                description="Survey key.",
            ),
            OpenApiParameter(
                "from",
                DAY_OR_EMPTY,
                description=f"First day, {API_DATE_MIN} to {API_DATE_MAX}; empty: no limit.",
            ),
            OpenApiParameter(
                "to",
                DAY_OR_EMPTY,
                description=f"Last day (inclusive), {API_DATE_MIN} to {API_DATE_MAX}; empty: no limit.",
            ),
            OpenApiParameter(
                "group_by",
                {"type": "string", "pattern": "^[A-Za-z0-9_]{0,64}$"},
                description="channel, rule, or an attribute name (city, district_type ...); empty: none.",
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
