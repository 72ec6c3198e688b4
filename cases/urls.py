"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from cases import apis

urlpatterns = [
    path("cases/", apis.CaseListApi.as_view(), name="case-list"),
    path("cases/<int:case_id>/", apis.CaseDetailApi.as_view(), name="case-detail"),
    path("actions/", apis.ActionListApi.as_view(), name="action-list"),
    path("actions/<int:action_id>/review/", apis.ActionReviewApi.as_view(), name="action-review"),
]
