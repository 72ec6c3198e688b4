"""Whose topics a page lists: a process owner's teams own topics (``Topic.team`` is a team's
key, ``cases.Team``), and the pages that list topics show the reader's teams' topics first.

``topics=mine`` lists the topics of the reader's teams (as member or lead); ``topics=all``
every topic, discovered ones (which no team owns) included. Without the parameter the view is
``mine`` for a reader whose teams own a topic of the survey, ``all`` otherwise. A reader without
such a team always sees every topic (``mine`` would be empty), and no switch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cases.selectors import teams_for_user, topic_owners
from workspace import labels
from workspace.filters import TOPICS_ALL, TOPICS_MINE, Filters


@dataclass(frozen=True)
class TopicView:
    """The topics a page lists: ``mode`` "mine" or "all"; ``topic_keys`` the survey's topics
    the reader's teams own; ``teams`` those teams' names in words."""

    mode: str
    topic_keys: frozenset[str]
    teams: tuple[str, ...]
    mine_url: str = ""
    all_url: str = ""

    @property
    def is_mine(self) -> bool:
        return self.mode == TOPICS_MINE

    @property
    def has_switch(self) -> bool:
        return bool(self.topic_keys)

    def keeps(self, key: str) -> bool:
        return not self.is_mine or key in self.topic_keys

    def only(self, topics: Iterable[dict]) -> list[dict]:
        """The ranked topics (dicts with a ``key``) this view lists, in their order."""
        return [t for t in topics if self.keeps(t.get("key", ""))]


def topic_view_for(
    *, user: Any, filters: Filters, lang: str, path: str = "", keep: Mapping[str, str] | None = None
) -> TopicView:
    """The reader's view of the survey's topics (``filters.topics`` when the query string chose,
    else the reader's default); ``path`` and ``keep`` (the page's own parameters, a search):
    the switch's links."""
    teams = list(teams_for_user(user=user)) if filters.survey is not None else []
    owners = topic_owners(survey_id=filters.survey.pk) if teams else {}
    team_keys = {team.key for team in teams}
    owned = frozenset(key for key, team in owners.items() if team in team_keys)
    if not owned:
        return TopicView(mode=TOPICS_ALL, topic_keys=frozenset(), teams=())
    mode = filters.topics or TOPICS_MINE
    owning = sorted({owners[key] for key in owned})
    names = {team.key: labels.text_in(team.name, lang, team.key) for team in teams}
    return TopicView(
        mode=mode,
        topic_keys=owned,
        teams=tuple(names[key] for key in owning),
        mine_url=path + filters.query(**(keep or {}), topics=TOPICS_MINE),
        all_url=path + filters.query(**(keep or {}), topics=TOPICS_ALL),
    )
