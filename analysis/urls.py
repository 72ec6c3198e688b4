"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from analysis import apis

urlpatterns = [
    path("surveys/<slug:key>/metrics/", apis.SurveyMetricsApi.as_view(), name="survey-metrics"),
    path("surveys/<slug:key>/pain-points/", apis.SurveyPainPointsApi.as_view(), name="survey-pain-points"),
    path(
        "surveys/<slug:key>/emerging-topics/",
        apis.EmergingTopicListApi.as_view(),
        name="survey-emerging-topics",
    ),
    path(
        "surveys/<slug:key>/emerging-topics/<int:topic_id>/",
        apis.EmergingTopicActionApi.as_view(),
        name="survey-emerging-topic-action",
    ),
]
