"""What a person reads for the codes the responses app stores and answers with.

Clients of the API branch on the codes (responses/errors.py); pages show these labels instead, in
the reader's language. A code without a label is shown as it is, so a new code is never hidden.
"""

from django.utils.translation import gettext_lazy as _

from responses.distribution.models import DistributionRule
from responses.models import Invitation, Suppression

ITEM_STATUSES = {"accepted": _("Accepted"), "duplicate": _("Duplicate"), "rejected": _("Rejected")}
DEFERRED_REASONS = {"quiet_hours": _("moved to the end of the quiet hours")}


def _labels(kind: str) -> dict:
    if kind == "suppression_reason":
        return dict(Suppression.Reason.choices)
    if kind == "channel":
        return dict(DistributionRule.Channel.choices) | {"open_link": _("Open link")}
    if kind == "item_status":
        return ITEM_STATUSES
    if kind == "invitation_status":
        # An events API result says "suppressed" for an event that got no invitation.
        return dict(Invitation.Status.choices) | {"suppressed": _("Suppressed")}
    if kind == "deferred_reason":
        return DEFERRED_REASONS
    raise ValueError(f"no labels for {kind!r}")


def code_label(kind: str, code: str) -> str:
    """The label of ``code`` among the codes of ``kind``, in the active language; else the code."""
    if code in (None, ""):
        return ""
    label = _labels(kind).get(code)
    return str(label) if label is not None else str(code)
