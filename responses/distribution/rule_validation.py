"""Validation of a DistributionRule as edited in the admin (fields checked together)."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from responses.channels import channel_names
from responses.distribution.rules import EVENT_TYPE_PATTERN, FATIGUE_SCOPES
from responses.errors import RuleErrorCode
from surveys.models import Audience


def rule_validate(*, rule) -> None:
    """Check a DistributionRule's fields together; raises ValidationError keyed by field.

    Works on an unsaved instance (the admin form's), reads no other rows.
    """
    errors: dict[str, list[ValidationError]] = {}

    def add(name: str, message: str, code: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    if rule.sampling_rate is not None and not 0 <= rule.sampling_rate <= 1:
        add(
            "sampling_rate",
            _("The sampling rate must be between 0 and 1."),
            RuleErrorCode.SAMPLING_OUT_OF_RANGE,
        )
    low, high = rule.quota_min_per_day, rule.quota_max_per_day
    if low is not None and high is not None and low > high:
        add(
            "quota_min_per_day",
            _("The daily minimum cannot be above the daily maximum."),
            RuleErrorCode.QUOTA_MIN_ABOVE_MAX,
        )
    if (low is not None or high is not None) and not rule.quota_attribute:
        add(
            "quota_attribute",
            _("Name the attribute whose values the quotas count, e.g. scenario."),
            RuleErrorCode.QUOTA_WITHOUT_ATTRIBUTE,
        )
    channels = rule.channels
    if not isinstance(channels, list) or not channels:
        add("channels", _('List at least one channel, e.g. ["sms", "email"].'), RuleErrorCode.NO_CHANNEL)
    else:
        known = channel_names()
        unknown = [str(c) for c in channels if c not in known]
        if unknown:
            add(
                "channels",
                _("Unknown channel(s): %(unknown)s. Known: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(known)},
                RuleErrorCode.UNKNOWN_CHANNEL,
            )
        repeated = sorted({str(c) for c in channels if channels.count(c) > 1})
        if repeated:
            add(
                "channels",
                _("Each channel may be chosen once; %(channels)s is chosen more than once.")
                % {"channels": ", ".join(repeated)},
                RuleErrorCode.CHANNEL_REPEATED,
            )
    start, end = rule.quiet_hours_start, rule.quiet_hours_end
    if (start is None) != (end is None):
        add(
            "quiet_hours_end" if end is None else "quiet_hours_start",
            _("Give both the start and the end of the quiet hours, or neither."),
            RuleErrorCode.QUIET_HOURS_INCOMPLETE,
        )
    elif start is not None and start == end:
        add(
            "quiet_hours_end",
            _("The quiet hours start and end at the same time."),
            RuleErrorCode.QUIET_HOURS_EMPTY,
        )
    zone = getattr(rule, "quiet_hours_timezone", "")
    if zone and not _zone_exists(zone):
        add(
            "quiet_hours_timezone",
            _("%(zone)s is not a time zone name; use an IANA name such as Asia/Shanghai.") % {"zone": zone},
            RuleErrorCode.QUIET_HOURS_TIMEZONE_UNKNOWN,
        )
    types = rule.event_types
    if (
        not isinstance(types, list)
        or not types
        or not all(isinstance(t, str) and EVENT_TYPE_PATTERN.fullmatch(t) for t in types)
    ):
        add(
            "event_types",
            _('List the dotted event types, e.g. ["order.delivered"].'),
            RuleErrorCode.EVENT_TYPES_INVALID,
        )
    filters = rule.attribute_filters
    if not isinstance(filters, dict) or not all(
        isinstance(value, str | int | float | bool)
        or (isinstance(value, list) and value and all(isinstance(v, str | int | float | bool) for v in value))
        for value in filters.values()
    ):
        add(
            "attribute_filters",
            _('Give an object of attribute to value or list of values, e.g. {"district_type": ["office"]}.'),
            RuleErrorCode.ATTRIBUTE_FILTERS_INVALID,
        )
    if rule.active_from and rule.active_until and rule.active_from >= rule.active_until:
        add("active_until", _("The rule must end after it starts."), RuleErrorCode.ACTIVE_DATES_REVERSED)
    if rule.fatigue_scope not in FATIGUE_SCOPES:
        add("fatigue_scope", _("Unknown fatigue scope."), RuleErrorCode.FATIGUE_SCOPE_UNKNOWN)
    survey = getattr(rule, "survey", None) if rule.survey_id else None
    if survey is not None and rule.audience and survey.audience != rule.audience:
        add(
            "audience",
            _("The survey is written for %(survey)s; the rule's audience is %(rule)s.")
            % {"survey": _audience_label(survey.audience), "rule": _audience_label(rule.audience)},
            RuleErrorCode.AUDIENCE_MISMATCH,
        )
    if errors:
        raise ValidationError(errors)


def _zone_exists(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _audience_label(value: str) -> str:
    return str(Audience(value).label) if value in Audience.values else value
