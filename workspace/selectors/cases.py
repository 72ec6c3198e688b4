"""The case queue and a case's page: the cases selectors' rows, with labels in words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analysis.models import Topic
from cases import selectors as case_selectors
from cases.models import Case, CaseNote, Team
from cases.services.workflow import case_assignable_users, transition_allowed
from workspace import labels

PAGE_SIZE = 25


class Tab:
    MINE = "mine"
    TEAM = "team"
    OVERDUE = "overdue"
    OPEN = "open"


TABS = (
    (Tab.MINE, _("Mine")),
    (Tab.TEAM, _("My teams'")),
    (Tab.OVERDUE, _("Overdue")),
    (Tab.OPEN, _("All open")),
)


class QueueForm(forms.Form):
    """The queue's own query string: the tab, a status and a team (empty: all)."""

    tab = forms.ChoiceField(label=_("Tab"), choices=TABS, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", ""), *Case.Status.choices], required=False)
    team = forms.CharField(label=_("Team"), required=False)
    page = forms.IntegerField(label=_("Page"), min_value=1, required=False)

    def clean_team(self) -> str:
        key = self.cleaned_data["team"]
        if key and not Team.objects.filter(key=key).exists():
            raise forms.ValidationError(_("There is no team %(key)s.") % {"key": key})
        return key


def case_queue(
    *, user: Any, tab: str, status: str = "", team: str = "", now: dt.datetime | None = None
) -> QuerySet[Case]:
    """The cases of a tab: active ones (or those of ``status``), soonest due first."""
    now = now or timezone.now()
    cases = case_selectors.case_list(status=status or None, team=team or None)
    if not status:
        cases = cases.filter(status__in=case_selectors.ACTIVE)
    if tab == Tab.MINE:
        cases = cases.filter(assignee=user)
    elif tab == Tab.TEAM:
        cases = cases.filter(pk__in=case_selectors.cases_for_user(user=user).values("pk"))
    elif tab == Tab.OVERDUE:
        cases = cases.filter(status__in=case_selectors.ACTIVE, due_at__lt=now)
    return cases


def open_case_count() -> int:
    return Case.objects.filter(status__in=case_selectors.ACTIVE).count()


def _topic_names(cases: list[Case], lang: str) -> dict[str, str]:
    keys = {key for case in cases for key in (case.reason or {}).get("topics") or () if isinstance(key, str)}
    return {
        row["key"]: labels.text_in(row["label"], lang, row["key"])
        for row in Topic.objects.filter(key__in=keys).values("key", "label")
    }


def case_row(case: Case, *, lang: str, topic_names: dict[str, str], now: dt.datetime) -> dict:
    topics = [k for k in (case.reason or {}).get("topics") or () if isinstance(k, str)]
    return {
        "case": case,
        "rule": labels.text_in(case.rule.name, lang, case.rule.key),
        "topics": [topic_names.get(k) or labels.humanise(k) for k in topics],
        "team": labels.text_in(case.team.name, lang, case.team.key),
        "assignee": case.assignee.get_username() if case.assignee_id else "",
        "status_text": case.get_status_display(),
        "is_overdue": case_selectors.case_is_overdue(case, now=now),
    }


def queue_page_for(*, user: Any, query, lang: str, now: dt.datetime | None = None) -> dict:
    """The queue page: tabs with their counts, the chosen tab's rows (paged), the filter's errors."""
    now = now or timezone.now()
    form = QueueForm(query)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    tab = data.get("tab") or Tab.MINE
    status = data.get("status") or ""
    team = data.get("team") or ""
    cases = case_queue(user=user, tab=tab, status=status, team=team, now=now)
    paginator = Paginator(cases, PAGE_SIZE)
    page = paginator.get_page(data.get("page") or 1)
    rows = list(page.object_list)
    names = _topic_names(rows, lang)
    tabs = [
        {
            "key": key,
            "label": label,
            "count": case_queue(user=user, tab=key, status=status, team=team, now=now).count(),
            "current": key == tab,
        }
        for key, label in TABS
    ]
    return {
        "queue_form": form,
        "queue_errors": [
            {"field": name, "label": form.fields[name].label, "message": message}
            for name, messages in form.errors.items()
            for message in messages
        ],
        "tab": tab,
        "status": status,
        "team": team,
        "tabs": tabs,
        "statuses": Case.Status.choices,
        "teams": [
            {"key": t.key, "label": labels.text_in(t.name, lang, t.key)} for t in Team.objects.order_by("key")
        ],
        "rows": [case_row(case, lang=lang, topic_names=names, now=now) for case in rows],
        "page": page,
    }


def case_page_for(*, case_id: int, user: Any, lang: str, now: dt.datetime | None = None) -> dict | None:
    """A case with its notes, who it may be given to, and the changes its status allows."""
    now = now or timezone.now()
    case = (
        Case.objects.select_related("rule", "team", "assignee", "survey", "response")
        .filter(Q(pk=case_id))
        .first()
    )
    if case is None:
        return None
    row = case_row(case, lang=lang, topic_names=_topic_names([case], lang), now=now)
    notes = CaseNote.objects.filter(case=case).select_related("author").order_by("created_at", "pk")
    return {
        **row,
        "notes": [
            {"text": n.text, "author": n.author.get_username() if n.author_id else "", "at": n.created_at}
            for n in notes
        ],
        "assignable": [
            {"id": u.pk, "name": u.get_username(), "current": u.pk == case.assignee_id}
            for u in case_assignable_users(case).order_by("username")
        ],
        "root_causes": Topic.Stage.choices,
        "may": {
            "start": transition_allowed(case.status, Case.Status.IN_PROGRESS),
            "resolve": transition_allowed(case.status, Case.Status.RESOLVED),
            "close": transition_allowed(case.status, Case.Status.CLOSED),
            "reopen": transition_allowed(case.status, Case.Status.OPEN),
        },
        "root_cause_text": case.get_root_cause_display() if case.root_cause else "",
        "contact": case_selectors.case_contact(case=case, user=user),
    }
