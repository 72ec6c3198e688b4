"""The events API: ``POST /api/v1/events/``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.access import ApiPermission
from config.exceptions import error_body
from config.parsers import LimitedJSONParser
from responses.authentication import SourceSystemAuthentication
from responses.errors import RequestErrorCode
from responses.serializers import (
    EventBatchInputSerializer,
    EventInputSerializer,
    EventResultsOutputSerializer,
)
from responses.services.events import MAX_BATCH, events_ingest


class EventIngestApi(APIView):
    """Post one service event, or a batch ``{"events": [...]}`` of 1 to 1,000.

    Answers 200 with one result per item, in order: ``accepted`` (with the decision for each
    survey: scheduled, or suppressed and why), ``duplicate`` (this source and external_id were
    seen before; nothing is created) or ``rejected`` (with errors per field). One bad item
    never blocks the others. Malformed JSON or JSON nested over 32 levels is 400, a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (chunked too) or a batch over 1,000 items is 413, a missing or
    wrong API key 401.
    """

    authentication_classes = [SourceSystemAuthentication]
    permission_classes = [ApiPermission]
    parser_classes = [LimitedJSONParser]

    @extend_schema(
        operation_id="events_ingest",
        tags=["events"],
        summary="Post one service event or a batch of 1 to 1,000",
        request=PolymorphicProxySerializer(
            component_name="EventOrBatch",
            serializers=[EventInputSerializer, EventBatchInputSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: EventResultsOutputSerializer,
            400: OpenApiResponse(
                description="Malformed JSON, nested over 32 levels, or neither an event nor a batch."
            ),
            401: OpenApiResponse(description="No or wrong API key."),
            413: OpenApiResponse(description="Body too large or more than 1,000 events."),
        },
    )
    def post(self, request):
        # The parser refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413 payload_too_large),
        # nested too deep (400 too_deep) or malformed (400 parse_error) before any item is read.
        data = request.data
        if isinstance(data, dict) and "events" in data:
            items = data["events"]
            if not isinstance(items, list):
                return _bad_body(_("events must be a list of event objects."))
            if not items:
                return Response(
                    error_body(
                        RequestErrorCode.BATCH_EMPTY, _("The batch holds no events; send 1 to 1,000.")
                    ),
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if len(items) > MAX_BATCH:
                return Response(
                    error_body(
                        RequestErrorCode.BATCH_TOO_LARGE,
                        _("The batch holds %(count)s events; at most %(max)s are accepted per request.")
                        % {"count": len(items), "max": MAX_BATCH},
                        {"max_items": MAX_BATCH, "items": len(items)},
                    ),
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
        elif isinstance(data, dict) and data:
            items = [data]
        else:
            return _bad_body(_('Send one event object or {"events": [...]}.'))

        results = events_ingest(source_system=request.user, items=items)
        return Response({"results": [result.as_dict() for result in results]})


def _bad_body(message: str) -> Response:
    return Response(error_body(RequestErrorCode.INVALID_BODY, message), status=status.HTTP_400_BAD_REQUEST)
