"""API of the exports app: stream an export, start one in the background, follow it, download it.

``GET /api/v1/exports/<kind>/?survey=<key>&format=csv|xlsx&<filters>`` answers the file. The
filters are the page's: for responses, comments and pain points the analysis API's (``from``,
``to``, any segment attribute such as ``city``, ``respondent_type`` or ``locale``; parsed by
``analysis.apis.scope_from_params``), plus ``q`` for comments; for the funnel the funnel API's
(``from``, ``to``, ``group_by``) and any segment attribute, as the overview's funnel. What each
operation needs is in ``config.permissions``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.apis import SCOPE_PARAMETERS, scope_from_params, survey_for_key
from analysis.errors import AnalysisErrorCode as AnalysisCode
from analysis.selectors.search import query_terms, score_band_parse
from analysis.text.language import LANGUAGES as COMMENT_LANGUAGES
from config.access import ApiPermission
from config.dates import DAY_OR_EMPTY
from config.permissions import READ_CONTACTS, export_kind_need, user_meets
from exports import selectors, services
from exports.errors import ExportErrorCode as Code
from exports.models import Export
from responses.funnel_apis import FunnelInputSerializer
from responses.services.validation import attribute_key_valid

TAG = ["exports"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Query parameters that are not filters.
CONTROLS = {"survey", "format"}
# The comment search's filters (``analysis.selectors.search.comment_search``), as the page's.
SEARCH_FILTERS = ("q", "topic", "band", "language")
# ``topics=<key>,<key>``: a process owner's teams' topics (the pages' "my teams' topics" view).
TOPICS_FILTER = "topics"
TOPIC_KEY = re.compile(r"[-A-Za-z0-9_]{1,64}")
MAX_TOPICS = 200
FUNNEL_FILTERS = {"from": "date_from", "to": "date_to", "group_by": "group_by"}


def _error(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


class FileNegotiation(BaseContentNegotiation):
    """A file endpoint answers a file whatever the Accept header asks; its errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def export_filters_parse(kind: str, params: Mapping[str, str]) -> dict:
    """The validated filters of an export of ``kind``, as stored on its record; a bad one is a
    400 naming it (in the request's language)."""
    if kind == Export.Kind.FUNNEL:
        # Any other parameter is a segment attribute, as the overview's funnel filters
        # (invitations by their frozen attributes, suppressions by their event's).
        attributes = {}
        for name in sorted(set(params) - set(FUNNEL_FILTERS)):
            if not attribute_key_valid(name):
                raise _error(
                    name[:64],
                    _("A filter name may use letters, digits, _ . and - only."),
                    AnalysisCode.BAD_FILTER,
                )
            if params.get(name):
                attributes[name] = str(params[name])[:255]
        data = {field: params[name] for name, field in FUNNEL_FILTERS.items() if params.get(name)}
        serializer = FunnelInputSerializer(data={"survey": "x", **data})
        if not serializer.is_valid():
            names = {field: name for name, field in FUNNEL_FILTERS.items()}
            raise exceptions.ValidationError({names.get(k, k): v for k, v in serializer.errors.items()})
        values = serializer.validated_data
        return {
            "from": values["date_from"].isoformat() if values.get("date_from") else "",
            "to": values["date_to"].isoformat() if values.get("date_to") else "",
            "group_by": values["group_by"],
            "attributes": attributes,
        }
    rest = dict(params)
    # responses have no topic rows: there ``topics`` is an attribute like any other
    topics = (
        _topics_parse(str(rest.pop(TOPICS_FILTER, "") or ""))
        if kind in (Export.Kind.PAIN_POINTS, Export.Kind.COMMENTS)
        else []
    )
    search = (
        {name: str(rest.pop(name, "") or "").strip() for name in SEARCH_FILTERS}
        if kind == Export.Kind.COMMENTS
        else {}
    )
    scope = scope_from_params(rest)
    filters = {
        "from": scope["date_from"].isoformat(),
        "to": scope["date_to"].isoformat(),
        "attributes": scope["filters"],
    }
    if kind == Export.Kind.COMMENTS:
        filters.update(_search_filters(search))
    if topics:
        filters["topics"] = topics
    return filters


def _topics_parse(value: str) -> list[str]:
    """``topics=a,b``: topic keys, the rows (pain points) or comments (tagged with any) kept."""
    keys = [key.strip() for key in value.split(",") if key.strip()]
    if len(keys) > MAX_TOPICS or not all(TOPIC_KEY.fullmatch(key) for key in keys):
        raise _error(
            TOPICS_FILTER,
            _("topics: at most %(max)s topic keys, separated by commas.") % {"max": MAX_TOPICS},
            AnalysisCode.BAD_FILTER,
        )
    return sorted(set(keys))


