"""Reads of the responses app."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from responses.distribution.models import DistributionRule
from responses.distribution.rules import PastInvitation, RuleSpec
from responses.models import Invitation, Respondent, ServiceEvent, Suppression
from responses.tokens import optout_token_public_id, token_hash
from surveys.models import Survey, SurveyVersion

# The id an unsaved rule gets as plain data: above any saved rule's.
UNSAVED_ID = 2**62


def rule_specs_load() -> list[RuleSpec]:
    """Every distribution rule as plain data, with its survey's latest published version.

    Two queries (rules with surveys, latest versions); inactive rules are included so the
    engine can tell ``inactive_rule`` from ``no_rule``.
    """
    rules = list(DistributionRule.objects.select_related("survey").order_by("priority", "id"))
    survey_ids = {rule.survey_id for rule in rules}
    latest = (
        SurveyVersion.objects.filter(survey_id=OuterRef("survey_id")).order_by("-number").values("number")
    )
    versions = {
        version.survey_id: version
        for version in SurveyVersion.objects.filter(
            survey_id__in=survey_ids, number=Subquery(latest[:1])
        ).only("id", "survey_id", "number", "definition")
    }
    return [rule_spec_of(rule, version=versions.get(rule.survey_id)) for rule in rules]


def rule_spec_of(rule: DistributionRule, *, version: SurveyVersion | None) -> RuleSpec:
    """One rule as the engine sees it; also for an unsaved rule (its id is then ``UNSAVED_ID``:
    it sorts after every saved rule of its priority, as it would once created)."""
    definition = version.definition if version is not None else {}
    survey = rule.survey if rule.survey_id else None
    return RuleSpec(
        id=rule.pk or UNSAVED_ID,
        name=rule.name,
        survey_id=rule.survey_id or 0,
        survey_key=survey.key if survey else "",
        survey_family=survey.family if survey else "",
        survey_version_id=version.id if version is not None else None,
        survey_locales=tuple(definition.get("locales") or (survey.locales if survey else ()) or ()),
        survey_default_locale=definition.get("default_locale") or (survey.default_locale if survey else ""),
        event_types=tuple(rule.event_types if isinstance(rule.event_types, list) else ()),
        audience=rule.audience,
        source=rule.source,
        attribute_filters=rule.attribute_filters if isinstance(rule.attribute_filters, dict) else {},
        is_active=rule.is_active,
        survey_is_live=survey is not None and survey.status != Survey.Status.ARCHIVED,
        priority=rule.priority,
        active_from=rule.active_from,
        active_until=rule.active_until,
        delay_minutes=rule.delay_minutes,
        sampling_rate=rule.sampling_rate,
        quota_attribute=rule.quota_attribute,
        quota_min_per_day=rule.quota_min_per_day,
        quota_max_per_day=rule.quota_max_per_day,
        fatigue_days=rule.fatigue_days,
        fatigue_scope=rule.fatigue_scope,
        quiet_hours_start=rule.quiet_hours_start,
        quiet_hours_end=rule.quiet_hours_end,
        quiet_hours_timezone=rule.quiet_hours_timezone,
        max_event_age_hours=rule.max_event_age_hours,
        link_expiry_hours=rule.link_expiry_hours,
        reminder_count=rule.reminder_count,
        reminder_after_hours=rule.reminder_after_hours,
        channels=tuple(rule.channels if isinstance(rule.channels, list) else ()),
    )


def invitation_history(
    *, respondent_ids: Iterable[int], since: dt.datetime, until: dt.datetime
) -> dict[int, list[PastInvitation]]:
    """Invitations of these respondents due in [since, until], for fatigue. One query.

    Failed and bounced invitations never reached the respondent and do not count.
    """
    history: dict[int, list[PastInvitation]] = {}
    rows = (
        Invitation.objects.filter(
            respondent_id__in=list(respondent_ids), due_at__gte=since, due_at__lte=until
        )
        .exclude(status__in=[Invitation.Status.FAILED, Invitation.Status.BOUNCED])
        .values_list("respondent_id", "due_at", "survey_id", "survey__family")
    )
    for respondent_id, due_at, survey_id, family in rows:
        history.setdefault(respondent_id, []).append(PastInvitation(due_at, survey_id, family or ""))
    return history


def invitation_get_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("survey", "survey_version", "respondent")
        .filter(token_hash=token_hash(token))
        .first()
    )


def respondent_get_by_optout_token(token: str) -> Respondent | None:
    public_id = optout_token_public_id(token)
    if public_id is None:
        return None
    return Respondent.objects.filter(public_id=public_id).first()


def event_outcome(event: ServiceEvent) -> tuple[str, str]:
    """("invited" | "suppressed" | "pending", reason or deferral) for the admin's list."""
    invitation = next(iter(event.invitations.all()), None)
    if invitation is not None:
        return "invited", invitation.deferred_reason
    suppression = next(iter(event.suppressions.all()), None)
    if suppression is not None:
        return "suppressed", suppression.reason
    return "pending", ""


def suppressions_for_survey(*, survey: Survey) -> QuerySet[Suppression]:
    return Suppression.objects.filter(survey=survey).select_related("event", "respondent")
