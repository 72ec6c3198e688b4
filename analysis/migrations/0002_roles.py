"""Roles: process owners and viewers read metrics and pain points; designers keep the taxonomy."""

from django.db import migrations

from surveys.roles import PROCESS_OWNERS, SURVEY_DESIGNERS, VIEWERS, grant_permissions, revoke_permissions

READ_MODELS = ("taxonomy", "topic", "commentanalysis", "commenttopic", "emergingtopic", "surveyanalysissettings")
DESIGNER_MODELS = ("taxonomy", "topic", "dictionaryterm", "surveyanalysissettings")

GRANTS = [
    *[(role, "analysis", "view_painpoints") for role in (PROCESS_OWNERS, VIEWERS, SURVEY_DESIGNERS)],
    *[(role, "analysis", f"view_{model}") for role in (PROCESS_OWNERS, VIEWERS) for model in READ_MODELS],
    *[
        (SURVEY_DESIGNERS, "analysis", f"{action}_{model}")
        for model in DESIGNER_MODELS
        for action in ("add", "change", "delete", "view")
    ],
    (SURVEY_DESIGNERS, "analysis", "view_emergingtopic"),
    (SURVEY_DESIGNERS, "analysis", "change_emergingtopic"),
    (SURVEY_DESIGNERS, "analysis", "view_commentanalysis"),
    (SURVEY_DESIGNERS, "analysis", "view_detractormodelversion"),
]


def grant(apps, schema_editor):
    grant_permissions(apps, schema_editor, GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, schema_editor, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_initial"),
        ("surveys", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
