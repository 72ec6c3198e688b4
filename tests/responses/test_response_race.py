"""Two submits of one invitation racing on PostgreSQL: exactly one response, completed once."""

import threading

import pytest
from django.db import connection
from django.test import Client

from responses.models import Answer, Invitation, Response
from responses.services.answering import SaveStatus, response_save
from tests.responses.factories import invitation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:  # reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_submits_give_one_completed_response(postgres) -> None:
    # given an invitation nobody has answered
    sent, _token = invitation()
    version = sent.survey_version
    submissions = [{"nps": ["9"]}, {"nps": ["10"], "praise": ["快"]}]

    # when two submits arrive at the same moment
    def submit(index: int):
        return response_save(
            survey_version=version,
            raw=submissions[index],
            locale="zh-hans",
            complete=True,
            invitation=Invitation.objects.get(pk=sent.pk),
        ).status

    statuses = _race(2, submit)
    # then one completes and the other is told the survey was answered
    assert sorted(statuses) == [SaveStatus.ALREADY_ANSWERED, SaveStatus.COMPLETED]
    response = Response.objects.get()
    assert response.status == "completed"
    # and the stored answers are exactly the winner's
    stored = dict(Answer.objects.filter(response=response).values_list("question_key", "value"))
    winner = statuses.index(SaveStatus.COMPLETED)
    assert stored == [{"nps": 9}, {"nps": 10, "praise": "快"}][winner]
    sent.refresh_from_db()
    assert sent.status == "completed"


def test_eight_concurrent_posts_of_the_form_complete_once(postgres) -> None:
    _sent, token = invitation()

    def post(index: int) -> int:
        return Client().post(f"/s/{token}/", {"q_nps": str(index), "q_reason": "late"}).status_code

    codes = _race(8, post)
    assert sorted(codes) == [302] + [409] * 7
    assert Response.objects.count() == 1
    assert Response.objects.get().status == "completed"
