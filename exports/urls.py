"""API routes of this app, mounted under /api/v1/. One route per kind of streamed export, so the
permission map names what each kind needs."""

from django.urls import path

from exports import apis

urlpatterns = [
    path("exports/", apis.ExportStartApi.as_view(), name="export-start"),
    path("exports/responses/", apis.ExportResponsesApi.as_view(), name="export-responses"),
    path("exports/pain-points/", apis.ExportPainPointsApi.as_view(), name="export-pain-points"),
    path("exports/funnel/", apis.ExportFunnelApi.as_view(), name="export-funnel"),
    path("exports/comments/", apis.ExportCommentsApi.as_view(), name="export-comments"),
    path("exports/<uuid:export_id>/", apis.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<uuid:export_id>/download/", apis.ExportDownloadApi.as_view(), name="export-download"),
]
