"""The guard of the demo commands: demo data never reaches a production database."""

from django.conf import settings
from django.core.management.base import CommandError


def demo_data_refuse_unless_allowed() -> None:
    """CommandError when the settings forbid demo data (``DEMO_DATA_ALLOWED``, False in production).

    The demo's users have published passwords (admin / demo-admin-2026, ...) and its source
    system a published API key: loaded into production they would be open doors.
    """
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise CommandError(
            "Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is False, as in "
            f"{settings.SETTINGS_MODULE}): the demo creates users with published passwords and a "
            "source system with a published API key. Load it only into a development database."
        )
