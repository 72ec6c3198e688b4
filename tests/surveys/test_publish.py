"""Draft -> publish -> immutable versions, and the draft services that mark unpublished changes."""

import copy
import hashlib
import json
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from surveys import selectors, services
from surveys.errors import SurveyErrorCode as Code
from surveys.models import Choice, Question, Survey, SurveyVersion
from tests.factories import ChoiceFactory, QuestionFactory, SurveyFactory, UserFactory, publishable_survey

pytestmark = pytest.mark.django_db


def codes(exc: pytest.ExceptionInfo) -> list[tuple[str, str, str]]:
    return [(e.params["path"], e.params["field"], e.code) for e in exc.value.error_list]


def test_the_built_definition_follows_the_documented_shape_with_defaults_filled() -> None:
    survey = SurveyFactory(key="after-delivery", title={"zh-hans": "配送体验", "en": "Delivery"})
    QuestionFactory(
        survey=survey,
        key="nps",
        kind="nps",
        position=1,
        text={"zh-hans": "推荐吗？", "en": "Recommend?"},
        min_label={"zh-hans": "不可能", "en": "Unlikely"},
        max_label={"zh-hans": "非常可能", "en": "Likely"},
    )
    matrix = QuestionFactory(
        survey=survey,
        key="aspects",
        kind="matrix",
        position=2,
        required=False,
        text={"zh-hans": "打分", "en": "Rate"},
    )
    ChoiceFactory(
        question=matrix, key="delivery_speed", label={"zh-hans": "配送速度", "en": "Delivery speed"}
    )
    QuestionFactory(
        survey=survey,
        key="why",
        kind="long_text",
        position=3,
        required=False,
        text={"zh-hans": "为什么？", "en": "Why?"},
        condition={"question": "nps", "op": "lte", "value": 6},
    )
    QuestionFactory(
        survey=survey, key="note", kind="short_text", position=4, text={"zh-hans": "备注", "en": "Note"}
    )

    definition = services.survey_definition_build(survey=survey)

    assert definition["schema"] == 1
    assert definition["version"] == 1
    assert definition["key"] == "after-delivery"
    assert definition["locales"] == ["zh-hans", "en"]
    assert definition["primary_question"] == "nps"
    assert [q["key"] for q in definition["questions"]] == ["nps", "aspects", "why", "note"]
    assert definition["questions"][0] == {
        "key": "nps",
        "kind": "nps",
        "text": {"zh-hans": "推荐吗？", "en": "Recommend?"},
        "help_text": {},
        "required": True,
        "condition": None,
        "scale": {
            "min": 0,
            "max": 10,
            "min_label": {"zh-hans": "不可能", "en": "Unlikely"},
            "max_label": {"zh-hans": "非常可能", "en": "Likely"},
        },
    }
    assert definition["questions"][1]["scale"]["min"] == 1
    assert definition["questions"][1]["scale"]["max"] == 5
    assert definition["questions"][1]["items"] == [
        {"key": "delivery_speed", "label": {"zh-hans": "配送速度", "en": "Delivery speed"}}
    ]
    assert "choices" not in definition["questions"][1]
    assert definition["questions"][2]["max_length"] == 2000
    assert definition["questions"][2]["condition"] == {"question": "nps", "op": "lte", "value": 6}
    assert definition["questions"][3]["max_length"] == 200
    assert "scale" not in definition["questions"][3]


