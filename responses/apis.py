"""The events API, ``POST /api/v1/events/``, and the rules' dry run, ``POST /api/v1/rules/dry-run/``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.access import ApiPermission
from config.exceptions import error_body
from config.parsers import LimitedJSONParser
from responses.authentication import SourceSystemAuthentication
from responses.distribution.dry_run import DryRunInvalid, event_dry_run
from responses.distribution.explain import dry_run_explain
from responses.distribution.ingestion import MAX_BATCH, events_ingest
from responses.errors import DryRunErrorCode, RequestErrorCode
from responses.serializers import (
    DryRunOutputSerializer,
    EventBatchInputSerializer,
    EventInputSerializer,
    EventResultsOutputSerializer,
)


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


class RuleDryRunApi(APIView):
    """Which rule and decision one event would get, now; writes nothing.

    The body is one event exactly as posted to ``/api/v1/events/``. The answer names the rule that
    decides (lowest priority number, then lowest id) and its decision: ``scheduled`` with the send
    time, channel and expiry, or ``suppressed`` with the reason code and the reason in words;
    ``duplicate`` when the event is already stored. An event the events API would reject is a 400
    naming each field. Nothing is stored, sent or counted: no event, respondent, invitation,
    suppression or quota count.
    """

    permission_classes = [ApiPermission]
    parser_classes = [LimitedJSONParser]

    @extend_schema(
        operation_id="rules_dry_run",
        tags=["events"],
        summary="Try one event on the distribution rules without storing anything",
        request=EventInputSerializer,
        responses={
            200: DryRunOutputSerializer,
            400: OpenApiResponse(
                description="Not one event object, or the event is not valid (details per field)."
            ),
        },
    )
    def post(self, request):
        data = request.data
        if not isinstance(data, dict) or not data or "events" in data:
            return Response(
                error_body(DryRunErrorCode.INVALID_BODY, _("Send one event object, as for the events API.")),
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            result = event_dry_run(item=data)
        except DryRunInvalid as exc:
            details: dict[str, list[dict]] = {}
            for error in exc.errors:
                details.setdefault(error.field, []).append({"code": error.code, "message": error.message})
            return Response(
                error_body(
                    exc.errors[0].code, _("The event is not valid: see details for each field."), details
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(DryRunOutputSerializer(_dry_run_body(result)).data)


def _dry_run_body(result) -> dict:
    decision = result.decision
    rule = decision.rule if decision is not None else None
    return {
        "decision": result.status,
        "rule": rule,
        "reason": (decision.reason or None) if decision is not None else None,
        "message": dry_run_explain(result),
        "detail": decision.detail if decision is not None and not decision.invites else {},
        "send_at": decision.due_at if decision is not None else None,
        "deferred_reason": decision.deferred_reason if decision is not None else "",
        "expires_at": decision.expires_at if decision is not None else None,
        "channel": decision.channel if decision is not None else "",
        "channels": list(decision.channels) if decision is not None else [],
        "respondent_known": result.respondent_known,
        "matched_rules": list(result.matched),
    }
