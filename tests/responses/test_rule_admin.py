"""The distribution rule's admin form (structured fields <-> stored form, every check at once, in
both languages), the overlap warnings and the demo rule shown in the structured form."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation

from responses.distribution.models import DistributionRule
from responses.distribution.rules import RuleSpec, attribute_filters_overlap, rules_overlapping
from tests.responses.factories import NOW, DistributionRuleFactory, published_survey

pytestmark = pytest.mark.django_db

VALID_FORM = {
    "name": "after delivery",
    "is_active": "on",
    "priority": "100",
    "event_types": "order.delivered, order.completed",
    "source": "",
    "attribute_filters-0-key": "district_type",
    "attribute_filters-0-op": "in",
    "attribute_filters-0-value": "office，residential",
    "attribute_filters-1-key": "city",
    "attribute_filters-1-op": "is",
    "attribute_filters-1-value": "上海",
    "attribute_filters-2-key": "",
    "attribute_filters-2-op": "is",
    "attribute_filters-2-value": "",
    "audience": "customer",
    "delay_minutes_0": "2",
    "delay_minutes_1": "hours",
    "sampling_rate": "50",
    "quota_attribute": "scenario",
    "quota_min_per_day": "2",
    "quota_max_per_day": "10",
    "fatigue_days_0": "2",
    "fatigue_days_1": "weeks",
    "fatigue_scope": "family",
    "quiet_hours_start": "21:00",
    "quiet_hours_end": "09:00",
    "quiet_hours_timezone": "Asia/Shanghai",
    "max_event_age_hours_0": "3",
    "max_event_age_hours_1": "days",
    "link_expiry_hours_0": "1",
    "link_expiry_hours_1": "weeks",
    "reminder_count": "1",
    "reminder_after_hours_0": "2",
    "reminder_after_hours_1": "days",
    "channels_0": "sms",
    "channels_1": "email",
    "channels_2": "",
    "channels_3": "",
}


def _form(**changes):
    from responses.distribution.admin import DistributionRuleForm

    data = {**VALID_FORM, "survey": str(published_survey().pk), **changes}
    return DistributionRuleForm(data={k: v for k, v in data.items() if v is not None})


def test_the_structured_fields_are_stored_as_the_engine_reads_them() -> None:
    # given a rule filled in as ops see it / when saved
    form = _form()
    assert form.errors == {}
    rule = form.save()
    # then the stored form is today's: a fraction, minutes / hours / days, JSON list and object
    rule.refresh_from_db()
    assert rule.sampling_rate == 0.5
    assert (rule.delay_minutes, rule.max_event_age_hours, rule.fatigue_days) == (120, 72, 14)
    assert (rule.link_expiry_hours, rule.reminder_after_hours) == (168, 48)
    assert rule.event_types == ["order.delivered", "order.completed"]
    assert rule.attribute_filters == {"district_type": ["office", "residential"], "city": "上海"}
    assert rule.channels == ["sms", "email"]
    assert (rule.quiet_hours_start, rule.quiet_hours_end, rule.quiet_hours_timezone) == (
        dt.time(21),
        dt.time(9),
        "Asia/Shanghai",
    )


def test_a_stored_rule_is_shown_in_the_structured_form() -> None:
    from responses.distribution.admin import DistributionRuleForm

    rule = DistributionRuleFactory(
        sampling_rate=0.125,
        delay_minutes=90,
        fatigue_days=14,
        link_expiry_hours=168,
        attribute_filters={"district_type": ["office", "campus"], "store_id": 42},
        channels=["email", "sms"],
    )
    form = DistributionRuleForm(instance=rule)
    assert form["sampling_rate"].value() == "12.5"
    assert form.fields["delay_minutes"].widget.decompress(rule.delay_minutes) == [90, "minutes"]
    assert form.fields["fatigue_days"].widget.decompress(rule.fatigue_days) == [2, "weeks"]
    assert form.fields["link_expiry_hours"].widget.decompress(rule.link_expiry_hours) == [1, "weeks"]
    html = str(form["attribute_filters"])
    assert 'name="attribute_filters-0-key" value="district_type"' in html
    assert 'name="attribute_filters-0-value" value="office, campus"' in html
    assert 'name="attribute_filters-1-value" value="42"' in html
    assert str(form["event_types"]).count('value="order.delivered"') == 1


# Each check, its code and its message in both languages ----------------------------------------

CASES = [
    (
        {"sampling_rate": "50.5"},
        None,
        None,
        None,
    ),
    (
        {"sampling_rate": "150"},
        "sampling_rate",
        "sampling_percent_out_of_range",
        (
            "Enter a percentage from 0 to 100; 150 is outside that range.",
            "请输入 0 到 100 之间的百分比；150 超出了这个范围。",
        ),
    ),
    (
        {"sampling_rate": "-1"},
        "sampling_rate",
        "sampling_percent_out_of_range",
        (
            "Enter a percentage from 0 to 100; -1 is outside that range.",
            "请输入 0 到 100 之间的百分比；-1 超出了这个范围。",
        ),
    ),
    (
        {"delay_minutes_0": "1.5"},
        "delay_minutes",
        "duration_invalid",
        (
            "Enter a whole number of hours, 0 or more; 1.5 is not one.",
            "请输入不小于 0 的整数（小时）；1.5 不是。",
        ),
    ),
    (
        {"fatigue_days_0": "-2"},
        "fatigue_days",
        "duration_invalid",
        (
            "Enter a whole number of weeks, 0 or more; -2 is not one.",
            "请输入不小于 0 的整数（周）；-2 不是。",
        ),
    ),
    (
        {"quota_min_per_day": "11"},
        "quota_min_per_day",
        "quota_min_above_max",
        ("The daily minimum cannot be above the daily maximum.", "每日下限不能高于每日上限。"),
    ),
    (
        {"quota_attribute": ""},
        "quota_attribute",
        "quota_without_attribute",
        (
            "Name the attribute whose values the quotas count, e.g. scenario.",
            "请填写配额按其取值计数的属性，例如 scenario。",
        ),
    ),
    (
        {"channels_0": "", "channels_1": ""},
        "channels",
        "no_channel",
        (
            "Choose at least one channel; the first one the respondent can be reached on is used.",
            "请至少选择一个渠道；系统使用第一个能联系到受访者的渠道。",
        ),
    ),
    (
        {"channels_1": "sms"},
        "channels",
        "channel_repeated",
        (
            "Each channel may be chosen once; sms is chosen more than once.",
            "每个渠道只能选择一次；sms 被选择了不止一次。",
        ),
    ),
    (
        {"quiet_hours_end": ""},
        "quiet_hours_end",
        "quiet_hours_incomplete",
        (
            "Give both the start and the end of the quiet hours, or neither.",
            "请同时填写免打扰时段的开始和结束时间，或都不填。",
        ),
    ),
    (
        {"quiet_hours_end": "21:00"},
        "quiet_hours_end",
        "quiet_hours_empty",
        ("The quiet hours start and end at the same time.", "免打扰时段的开始和结束时间相同。"),
    ),
    (
        {"event_types": "Order Delivered, order.delivered"},
        "event_types",
        "event_types_invalid",
        (
            "Order Delivered: an event type is lower-case words joined by dots, e.g. order.delivered.",
            "Order Delivered：事件类型是用点连接的小写单词，例如 order.delivered。",
        ),
    ),
    (
        {"event_types": " , "},
        "event_types",
        "required",
        (
            "List at least one event type, e.g. order.delivered.",
            "请至少填写一个事件类型，例如 order.delivered。",
        ),
    ),
    (
        {"attribute_filters-2-key": "city name", "attribute_filters-2-value": "x"},
        "attribute_filters",
        "attribute_filter_key_invalid",
        (
            "Filter 3: “city name” is not an attribute name "
            "(letters, digits, _ . - only, at most 64 characters).",
            "筛选条件 3：“city name”不是属性名（只能包含字母、数字和 _ . -，最多 64 个字符）。",
        ),
    ),
    (
        {"attribute_filters-2-key": "city", "attribute_filters-2-value": "北京"},
        "attribute_filters",
        "attribute_filter_key_repeated",
        (
            "Filter 3: city is already filtered in filter 2; "
            "put all its values in one filter with “is one of”.",
            "筛选条件 3：city 已在筛选条件 2 中使用；请把它的所有取值放进一个“属于其中之一”的条件。",
        ),
    ),
    (
        {"attribute_filters-1-value": ""},
        "attribute_filters",
        "attribute_filter_value_missing",
        (
            "Filter 2 (city): give the value the attribute must have.",
            "筛选条件 2（city）：请填写该属性必须具有的值。",
        ),
    ),
    (
        {"audience": "rider"},
        "audience",
        "audience_mismatch",
        (
            "The survey is written for Customer; the rule's audience is Rider.",
            "该问卷面向 顾客，而规则的对象是 骑手。",
        ),
    ),
    (
        {"active_from": "2026-06-01 00:00", "active_until": "2026-05-01 00:00"},
        "active_until",
        "active_dates_reversed",
        ("The rule must end after it starts.", "规则的结束时间必须晚于开始时间。"),
    ),
]


@pytest.mark.parametrize(("changes", "field", "code", "messages"), CASES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_check_names_its_field_in_the_users_language(changes, field, code, messages, language) -> None:
    # given a rule form with one inconsistency / when validated in the user's language
    with translation.override(language):
        form = _form(**changes)
        valid = form.is_valid()
        errors = form.errors.as_data()
        summary = form.error_summary()
        texts = {name: [m for error in found for m in error.messages] for name, found in errors.items()}
    if field is None:  # a fraction of a percent is fine
        assert valid is True
        return
    # then the field carries the stable code and the message in that language, and nothing is saved
    assert valid is False
    assert list(errors) == [field]
    assert [error.code for error in errors[field]] == [code]
    message = messages[0] if language == "en" else messages[1]
    assert texts[field] == [message]
    assert [text for _label, text in summary] == [message]
    assert DistributionRule.objects.count() == 0


def test_every_problem_is_reported_at_once_and_the_constraint_message_never_shows() -> None:
    # given a sampling of 5000 %, a bad event type, no channel and a filter without a value
    form = _form(
        sampling_rate="5000",
        event_types="not dotted",
        channels_0="",
        channels_1="",
        **{"attribute_filters-1-value": ""},
        quota_min_per_day="20",
    )
    # then each is reported beside its field, the summary names the fields, no "Constraint" text
    assert form.is_valid() is False
    assert sorted(form.errors) == [
        "attribute_filters",
        "channels",
        "event_types",
        "quota_min_per_day",
        "sampling_rate",
    ]
    labels = [label for label, _message in form.error_summary()]
    assert labels == [
        "Event types",
        "Attribute filters",
        "Sampling (%)",
        "At least N per value per day",
        "Channel order",
    ]
    assert "Constraint" not in str(form.errors)


def test_the_admin_page_lists_every_problem_with_the_field_name(client) -> None:
    # given an ops user posting a rule with two problems in Chinese
    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    data = {
        **VALID_FORM,
        "survey": str(published_survey().pk),
        "sampling_rate": "150",
        "channels_0": "",
        "channels_1": "",
    }
    response = client.post(
        reverse("admin:surveys_distributionrule_add"), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    # then the page lists both with their field names, and nothing is saved
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>抽样比例 (%)</strong>: 请输入 0 到 100 之间的百分比；150 超出了这个范围。" in html
    assert "<strong>渠道顺序</strong>: 请至少选择一个渠道；系统使用第一个能联系到受访者的渠道。" in html
    assert DistributionRule.objects.count() == 0


# Overlaps ---------------------------------------------------------------------------------------


def spec(id_: int, **overrides) -> RuleSpec:
    values = {
        "id": id_,
        "name": f"rule {id_}",
        "survey_id": 1,
        "survey_key": "s",
        "survey_family": "",
        "survey_version_id": 1,
        "survey_locales": ("zh-hans",),
        "survey_default_locale": "zh-hans",
        "event_types": ("order.delivered",),
        "audience": "customer",
        "priority": 10,
    }
    return RuleSpec(**{**values, **overrides})


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ({}, {}, 1),
        ({"priority": 5}, {}, 0),
        ({"audience": "rider"}, {}, 0),
        ({"event_types": ("order.delivered", "order.completed")}, {"event_types": ("order.completed",)}, 1),
        ({"event_types": ("ticket.closed",)}, {}, 0),
        ({"source": "a"}, {"source": "b"}, 0),
        ({"source": "a"}, {}, 1),
        ({"attribute_filters": {"city": ["上海", "北京"]}}, {"attribute_filters": {"city": "北京"}}, 1),
        ({"attribute_filters": {"city": ["上海"]}}, {"attribute_filters": {"city": "北京"}}, 0),
        ({"attribute_filters": {"city": "上海"}}, {"attribute_filters": {"scenario": "night"}}, 1),
        ({"is_active": False}, {}, 0),
        ({"active_until": NOW - dt.timedelta(days=1)}, {}, 0),
        (
            {"active_until": NOW + dt.timedelta(days=10)},
            {"active_from": NOW + dt.timedelta(days=20)},
            0,
        ),
    ],
)
def test_overlap_is_two_active_rules_one_event_can_match_at_one_priority(first, second, expected) -> None:
    overlaps = rules_overlapping([spec(2, **second), spec(1, **first)], now=NOW)
    assert len(overlaps) == expected
    if expected:
        assert (overlaps[0].winner.id, overlaps[0].loser.id) == (1, 2)


def test_filters_overlap_compares_values_as_text() -> None:
    assert attribute_filters_overlap({"store_id": 42}, {"store_id": ["42", "43"]}) is True


def test_saving_an_overlapping_rule_warns_and_states_the_tie_break(client) -> None:
    # given a stored rule for customers' deliveries at priority 100
    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    older = DistributionRuleFactory(name="older", priority=100, attribute_filters={"city": ["上海", "北京"]})
    # when ops save another for the same trigger, audience and priority, with overlapping filters
    data = {**VALID_FORM, "survey": str(older.survey_id), "name": "newer"}
    response = client.post(reverse("admin:surveys_distributionrule_add"), data, follow=True)
    # then the rule is saved and a warning names both and says which one wins
    newer = DistributionRule.objects.get(name="newer")
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    expected = (
        f"Rules “newer” and “older” overlap: both take order.delivered for customer at priority 100. "
        f"Tie-break: the older rule (lower id) wins, so “older” (#{older.pk}) gets these events and "
        f"“newer” (#{newer.pk}) never does. Give one of them another priority or filters that exclude "
        f"each other."
    )
    assert warnings == [expected]
    # and the rule list shows it too
    listing = client.get(reverse("admin:surveys_distributionrule_changelist")).content.decode()
    assert 'id="rule-overlaps"' in listing
    assert "Tie-break: the older rule (lower id) wins, so “older”" in listing


def test_no_overlap_no_warning(client) -> None:
    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    older = DistributionRuleFactory(name="older", priority=100, attribute_filters={"city": "北京"})
    data = {**VALID_FORM, "survey": str(older.survey_id), "name": "newer"}
    response = client.post(reverse("admin:surveys_distributionrule_add"), data, follow=True)
    assert [m for m in response.context["messages"] if m.level_tag == "warning"] == []
    listing = client.get(reverse("admin:surveys_distributionrule_changelist")).content.decode()
    assert 'id="rule-overlaps"' not in listing


def test_the_demo_rule_opens_in_the_structured_form(client) -> None:
    # given the demo rule (make run)
    from responses.demo import demo_rule

    published_survey(key="customer-after-delivery")
    rule = demo_rule()
    client.force_login(User.objects.create_superuser("ops", "ops@example.com", "pw"))
    # when ops open it
    html = client.get(reverse("admin:surveys_distributionrule_change", args=[rule.pk])).content.decode()
    # then every setting shows in its structured field, none as JSON
    assert 'name="sampling_rate" value="50"' in html
    assert 'name="event_types" value="order.delivered"' in html
    assert 'name="attribute_filters-0-key" value="district_type"' in html
    assert 'name="attribute_filters-0-value" value="business_district, residential, office, campus"' in html
    assert '<option value="in" selected>' in html
    assert 'name="delay_minutes_0" value="30"' in html
    assert 'name="link_expiry_hours_0" value="1"' in html
    assert 'name="fatigue_days_0" value="2"' in html
    assert 'name="quiet_hours_start" value="21:00"' in html
    assert '<option value="email" selected>' in html
    assert "[&quot;" not in html
