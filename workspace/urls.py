"""The process owners' workspace under /workspace/ (config.permissions.WORKSPACE_PAGES)."""

from django.urls import path

from workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("painpoints/", views.painpoints, name="painpoints"),
    path("topics/<slug:key>/", views.topic, name="topic"),
    path("responses/<int:response_id>/", views.response, name="response"),
]