def test_publish_freezes_version_1() -> None:
    survey = publishable_survey(key="after-delivery")
    user = UserFactory(username="ops")

    version = services.survey_publish(survey=survey, user=user, note="first")

    version.refresh_from_db()
    survey.refresh_from_db()
    expected = services.survey_definition_build(survey=survey)
    expected["version"] = 1
    assert version.number == 1
    assert version.definition == expected
    assert version.published_by == user
    assert version.note == "first"
    content = {k: v for k, v in expected.items() if k != "version"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert version.checksum == hashlib.sha256(canonical.encode()).hexdigest()
    assert survey.status == Survey.Status.PUBLISHED
    assert survey.has_unpublished_changes is False


def test_edit_after_publish_makes_version_2_and_leaves_version_1_untouched() -> None:
    survey = publishable_survey()
    v1 = services.survey_publish(survey=survey)
    v1_definition = copy.deepcopy(v1.definition)
    why = Question.objects.get(survey=survey, key="why")

    services.question_update(
        question=why, data={"text": {"zh-hans": "哪里出了问题？", "en": "What went wrong?"}}
    )
    survey.refresh_from_db()
    assert survey.has_unpublished_changes is True
    assert survey.status == Survey.Status.PUBLISHED
    v2 = services.survey_publish(survey=survey)

    assert v2.number == 2
    assert v2.definition["version"] == 2
    assert v2.definition["questions"][2]["text"] == {"zh-hans": "哪里出了问题？", "en": "What went wrong?"}
    assert SurveyVersion.objects.get(pk=v1.pk).definition == v1_definition
    assert v2.checksum != v1.checksum
    assert [v.number for v in selectors.survey_versions(survey=survey)] == [2, 1]
    assert selectors.survey_version_latest(survey=survey) == v2


def test_publishing_an_unchanged_draft_is_refused() -> None:
    survey = publishable_survey()
    services.survey_publish(survey=survey)

    with pytest.raises(ValidationError) as exc:
        services.survey_publish(survey=survey)

    assert [e.code for e in exc.value.error_list] == [Code.NO_CHANGES]
    assert exc.value.messages == ["Nothing changed since version 1: there is nothing to publish."]
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_an_edit_undone_is_no_change_either() -> None:
    survey = publishable_survey()
    services.survey_publish(survey=survey)
    question = Question.objects.get(survey=survey, key="why")
    original = question.text

    services.question_update(question=question, data={"text": {"zh-hans": "新", "en": "New"}})
    services.question_update(question=question, data={"text": original})

    with pytest.raises(ValidationError) as exc:
        services.survey_publish(survey=survey)
    assert exc.value.error_list[0].code == Code.NO_CHANGES


def test_an_invalid_draft_is_refused_with_every_error_and_nothing_is_written() -> None:
    survey = publishable_survey(key="broken")
    Question.objects.filter(survey=survey, key="nps").update(text={"zh-hans": "推荐吗？"})
    Choice.objects.filter(question__survey=survey, key="phone").delete()
    Question.objects.filter(survey=survey, key="why").update(
        condition={"question": "nps", "op": "lte", "value": 11}
    )

    with pytest.raises(ValidationError) as exc:
        services.survey_publish(survey=survey)

    assert codes(exc) == [
        ("questions[0] (nps)", "text.en", Code.MISSING_TRANSLATION),
        ("questions[1] (channel)", "choices", Code.TOO_FEW_CHOICES),
        ("questions[2] (why)", "condition", Code.CONDITION_IMPOSSIBLE_VALUE),
    ]
    assert exc.value.error_list[1].message == (
        "questions[1] (channel): a choice question needs at least 2 choices (found 1)."
    )
    survey.refresh_from_db()
    assert SurveyVersion.objects.count() == 0
    assert survey.status == Survey.Status.DRAFT
    assert survey.has_unpublished_changes is True


def test_a_message_with_a_percent_sign_survives_the_validation_error() -> None:
    survey = publishable_survey()
    Question.objects.filter(survey=survey, key="nps").update(key="nps%")

    with pytest.raises(ValidationError) as exc:
        services.survey_publish(survey=survey)

    assert "nps%" in exc.value.messages[0]


def test_preview_builds_an_invalid_draft_without_raising() -> None:
    survey = SurveyFactory(primary_question_key="")

    definition = services.survey_preview_definition(survey=survey)

    assert definition["questions"] == []
    assert [e.code for e in services.survey_validate(survey=survey)] == [
        Code.NO_QUESTIONS,
        Code.PRIMARY_QUESTION_MISSING,
    ]


def _published() -> tuple[Survey, Question, Choice]:
    survey = publishable_survey()
    services.survey_publish(survey=survey)
    question = Question.objects.get(survey=survey, key="channel")
    return survey, question, question.choices.get(key="app")


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda s, q, c: services.survey_update(
                survey=s, data={"thank_you": {"zh-hans": "谢谢", "en": "Thanks"}}
            ),
            id="survey_update",
        ),
        pytest.param(
            lambda s, q, c: services.question_create(
                survey=s, key="note", kind="short_text", text={"zh-hans": "备注", "en": "Note"}
            ),
            id="question_create",
        ),
        pytest.param(
            lambda s, q, c: services.question_update(question=q, data={"required": False}),
            id="question_update",
        ),
        pytest.param(lambda s, q, c: services.question_delete(question=q), id="question_delete"),
        pytest.param(
            lambda s, q, c: services.choice_create(
                question=q, key="web", label={"zh-hans": "网页", "en": "Web"}
            ),
            id="choice_create",
        ),
        pytest.param(
            lambda s, q, c: services.choice_update(choice=c, data={"position": 9}), id="choice_update"
        ),
        pytest.param(lambda s, q, c: services.choice_delete(choice=c), id="choice_delete"),
    ],
)
def test_every_draft_edit_marks_unpublished_changes(edit) -> None:
    survey, question, choice = _published()
    assert Survey.objects.get(pk=survey.pk).has_unpublished_changes is False

    edit(survey, question, choice)

    assert Survey.objects.get(pk=survey.pk).has_unpublished_changes is True


