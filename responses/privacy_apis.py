"""Erasure on request: ``POST /api/v1/respondents/erasure/`` (``responses.erase_respondent``).

The respondent is named by the source systems' reference (``ref``, with its ``type`` when refs
of two types may collide) or by email or phone, found through the keyed hash. Every respondent
matching is erased (one email may belong to a customer and a merchant). Idempotent: erasing an
erased respondent changes nothing and answers its zero counts; an email or phone that no
respondent holds any more (already erased, or never known) answers 404.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from config.access import ApiPermission
from responses.services.erasure import respondent_erase, respondents_find
from responses.services.validation import email_normalise, phone_normalise
from surveys.models import Audience


class ErasureInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Audience.choices, required=False)
    ref = serializers.CharField(max_length=128, required=False, allow_blank=False)
    email = serializers.CharField(max_length=254, required=False, allow_blank=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=False)

    def validate_email(self, value: str) -> str:
        normalised = email_normalise(value.strip())
        if normalised is None:
            raise serializers.ValidationError(
                gettext_lazy("Enter a valid email address."), code="invalid_email"
            )
        return normalised

    def validate_phone(self, value: str) -> str:
        normalised = phone_normalise(value)
        if normalised is None:
            raise serializers.ValidationError(
                gettext_lazy("Enter a phone number in E.164 (+8613812345678) or a Chinese mobile number."),
                code="invalid_phone",
            )
        return normalised

    def validate(self, data: dict) -> dict:
        if not any(data.get(name) for name in ("ref", "email", "phone")):
            raise serializers.ValidationError(
                {"ref": [gettext_lazy("Name the respondent by ref, email or phone.")]}, code="required"
            )
        if data.get("type") and not data.get("ref"):
            raise serializers.ValidationError(
                {"ref": [gettext_lazy("A type needs the ref it qualifies.")]}, code="required"
            )
        return data


class ErasedRespondentSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The respondent's public id.")
    type = serializers.CharField()
    ref = serializers.CharField()
    erased_at = serializers.DateTimeField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Rows or files changed, by table (zeros when already erased).",
    )


class ErasureOutputSerializer(serializers.Serializer):
    respondents = ErasedRespondentSerializer(many=True)


class RespondentErasureApi(APIView):
    """Erase a respondent's contact data and free text everywhere; keep the anonymous counts."""

    permission_classes = [ApiPermission]

    @extend_schema(
        operation_id="respondent_erase",
        tags=["privacy"],
        summary="Erase one respondent's personal data on request",
        request=ErasureInputSerializer,
        responses={
            200: ErasureOutputSerializer,
            400: OpenApiResponse(description="No ref, email or phone, or one is invalid (see details)."),
            403: OpenApiResponse(description="Missing responses.erase_respondent."),
            404: OpenApiResponse(description="No respondent with this ref, email or phone."),
        },
    )
    def post(self, request):
        serializer = ErasureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        respondents = respondents_find(
            type=data.get("type", ""),
            ref=data.get("ref", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
        )
        if not respondents:
            raise NotFound(_("No respondent with this ref, email or phone (or its data was erased already)."))
        erased = [respondent_erase(respondent=respondent, actor=request.user) for respondent in respondents]
        body = {
            "respondents": [
                {
                    "id": item.respondent.public_id,
                    "type": item.respondent.type,
                    "ref": item.respondent.ref,
                    "erased_at": item.respondent.erased_at,
                    "counts": item.counts,
                }
                for item in erased
            ]
        }
        return Response(ErasureOutputSerializer(body).data)
