"""API routes of this app, mounted under /api/v1/."""

from django.urls import include, path

from responses.apis import EventIngestApi

urlpatterns: list = [
    path("events/", EventIngestApi.as_view(), name="events-ingest"),
    path("", include("responses.funnel_urls")),
]
