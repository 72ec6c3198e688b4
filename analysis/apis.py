"""API of the analysis app: metrics and pain points of a survey, emerging-topic actions.

Each operation needs the permissions ``config.permissions`` maps it to: reading metrics and
pain points ``analysis.view_painpoints``; acting on an emerging topic
``analysis.change_emergingtopic`` and ``analysis.change_topic`` (process owners, designers).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis import selectors, services
from analysis.errors import AnalysisErrorCode as Code
from analysis.models import EmergingTopic, SurveyAnalysisSettings, Topic
from config.access import ApiPermission
from config.dates import API_DATE_MAX, API_DATE_MIN, DAY_OR_EMPTY, api_date_check
from config.json_text import has_unstorable_text
from config.pagination import PaginatedApiMixin
from responses.services.validation import attribute_key_valid
from surveys.models import Survey

TAG = ["analysis"]
DEFAULT_DAYS = 28
MAX_DAYS = 731
RESERVED = {"from", "to", "period", "lang", "format"}
PAGE_PARAMETERS = ("page", "page_size")
LANGS = {code for code, _name in settings.LANGUAGES}


def _error(field: str, message: str, code: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(message, code=code)]})


def survey_for_key(key: str) -> Survey:
    survey = Survey.objects.filter(key=key).first()
    if survey is None:
        raise exceptions.NotFound(_("No survey with key %(key)s.") % {"key": key}, code=Code.SURVEY_NOT_FOUND)
    return survey


def _date(params, name: str, default: dt.date) -> dt.date:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise _error(
            name,
            _("%(name)s must be an ISO date (YYYY-MM-DD), got %(value)s.")
            % {"name": name, "value": raw[:40]},
            Code.BAD_DATE,
        ) from None
    return api_date_check(value, field=name)


def _collect(errors: dict, parse):
    try:
        return parse()
    except exceptions.ValidationError as exc:
        errors.update(exc.detail)
        return None


def scope_from_params(params) -> dict:
    """Validated scope parameters: dates, period, language and the attribute filters."""
    today = timezone.localdate()
    errors: dict = {}
    date_to = _collect(errors, lambda: _date(params, "to", today))
    # The default start is clamped so that a `to` near the lower bound still gives a range.
    default_from = max(API_DATE_MIN, (date_to or today) - dt.timedelta(days=DEFAULT_DAYS - 1))
    date_from = _collect(errors, lambda: _date(params, "from", default_from))
    if errors:  # both days are named when both are wrong
        raise exceptions.ValidationError(errors)
    if date_from > date_to:
        raise _error(
            "from",
            _("from (%(from)s) is after to (%(to)s).") % {"from": date_from, "to": date_to},
            Code.DATE_RANGE_REVERSED,
        )
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise _error(
            "from",
            _("The range may span at most %(days)s days.") % {"days": MAX_DAYS},
            Code.DATE_RANGE_TOO_LONG,
        )
    period = params.get("period") or "week"
    if period not in ("day", "week", "month"):
        raise _error(
            "period",
            _("period must be day, week or month, got %(value)s.") % {"value": period[:20]},
            Code.BAD_PERIOD,
        )
    lang = params.get("lang") or ""
    if lang and lang not in LANGS:
        raise _error(
            "lang",
            _("lang must be one of %(langs)s.") % {"langs": ", ".join(sorted(LANGS))},
            Code.BAD_LANGUAGE,
        )
    filters = {}
    for key in params:
        if key in RESERVED:
            continue
        if not attribute_key_valid(key):
            raise _error(
                key[:64], _("A filter name may use letters, digits, _ . and - only."), Code.BAD_FILTER
            )
        value = params.get(key)
        if value:
            filters[key] = value[:255]
    return {"date_from": date_from, "date_to": date_to, "period": period, "lang": lang, "filters": filters}


SCOPE_PARAMETERS = [
    OpenApiParameter(
        "from",
        DAY_OR_EMPTY,
        description=(
            f"First day, {API_DATE_MIN} to {API_DATE_MAX}, at most {MAX_DAYS} days before `to` "
            "(empty or absent: 27 days before `to`)."
        ),
    ),
    OpenApiParameter(
        "to",
        DAY_OR_EMPTY,
        description=f"Last day, inclusive, {API_DATE_MIN} to {API_DATE_MAX} (empty or absent: today).",
    ),
    OpenApiParameter(
        "lang", str, enum=["", *sorted(LANGS)], description="Language of `label_text` (empty: none)."
    ),
    OpenApiParameter(
        "attribute",
        str,
        description="Any other parameter filters on an attribute: `?district_type=office&scenario=peak`.",
    ),
]


class SurveyMetricsApi(APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=TAG,
        summary="The survey's metric with its interval, by period, by segment, against the previous period",
        parameters=[
            *SCOPE_PARAMETERS,
            OpenApiParameter(
                "period", str, enum=["", "day", "week", "month"], description="Empty or absent: week."
            ),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(description="A bad parameter"), 404: None},
    )
    def get(self, request, key: str):
        survey = survey_for_key(key)
        scope = scope_from_params(request.query_params)
        return Response(
            selectors.metrics_for_scope(
                survey=survey,
                date_from=scope["date_from"],
                date_to=scope["date_to"],
                filters=scope["filters"],
                period=scope["period"],
            )
        )


def label_texts(report: dict, lang: str) -> dict:
    if lang:
        for topic in [*report["topics"], *report.get("strengths", ())]:
            topic["label_text"] = topic["label"].get(lang) or topic["key"]
    return report


class SurveyPainPointsApi(APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=TAG,
        summary="Pain points ranked by impact, with trends, segments, keywords and comments",
        parameters=SCOPE_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(description="A bad parameter"), 404: None},
    )
    def get(self, request, key: str):
        survey = survey_for_key(key)
        scope = scope_from_params(request.query_params)
        report = selectors.painpoints_for_scope(
            survey=survey, date_from=scope["date_from"], date_to=scope["date_to"], filters=scope["filters"]
        )
        return Response(label_texts(report, scope["lang"]))


class EmergingParentSerializer(serializers.Serializer):
    key = serializers.CharField()
    keywords = serializers.ListField(child=serializers.CharField())


class EmergingTopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    name = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text='{"zh-hans", "en"}: the label a person gave, else a name from the top phrases.',
    )
    keywords = serializers.ListField(child=serializers.CharField())
    mentions = serializers.IntegerField()
    status = serializers.CharField()
    example_comment_ids = serializers.ListField(child=serializers.IntegerField())
    parent = EmergingParentSerializer(allow_null=True)


class EmergingTopicListApi(PaginatedApiMixin, APIView):
    permission_classes = [ApiPermission]

    @extend_schema(
        tags=TAG,
        summary="Emerging topics of a survey (new and renamed)",
        description=(
            "Largest first. A sub-topic, split from a cluster too broad to act on, names that "
            'cluster in "parent" ({"key", "keywords"}); a topic found at the first level has '
            '"parent": null. With `from`, `to` or an attribute filter, `mentions` counts the '
            "topic's comments in that scope (as the pain points do) and a topic with none there "
            "is left out; without them, the mentions found by the last discovery run."
        ),
        parameters=[p for p in SCOPE_PARAMETERS if p.name != "lang"],
        responses={
            200: EmergingTopicOutputSerializer(many=True),
            400: OpenApiResponse(description="A bad parameter"),
        },
    )
    def get(self, request, key: str):
        survey = survey_for_key(key)
        params = request.query_params.copy()
        for name in PAGE_PARAMETERS:
            params.pop(name, None)
        if not any(value for value in params.values()):
            return self.paginated(selectors.emerging_for_survey(survey=survey), EmergingTopicOutputSerializer)
        scope = scope_from_params(params)
        rows = selectors.emerging_for_survey(
            survey=survey, date_from=scope["date_from"], date_to=scope["date_to"], filters=scope["filters"]
        )
        return self.paginated(rows, EmergingTopicOutputSerializer)


class EmergingTopicActionApi(APIView):
    """promote (key, label, stage?, team?), merge (topic), rename (label), dismiss."""

    permission_classes = [ApiPermission]

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=["promote", "merge", "rename", "dismiss"])
        key = serializers.SlugField(max_length=64, required=False)
        label = serializers.JSONField(required=False)
        stage = serializers.ChoiceField(
            choices=Topic.Stage.choices, required=False, default=Topic.Stage.OTHER
        )
        team = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
        topic = serializers.SlugField(max_length=64, required=False)

        def validate_label(self, value):
            if has_unstorable_text(value):
                raise serializers.ValidationError(
                    _("Text may not contain NUL characters or unpaired surrogates."), code="unstorable_text"
                )
            return value

        def validate(self, attrs):
            action = attrs["action"]
            if action == "promote":
                label = attrs.get("label")
                if not attrs.get("key"):
                    raise serializers.ValidationError(
                        {"key": [_("promote needs a topic key.")]}, code="required"
                    )
                if not isinstance(label, dict) or not all(
                    isinstance(label.get(k), str) and label[k] for k in LANGS
                ):
                    raise serializers.ValidationError(
                        {"label": [_('promote needs {"zh-hans": "…", "en": "…"}.')]}, code="required"
                    )
            if action == "merge" and not attrs.get("topic"):
                raise serializers.ValidationError(
                    {"topic": [_("merge needs the key of a topic.")]}, code="required"
                )
            if action == "rename" and not isinstance(attrs.get("label"), str):
                raise serializers.ValidationError({"label": [_("rename needs a label.")]}, code="required")
            return attrs

    @extend_schema(
        tags=TAG,
        summary="Promote, merge, rename or dismiss an emerging topic",
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(description="Bad input"), 404: None},
    )
    def post(self, request, key: str, topic_id: int):
        survey = survey_for_key(key)
        emerging = EmergingTopic.objects.filter(survey=survey, pk=topic_id).first()
        if emerging is None:
            raise exceptions.NotFound(_("No emerging topic %(id)s in this survey.") % {"id": topic_id})
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attrs = data.validated_data
        action = attrs["action"]
        if action == "promote":
            services.emerging_promote(
                emerging=emerging,
                key=attrs["key"],
                label=attrs["label"],
                stage=attrs["stage"],
                team=attrs["team"],
            )
        elif action == "merge":
            topic = _topic_for(survey, attrs["topic"])
            services.emerging_merge(emerging=emerging, topic=topic)
        elif action == "rename":
            services.emerging_rename(emerging=emerging, label=attrs["label"])
        else:
            services.emerging_dismiss(emerging=emerging)
        emerging.refresh_from_db()
        return Response(
            {"id": emerging.pk, "key": emerging.key, "status": emerging.status, "label": emerging.label}
        )


def _topic_for(survey: Survey, key: str) -> Topic:
    taxonomy_id = (
        SurveyAnalysisSettings.objects.filter(survey=survey).values_list("taxonomy_id", flat=True).first()
    )
    topic = Topic.objects.filter(taxonomy_id=taxonomy_id, key=key).first()
    if topic is None:
        raise _error("topic", _("No topic %(key)s in the survey's taxonomy.") % {"key": key}, "not_found")
    return topic