def test_an_update_that_changes_nothing_keeps_the_flag() -> None:
    survey, question, _choice = _published()

    services.question_update(question=question, data={"required": question.required})

    assert Survey.objects.get(pk=survey.pk).has_unpublished_changes is False


def test_question_create_appends_with_its_choices() -> None:
    survey = publishable_survey()

    question = services.question_create(
        survey=survey,
        key="extras",
        kind="multiple_choice",
        text={"zh-hans": "需要什么？", "en": "What do you need?"},
        choices=[
            {"key": "cutlery", "label": {"zh-hans": "餐具", "en": "Cutlery"}},
            {"key": "napkins", "label": {"zh-hans": "纸巾", "en": "Napkins"}},
        ],
    )

    assert question.position == 4
    assert list(question.choices.values_list("key", "position")) == [("cutlery", 1), ("napkins", 2)]


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        pytest.param({"key": "why"}, "key", Code.DUPLICATE_KEY, id="duplicate-key"),
        pytest.param({"key": "why not"}, "key", Code.BAD_KEY, id="bad-key"),
        pytest.param({"kind": "ranking"}, "kind", Code.UNKNOWN_KIND, id="unknown-kind"),
        pytest.param({"text": "What?"}, "text", Code.NOT_A_LOCALE_MAP, id="text-not-a-map"),
        pytest.param({"text": {"fr": "Quoi ?"}}, "text", Code.UNKNOWN_LOCALE, id="unknown-locale"),
        pytest.param(
            {"condition": "nps <= 6"}, "condition", Code.CONDITION_MALFORMED, id="condition-not-object"
        ),
        pytest.param(
            {"choices": [{"key": "a", "label": {"en": "A"}}, {"key": "a", "label": {"en": "B"}}]},
            "choices",
            Code.DUPLICATE_KEY,
            id="duplicate-choice-key",
        ),
    ],
)
def test_question_create_refuses_bad_input_and_writes_nothing(kwargs: dict, field: str, code: str) -> None:
    survey, _question, _choice = _published()
    arguments = {
        "survey": survey,
        "key": "more",
        "kind": "single_choice",
        "text": {"zh-hans": "更多", "en": "More"},
    }
    questions_before = Question.objects.count()
    choices_before = Choice.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.question_create(**{**arguments, **kwargs})

    assert [e.code for e in exc.value.error_dict[field]] == [code]
    assert Question.objects.count() == questions_before
    assert Choice.objects.count() == choices_before
    assert Survey.objects.get(pk=survey.pk).has_unpublished_changes is False


def test_the_key_of_a_published_survey_is_locked() -> None:
    survey, _question, _choice = _published()

    with pytest.raises(ValidationError) as exc:
        services.survey_update(survey=survey, data={"key": "renamed"})

    assert [e.code for e in exc.value.error_dict["key"]] == [Code.KEY_LOCKED]
    assert Survey.objects.filter(key="renamed").count() == 0


def test_survey_create_refuses_a_taken_key() -> None:
    SurveyFactory(key="after-delivery")

    with pytest.raises(ValidationError) as exc:
        services.survey_create(
            key="after-delivery", audience="customer", title={"zh-hans": "调查", "en": "Survey"}
        )

    assert [e.code for e in exc.value.error_dict["key"]] == [Code.DUPLICATE_KEY]
    assert Survey.objects.count() == 1


