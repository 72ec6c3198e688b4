"""The process owners' workspace under /workspace/ (config.permissions.WORKSPACE_PAGES)."""

from django.urls import path

from workspace import audit_views, case_views, digest_views, explore_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("painpoints/", views.painpoints, name="painpoints"),
    # a taxonomy topic's key, or a discovered topic's (``~<id>``)
    path("topics/<str:key>/", views.topic, name="topic"),
    path("responses/<int:response_id>/", views.response, name="response"),
    path("segments/", explore_views.segments, name="segments"),
    path("comments/", explore_views.comments, name="comments"),
    path("drivers/", explore_views.drivers, name="drivers"),
    path("processes/", explore_views.processes, name="processes"),
    path("cases/", case_views.queue, name="cases"),
    path("cases/<int:case_id>/", case_views.case, name="case"),
    path("cases/<int:case_id>/act/", case_views.case_action, name="case_action"),
    path("digest/", digest_views.digest, name="digest"),
    path("digest/text/", digest_views.digest_text, name="digest_text"),
    path("digest/settings/", digest_views.digest_settings, name="digest_settings"),
    path("audit/", audit_views.audit, name="audit"),
]
