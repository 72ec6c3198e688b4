"""System checks of the analysis app that read the database (``manage.py check --database
default``, and every ``migrate``)."""

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def slice_triggers_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """The facts' narrow copy is kept by triggers only: one turned off leaves the filtered
    slices counting old rows, without an error anywhere else."""
    if not databases or "default" not in databases:
        return []
    from analysis.services.aggregates import slice_triggers_off

    try:
        off = slice_triggers_off()
    except DatabaseError:  # not migrated yet
        return []
    if not off:
        return []
    return [
        checks.Warning(
            "The triggers that keep the facts' narrow copy are off or missing: " + ", ".join(off),
            hint=(
                "Filtered pain points and metrics read old rows meanwhile. Enable them "
                "(ALTER TABLE analysis_responsefacts ENABLE TRIGGER <name>), then run "
                "manage.py slice_facts_check --repair."
            ),
            id="analysis.W001",
        )
    ]
