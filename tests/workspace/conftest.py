"""A fixed data set for the workspace pages and a logged-in client per role.

The after-delivery survey (NPS + why + praise, the food-delivery taxonomy), nine responses in
the week of 2026-05-04 and three in the week before (the previous period of 05-04..05-10 is
04-27..05-03), analysed as the platform does.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed

# (nps, why, city, district_type, locale)
ROWS = [
    (2, "午高峰送餐太慢了", "上海", "office", "zh-hans"),
    (3, "等了一个小时才送到，太慢了", "上海", "office", "zh-hans"),
    (1, "饭都凉了，还等了很久", "上海", "residential", "zh-hans"),
    (6, "奶茶洒了一半", "上海", "residential", "zh-hans"),
    (9, "很好吃", "上海", "office", "zh-hans"),
    (4, "骑手态度很差", "北京", "office", "zh-hans"),
    (7, "包装漏了", "北京", "residential", "zh-hans"),
    (10, "", "北京", "residential", "en"),
    (0, "The food arrived cold and very late", "北京", "campus", "en"),
]
PREVIOUS = [
    (8, "", "上海", "office", "zh-hans"),
    (9, "", "北京", "office", "zh-hans"),
    (3, "送餐太慢了", "上海", "office", "zh-hans"),
]
PERIOD = {"from": "2026-05-04", "to": "2026-05-10"}
PASSWORD = "workspace-test-2026"


@pytest.fixture
def data(db):
    survey, version = analysed_survey()
    responses = []
    for index, (nps, why, city, district, locale) in enumerate(ROWS):
        response = completed(
            version,
            nps=nps,
            why=why,
            attributes={"city": city, "district_type": district},
            completed_at=BASE + dt.timedelta(hours=index * 5),
            locale=locale,
        )
        response_analyse(response_id=response.pk)
        responses.append(response)
    for index, (nps, why, city, district, locale) in enumerate(PREVIOUS):
        response = completed(
            version,
            nps=nps,
            why=why,
            attributes={"city": city, "district_type": district},
            completed_at=BASE - dt.timedelta(days=3, hours=index),
            locale=locale,
        )
        response_analyse(response_id=response.pk)
    return {"survey": survey, "version": version, "responses": responses}


def _user(name: str, group: str | None, *, staff: bool = True, superuser: bool = False) -> User:
    user = User.objects.create_user(name, password=PASSWORD, is_staff=staff, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


ROLE_GROUPS = {
    "owner": "process_owners",
    "designer": "survey_designers",
    "viewer": "viewers",
}


@pytest.fixture
def client_for(db):
    """client_for("owner" | "designer" | "viewer" | "superuser" | "nonstaff") -> a logged-in client."""

    def make(role: str) -> Client:
        if role == "superuser":
            user = _user("root", None, superuser=True)
        elif role == "nonstaff":
            user = _user("customer", None, staff=False)
        else:
            user = _user(role, ROLE_GROUPS[role])
        client = Client()
        client.force_login(user)
        return client

    return make
