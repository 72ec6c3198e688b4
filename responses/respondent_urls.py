"""Public respondent pages (/s/<token>/), outside the API namespace."""

urlpatterns: list = []
