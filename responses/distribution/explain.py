"""Decisions and rule overlaps in words, for ops: one sentence each, in the active language.

One copy for the event's page in the admin (a recorded suppression), the dry run (page and
API) and the overlap warnings.
"""

import zoneinfo

from django.conf import settings
from django.utils.translation import gettext as _

from responses.distribution.rules import Overlap
from responses.models import Suppression


def reason_explain(
    reason: str, detail: dict, *, rule_name: str, event_type: str, source: str, audience: str
) -> str:
    """A suppression reason with the numbers the engine recorded."""
    detail = detail or {}
    Reason = Suppression.Reason
    if reason == Reason.NO_RULE:
        return _("No rule matches event type %(type)s from %(source)s for a %(audience)s.") % {
            "type": event_type,
            "source": source,
            "audience": audience,
        }
    if reason == Reason.INACTIVE_RULE:
        return _("Only rule %(rule)s matches, and it is not live (%(why)s).") % {
            "rule": detail.get("rule", rule_name),
            "why": detail.get("why", ""),
        }
    if reason == Reason.OPTED_OUT:
        return _("The respondent opted out; rule %(rule)s sends nothing to them.") % {"rule": rule_name}
    if reason == Reason.STALE_EVENT:
        return _("The event was %(age)s hours old when received; rule %(rule)s accepts %(max)s.") % {
            "age": detail.get("age_hours"),
            "rule": rule_name,
            "max": detail.get("max_event_age_hours"),
        }
    if reason == Reason.NO_CONTACT:
        return _("The respondent has no contact point for the channels %(channels)s of rule %(rule)s.") % {
            "channels": ", ".join(detail.get("channels", [])),
            "rule": rule_name,
        }
    if reason == Reason.FATIGUE:
        return _("Another invitation is due %(other)s, within %(days)s days (scope: %(scope)s).") % {
            "other": detail.get("other_invitation_due_at"),
            "days": detail.get("fatigue_days"),
            "scope": detail.get("fatigue_scope"),
        }
    if reason == Reason.QUOTA_FULL:
        return _("%(attribute)s = %(value)s already had %(max)s invitations on %(day)s.") % {
            "attribute": detail.get("attribute"),
            "value": detail.get("value"),
            "max": detail.get("quota_max_per_day"),
            "day": detail.get("day"),
        }
    if reason == Reason.SAMPLED_OUT:
        return _("The event drew %(draw)s; rule %(rule)s samples %(rate)s of events.") % {
            "draw": detail.get("draw"),
            "rule": rule_name,
            "rate": detail.get("sampling_rate"),
        }
    labels = dict(Reason.choices)
    return str(labels.get(reason, reason))


def dry_run_explain(result) -> str:
    """The dry run's answer in one or two sentences (``result``: a ``DryRunResult``)."""
    if result.duplicate:
        return _(
            "This event (%(source)s, %(external_id)s) is already stored: the events API would answer "
            "duplicate and change nothing."
        ) % {"source": result.event.source, "external_id": result.event.external_id}
    decision = result.decision
    rule = decision.rule
    if not decision.invites:
        return reason_explain(
            decision.reason,
            decision.detail,
            rule_name=rule.name if rule else "",
            event_type=result.event.type,
            source=result.event.source,
            audience=result.event.respondent.type,
        )
    zone = zoneinfo.ZoneInfo(result.facts.respondent_timezone or settings.TIME_ZONE)
    local = decision.due_at.astimezone(zone)
    text = _(
        "Rule %(rule)s would invite to %(survey)s by %(channel)s at %(local)s (%(zone)s), %(utc)s UTC."
    ) % {
        "rule": rule.name,
        "survey": rule.survey_key,
        "channel": decision.channel,
        "local": local.strftime("%Y-%m-%d %H:%M"),
        "zone": zone.key,
        "utc": decision.due_at.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M"),
    }
    if decision.deferred_reason == "quiet_hours":
        text += " " + _("Deferred out of the quiet hours %(start)s–%(end)s.") % {
            "start": rule.quiet_hours_start.strftime("%H:%M"),
            "end": rule.quiet_hours_end.strftime("%H:%M"),
        }
    if decision.detail.get("sampling_bypassed"):
        text += " " + _("Sampling is bypassed: the segment is below its daily minimum.")
    return text


def overlap_explain(overlap: Overlap) -> str:
    """Why two rules overlap, and which of them an event gets (the tie-break)."""
    return _(
        "Rules “%(loser)s” and “%(winner)s” overlap: both take %(types)s for %(audience)s at "
        "priority %(priority)s. Tie-break: the older rule (lower id) wins, so “%(winner)s” "
        "(#%(winner_id)s) gets these events and “%(loser)s” (#%(loser_id)s) never does. Give one "
        "of them another priority or filters that exclude each other."
    ) % {
        "loser": overlap.loser.name,
        "winner": overlap.winner.name,
        "types": ", ".join(overlap.event_types),
        "audience": overlap.winner.audience,
        "priority": overlap.winner.priority,
        "winner_id": overlap.winner.id,
        "loser_id": overlap.loser.id,
    }