def _search_filters(search: dict[str, str]) -> dict[str, str]:
    """The comment search's own filters (as the Comments page's), checked before any row is
    read so that a bad one is a 400 naming it."""
    try:
        query_terms(search["q"])
        band = score_band_parse(search["band"]) or ""
    except DjangoValidationError as error:
        field = "band" if error.code == "invalid_score_band" else "q"
        raise _error(field, error.messages[0], error.code) from None
    if search["language"] and search["language"] not in COMMENT_LANGUAGES:
        raise _error("language", _("Language: choose Chinese, English, mixed or none."), "invalid_language")
    return {**search, "band": band}


def _format(value: str | None) -> str:
    value = value or Export.Format.CSV
    if value not in Export.Format.values:
        raise _error("format", _("format must be csv or xlsx."), Code.BAD_FORMAT)
    return value


def _kind_allowed(user, kind: str) -> None:
    if not user_meets(user, export_kind_need(kind)):
        raise exceptions.PermissionDenied(
            _("You may not export %(kind)s.") % {"kind": kind}, code=Code.FORBIDDEN_KIND
        )


def _file_response(result) -> StreamingHttpResponse | FileResponse:
    if result.file is not None:
        response = FileResponse(
            result.file, as_attachment=True, filename=result.file_name, content_type=result.content_type
        )
    else:
        response = StreamingHttpResponse(result.chunks, content_type=result.content_type)
        response["Content-Disposition"] = content_disposition_header(True, result.file_name)
    response["X-Export-Id"] = str(result.export.public_id)
    response["Cache-Control"] = "no-store"
    return response


FILE_RESPONSES = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.BINARY, description="CSV, UTF-8 with a byte-order mark; streamed as it is read."
    ),
    (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX, one worksheet."),
    400: OpenApiResponse(description="A bad parameter (details names it), or too many rows for XLSX."),
    404: OpenApiResponse(description="No survey with this key."),
}
SURVEY_PARAMETER = OpenApiParameter(
    "survey",
    {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 80},
    required=True,
    description="Survey key.",
)
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=["", "csv", "xlsx"], description="csv (default when empty or absent) or xlsx."
)
FUNNEL_PARAMETERS = [
    OpenApiParameter("from", DAY_OR_EMPTY, description="First day of the decisions; empty: no limit."),
    OpenApiParameter("to", DAY_OR_EMPTY, description="Last day (inclusive); empty: no limit."),
    OpenApiParameter(
        "group_by",
        {"type": "string", "pattern": "^[A-Za-z0-9_]{0,64}$"},
        description="channel, rule, or an attribute name; empty: none.",
    ),
    OpenApiParameter(
        "attribute",
        str,
        description=(
            "Any other parameter filters on an attribute (`?city=上海&district_type=office`; also "
            "respondent_type, locale, channel): invitations by their frozen attributes, suppressions by "
            "their event's."
        ),
    ),
]
SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": 200},
        description="Words the comment holds (the Comments page's search: every word, as stored).",
    ),
    OpenApiParameter("topic", {"type": "string", "maxLength": 64}, description="A topic key."),
    OpenApiParameter(
        "band",
        str,
        enum=["", "low", "mid", "high", "detractor", "passive", "promoter"],
        description="Score band of the response.",
    ),
    OpenApiParameter("language", {"type": "string", "maxLength": 16}, description="Comment language."),
]
SCOPE_FILTERS = [p for p in SCOPE_PARAMETERS if p.name != "lang"]
TOPICS_PARAMETER = OpenApiParameter(
    TOPICS_FILTER,
    {"type": "string", "maxLength": 13000},
    description="Topic keys separated by commas: only those pain points, or comments tagged with any.",
)


class ExportStreamApi(APIView):
    permission_classes = [ApiPermission]
    content_negotiation_class = FileNegotiation
    kind = ""

    def get(self, request):
        params = request.query_params
        key = params.get("survey")
        if not key:
            raise _error("survey", _("survey is required: the key of a survey."), Code.SURVEY_REQUIRED)
        format = _format(params.get("format"))
        filters = export_filters_parse(self.kind, {k: params.get(k) for k in params if k not in CONTROLS})
        survey = survey_for_key(key)
        result = services.export_stream(
            user=request.user,
            kind=self.kind,
            survey=survey,
            format=format,
            filters=filters,
            with_contact=user_meets(request.user, READ_CONTACTS),
        )
        return _file_response(result)


def _stream_schema(kind: str, summary: str, parameters: list):
    return extend_schema(
        tags=TAG,
        operation_id=f"export_{kind.replace('-', '_')}_read",
        summary=summary,
        parameters=[SURVEY_PARAMETER, FORMAT_PARAMETER, *parameters],
        responses=FILE_RESPONSES,
    )