def test_survey_create_defaults_to_the_allowed_locales() -> None:
    survey = services.survey_create(
        key="new", audience="rider", title={"zh-hans": "骑手调查", "en": "Riders"}
    )

    assert survey.locales == ["zh-hans", "en"]
    assert survey.default_locale == "zh-hans"
    assert survey.status == Survey.Status.DRAFT
    assert survey.has_unpublished_changes is True


def test_duplicate_copies_the_draft_deeply() -> None:
    survey = publishable_survey(key="original")
    services.survey_publish(survey=survey)
    user = UserFactory(username="ops")

    copy_ = services.survey_duplicate(survey=survey, new_key="copy", user=user)

    original = services.survey_definition_build(survey=survey)
    copied = services.survey_definition_build(survey=copy_)
    assert copied == {**original, "key": "copy", "version": 1}
    assert copy_.status == Survey.Status.DRAFT
    assert copy_.created_by == user
    assert copy_.versions.count() == 0
    assert Question.objects.filter(survey=survey).count() == 3
    assert Question.objects.filter(survey=copy_).count() == 3
    assert Choice.objects.filter(question__survey=copy_).count() == 2
    assert services.survey_publish(survey=copy_).number == 1


def test_duplicate_to_a_taken_key_writes_nothing() -> None:
    survey = publishable_survey(key="original")
    SurveyFactory(key="taken")
    questions_before = Question.objects.count()

    with pytest.raises(ValidationError):
        services.survey_duplicate(survey=survey, new_key="taken")

    assert Question.objects.count() == questions_before


@pytest.mark.django_db(transaction=True)
def test_a_publish_waits_for_the_one_in_progress_and_takes_the_next_number(postgres) -> None:
    survey = publishable_survey()
    why = Question.objects.get(survey=survey, key="why")
    outcome: dict = {}

    def publish_in_another_connection() -> None:
        try:
            outcome["version"] = services.survey_publish(survey=Survey.objects.get(pk=survey.pk)).number
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            outcome["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        first = services.survey_publish(survey=survey)
        other = threading.Thread(target=publish_in_another_connection)
        other.start()
        time.sleep(0.5)
        # The other publish is blocked on the survey's row lock, not racing to number 1.
        assert other.is_alive()
        why.text = {"zh-hans": "哪里出了问题？", "en": "What went wrong?"}
        why.save(update_fields=["text"])
    other.join(timeout=10)

    assert first.number == 1
    assert outcome == {"version": 2}
    assert sorted(SurveyVersion.objects.filter(survey=survey).values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_two_publishes_of_one_draft_at_once_make_one_version_and_one_refusal(postgres) -> None:
    survey = publishable_survey()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def publish() -> None:
        try:
            barrier.wait(timeout=5)
            results.append(f"v{services.survey_publish(survey=Survey.objects.get(pk=survey.pk)).number}")
        except ValidationError as exc:
            results.append(exc.error_list[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert sorted(results) == ["no_changes", "v1"]
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_publishing_is_audited_with_the_version_before_and_after() -> None:
    from ops.models import AuditEntry

    survey = publishable_survey(key="after-delivery")
    user = UserFactory(username="designer")
    v1 = services.survey_publish(survey=survey, user=user, note="first")
    services.question_update(
        question=Question.objects.get(survey=survey, key="why"),
        data={"text": {"zh-hans": "哪里出了问题？", "en": "What went wrong?"}},
    )

    v2 = services.survey_publish(survey=survey, user=None)

    entries = list(
        AuditEntry.objects.order_by("id").values_list("action", "actor", "object_id", "before", "after")
    )
    assert entries == [
        (
            "surveys.survey.published",
            user.pk,
            str(survey.pk),
            {"status": "draft", "version": None},
            {"status": "published", "version": 1, "checksum": v1.checksum, "note": "first"},
        ),
        (
            "surveys.survey.published",
            None,
            str(survey.pk),
            {"version": 1},
            {"version": 2, "checksum": v2.checksum, "note": ""},
        ),
    ]
    assert AuditEntry.objects.order_by("id").first().at == v1.published_at


def test_a_refused_publish_writes_no_audit_entry() -> None:
    from ops.models import AuditEntry

    survey = publishable_survey()
    services.survey_publish(survey=survey)

    with pytest.raises(ValidationError):
        services.survey_publish(survey=survey)

    assert AuditEntry.objects.count() == 1
