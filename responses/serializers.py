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


class DryRunRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    priority = serializers.IntegerField()
    survey = serializers.CharField(source="survey_key")


class DryRunMatchedRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="rule.id")
    name = serializers.CharField(source="rule.name")
    priority = serializers.IntegerField(source="rule.priority")
    survey = serializers.CharField(source="rule.survey_key")
    live = serializers.BooleanField(
        help_text="false: inactive, outside its dates, or its survey unpublished."
    )


class DryRunOutputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=["scheduled", "suppressed", "duplicate"],
        help_text="duplicate: this source and external_id are stored; the events API would change nothing.",
    )
    rule = DryRunRuleSerializer(allow_null=True, help_text="The rule that decides; null when none matches.")
    reason = serializers.CharField(
        allow_null=True, help_text="The suppression code (fatigue, sampled_out, no_rule ...); null otherwise."
    )
    message = serializers.CharField(help_text="The decision in words, in the request's language.")
    detail = serializers.DictField(help_text="The numbers behind a suppression (draw, fatigue window ...).")
    send_at = serializers.DateTimeField(allow_null=True, help_text="When the invitation would be sent.")
    deferred_reason = serializers.CharField(allow_blank=True, help_text="quiet_hours when moved out of them.")
    expires_at = serializers.DateTimeField(allow_null=True)
    channel = serializers.CharField(
        allow_blank=True, help_text="The first channel that reaches the respondent."
    )
    channels = serializers.ListField(
        child=serializers.CharField(), help_text="That channel and the fallbacks."
    )
    respondent_known = serializers.BooleanField(help_text="Whether this respondent is already stored.")
    matched_rules = DryRunMatchedRuleSerializer(
        many=True, help_text="Every matching rule, in the order tried."
    )
