"""A response's page: answers in the reader's language, score, segments, topics with their
polarity, languages, and contact details only with consent and the permission."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from analysis.models import CommentAnalysis, ResponseFacts, Topic
from analysis.selectors import scope as base
from config.permissions import READ_CONTACTS, user_meets
from ops.masking import email_mask, phone_mask
from responses.models import Response
from workspace import labels
from workspace.selectors.common import discovered_names, metric_name


def _answer_text(question: dict, value, lang: str) -> str:
    kind = question.get("kind")
    if kind in ("single_choice", "multiple_choice"):
        choices = {
            c.get("key"): labels.text_in(c.get("label"), lang, c.get("key", ""))
            for c in question.get("choices") or []
        }
        picked = value if isinstance(value, list) else [value]
        return ", ".join(choices.get(v, str(v)) for v in picked)
    if kind == "matrix" and isinstance(value, dict):
        items = {
            i.get("key"): labels.text_in(i.get("label"), lang, i.get("key", ""))
            for i in question.get("items") or []
        }
        return "; ".join(f"{items.get(k, labels.humanise(k))}: {v}" for k, v in value.items())
    return str(value)


def response_page_for(*, response_id: int, user, lang: str) -> dict[str, Any] | None:
    response = (
        Response.objects.select_related("survey", "survey_version", "invitation__respondent")
        .filter(pk=response_id)
        .first()
    )
    if response is None:
        return None
    definition = response.survey_version.definition or {}
    questions = {q.get("key"): q for q in definition.get("questions") or []}
    order = {key: i for i, key in enumerate(questions)}
    answers = []
    for question_key, value in sorted(
        response.answers.values_list("question_key", "value"),
        key=lambda a: (order.get(a[0], len(order)), a[0]),
    ):
        question = questions.get(question_key, {})
        answers.append(
            {
                "key": question_key,
                "question": labels.text_in(question.get("text"), lang, labels.humanise(question_key)),
                "kind": question.get("kind", ""),
                "text": _answer_text(question, value, lang),
                "is_comment": question.get("kind") in ("short_text", "long_text"),
            }
        )
    facts = ResponseFacts.objects.filter(pk=response.pk).first()
    topic_keys: dict[str, int] = {}
    languages = set()
    for comment in CommentAnalysis.objects.filter(response=response):
        languages.add(comment.language)
        polarity = comment.topic_polarity or {}
        for key in comment.topics or []:
            topic_keys[key] = polarity.get(key, topic_keys.get(key, -1))
        # discovered topics, where comments carry them (topic key -> polarity)
        for key, value in (getattr(comment, "clusters", None) or {}).items():
            topic_keys[key] = value
    names = {
        t["key"]: t["label"]
        for t in Topic.objects.filter(
            key__in=list(topic_keys), taxonomy__in=base.taxonomy_ids(response.survey)
        ).values("key", "label")
    }
    names |= discovered_names([k for k in topic_keys if k.startswith("~")])
    polarity_words = polarity_labels()
    topics = [
        {
            "key": key,
            "label": labels.text_in(names.get(key), lang) or labels.humanise(key),
            "polarity": polarity,
            "polarity_text": polarity_words.get(polarity, ""),
            "discovered": key.startswith("~"),
        }
        for key, polarity in sorted(topic_keys.items())
    ]
    segments = [
        {"key": k, "label": labels.segment_key_label(k), "value": labels.segment_value_label(k, str(v))}
        for k, v in sorted(((facts.segments if facts else None) or {}).items())
    ]
    contact = None
    may_read_contacts = user_meets(user, READ_CONTACTS)
    respondent = response.invitation.respondent if response.invitation_id else None
    if may_read_contacts and response.contact_consent and respondent is not None:
        # Masked: in full only on a case, for its assignee (cases.selectors.case_contact).
        contact = {"email": email_mask(respondent.email), "phone": phone_mask(respondent.phone)}
    return {
        "response": response,
        "survey_title": labels.text_in(response.survey.title, lang, response.survey.key),
        "answers": answers,
        "score": facts.primary_score if facts else None,
        "metric_name": metric_name(facts.metric if facts else None),
        "is_detractor": bool(facts and facts.is_detractor),
        "is_promoter": bool(facts and facts.is_promoter),
        "segments": segments,
        "topics": topics,
        "locale_text": labels.segment_value_label("locale", response.locale),
        "comment_languages": sorted(labels.comment_language_label(code) for code in languages),
        "contact": contact,
        "contact_hidden_reason": _contact_hidden_reason(may_read_contacts, response, respondent),
    }


def _contact_hidden_reason(may_read: bool, response: Response, respondent) -> str:
    if not may_read:
        return _("Contact details are not shown to your role.")
    if respondent is None:
        return _("Answered through an open link: no contact details.")
    if not response.contact_consent:
        return _("The respondent did not agree to be contacted.")
    return ""


def polarity_labels() -> dict[int, str]:
    return {-1: _("complaint"), 0: _("neutral"), 1: _("praise")}
