"""Root URLs: the workspace, admin, the API under /api/v1/, its schema and docs, language switching."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import views as config_views
from ops import views as ops_views
from workspace import digest_views

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER

api_v1 = [
    path("", include("surveys.urls")),
    path("", include("responses.urls")),
    path("", include("analysis.urls")),
    path("", include("exports.urls")),
    path("", include("cases.urls")),
]

urlpatterns = [
    # Process owners land in the workspace (its login is the admin's); the admin stays at /admin/.
    path("", RedirectView.as_view(pattern_name="workspace:overview", permanent=False)),
    path("admin/", admin.site.urls),
    path("workspace/", include("workspace.urls")),
    # The weekly digest's unsubscribe link: no login, the signed token is its credential.
    path("digest/unsubscribe/<str:token>/", digest_views.unsubscribe, name="digest_unsubscribe"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Browsers and feed readers ask for /favicon.ico whatever the pages link; pages link the SVG.
    path("favicon.ico", config_views.favicon, name="favicon"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("healthz/worker", ops_views.healthz_worker, name="healthz-worker"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("", include("responses.respondent_urls")),
    path("", include("responses.survey_urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
