"""Respondent survey pages: by invitation token (/s/<token>/) and by open link (/o/<slug>/)."""

from django.urls import path, re_path

from responses import respondent_views as views

urlpatterns = [
    path("s/<str:token>/", views.survey_page, name="respondent-survey"),
    path("s/<str:token>/autosave/", views.survey_autosave, name="respondent-autosave"),
    path("s/<str:token>/done/", views.survey_done, name="respondent-done"),
    path("o/<str:slug>/", views.open_page, name="open-link-survey"),
    path("o/<str:slug>/autosave/", views.open_autosave, name="open-link-autosave"),
    path("o/<str:slug>/done/", views.open_done, name="open-link-done"),
    re_path(r"^o/(?P<slug>[^/]+)/qr\.(?P<kind>svg|png)$", views.open_qr, name="open-link-qr"),
]
