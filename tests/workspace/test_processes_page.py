"""The process owners' views: score and pain points per onboarding stage, the rider experience,
complaints by scenario; figures on fixed data, the filters applied, each role."""

import datetime as dt
import json
from pathlib import Path

import pytest

from analysis.models import Taxonomy
from analysis.services import response_analyse, survey_taxonomy_link, taxonomy_load_starter
from responses.models import Answer
from surveys.models import Audience
from tests.analysis.platform_factories import BASE, completed
from tests.responses.factories import SurveyFactory, SurveyVersionFactory
from tests.workspace.conftest import PERIOD

URL = "/workspace/processes/"
TEMPLATES = Path(__file__).resolve().parents[2] / "surveys" / "starter_templates"


def test_complaints_by_scenario_and_about_riders(data, client_for):
    # when the owner opens the process views of the after-delivery survey
    response = client_for("owner").get(URL, {**PERIOD, "survey": data["survey"].key})
    assert response.status_code == 200
    scenario = response.context["scenario"]
    # then 7 of the 9 responses complain; per district type, each against the rest
    assert (scenario["complaining"], scenario["responses"]) == (7, 9)
    (district,) = scenario["attributes"]
    assert district["label"] == "District type"
    assert [
        (
            r["label"],
            r["responses"],
            r["complaints"],
            r["value_text"],
            r["interval_text"],
            r["difference_text"],
        )
        for r in district["rows"]
    ] == [
        ("Office building", 4, 3, "75.0%", "30.1% – 95.4%", "-5.0 pp"),
        ("Residential", 4, 3, "75.0%", "30.1% – 95.4%", "-5.0 pp"),
        ("Campus", 1, 1, "100.0%", "20.7% – 100.0%", "–"),
    ]
    # office: 3 of 4 against 4 of 5: Fisher's exact test (small counts)
    assert district["rows"][0]["p_value"] == pytest.approx(1.0)
    assert (
        district["rows"][1]["topics_text"]
        == "Packaging or spills (2), Late delivery (1), Food arrived cold (1)"
    )
    # riders: the one response complaining about the rider's attitude, of 9
    riders = response.context["riders"]
    assert (riders["complaints"]["value_text"], riders["complaints"]["interval_text"]) == (
        "11.1%",
        "2.0% – 43.5%",
    )
    assert riders["complaints"]["topics_text"] == "Rider or service attitude"
    assert riders["on_time"] is None
    html = response.content.decode()
    assert 'id="chart-district_type"' in html
    assert "do not say whether the delivery was on time" in html


def test_filters_apply_to_the_process_views(data, client_for):
    response = client_for("owner").get(URL, {**PERIOD, "survey": data["survey"].key, "seg.city": "上海"})
    scenario = response.context["scenario"]
    assert (scenario["complaining"], scenario["responses"]) == (4, 5)
    (district,) = scenario["attributes"]
    assert [(r["label"], r["responses"], r["complaints"]) for r in district["rows"]] == [
        ("Office building", 3, 2),
        ("Residential", 2, 2),
    ]
    # filtered on the district type itself: nothing left to compare
    filtered = client_for("viewer").get(
        URL, {**PERIOD, "survey": data["survey"].key, "seg.district_type": "office"}
    )
    assert filtered.context["scenario"]["attributes"] == []


@pytest.fixture
def onboarding(db):
    """The merchant-onboarding survey (its starter definition, the onboarding taxonomy) with six
    merchants' answers: how easy each step was (1-7) and what slowed them down."""
    definition = json.loads((TEMPLATES / "merchant-after-onboarding.json").read_text(encoding="utf-8"))
    survey = SurveyFactory(key="merchant-after-onboarding", audience=Audience.MERCHANT)
    version = SurveyVersionFactory(survey=survey, number=1, definition=definition)
    taxonomy_load_starter(names=["merchant_onboarding"])
    survey_taxonomy_link(survey=survey, taxonomy=Taxonomy.objects.get(key="merchant_onboarding"))
    rows = [
        # effort, information collection, review, going live, what slowed them down
        (2, 5, 1, 4, "审核太慢了，被驳回两次"),
        (3, 6, 2, 5, "审核一直不通过"),
        (5, 4, 3, 6, "营业执照上传很麻烦"),
        (6, 7, 5, 7, ""),
        (4, 3, 4, 5, "审核慢"),
        (7, 7, 6, 7, ""),
    ]
    for index, (effort, info, review, live, why) in enumerate(rows):
        response = completed(version, completed_at=BASE + dt.timedelta(hours=index))
        values = {
            "effort": effort,
            "steps": {"information_collection": info, "review": review, "going_live": live},
            "slowed_down": why,
        }
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_key=k, value=v, updated_at=response.completed_at)
                for k, v in values.items()
                if v != ""
            ]
        )
        response_analyse(response_id=response.pk)
    return survey


def test_onboarding_score_and_pain_points_per_stage(onboarding, client_for):
    response = client_for("owner").get(URL, {**PERIOD, "survey": onboarding.key})
    assert response.status_code == 200
    stages = response.context["stages"]
    # the three steps in the process's order, each with its mean ease on 1-7 and a t interval
    assert [(s["stage"], s["label"], s["value_text"], s["score"]["n"]) for s in stages[:3]] == [
        ("information_collection", "Information collection", "5.33", 6),
        ("review", "Review", "3.50", 6),
        ("going_live", "Going live", "5.67", 6),
    ]
    # review: 1 2 3 5 4 6, mean 3.5, sd 1.8708, t(5) 2.5706: 3.5 ± 1.963
    assert stages[1]["interval_text"] == "1.54 – 5.46"
    # information collection 5 6 4 7 3 7: the interval is cut at the top of the 1-7 scale
    assert stages[0]["interval_text"] == "3.62 – 7.00"
    assert [t["key"] for t in stages[1]["topics"]] == ["review"]
    assert [t["key"] for t in stages[0]["topics"]] == ["information_collection"]
    html = response.content.decode()
    assert 'data-stage="review"' in html
    assert "/workspace/topics/review/" in html
    # nothing about riders in a merchant survey: no rider section
    assert 'id="riders"' not in html


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("designer", 200), ("viewer", 200), ("nonstaff", 302)]
)
def test_each_role_on_the_process_views(data, client_for, role, status):
    assert client_for(role).get(URL, {**PERIOD, "survey": data["survey"].key}).status_code == status


def test_bad_filters_on_the_process_views(data, client_for):
    response = client_for("owner").get(URL, {"survey": "nope", "from": "2026-05-10", "to": "2026-05-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="survey"' in html and 'data-field="from"' in html
