"""The demo improvement action: its review shows the planted slow-delivery problem's drop."""

import io

import pytest
from django.core.management import call_command

from cases.demo import demo_action_load
from cases.models import ImprovementAction
from cases.selectors import action_review
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_action_shows_a_significant_drop_of_the_planted_problem() -> None:
    # given the published surveys and the demo owner
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    UserFactory(username="owner", groups=["process_owners"])

    # when the demo action is loaded twice
    action = demo_action_load()
    again = demo_action_load()

    # then once, and its review: slow delivery 24 of 40 comments before, 6 of 22 after
    assert again.pk == action.pk
    assert ImprovementAction.objects.count() == 1
    share = action_review(action=action).measures["topic_share"]
    assert (share.before.count, share.before.n, share.after.count, share.after.n) == (24, 40, 6, 22)
    assert share.change.value == pytest.approx(6 / 22 - 24 / 40)
    assert share.change.p_value < 0.05
    assert share.change.high < 0
