"""Shapes of the events API, for the OpenAPI schema.

The items are not validated by a serializer: one bad event must not block the others and every
problem needs a stable code, so ``services/validation.py`` checks each item and the answer
carries per-item errors. These serializers document the contract.
"""

from rest_framework import serializers

from surveys.models import Audience


class RespondentInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Audience.choices)
    ref = serializers.CharField(max_length=128)
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False, help_text="E.164, or a Chinese mobile number.")
    locale = serializers.ChoiceField(choices=["zh-hans", "en"], required=False)
    timezone = serializers.CharField(required=False, help_text="IANA time zone, e.g. Asia/Shanghai.")


class EventInputSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=64, help_text="Must be the name of the calling source system.")
    external_id = serializers.CharField(max_length=128, help_text="Idempotency key within the source.")
    type = serializers.CharField(max_length=64, help_text="Dotted, e.g. order.delivered.")
    occurred_at = serializers.DateTimeField(help_text="ISO 8601 with offset; at most 10 minutes ahead.")
    respondent = RespondentInputSerializer()
    attributes = serializers.DictField(
        required=False,
        help_text="Flat object: at most 50 keys, string values up to 500 characters, 8 KiB in all.",
    )


class EventBatchInputSerializer(serializers.Serializer):
    events = EventInputSerializer(many=True, help_text="1 to 1,000 events.")


class ItemErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class InvitationOutcomeSerializer(serializers.Serializer):
    survey = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["scheduled", "suppressed"])
    reason = serializers.CharField(required=False, help_text="Suppression reason, or quiet_hours.")
    link = serializers.URLField(required=False, help_text="Only for the link-only channel.")


class ItemResultSerializer(serializers.Serializer):
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"])
    errors = ItemErrorSerializer(many=True, required=False)
    invitations = InvitationOutcomeSerializer(many=True, required=False)


class EventResultsOutputSerializer(serializers.Serializer):
    results = ItemResultSerializer(many=True)
