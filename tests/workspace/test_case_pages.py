"""The case queue and a case's page: the rows of each tab on fixed data, each role's access,
every change through the page (each by its service), a refused change in both languages."""

import pytest
from django.test import Client

from cases.models import Case, CaseNote
from ops.models import AuditEntry
from tests.factories import UserFactory
from tests.workspace.case_data import cases_made

pytestmark = pytest.mark.django_db


@pytest.fixture
def made() -> dict:
    return cases_made()


def _client(user, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def _rows(response) -> list[int]:
    return [row["case"].pk for row in response.context["rows"]]


def test_each_tab_lists_its_cases_soonest_due_first(made) -> None:
    # given the delivery_ops lead
    client = _client(made["lead"])
    c1, c2, c3, c4 = (made[k].pk for k in ("c1", "c2", "c3", "c4"))

    # when they open each tab, then each lists exactly its cases
    assert _rows(client.get("/workspace/cases/")) == [c1]
    assert _rows(client.get("/workspace/cases/?tab=mine")) == [c1]
    assert _rows(client.get("/workspace/cases/?tab=team")) == [c2, c1]
    assert _rows(client.get("/workspace/cases/?tab=overdue")) == [c2, c3]
    assert _rows(client.get("/workspace/cases/?tab=open")) == [c2, c3, c1]
    assert _rows(client.get("/workspace/cases/?tab=open&status=resolved")) == [c4]
    assert _rows(client.get("/workspace/cases/?tab=open&team=food_safety")) == [c3]
    page = client.get("/workspace/cases/?tab=open")
    assert [(t["key"], t["count"]) for t in page.context["tabs"]] == [
        ("mine", 1),
        ("team", 2),
        ("overdue", 2),
        ("open", 3),
    ]


def test_a_row_shows_the_case_in_words(made) -> None:
    # given the queue of all open cases in English
    page = _client(made["lead"]).get("/workspace/cases/?tab=open")

    # then the overdue Beijing case reads in words, marked overdue
    row = page.context["rows"][1]
    assert (row["rule"], row["team"], row["assignee"], row["status_text"], row["is_overdue"]) == (
        "Beijing follow-up",
        "food_safety team",
        "food_safety-lead",
        "Open",
        True,
    )
    html = page.content.decode()
    assert f'href="/workspace/responses/{made["c3"].response_id}/"' in html
    assert html.count('class="ws-late"') == 2
    # and the navigation counts the open cases
    assert [item["count"] for item in page.context["nav"] if item["name"] == "workspace:cases"] == [3]


def test_the_queue_reads_in_chinese(made) -> None:
    page = _client(made["lead"], "zh-hans").get("/workspace/cases/?tab=open")
    row = page.context["rows"][1]
    assert (row["rule"], row["team"], row["status_text"]) == ("北京跟进", "food_safety 组", "待处理")
    assert "逾期" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "lang", "message"),
    [
        ("tab=later", "en", "Select a valid choice. later is not one of the available choices."),
        ("team=nobody", "en", "There is no team nobody."),
        ("team=nobody", "zh-hans", "没有团队 nobody。"),
    ],
)
def test_a_bad_filter_is_named_and_answered_400(made, query, lang, message) -> None:
    page = _client(made["lead"], lang).get(f"/workspace/cases/?{query}")
    assert page.status_code == 400
    assert [e["message"] for e in page.context["queue_errors"]] == [message]


def test_the_queue_is_paged(made, monkeypatch) -> None:
    monkeypatch.setattr("workspace.selectors.cases.PAGE_SIZE", 2)
    client = _client(made["lead"])
    assert _rows(client.get("/workspace/cases/?tab=open&page=2")) == [made["c1"].pk]
    assert 'rel="next"' in client.get("/workspace/cases/?tab=open").content.decode()


@pytest.mark.parametrize(
    ("role", "queue", "case", "act", "forms"),
    [
        ("process_owners", 200, 200, 302, True),
        ("viewers", 200, 200, 403, False),
        ("survey_designers", 403, 403, 403, False),
    ],
)
def test_each_role(made, role, queue, case, act, forms) -> None:
    # given a member of the role
    user = UserFactory(username=f"someone-{role}", groups=[role])
    client = _client(user)
    url = f"/workspace/cases/{made['c1'].pk}/"

    # when they open the pages and post a note
    got = (
        client.get("/workspace/cases/").status_code,
        client.get(url).status_code,
        client.post(url + "act/", {"action": "note", "text": "看过了"}).status_code,
    )

    # then
    assert got == (queue, case, act)
    if case == 200:
        assert ('id="case-work"' in client.get(url).content.decode()) is forms
    assert CaseNote.objects.count() == (1 if act == 302 else 0)


