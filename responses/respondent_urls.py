"""Public respondent pages (/s/<token>/), outside the API namespace."""

from django.urls import path

from responses import views_optout

urlpatterns: list = [
    path("s/optout/<str:token>/", views_optout.optout_page, name="optout"),
    path("s/optout/<str:token>/one-click/", views_optout.optout_one_click, name="optout-one-click"),
]