class ExportResponsesApi(ExportStreamApi):
    kind = Export.Kind.RESPONSES

    @_stream_schema(
        "responses",
        "Responses of a scope as CSV or XLSX: answers, score, topics with polarity, segments, language",
        SCOPE_FILTERS,
    )
    def get(self, request):
        return super().get(request)


class ExportPainPointsApi(ExportStreamApi):
    kind = Export.Kind.PAIN_POINTS

    @_stream_schema(
        "pain-points", "Ranked pain points of a scope as CSV or XLSX", [*SCOPE_FILTERS, TOPICS_PARAMETER]
    )
    def get(self, request):
        return super().get(request)


class ExportFunnelApi(ExportStreamApi):
    kind = Export.Kind.FUNNEL

    @_stream_schema("funnel", "The invitation funnel of a survey as CSV or XLSX", FUNNEL_PARAMETERS)
    def get(self, request):
        return super().get(request)


class ExportCommentsApi(ExportStreamApi):
    kind = Export.Kind.COMMENTS

    @_stream_schema(
        "comments",
        "Comments of a scope (optionally holding words) as CSV or XLSX",
        [*SCOPE_FILTERS, *SEARCH_PARAMETERS, TOPICS_PARAMETER],
    )
    def get(self, request):
        return super().get(request)


class ExportOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    survey = serializers.CharField(source="survey_key")
    format = serializers.CharField()
    filters = serializers.DictField()
    status = serializers.ChoiceField(choices=Export.Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    rows = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, export: Export) -> str | None:
        if export.status != Export.Status.DONE:
            return None
        path = reverse("api:export-download", kwargs={"export_id": export.public_id})
        return self.context["request"].build_absolute_uri(path)


class ExportStartApi(APIView):
    """Start an export in the background; follow it at ``GET /api/v1/exports/<id>/``."""

    permission_classes = [ApiPermission]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Export.Kind.values)
        survey = serializers.SlugField(max_length=80)
        format = serializers.ChoiceField(choices=Export.Format.values, default=Export.Format.CSV)
        filters = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=255), required=False, default=dict
        )

        class Meta:
            ref_name = "ExportStart"

    @extend_schema(
        tags=TAG,
        operation_id="export_start",
        summary="Start a background export (responses, pain points, funnel or comments)",
        description=(
            "`filters` holds the same filters as the streaming export's query string, as strings "
            '(`{"from": "2026-05-01", "city": "上海"}`).'
        ),
        request=InputSerializer,
        responses={
            202: ExportOutputSerializer,
            400: OpenApiResponse(description="Bad input (details names the field)."),
            403: OpenApiResponse(description="Not allowed to export this kind."),
            404: OpenApiResponse(description="No survey with this key."),
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        _kind_allowed(request.user, values["kind"])
        try:
            filters = export_filters_parse(values["kind"], values["filters"])
        except exceptions.ValidationError as exc:
            raise exceptions.ValidationError({"filters": exc.detail}) from None
        survey = survey_for_key(values["survey"])
        export = services.export_start(
            user=request.user,
            kind=values["kind"],
            survey=survey,
            format=values["format"],
            filters=filters,
            with_contact=user_meets(request.user, READ_CONTACTS),
        )
        export.refresh_from_db()
        body = ExportOutputSerializer(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


def _export_or_404(request, export_id) -> Export:
    export = selectors.export_for_user(public_id=export_id, user=request.user)
    if export is None:
        raise exceptions.NotFound(_("No export with this id."), code=Code.EXPORT_NOT_FOUND)
    return export


class ExportDetailApi(APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=TAG,
        operation_id="export_read",
        summary="A background export: status, progress (0-100) and, once done, its download URL",
        responses={200: ExportOutputSerializer, 404: OpenApiResponse(description="No export of yours.")},
    )
    def get(self, request, export_id):
        export = _export_or_404(request, export_id)
        return Response(ExportOutputSerializer(export, context={"request": request}).data)


class ExportDownloadApi(APIView):
    permission_classes = [ApiPermission]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        tags=TAG,
        operation_id="export_download",
        summary="The file of a finished background export (its maker, or staff allowed to read any)",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV, UTF-8 with BOM."),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX."),
            404: OpenApiResponse(description="No export of yours, not finished, or its file was deleted."),
        },
    )
    def get(self, request, export_id):
        export = _export_or_404(request, export_id)
        path = services.export_file_path(export)
        if path is None:
            raise exceptions.NotFound(
                _("This export has no file: it is not finished, failed, or was deleted."), code=Code.NOT_READY
            )
        services.export_download_record(export=export, user=request.user)
        response = FileResponse(
            open(path, "rb"),  # noqa: SIM115 - closed by the response
            as_attachment=True,
            filename=services.export_file_name(export),
            content_type=services.CONTENT_TYPES[export.format],
        )
        response["Cache-Control"] = "no-store"
        return response
