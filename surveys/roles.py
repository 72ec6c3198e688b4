"""Roles are Django groups; their permissions are granted by data migrations.

Each migration passes its own list of ``(group, app_label, codename)`` grants, so a later
migration (for instance one that adds analysis permissions to ``process_owners``) extends a
role by adding grants, never by editing an earlier migration.
"""

SURVEY_DESIGNERS = "survey_designers"
PROCESS_OWNERS = "process_owners"
VIEWERS = "viewers"
ROLES = (SURVEY_DESIGNERS, PROCESS_OWNERS, VIEWERS)

Grant = tuple[str, str, str]


def _ensure_permissions(apps, app_labels: set[str]) -> None:
    """Create the permissions of ``app_labels`` now; Django otherwise adds them after migrate."""
    from django.contrib.auth.management import create_permissions

    for label in app_labels:
        app_config = apps.get_app_config(label)
        if not getattr(app_config, "models_module", None):
            app_config.models_module = True  # a migration state stub has no models module
        create_permissions(app_config, apps=apps, verbosity=0)


def grant_permissions(apps, schema_editor, grants: list[Grant]) -> None:
    """Create the groups named in ``grants`` if missing and give them those permissions."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    _ensure_permissions(apps, {app_label for _, app_label, _ in grants})
    for group_name, app_label, codename in grants:
        group, _created = group_model.objects.get_or_create(name=group_name)
        permission = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
        group.permissions.add(permission)


def revoke_permissions(apps, schema_editor, grants: list[Grant]) -> None:
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for group_name, app_label, codename in grants:
        group = group_model.objects.filter(name=group_name).first()
        permission = permission_model.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if group is not None and permission is not None:
            group.permissions.remove(permission)
