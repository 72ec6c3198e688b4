"""The cases API: the queue with its filters, one case, and its changes (status, assignee, note).

Each operation needs the permissions ``config.permissions`` maps it to: process owners work
cases, viewers read them. A status change the workflow does not allow is a 400
``invalid_transition``; the respondent's contact details appear only for the case's assignee and
only when the respondent agreed to be contacted.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.models import Topic
from cases import selectors, services
from cases.errors import CaseErrorCode
from cases.models import Case, ImprovementAction
from cases.services.workflow import TRANSITIONS
from config.access import ApiPermission
from config.json_text import has_unstorable_text
from config.pagination import PaginatedApiMixin

TAG = ["cases"]
# The largest id of Django's user table (a 32-bit integer column).
USER_ID_MAX = 2_147_483_647


class CaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    team = serializers.SlugField(max_length=64, required=False, help_text="A team key.")
    assignee = serializers.IntegerField(
        min_value=1, max_value=USER_ID_MAX, required=False, help_text="A user id."
    )
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: open or in progress past the deadline.",
    )


class RuleOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.DictField(child=serializers.CharField(allow_blank=True))
    kind = serializers.CharField()


class CaseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Case.Status.choices)
    rule = RuleOutputSerializer()
    team = serializers.CharField(source="team.key")
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    survey = serializers.CharField(source="survey.key")
    response = serializers.UUIDField(source="response.public_id")
    reason = serializers.DictField(help_text="What matched: topics, words, the segment, the score.")
    root_cause = serializers.CharField(allow_blank=True)
    resolution = serializers.CharField(allow_blank=True)
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField()
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, case: Case) -> bool:
        return selectors.case_is_overdue(case, now=self.context.get("now"))


class NoteOutputSerializer(serializers.Serializer):
    author = serializers.CharField(source="author.username", allow_null=True, default=None)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ContactOutputSerializer(serializers.Serializer):
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class ResurveyOutputSerializer(serializers.Serializer):
    survey = serializers.CharField(allow_null=True, required=False)
    status = serializers.CharField(help_text="scheduled | suppressed | no_rule | inactive_rule | duplicate")
    reason = serializers.CharField(
        required=False, help_text="Why it was suppressed (fatigue, opted_out ...)."
    )


class CaseDetailOutputSerializer(CaseOutputSerializer):
    notes = NoteOutputSerializer(many=True, source="notes.all")
    transitions = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    resurvey = serializers.SerializerMethodField()

    @extend_schema_field(ResurveyOutputSerializer(allow_null=True))
    def get_resurvey(self, case: Case) -> dict | None:
        """The re-survey posted after the resolution and the distribution engine's decision."""
        return dict(case.resurvey) if case.resurvey else None

    def get_transitions(self, case: Case) -> list[str]:
        """The statuses the case may go to now."""
        return [target for target, sources in TRANSITIONS.items() if case.status in sources]

    @extend_schema_field(ContactOutputSerializer(allow_null=True))
    def get_contact(self, case: Case) -> dict | None:
        """Only for the case's assignee, and only when the respondent agreed to be contacted."""
        request = self.context.get("request")
        return selectors.case_contact(case=case, user=getattr(request, "user", None))


class CaseListApi(PaginatedApiMixin, APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=TAG,
        summary="Follow-up cases, soonest due first",
        parameters=[CaseFilterSerializer],
        responses={200: CaseOutputSerializer(many=True), 400: OpenApiResponse(description="A bad filter")},
    )
    def get(self, request):
        filters = CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        now = timezone.now()
        cases = selectors.case_list(**filters.validated_data, now=now).select_related("survey", "response")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cases, request, view=self)
        data = CaseOutputSerializer(page, many=True, context={"now": now}).data
        return paginator.get_paginated_response(data)


