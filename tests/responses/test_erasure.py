"""Erasure of one respondent on request: every table and file that held their contact data or
free text is checked after the erasure, the anonymous counts are checked unchanged, and the
audit trail records the erasure without the erased values."""

import datetime as dt
import json
import zipfile

import pytest
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from analysis.models import CommentAnalysis, CommentTopic, DailyAggregate, EmergingTopic, ResponseFacts
from cases.models import Case, CaseNote
from exports import services as export_services
from exports.models import Export
from ops.models import AuditEntry
from responses.models import Answer, Invitation, Respondent
from responses.services.erasure import respondent_erase
from tests.cases.factories import BASE, analysed_survey, answered, rule, team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TARGET_WORDS = "送餐太慢了，骑手态度很差"
TARGET_EMAIL = "kehu@example.com"
TARGET_PHONE = "+8613800000001"
URL = "/api/v1/respondents/erasure/"


def _raw_respondent(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone, email_hash, phone_hash FROM responses_respondent WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def _export(user, survey, kind: str, fmt: str) -> Export:
    export = export_services.export_record(
        user=user,
        kind=kind,
        survey=survey,
        format=fmt,
        mode="background",
        filters={"from": "2026-05-01", "to": "2026-05-31"},
        with_contact=kind == "responses",
    )
    return export_services.export_run(export_id=export.pk)


def _file_text(export: Export) -> str:
    path = export_services.exports_root() / export.file_name
    if export.format == "xlsx":
        with zipfile.ZipFile(path) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return path.read_text(encoding="utf-8-sig")


def _counts() -> dict:
    totals = DailyAggregate.objects.filter(segment_key="", topic_key="").aggregate(
        responses=Sum("responses"), comments=Sum("comments"), detractors=Sum("detractors")
    )
    facts = list(
        ResponseFacts.objects.order_by("pk").values_list(
            "response_id", "primary_score", "is_detractor", "has_comment", "topics", "segments"
        )
    )
    return {"aggregates": totals, "facts": facts, "comments": CommentAnalysis.objects.count()}


@pytest.fixture
def world(settings, tmp_path) -> dict:
    settings.EXPORTS_ROOT = tmp_path / "exports"
    survey, version = analysed_survey()
    target = answered(version, nps=2, why=TARGET_WORDS, invited=True, consent=True)
    other = answered(version, nps=9, why="送餐很快，很满意", invited=True)
    person = target.invitation.respondent
    neighbour = other.invitation.respondent
    neighbour.email, neighbour.phone = "other@example.com", "+8613900000002"
    neighbour.save()
    Invitation.objects.filter(respondent=person).update(last_error=f"550 mailbox {TARGET_EMAIL} unavailable")
    crew = team(members=("agent",))
    case = Case.objects.create(
        rule=rule("slow", "detractor", team=crew),
        response=target,
        survey=survey,
        respondent=person,
        team=crew,
        assignee=crew.lead,
        opened_at=BASE,
        due_at=BASE + dt.timedelta(days=1),
        updated_at=BASE,
        resolution=f"已致电 {TARGET_PHONE}：{TARGET_WORDS}",
    )
    CaseNote.objects.create(case=case, author=crew.lead, text=f"客户原话：{TARGET_WORDS}", created_at=BASE)
    comments = dict(CommentAnalysis.objects.values_list("response_id", "pk"))
    emerging = EmergingTopic.objects.create(
        survey=survey,
        key="rider-attitude",
        keywords=["骑手", "态度"],
        mentions=2,
        example_comment_ids=[comments[target.pk], comments[other.pk]],
        discovered_at=BASE,
    )
    admin = UserFactory(username="root", is_superuser=True)
    # a second survey's export does not hold the respondent and must stay
    other_survey, other_version = analysed_survey("after-pickup", taxonomy=None)
    third = answered(other_version, nps=5, why="还行", invited=True).invitation.respondent
    third.email, third.phone = "third@example.com", "+8613900000003"
    third.save()
    exports = {
        "csv": _export(admin, survey, "responses", "csv"),
        "xlsx": _export(admin, survey, "comments", "xlsx"),
        "funnel": _export(admin, survey, "funnel", "csv"),
        "other": _export(admin, other_survey, "responses", "csv"),
    }
    return {
        "survey": survey,
        "target": target,
        "other": other,
        "person": person,
        "neighbour": neighbour,
        "case": case,
        "emerging": emerging,
        "comments": comments,
        "exports": exports,
        "admin": admin,
    }


def test_the_world_holds_the_data_to_erase(world) -> None:
    # the checks below would pass vacuously if the data had never been there
    assert TARGET_EMAIL in _file_text(world["exports"]["csv"])
    assert TARGET_WORDS in _file_text(world["exports"]["xlsx"])
    assert CommentAnalysis.objects.get(response=world["target"]).text != ""
    assert CommentTopic.objects.filter(comment__response=world["target"]).exclude(matched_terms=[]).exists()
    assert Respondent.objects.get(pk=world["person"].pk).email == TARGET_EMAIL


def test_erasure_removes_contact_and_free_text_everywhere_and_keeps_the_counts(world) -> None:
    person, target, other = world["person"], world["target"], world["other"]
    before = _counts()

    result = respondent_erase(respondent=person, actor=world["admin"])

    # the respondent: no email, phone or hashes; erased and opted out; the row stays
    assert _raw_respondent(person.pk) == ("", "", "", "")
    person.refresh_from_db()
    assert person.erased_at is not None and person.opted_out_at == person.erased_at
    assert Invitation.objects.get(respondent=person).last_error == ""
    # the answers: free text emptied, the score kept
    assert dict(Answer.objects.filter(response=target).values_list("question_key", "value")) == {
        "nps": 2,
        "why": "",
    }
    # analysis: comment text, tokens, phrases and matched terms gone; topics kept
    comment = CommentAnalysis.objects.get(response=target)
    assert (comment.text, comment.tokens, comment.phrases) == ("", [], [])
    assert comment.topics != []
    assert list(CommentTopic.objects.filter(comment=comment).values_list("matched_terms", flat=True)) == [
        [] for _ in comment.topics
    ]
    world["emerging"].refresh_from_db()
    assert world["emerging"].example_comment_ids == [world["comments"][other.pk]]
    # cases: resolution and notes emptied, the case kept
    case = Case.objects.get(pk=world["case"].pk)
    assert (case.resolution, case.respondent_id) == ("", person.pk)
    assert list(CaseNote.objects.filter(case=case).values_list("text", flat=True)) == [""]
    # stored exports naming the response: files deleted, records kept; the others untouched
    exports = {name: Export.objects.get(pk=export.pk) for name, export in world["exports"].items()}
    for name in ("csv", "xlsx"):
        assert (exports[name].status, exports[name].file_name) == (Export.Status.DELETED, "")
        assert not (export_services.exports_root() / world["exports"][name].file_name).exists()
    assert exports["funnel"].status == exports["other"].status == Export.Status.DONE
    assert sorted(p.name for p in export_services.exports_root().iterdir()) == sorted(
        [exports["funnel"].file_name, exports["other"].file_name]
    )
    # nothing of the person is left in any table
    with connection.cursor() as cursor:
        for table, column in [
            ("responses_answer", "value::text"),
            ("analysis_commentanalysis", "text || tokens::text || phrases::text"),
            ("analysis_commenttopic", "matched_terms::text"),
            ("cases_case", "resolution"),
            ("cases_casenote", "text"),
            ("responses_invitation", "last_error"),
            ("ops_auditentry", "after::text || before::text || object_repr"),
        ]:
            for needle in (TARGET_WORDS, TARGET_EMAIL, TARGET_PHONE, "骑手态度很差"):
                cursor.execute(f"SELECT count(*) FROM {table} WHERE {column} LIKE %s", [f"%{needle}%"])  # noqa: S608
                assert cursor.fetchone()[0] == 0, (table, needle)
    # the other respondent keeps everything
    assert Respondent.objects.get(pk=world["neighbour"].pk).email == "other@example.com"
    assert CommentAnalysis.objects.get(response=other).text != ""
    # every anonymous count is unchanged
    assert _counts() == before
    # and the erasure is recorded: who, what kind of data, how many; never the values
    entry = AuditEntry.objects.get(action="responses.respondent.erased")
    assert (entry.actor, entry.object_label, entry.object_id) == (
        world["admin"],
        "responses.respondent",
        str(person.pk),
    )
    assert entry.after == {
        "data": ["contact", "free_text"],
        "responses": 1,
        "counts": {
            "responses.respondent": 1,
            "responses.invitation": 1,
            "responses.answer": 1,
            "analysis.commentanalysis": 1,
            "analysis.commenttopic": len(comment.topics),
            "analysis.emergingtopic": 1,
            "cases.case": 1,
            "cases.casenote": 1,
            "exports.export": 2,
        },
    }
    assert result.counts == entry.after["counts"]


def test_erasure_is_idempotent(world) -> None:
    respondent_erase(respondent=world["person"], actor=world["admin"])
    again = respondent_erase(respondent=world["person"], actor=world["admin"])
    assert again.changed == 0
    assert set(again.counts.values()) == {0}
    assert AuditEntry.objects.filter(action="responses.respondent.erased").count() == 2


def test_later_events_bring_no_contact_data_back(world) -> None:
    from responses.services.respondents import respondents_upsert
    from responses.services.validation import RespondentInput

    person = world["person"]
    respondent_erase(respondent=person)
    from django.db import transaction

    with transaction.atomic():
        respondents_upsert(
            updates=[
                (
                    BASE + dt.timedelta(days=30),
                    RespondentInput(type=person.type, ref=person.ref, email=TARGET_EMAIL),
                )
            ]
        )
    assert _raw_respondent(person.pk) == ("", "", "", "")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_erases_by_email_then_answers_404_for_it(world) -> None:
    client = _api(world["admin"])
    response = client.post(URL, {"email": "KEHU@example.com"}, format="json")
    assert response.status_code == 200, response.content
    (item,) = response.json()["respondents"]
    assert (item["id"], item["ref"], item["counts"]["exports.export"]) == (
        str(world["person"].public_id),
        world["person"].ref,
        2,
    )
    assert _raw_respondent(world["person"].pk) == ("", "", "", "")
    # the address is held by nobody any more
    again = client.post(URL, {"email": TARGET_EMAIL}, format="json")
    assert (again.status_code, again.json()["code"]) == (404, "not_found")
    # by reference the erased respondent is still found: nothing left to change
    by_ref = client.post(URL, {"type": "customer", "ref": world["person"].ref}, format="json")
    assert by_ref.status_code == 200
    assert set(by_ref.json()["respondents"][0]["counts"].values()) == {0}


def test_the_api_erases_by_phone(world) -> None:
    response = _api(world["admin"]).post(URL, {"phone": "138 0000 0001"}, format="json")
    assert response.status_code == 200, response.content
    assert [item["ref"] for item in response.json()["respondents"]] == [world["person"].ref]
    assert Respondent.objects.get(pk=world["neighbour"].pk).email == "other@example.com"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "ref", "required"),
        ({"type": "customer"}, "ref", "required"),
        ({"email": "not-an-address"}, "email", "invalid_email"),
        ({"phone": "12"}, "phone", "invalid_phone"),
        ({"type": "robot", "ref": "x"}, "type", "invalid_choice"),
    ],
)
def test_the_api_names_the_bad_field(world, body: dict, field: str, code: str) -> None:
    response = _api(world["admin"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["details"][field][0]["code"] == code
    assert Respondent.objects.get(pk=world["person"].pk).email == TARGET_EMAIL


def test_only_who_may_erase_erases(world) -> None:
    owner = UserFactory(username="owner", groups=["process_owners"])
    response = _api(owner).post(URL, {"email": TARGET_EMAIL}, format="json")
    assert response.status_code == 403
    assert Respondent.objects.get(pk=world["person"].pk).email == TARGET_EMAIL


def test_the_admin_erases_after_a_confirmation_and_deletes_nothing(world, client) -> None:
    client.force_login(world["admin"])
    changelist = "/admin/responses/respondent/"
    data = {"action": "erase", "_selected_action": [world["person"].pk]}
    confirm = client.post(changelist, data)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode() or "无法撤销" in confirm.content.decode()
    assert Respondent.objects.get(pk=world["person"].pk).email == TARGET_EMAIL  # not yet
    done = client.post(changelist, {**data, "confirmed": "yes"})
    assert done.status_code == 302
    assert _raw_respondent(world["person"].pk) == ("", "", "", "")
    assert Respondent.objects.filter(pk=world["person"].pk).exists()
    page = client.get(changelist).content.decode()
    assert 'value="delete_selected"' not in page
    assert client.post(f"/admin/responses/respondent/{world['person'].pk}/delete/").status_code == 403


def test_case_contact_is_the_clear_text_for_the_assignee_and_blank_after_erasure(world) -> None:
    from cases.selectors import case_contact

    case = Case.objects.select_related("respondent").get(pk=world["case"].pk)
    lead = case.assignee
    lead.user_permissions.clear()
    assert case_contact(case=case, user=lead) == {"email": TARGET_EMAIL, "phone": TARGET_PHONE}
    respondent_erase(respondent=world["person"])
    case = Case.objects.select_related("respondent").get(pk=world["case"].pk)
    assert case_contact(case=case, user=lead) == {"email": "", "phone": ""}


def test_exports_scan_reads_text_and_zip(tmp_path) -> None:
    from exports.erasure import _mentions

    plain = tmp_path / "a.csv"
    plain.write_bytes(b"x" * (1 << 20) + b"needle-uuid" + b"y")
    packed = tmp_path / "b.xlsx"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", json.dumps(["needle-uuid"]))
    assert _mentions(plain, [b"needle-uuid"]) and _mentions(packed, [b"needle-uuid"])
    assert not _mentions(plain, [b"other-uuid"]) and not _mentions(packed, [b"other-uuid"])
