"""API routes of this app, mounted under /api/v1/."""

from django.urls import include, path

from responses.apis import EventIngestApi, RuleDryRunApi
from responses.privacy_apis import RespondentErasureApi

urlpatterns: list = [
    path("events/", EventIngestApi.as_view(), name="events-ingest"),
    path("rules/dry-run/", RuleDryRunApi.as_view(), name="rules-dry-run"),
    path("respondents/erasure/", RespondentErasureApi.as_view(), name="respondent-erasure"),
    path("", include("responses.funnel_urls")),
]
