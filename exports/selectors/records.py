"""Export records as their users may see them."""

from __future__ import annotations

import uuid

from exports.models import Export

# Staff holding this may read and download other users' exports (the superuser holds it).
DOWNLOAD_ANY = "exports.download_any_export"


def export_visible_to(export: Export, user) -> bool:
    """Whether ``user`` made ``export`` or may download anyone's."""
    return export.user_id == user.pk or user.has_perm(DOWNLOAD_ANY)


def export_for_user(*, public_id: uuid.UUID, user) -> Export | None:
    """The export with this id if ``user`` may see it; None otherwise (never telling which)."""
    export = Export.objects.filter(public_id=public_id).first()
    if export is None or not export_visible_to(export, user):
        return None
    return export
