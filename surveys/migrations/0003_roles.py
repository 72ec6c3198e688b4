"""Roles as groups: survey designers (ops), process owners, viewers."""


from django.db import migrations

from surveys.roles import PROCESS_OWNERS, ROLES, SURVEY_DESIGNERS, VIEWERS, grant_permissions, revoke_permissions

DESIGNER_MODELS = ("survey", "question", "choice", "distributionrule")

GRANTS = [
    *[
        (SURVEY_DESIGNERS, "surveys", f"{action}_{model}")
        for model in DESIGNER_MODELS
        for action in ("add", "change", "delete", "view")
    ],
    (SURVEY_DESIGNERS, "surveys", "publish_survey"),
    (SURVEY_DESIGNERS, "surveys", "view_surveyversion"),
    (PROCESS_OWNERS, "surveys", "view_survey"),
    (PROCESS_OWNERS, "surveys", "view_question"),
    (PROCESS_OWNERS, "surveys", "view_choice"),
    (PROCESS_OWNERS, "surveys", "view_surveyversion"),
    (VIEWERS, "surveys", "view_survey"),
    (VIEWERS, "surveys", "view_question"),
    (VIEWERS, "surveys", "view_choice"),
    (VIEWERS, "surveys", "view_surveyversion"),
]


def create_groups(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name in ROLES:
        group_model.objects.get_or_create(name=name)
    grant_permissions(apps, schema_editor, GRANTS)


def remove_groups(apps, schema_editor):
    revoke_permissions(apps, schema_editor, GRANTS)
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES, permissions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("surveys", "0002_survey_publish_permission"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
