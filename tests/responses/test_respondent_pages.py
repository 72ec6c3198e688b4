"""The respondent pages: rendering, locale, validation, conditions, resume, funnel, errors, safety."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responses import hooks
from responses.models import Answer, Invitation, Response
from responses.services.answering import SaveStatus, response_save
from tests.responses.factories import invitation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _answers(response: Response) -> dict:
    return dict(response.answers.values_list("question_key", "value"))


def _csp_directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")}


# Rendering and locale -------------------------------------------------------------------------


def test_the_page_renders_in_the_invitations_locale_with_a_strict_csp_and_no_contact_data(client) -> None:
    # given an invitation in Chinese to a respondent with an email, a phone and a reference
    sent, token = invitation()
    respondent = sent.respondent
    # when the respondent opens the link
    page = client.get(f"/s/{token}/")
    html = page.content.decode()
    # then the survey shows in Chinese, under a CSP without inline script
    assert page.status_code == 200
    assert page["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in html
    assert "您向朋友推荐我们的可能性有多大？" in html
    assert _csp_directives(page["Content-Security-Policy"]) == _csp_directives(CSP)
    assert "<script>" not in html and "onclick" not in html and "style=" not in html
    assert page["Cache-Control"].startswith("max-age=0")
    # and nothing about who the respondent is
    for secret in (respondent.email, respondent.phone, respondent.ref):
        assert secret not in html
    # and every scale is a fieldset with a legend and labelled inputs
    assert html.count('<fieldset class="question__fieldset"') == 3  # nps, matrix, single choice
    assert '<label class="scale__option" for="q-nps-0">0</label>' in html


def test_lang_overrides_the_locale_and_is_remembered_for_the_session(client) -> None:
    _sent, token = invitation()
    english = client.get(f"/s/{token}/?lang=en")
    assert english["Content-Language"] == "en"
    assert "How likely are you to recommend us?" in english.content.decode()
    # when the respondent comes back without ?lang
    again = client.get(f"/s/{token}/")
    assert again["Content-Language"] == "en"
    # an unknown language is ignored
    assert client.get(f"/s/{token}/?lang=fr")["Content-Language"] == "en"


def test_switching_language_with_the_form_keeps_the_answers(client) -> None:
    # given an answer typed in Chinese
    sent, token = invitation()
    # when the respondent presses "English" (a button that posts the form)
    switched = client.post(
        f"/s/{token}/", {"q_nps": "4", "q_why": "汤洒了", "switch_lang": "en", "locale": "zh-hans"}
    )
    # then the answers are kept and the page comes back in English
    assert (switched.status_code, switched["Location"]) == (302, f"/s/{token}/?lang=en")
    response = Response.objects.get(invitation=sent)
    assert (_answers(response), response.status, response.locale) == (
        {"nps": 4, "why": "汤洒了"},
        "in_progress",
        "en",
    )
    page = client.get(switched["Location"]).content.decode()
    assert 'id="q-nps-4" value="4" checked' in page
    assert ">汤洒了</textarea>" in page


# Submitting -----------------------------------------------------------------------------------


def test_a_required_question_cannot_be_skipped_and_the_error_is_in_the_respondents_language(client) -> None:
    # given a detractor who skips the required follow-up shown to detractors
    sent, token = invitation()
    # when they submit
    page = client.post(f"/s/{token}/", {"q_nps": "3", "locale": "zh-hans"})
    html = page.content.decode()
    # then the page comes back with the error next to the question, in Chinese
    assert page.status_code == 200
    assert '<p class="question__error" id="q-reason-error">请回答此问题。</p>' in html
    assert 'role="alert"' in html
    # and the valid answer is kept, the response not completed
    response = Response.objects.get(invitation=sent)
    assert (_answers(response), response.status, response.completed_at) == ({"nps": 3}, "in_progress", None)
    sent.refresh_from_db()
    assert sent.status == "started"


def test_an_invalid_value_is_refused_and_what_was_typed_is_shown_again(client) -> None:
    _sent, token = invitation()
    too_long = "慢" * 51
    page = client.post(
        f"/s/{token}/?lang=en", {"q_nps": "2", "q_reason": "late", "q_why": too_long, "locale": "en"}
    ).content.decode()
    assert "Please shorten your answer to 50 characters (it has 51)." in page
    assert f">{too_long}</textarea>" in page
    assert _answers(Response.objects.get()) == {"nps": 2, "reason": "late"}


def test_submitting_completes_the_response_once_marks_the_funnel_and_runs_the_hooks(
    client, django_capture_on_commit_callbacks
) -> None:
    # given an analysis hook and an opened invitation
    called = []
    hooks.response_completed.append(lambda *, response_id: called.append(response_id))
    try:
        sent, token = invitation()
        client.get(f"/s/{token}/")
        # when a detractor answers everything shown to them, plus a hidden question
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(
                f"/s/{token}/",
                {
                    "q_nps": "5",
                    "q_aspects__speed": "2",
                    "q_aspects__packaging": "4",
                    "q_reason": "cold",
                    "q_why": "  汤都凉了  ",
                    "q_praise": "hidden from detractors",
                    "locale": "zh-hans",
                },
            )
    finally:
        hooks.response_completed.pop()
    # then they go to the thank-you page and the response holds the visible answers only
    assert (done.status_code, done["Location"]) == (302, f"/s/{token}/done/")
    response = Response.objects.get()
    assert _answers(response) == {
        "nps": 5,
        "aspects": {"speed": 2, "packaging": 4},
        "reason": "cold",
        "why": "汤都凉了",
    }
    assert (response.status, response.locale) == ("completed", "zh-hans")
    assert response.context == {
        "attributes": {"city": "上海", "district_type": "office"},
        "locale": "zh-hans",
        "timezone": "Asia/Shanghai",
        "origin": "invitation",
        "channel": "email",
        "respondent_type": "customer",
    }
    assert called == [response.pk]
    # and the funnel: opened, started and completed
    sent.refresh_from_db()
    assert sent.status == "completed"
    assert sent.opened_at <= sent.started_at <= sent.completed_at == response.completed_at


def test_answers_to_hidden_questions_are_discarded_by_the_server(client) -> None:
    _sent, token = invitation()
    client.post(
        f"/s/{token}/", {"q_nps": "10", "q_reason": "late", "q_why": "x", "q_praise": "快", "locale": "en"}
    )
    assert _answers(Response.objects.get()) == {"nps": 10, "praise": "快"}


def test_a_second_submit_is_told_already_answered_and_changes_nothing(client) -> None:
    _sent, token = invitation()
    client.post(f"/s/{token}/", {"q_nps": "9", "locale": "zh-hans"})
    again = client.post(f"/s/{token}/", {"q_nps": "0", "locale": "zh-hans"})
    assert again.status_code == 409
    assert "您已经回答过了" in again.content.decode()
    assert _answers(Response.objects.get()) == {"nps": 9}
    # and opening the link again says the same
    page = client.get(f"/s/{token}/")
    assert page.status_code == 200 and "您已经回答过了" in page.content.decode()


def test_opening_the_link_marks_it_opened_once(client) -> None:
    sent, token = invitation()
    client.get(f"/s/{token}/")
    sent.refresh_from_db()
    first = sent.opened_at
    client.get(f"/s/{token}/")
    sent.refresh_from_db()
    assert (sent.status, sent.opened_at, sent.started_at) == ("opened", first, None)
    assert Response.objects.count() == 0


# Resume ---------------------------------------------------------------------------------------


def test_a_partial_response_resumes_on_another_device_escaped(client) -> None:
    # given answers autosaved on a phone, one of them with markup
    sent, token = invitation()
    saved = client.post(
        f"/s/{token}/autosave/",
        data=json.dumps(
            {"locale": "zh-hans", "fields": {"q_nps": ["2"], "q_why": ["<script>alert(1)</script>"]}}
        ),
        content_type="application/json",
    )
    assert saved.status_code == 200
    assert saved.json() == {"status": "saved", "saved": ["nps", "why"], "errors": {}}
    # when the link is opened on a laptop (no cookie, no session)
    page = Client().get(f"/s/{token}/").content.decode()
    # then the answers are there, the text escaped
    assert 'id="q-nps-2" value="2" checked' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page
    assert "<script>alert(1)" not in page
    sent.refresh_from_db()
    assert sent.status == "started"


def test_autosave_reports_errors_in_the_locale_and_keeps_only_valid_answers(client) -> None:
    _sent, token = invitation()
    saved = client.post(
        f"/s/{token}/autosave/",
        data=json.dumps({"locale": "en", "fields": {"q_nps": ["12"], "q_aspects__speed": ["3"]}}),
        content_type="application/json",
    )
    assert saved.json() == {
        "status": "saved",
        "saved": ["aspects"],
        "errors": {"nps": "Choose a value from 0 to 10."},
    }
    assert _answers(Response.objects.get()) == {"aspects": {"speed": 3}}


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"fields": [1]}'])
def test_autosave_refuses_a_malformed_body_and_writes_nothing(client, body) -> None:
    _sent, token = invitation()
    saved = client.post(f"/s/{token}/autosave/", data=body, content_type="application/json")
    assert saved.status_code == 400
    assert saved.json()["code"] == "bad_request"
    assert Response.objects.count() == 0


def test_autosave_needs_the_csrf_token() -> None:
    _sent, token = invitation()
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(f"/s/{token}/")
    body = json.dumps({"fields": {"q_nps": ["5"]}})
    refused = strict.post(f"/s/{token}/autosave/", data=body, content_type="application/json")
    assert refused.status_code == 403
    assert Response.objects.count() == 0
    token_value = page.cookies["csrftoken"].value
    accepted = strict.post(
        f"/s/{token}/autosave/", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token_value
    )
    assert accepted.status_code == 200
    assert _answers(Response.objects.get()) == {"nps": 5}


def test_the_form_post_needs_the_csrf_token() -> None:
    _sent, token = invitation()
    assert Client(enforce_csrf_checks=True).post(f"/s/{token}/", {"q_nps": "5"}).status_code == 403
    assert Response.objects.count() == 0


# Error pages ----------------------------------------------------------------------------------


TEXTS = {
    "unknown": ("此链接无法使用", "This link does not work"),
    "expired": ("此问卷已结束", "This survey has closed"),
    "opted_out": ("您不会再收到问卷", "You will not receive surveys"),
    "answered": ("您已经回答过了", "You have already answered"),
}


def _link_in_state(state: str) -> str:
    sent, token = invitation()
    if state == "unknown":
        return "A" * 43
    if state == "expired":
        Invitation.objects.filter(pk=sent.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    if state == "opted_out":
        sent.respondent.opted_out_at = timezone.now()
        sent.respondent.save(update_fields=["opted_out_at"])
    if state == "answered":
        Client().post(f"/s/{token}/", {"q_nps": "9"})
    return token


@pytest.mark.parametrize(
    ("state", "status"), [("unknown", 404), ("expired", 410), ("opted_out", 410), ("answered", 200)]
)
@pytest.mark.parametrize(("lang", "index"), [("zh-hans", 0), ("en", 1)])
def test_every_error_page_in_both_languages(client, state, status, lang, index) -> None:
    token = _link_in_state(state)
    page = client.get(f"/s/{token}/?lang={lang}")
    html = page.content.decode()
    assert page.status_code == status
    assert f'<html lang="{lang}">' in html
    assert f'<h1 class="survey-title">{TEXTS[state][index]}</h1>' in html
    assert "Content-Security-Policy" in page
    assert "<form" not in html


def test_an_expired_link_accepts_no_answers(client) -> None:
    token = _link_in_state("expired")
    assert client.post(f"/s/{token}/", {"q_nps": "5"}).status_code == 410
    autosave = client.post(f"/s/{token}/autosave/", data="{}", content_type="application/json")
    assert autosave.status_code == 410
    assert Response.objects.count() == 0


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "%E4%B8%AD"])
def test_any_unknown_token_is_a_404(client, token) -> None:
    invitation()
    assert client.get(f"/s/{token}/").status_code == 404


def test_a_token_with_one_character_changed_is_unknown(client) -> None:
    _sent, token = invitation()
    other = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/s/{other}/").status_code == 404


# Throttling -----------------------------------------------------------------------------------


@override_settings(RESPONDENT_THROTTLE_RATES={"post_token": "2/min"})
def test_posts_are_throttled_per_token(client) -> None:
    _sent, token = invitation()
    _other, other_token = invitation(survey_version=_sent.survey_version)
    codes = [client.post(f"/s/{token}/", {"q_nps": "3"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert "请稍候" in client.post(f"/s/{token}/", {"q_nps": "3"}).content.decode()
    # another token is not affected
    assert client.post(f"/s/{other_token}/", {"q_nps": "3"}).status_code == 200


@override_settings(RESPONDENT_THROTTLE_RATES={"page_ip": "2/min"})
def test_pages_are_throttled_per_ip(client) -> None:
    _sent, token = invitation()
    codes = [client.get(f"/s/{token}/", REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(f"/s/{token}/", REMOTE_ADDR="10.0.0.2").status_code == 200


@override_settings(RESPONDENT_THROTTLE_RATES={"post_ip": "1/min"})
def test_autosave_is_throttled_per_ip(client) -> None:
    _sent, token = invitation()
    body = json.dumps({"fields": {"q_nps": ["5"]}})
    first = client.post(f"/s/{token}/autosave/", data=body, content_type="application/json")
    second = client.post(f"/s/{token}/autosave/", data=body, content_type="application/json")
    assert (first.status_code, second.status_code, second.json()["code"]) == (200, 429, "throttled")


# Thank-you page and contact consent -----------------------------------------------------------


def test_a_detractor_is_asked_for_contact_consent_once(client) -> None:
    _sent, token = invitation()
    client.post(f"/s/{token}/", {"q_nps": "2", "q_reason": "late"})
    thanks = client.get(f"/s/{token}/done/").content.decode()
    assert "感谢您的反馈！" in thanks
    assert "很抱歉给您带来不好的体验。我们可以就此与您联系吗？" in thanks
    # when they agree
    assert client.post(f"/s/{token}/done/", {"contact_consent": "yes"}).status_code == 302
    # then it is stored and not asked again; a later "no" changes nothing
    client.post(f"/s/{token}/done/", {"contact_consent": "no"})
    assert Response.objects.get().contact_consent is True
    again = client.get(f"/s/{token}/done/?lang=en").content.decode()
    assert "Thank you. We may contact you about your answers." in again
    assert 'name="contact_consent"' not in again


def test_a_promoter_is_not_asked_for_consent_and_cannot_set_it(client) -> None:
    _sent, token = invitation()
    client.post(f"/s/{token}/", {"q_nps": "9"})
    assert 'name="contact_consent"' not in client.get(f"/s/{token}/done/").content.decode()
    client.post(f"/s/{token}/done/", {"contact_consent": "yes"})
    assert Response.objects.get().contact_consent is None


def test_the_thank_you_page_before_submitting_goes_back_to_the_survey(client) -> None:
    _sent, token = invitation()
    page = client.get(f"/s/{token}/done/")
    assert (page.status_code, page["Location"]) == (302, f"/s/{token}/")


# Admin ----------------------------------------------------------------------------------------


def test_the_admin_shows_answers_escaped_with_the_invitation_and_event_links(admin_client) -> None:
    sent, token = invitation()
    Client().post(f"/s/{token}/", {"q_nps": "1", "q_reason": "late", "q_why": "<script>alert('x')</script>"})
    response = Response.objects.get()
    page = admin_client.get(f"/admin/responses/response/{response.pk}/change/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert(" not in page
    assert f'href="/admin/responses/invitation/{sent.pk}/change/"' in page
    assert f'href="/admin/responses/serviceevent/{sent.event_id}/change/"' in page
    listing = admin_client.get("/admin/responses/response/?status__exact=completed")
    assert listing.status_code == 200 and str(response.public_id) in listing.content.decode()
    assert Answer.objects.filter(response=response).count() == 3


def test_a_failing_completion_hook_never_fails_the_submit(client, django_capture_on_commit_callbacks) -> None:
    # given a consumer whose hook raises, registered before one that works
    seen = []

    def broken(*, response_id: int) -> None:
        raise RuntimeError("analysis queue down")

    hooks.response_completed.extend([broken, lambda *, response_id: seen.append(response_id)])
    try:
        _sent, token = invitation()
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(f"/s/{token}/", {"q_nps": "9"})
    finally:
        del hooks.response_completed[-2:]
    # then the respondent still gets the thank-you page and the other hook ran
    assert done.status_code == 302
    assert seen == [Response.objects.get().pk]


def test_an_invalid_submit_runs_no_hook_and_completes_nothing(
    client, django_capture_on_commit_callbacks
) -> None:
    sent, token = invitation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/s/{token}/", {"q_nps": "11"})
    assert callbacks == []
    assert Response.objects.count() == 0
    sent.refresh_from_db()
    assert (sent.status, sent.started_at) == ("sent", None)


def test_two_respondents_of_one_version_each_get_their_own_link_and_csrf_token() -> None:
    # given two invitations to the same survey version (the blank page is rendered once)
    first, first_token = invitation()
    _second, second_token = invitation(survey_version=first.survey_version)
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = one.get(f"/s/{first_token}/").content.decode()
    page_two = two.get(f"/s/{second_token}/").content.decode()
    # then each page posts to its own link with its own working CSRF token
    assert f'action="/s/{first_token}/"' in page_one and second_token not in page_one
    assert f'data-autosave-url="/s/{second_token}/autosave/"' in page_two and first_token not in page_two
    assert "__respondent" not in page_one + page_two
    token_field = 'name="csrfmiddlewaretoken" value="'
    csrf = page_two.split(token_field)[1].split('"')[0]
    posted = two.post(f"/s/{second_token}/", {"q_nps": "9", "csrfmiddlewaretoken": csrf})
    assert posted.status_code == 302


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split(None, 1)[0].upper() for query in captured.captured_queries]


def test_a_valid_one_shot_submit_takes_two_statements_on_postgresql(client) -> None:
    # given a version whose definition this process has already read (its first page was served)
    first, first_token = invitation()
    client.get(f"/s/{first_token}/")
    sent, token = invitation(survey_version=first.survey_version)
    # when a respondent submits in one go
    with CaptureQueriesContext(connection) as captured:
        done = client.post(f"/s/{token}/", {"q_nps": "9", "locale": "zh-hans"})
    # then the token lookup and, on PostgreSQL, one WITH statement (the response, its answers and
    # the funnel mark: opened, started and completed at once, no re-read) did it, in a savepoint
    # here because the test runs in a transaction (nine statements before, six after the first
    # changes); on SQLite the three writes are separate statements
    writes = ["WITH"] if connection.vendor == "postgresql" else ["INSERT", "INSERT", "UPDATE"]
    assert _statements(captured) == ["SELECT", "SAVEPOINT", *writes, "RELEASE"]
    assert (done.status_code, done["Location"]) == (302, f"/s/{token}/done/")
    assert _answers(Response.objects.get(invitation=sent, status="completed")) == {"nps": 9}
    assert Answer.objects.filter(response__invitation=sent).count() == 1
    sent.refresh_from_db()
    assert sent.status == "completed"
    assert sent.opened_at == sent.started_at == sent.completed_at is not None
    assert sent.next_reminder_at is None


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_postgresql_submit_is_the_lookup_and_one_statement(
    postgres, monkeypatch
) -> None:
    # given an invitation whose page was opened earlier (opened_at is kept)
    sent, token = invitation()
    client = Client()
    client.get(f"/s/{token}/")
    sent.refresh_from_db()
    opened = sent.opened_at
    # when the respondent submits, with the completion hooks replaced by one that records its calls
    calls: list[int] = []
    monkeypatch.setattr(hooks, "response_completed", [lambda *, response_id: calls.append(response_id)])
    with CaptureQueriesContext(connection) as captured:
        done = client.post(
            f"/s/{token}/", {"q_nps": "3", "q_reason": "late", "q_aspects__speed": "2", "locale": "en"}
        )
    # then no BEGIN or COMMIT was needed: the WITH statement is its own transaction
    assert _statements(captured) == ["SELECT", "WITH"]
    assert done.status_code == 302
    response = Response.objects.get(invitation=sent)
    assert (response.status, response.locale, response.survey_version_id) == (
        "completed",
        "en",
        sent.survey_version_id,
    )
    assert response.completed_at == response.started_at == response.updated_at
    assert response.context["origin"] == "invitation"
    # the answers in the definition's order, the completion hook called once, after the commit
    assert list(Answer.objects.filter(response=response).values_list("question_key", "value")) == [
        ("nps", 3),
        ("aspects", {"speed": 2}),
        ("reason", "late"),
    ]
    assert calls == [response.pk]
    sent.refresh_from_db()
    assert (sent.status, sent.opened_at, sent.started_at, sent.completed_at) == (
        "completed",
        opened,
        response.completed_at,
        response.completed_at,
    )


def test_a_first_save_that_finds_the_response_already_made_completes_that_response() -> None:
    # given a response in progress (a partial save)
    sent, _token = invitation()
    version = sent.survey_version
    first = response_save(
        survey_version=version, raw={"nps": ["9"]}, locale="zh-hans", complete=False, invitation=sent
    )
    # when a submit arrives that read "no response yet" before that insert
    late = response_save(
        survey_version=version,
        raw={"nps": ["10"]},
        locale="zh-hans",
        complete=True,
        invitation=Invitation.objects.get(pk=sent.pk),
        existing=None,
    )
    # then its insert hit the constraint (rolled back alone, the transaction goes on) and it
    # completed the existing response through the row lock
    assert (first.status, late.status) == (SaveStatus.SAVED, SaveStatus.COMPLETED)
    assert late.response.pk == first.response.pk
    assert Response.objects.filter(invitation=sent).count() == 1
    assert _answers(Response.objects.get(invitation=sent)) == {"nps": 10}
    sent.refresh_from_db()
    assert sent.status == "completed"


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_lookup_and_the_submit_statement_are_prepared_once_per_connection(
    postgres,
) -> None:
    # given three invitations of one version, and a new connection
    connection.close()
    first, first_token = invitation()
    others = [invitation(survey_version=first.survey_version) for _ in range(2)]
    client = Client()
    # when all three are submitted on this process's one connection
    for token in [first_token, *(token for _sent, token in others)]:
        done = client.post(f"/s/{token}/", {"q_nps": "9", "locale": "zh-hans"})
        assert done.status_code == 302
    # then the connection holds exactly two prepared statements, the token lookup and the
    # submit's WITH statement, each prepared on its first run and reused for the other two
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql = false")
        prepared = sorted(row[0].split(None, 1)[0].upper() for row in cursor.fetchall())
    assert prepared == ["SELECT", "WITH"]
    assert (
        Response.objects.filter(invitation__survey_version=first.survey_version, status="completed").count()
        == 3
    )
    assert sorted(
        Answer.objects.filter(response__survey_version=first.survey_version).values_list("value", flat=True)
    ) == [9, 9, 9]


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_can_be_turned_off(settings, postgres) -> None:
    # given prepared statements turned off (for a pooler that cannot keep them), a new connection
    settings.DATABASE_PREPARED_STATEMENTS = False
    connection.close()
    sent, token = invitation()
    # when the link is submitted
    done = Client().post(f"/s/{token}/", {"q_nps": "9", "locale": "en"})
    # then it is saved as usual, and nothing was prepared on the connection
    assert done.status_code == 302
    assert Response.objects.get(invitation=sent).status == "completed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE from_sql = false")
        assert cursor.fetchone()[0] == 0
