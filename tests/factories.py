"""factory_boy factories shared by the whole suite, one section per app.

Chinese text comes from ``Faker("zh_CN")``, English from the default locale, so every locale
map a factory makes is complete in both survey locales.
"""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from surveys.models import Audience, Choice, Question, Survey


def bilingual(provider: str = "sentence", **kwargs) -> factory.Dict:
    """A locale map ``{"zh-hans": …, "en": …}`` filled by one Faker provider in each language."""
    return factory.Dict(
        {
            "zh-hans": factory.Faker(provider, locale="zh_CN", **kwargs),
            "en": factory.Faker(provider, **kwargs),
        }
    )


# Users ----------------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("test-password-2026")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        """``UserFactory(groups=["survey_designers"])`` adds the user to those role groups."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


# Surveys --------------------------------------------------------------------------------------


class SurveyFactory(DjangoModelFactory):
    class Meta:
        model = Survey

    key = factory.Sequence(lambda n: f"survey-{n}")
    audience = Audience.CUSTOMER
    locales = factory.LazyFunction(lambda: ["zh-hans", "en"])
    default_locale = "zh-hans"
    title = bilingual("sentence", nb_words=3)
    introduction = factory.LazyFunction(dict)
    thank_you = bilingual("sentence", nb_words=4)
    primary_question_key = "nps"


class QuestionFactory(DjangoModelFactory):
    """An NPS question by default; end labels are filled for every kind (ignored by text kinds)."""

    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"q{n}")
    kind = Question.Kind.NPS
    text = bilingual("sentence", nb_words=6)
    help_text = factory.LazyFunction(dict)
    required = True
    min_label = bilingual("word")
    max_label = bilingual("word")


class ChoiceFactory(DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.SINGLE_CHOICE)
    position = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"c{n}")
    label = bilingual("word")


def publishable_survey(**kwargs) -> Survey:
    """A draft that publishes cleanly: NPS (primary), a single choice, a conditional long text."""
    survey = SurveyFactory(**kwargs)
    QuestionFactory(survey=survey, key="nps", kind=Question.Kind.NPS, position=1)
    channel = QuestionFactory(survey=survey, key="channel", kind=Question.Kind.SINGLE_CHOICE, position=2)
    ChoiceFactory(question=channel, key="app", position=1)
    ChoiceFactory(question=channel, key="phone", position=2)
    QuestionFactory(
        survey=survey,
        key="why",
        kind=Question.Kind.LONG_TEXT,
        position=3,
        required=False,
        condition={"question": "nps", "op": "lte", "value": 6},
    )
    return survey
