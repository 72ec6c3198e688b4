"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from surveys import apis

SURVEY = "surveys/<slug:key>/"
QUESTION = f"{SURVEY}questions/<slug:question_key>/"

urlpatterns = [
    path("surveys/", apis.SurveyListApi.as_view(), name="survey-list"),
    path(SURVEY, apis.SurveyDetailApi.as_view(), name="survey-detail"),
    path(f"{SURVEY}duplicate/", apis.SurveyDuplicateApi.as_view(), name="survey-duplicate"),
    path(f"{SURVEY}preview/", apis.SurveyPreviewApi.as_view(), name="survey-preview"),
    path(f"{SURVEY}publish/", apis.SurveyPublishApi.as_view(), name="survey-publish"),
    path(f"{SURVEY}versions/", apis.SurveyVersionListApi.as_view(), name="survey-version-list"),
    path(
        f"{SURVEY}versions/<int:number>/", apis.SurveyVersionDetailApi.as_view(), name="survey-version-detail"
    ),
    path(f"{SURVEY}questions/", apis.QuestionListApi.as_view(), name="question-list"),
    path(QUESTION, apis.QuestionDetailApi.as_view(), name="question-detail"),
    path(f"{QUESTION}choices/", apis.ChoiceListApi.as_view(), name="choice-list"),
    path(f"{QUESTION}choices/<slug:choice_key>/", apis.ChoiceDetailApi.as_view(), name="choice-detail"),
    path("survey-templates/", apis.SurveyTemplateListApi.as_view(), name="survey-template-list"),
    path(
        "survey-templates/<slug:template_key>/load/",
        apis.SurveyTemplateLoadApi.as_view(),
        name="survey-template-load",
    ),
]
