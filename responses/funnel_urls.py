"""Funnel API routes, included by responses/urls.py under /api/v1/."""

from django.urls import path

from responses.funnel_apis import FunnelApi

urlpatterns = [
    path("funnel/", FunnelApi.as_view(), name="funnel"),
]
