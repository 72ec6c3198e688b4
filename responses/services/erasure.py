"""Erasure of one respondent on request, and the free-text removal retention shares with it.

``respondent_erase`` removes, in one transaction, everything that could identify the person or
quote them: the email and phone (ciphertext and keyed hashes), the free-text answers of every
response, the last delivery error of their invitations (a mail server's refusal may name the
address), and, through ``responses.hooks.personal_data_erase``, what the other apps keep
(analysed comment text, tokens, phrases and matched terms; emerging topic examples; case notes
and resolutions; stored export files naming the responses). The respondent row, the responses
with their scores and segments, the facts and the daily aggregates stay: every anonymous count
is kept. The respondent is marked erased (later events never bring contact data back) and opted
out (no more invitations). Idempotent: a second erasure changes nothing and counts zeros.

Each erasure is recorded in the audit trail (``ops.services.audit_record``): who, when, which
kinds of data and how many rows or files; never the erased values.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ops.contacts import EMAIL, PHONE, contact_hash
from ops.services import audit_record
from responses import hooks
from responses.models import Answer, Invitation, Respondent, Response
from surveys.models import Question, SurveyVersion

ERASED_ACTION = "responses.respondent.erased"
TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)


@dataclass(frozen=True)
class Erasure:
    respondent: Respondent
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(self.counts.values())


def respondents_find(*, type: str = "", ref: str = "", email: str = "", phone: str = "") -> list[Respondent]:
    """The respondents an erasure request names: by reference (with or without its type), or
    by email or phone through the keyed hash (the ciphertext cannot be searched)."""
    wanted = Q()
    if ref:
        wanted |= Q(ref=ref, type=type) if type else Q(ref=ref)
    if email:
        wanted |= Q(email_hash=contact_hash(EMAIL, email))
    if phone:
        wanted |= Q(phone_hash=contact_hash(PHONE, phone))
    if not wanted:
        return []
    return list(Respondent.objects.filter(wanted).order_by("pk"))


def _text_question_keys(version_ids: set[int]) -> dict[int, set[str]]:
    keys: dict[int, set[str]] = {}
    for pk, definition in SurveyVersion.objects.filter(pk__in=version_ids).values_list("pk", "definition"):
        keys[pk] = {
            q["key"] for q in (definition or {}).get("questions") or [] if q.get("kind") in TEXT_KINDS
        }
    return keys


def responses_text_erase(*, response_ids: list[int], respondent_ids: list[int] = ()) -> dict[str, int]:
    """Empty the free-text answers of these responses, then run every app's eraser."""
    versions = dict(Response.objects.filter(pk__in=response_ids).values_list("pk", "survey_version_id"))
    text_keys = _text_question_keys(set(versions.values()))
    wanted = Q(pk__in=[])
    for version, keys in text_keys.items():
        if keys:
            ids = [pk for pk, v in versions.items() if v == version]
            wanted |= Q(response_id__in=ids, question_key__in=keys)
    answers = Answer.objects.filter(wanted).exclude(value="").update(value="", updated_at=timezone.now())
    counts = {"responses.answer": answers}
    for hook in list(hooks.personal_data_erase):
        for label, count in hook(
            response_ids=list(response_ids), respondent_ids=list(respondent_ids)
        ).items():
            counts[label] = counts.get(label, 0) + count
    return counts


def contacts_clear(respondents) -> int:
    """Empty the email and phone (and their hashes) of a respondent queryset; rows changed."""
    return respondents.filter(~Q(email="") | ~Q(phone="") | ~Q(email_hash="") | ~Q(phone_hash="")).update(
        email="", phone="", email_hash="", phone_hash="", updated_at=timezone.now()
    )


def respondent_erase(*, respondent: Respondent, actor=None, now: dt.datetime | None = None) -> Erasure:
    """Erase one respondent's contact data and free text everywhere; keep the counts."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
        response_ids = list(
            Response.objects.filter(invitation__respondent=locked).order_by("pk").values_list("pk", flat=True)
        )
        counts = {"responses.respondent": contacts_clear(Respondent.objects.filter(pk=locked.pk))}
        counts["responses.invitation"] = (
            Invitation.objects.filter(respondent=locked).exclude(last_error="").update(last_error="")
        )
        counts |= responses_text_erase(response_ids=response_ids, respondent_ids=[locked.pk])
        # Anonymised like retention's: never analysed again (the counts stay as they are).
        Response.objects.filter(pk__in=response_ids, anonymised_at__isnull=True).update(anonymised_at=now)
        Respondent.objects.filter(pk=locked.pk, erased_at__isnull=True).update(erased_at=now)
        Respondent.objects.filter(pk=locked.pk, opted_out_at__isnull=True).update(opted_out_at=now)
        audit_record(
            action=ERASED_ACTION,
            instance=locked,
            actor=actor,
            after={"data": ["contact", "free_text"], "responses": len(response_ids), "counts": counts},
            now=now,
        )
    locked.refresh_from_db()
    return Erasure(respondent=locked, counts=counts)
