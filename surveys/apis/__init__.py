"""Staff API of the surveys app: drafts, publishing, versions (read-only), starter templates.

Each write endpoint: an input serializer, one service call, an output serializer. Each operation
needs the permissions that ``config.permissions`` maps it to (publishing:
``surveys.publish_survey``). Errors use the one body ``{code, message, details}``.
"""

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