class CaseDetailApi(APIView):
    permission_classes = [ApiPermission]

    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
        assignee = serializers.IntegerField(
            min_value=1,
            max_value=USER_ID_MAX,
            required=False,
            allow_null=True,
            help_text="A user id; null: nobody.",
        )
        note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        resolution = serializers.CharField(
            max_length=5000, required=False, allow_blank=True, help_text="Kept when the case is resolved."
        )
        root_cause = serializers.ChoiceField(
            choices=Topic.Stage.choices, required=False, help_text="The process stage at fault."
        )

        def validate(self, attrs):
            for name in ("note", "resolution"):
                if has_unstorable_text(attrs.get(name)):
                    raise serializers.ValidationError(
                        {name: [_("Text may not contain NUL characters or unpaired surrogates.")]},
                        code=CaseErrorCode.UNSTORABLE_TEXT,
                    )
            return attrs

    def _case(self, case_id: int) -> Case:
        return get_object_or_404(
            Case.objects.select_related("rule", "team", "survey", "response", "respondent"), pk=case_id
        )

    def _answer(self, request, case: Case) -> Response:
        case = self._case(case.pk)
        return Response(
            CaseDetailOutputSerializer(case, context={"request": request, "now": timezone.now()}).data
        )

    @extend_schema(tags=TAG, summary="One case with its notes", responses={200: CaseDetailOutputSerializer})
    def get(self, request, case_id: int):
        return self._answer(request, self._case(case_id))

    @extend_schema(
        tags=TAG,
        summary="Change a case's status or assignee, add a note",
        description=(
            "Statuses: open -> in_progress -> resolved -> closed; resolved or closed -> open "
            "(reopen). A change the workflow does not allow is a 400 with the code "
            "invalid_transition; an assignee outside the case's team is a 400 assignee_not_in_team."
        ),
        request=InputSerializer,
        responses={
            200: CaseDetailOutputSerializer,
            400: OpenApiResponse(description="invalid_transition, assignee_not_in_team or bad input"),
        },
    )
    def patch(self, request, case_id: int):
        case = self._case(case_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_update(case=case, actor=request.user, fields=dict(data.validated_data))
        return self._answer(request, case)


# -- improvement actions --------------------------------------------------------------------------

ACTION_TAG = ["actions"]


class ActionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.DictField(child=serializers.CharField(allow_blank=True))
    survey = serializers.CharField(source="survey.key")
    topic = serializers.CharField(source="topic_key", help_text='A taxonomy topic key, or "~<id>".')
    segments = serializers.DictField(child=serializers.CharField(), help_text="Attribute = value filters.")
    owner = serializers.CharField(source="owner.username")
    start_date = serializers.DateField()
    window_days = serializers.IntegerField()
    expected_effect = serializers.DictField(child=serializers.CharField(allow_blank=True))
    expected_change = serializers.FloatField(allow_null=True)


class ReviewSideSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField(
        help_text="Successes (mentions, detractors); scored responses for the metric."
    )
    n = serializers.IntegerField()


class ReviewChangeSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="after - before")
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    test = serializers.CharField()


class ReviewMeasureSerializer(serializers.Serializer):
    before = ReviewSideSerializer()
    after = ReviewSideSerializer()
    change = ReviewChangeSerializer()


class ReviewMeasuresSerializer(serializers.Serializer):
    topic_share = ReviewMeasureSerializer(help_text="The topic's complaint mentions / comments.")
    detractor_rate = ReviewMeasureSerializer(help_text="Detractors / scored responses.")
    metric = ReviewMeasureSerializer(required=False, help_text="The primary metric; absent without one.")


class ReviewWindowSerializer(serializers.Serializer):
    def get_fields(self):
        return {"from": serializers.DateField(), "to": serializers.DateField()}


class ActionReviewOutputSerializer(serializers.Serializer):
    action = ActionOutputSerializer()
    metric = serializers.CharField(
        allow_null=True, help_text="nps, csat, ces ...; null without a score question."
    )
    windows = serializers.DictField(
        child=ReviewWindowSerializer(), help_text='{"before": {"from", "to"}, "after": {...}}'
    )
    measures = ReviewMeasuresSerializer()
    cases = CaseOutputSerializer(many=True)


class ActionListApi(PaginatedApiMixin, APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=ACTION_TAG,
        summary="Improvement actions, latest start first",
        responses={200: ActionOutputSerializer(many=True)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.action_list(), request, view=self)
        return paginator.get_paginated_response(ActionOutputSerializer(page, many=True).data)


class ActionReviewApi(APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=ACTION_TAG,
        summary="An action's before/after review",
        description=(
            "Equal windows before and after the start (window_days each; the after window ends at "
            "min(start + window_days - 1, today), the before window has its length). Per measure "
            "(topic_share, detractor_rate, metric): before and after with a 95 % interval, and the "
            "change after - before with its interval and two-sided p-value (docs/actions.md)."
        ),
        responses={200: ActionReviewOutputSerializer, 404: OpenApiResponse(description="No such action")},
    )
    def get(self, request, action_id: int):
        action = get_object_or_404(ImprovementAction.objects.select_related("survey", "owner"), pk=action_id)
        review = selectors.action_review(action=action)
        windows = review.windows
        data = {
            "action": ActionOutputSerializer(action).data,
            "metric": review.metric,
            "windows": {
                "before": {"from": windows.before_from.isoformat(), "to": windows.before_to.isoformat()},
                "after": {"from": windows.after_from.isoformat(), "to": windows.after_to.isoformat()},
            },
            "measures": {key: measure.as_dict() for key, measure in review.measures.items()},
            "cases": CaseOutputSerializer(review.cases, many=True, context={"now": timezone.now()}).data,
        }
        return Response(data)