def test_designers_have_no_cases_entry_and_strangers_log_in(made) -> None:
    designer = _client(UserFactory(username="designer", groups=["survey_designers"]))
    names = [i["name"] for i in designer.get("/workspace/painpoints/").context["nav"]]
    assert "workspace:cases" not in names
    anonymous = Client().get("/workspace/cases/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")


def test_an_owner_works_a_case_through_every_change(made) -> None:
    # given the delivery_ops lead and their open case
    client = _client(made["lead"])
    case = made["c1"]
    url = f"/workspace/cases/{case.pk}/"
    member = made["ops"].members.get()

    def act(**data):
        answer = client.post(url + "act/", data)
        assert (answer.status_code, answer["Location"]) == (302, url)
        case.refresh_from_db()
        return case

    # when they start, note, reassign, resolve, close and reopen it through the page
    assert act(action="start").status == "in_progress"
    act(action="note", text="已联系骑手")
    assert act(action="assign", assignee=str(member.pk)).assignee_id == member.pk
    resolved = act(action="resolve", root_cause="delivery", resolution="骑手已培训")
    assert (resolved.status, resolved.root_cause, resolved.resolution) == (
        "resolved",
        "delivery",
        "骑手已培训",
    )
    assert act(action="close").status == "closed"
    reopened = act(action="reopen")
    assert (reopened.status, reopened.reopened) == ("open", 1)

    # then the notes and the audit trail hold each change
    assert list(CaseNote.objects.filter(case=case).values_list("text", flat=True)) == ["已联系骑手"]
    assert list(
        AuditEntry.objects.filter(object_id=str(case.pk), action__startswith="cases.case.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "cases.case.opened",
        "cases.case.in_progress",
        "cases.case.noted",
        "cases.case.assigned",
        "cases.case.resolved",
        "cases.case.closed",
        "cases.case.open",
    ]
    page = client.get(url).content.decode()
    assert "已联系骑手" in page
    assert 'id="form-close"' not in page


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "A case cannot go from Open to Closed."),
        ("zh-hans", "案例不能从“待处理”变为“已关闭”。"),
    ],
)
def test_a_refused_change_shows_the_services_message(made, lang, message) -> None:
    # given an open case
    case = made["c1"]

    # when its lead tries to close it
    page = _client(made["lead"], lang).post(f"/workspace/cases/{case.pk}/act/", {"action": "close"})

    # then the page answers 400 with the service's message, and nothing changed
    assert page.status_code == 400
    assert [e["message"] for e in page.context["action_errors"]] == [message]
    case.refresh_from_db()
    assert case.status == "open"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"action": "resolve", "root_cause": "moon", "resolution": "x"},
            "root_cause",
            "Select a valid choice. moon is not one of the available choices.",
        ),
        (
            {"action": "resolve", "root_cause": "delivery", "resolution": ""},
            "resolution",
            "This field is required.",
        ),
        ({"action": "note", "text": "  "}, "text", "This field is required."),
        (
            {"action": "fly"},
            "action",
            "Unknown action fly; choose one of: start, resolve, close, reopen, assign, note.",
        ),
    ],
)
def test_bad_form_input_is_named(made, data, field, message) -> None:
    case = made["c1"]
    page = _client(made["lead"]).post(f"/workspace/cases/{case.pk}/act/", data)
    assert page.status_code == 400
    assert [(e["field"], e["message"]) for e in page.context["action_errors"]] == [(field, message)]
    assert Case.objects.get(pk=case.pk).status == "open"
    assert CaseNote.objects.count() == 0


def test_reassigning_outside_the_team_is_refused(made) -> None:
    outsider = UserFactory(username="outsider", groups=["process_owners"])
    case = made["c1"]
    page = _client(made["lead"]).post(
        f"/workspace/cases/{case.pk}/act/", {"action": "assign", "assignee": str(outsider.pk)}
    )
    assert page.status_code == 400
    assert [e["message"] for e in page.context["action_errors"]] == [
        f"User {outsider.pk} is not an active member of the team delivery_ops."
    ]
    assert Case.objects.get(pk=case.pk).assignee_id == made["lead"].pk


def test_a_post_needs_the_csrf_token(made) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(made["lead"])
    assert client.post(f"/workspace/cases/{made['c1'].pk}/act/", {"action": "start"}).status_code == 403
    assert Case.objects.get(pk=made["c1"].pk).status == "open"


def test_a_get_on_the_change_url_is_refused(made) -> None:
    assert _client(made["lead"]).get(f"/workspace/cases/{made['c1'].pk}/act/").status_code == 405


def test_the_case_page_shows_the_response_and_no_contact_without_consent(made) -> None:
    page = _client(made["lead"]).get(f"/workspace/cases/{made['c1'].pk}/")
    assert page.status_code == 200
    assert page.context["contact"] is None
    html = page.content.decode()
    assert f'href="/workspace/responses/{made["c1"].response_id}/"' in html
    assert "送餐太慢了" in html
    assert 'id="case-contact"' not in html
