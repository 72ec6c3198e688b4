"""Staff API of the surveys app: drafts, publishing, versions (read-only), starter templates.

Each write endpoint: an input serializer, one service call, an output serializer. Permissions
follow the model permissions of the user's roles (``surveys.roles``); publishing needs
``surveys.publish_survey``. Errors use the one body ``{code, message, details}``.
"""

from surveys.apis.common import ModelPermission
from surveys.apis.questions import ChoiceDetailApi, ChoiceListApi, QuestionDetailApi, QuestionListApi
from surveys.apis.surveys import (
    SurveyDetailApi,
    SurveyDuplicateApi,
    SurveyListApi,
    SurveyTemplateListApi,
    SurveyTemplateLoadApi,
)
from surveys.apis.versions import (
    SurveyPreviewApi,
    SurveyPublishApi,
    SurveyVersionDetailApi,
    SurveyVersionListApi,
)

__all__ = [
    "ChoiceDetailApi",
    "ChoiceListApi",
    "ModelPermission",
    "QuestionDetailApi",
    "QuestionListApi",
    "SurveyDetailApi",
    "SurveyDuplicateApi",
    "SurveyListApi",
    "SurveyPreviewApi",
    "SurveyPublishApi",
    "SurveyTemplateListApi",
    "SurveyTemplateLoadApi",
    "SurveyVersionDetailApi",
    "SurveyVersionListApi",
]
