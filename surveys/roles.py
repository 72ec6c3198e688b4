"""Roles are Django groups holding the permissions that ``config.permissions.ROLE_GRANTS`` lists.

``roles_ensure`` makes the groups exactly match that map. It runs after every ``migrate`` and
after every ``flush`` (both send ``post_migrate``; a test that flushes the database, such as a
live-server test, would otherwise leave no roles behind) and from ``demo_load``. A grant is
added or withdrawn by editing the map; the early data migrations (``grant_permissions``) are
history.
"""

import logging

from config.permissions import PROCESS_OWNERS, ROLE_GRANTS, ROLES, SURVEY_DESIGNERS, VIEWERS

__all__ = ["PROCESS_OWNERS", "ROLES", "SURVEY_DESIGNERS", "VIEWERS", "roles_ensure"]

logger = logging.getLogger(__name__)

Grant = tuple[str, str, str]


def roles_ensure(*, apps=None, using: str = "default") -> dict[str, int]:
    """Create the role groups where missing and set each one's permissions to its grants.

    ``apps`` is the app registry (a migration state's during ``post_migrate``). A permission
    whose model does not exist in that state is skipped (a partial migrate). Returns the number
    of permissions each role holds.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    _ensure_permissions(
        apps, {grant.split(".")[0] for grants in ROLE_GRANTS.values() for grant in grants}, using=using
    )
    wanted = {tuple(grant.split(".", 1)) for grants in ROLE_GRANTS.values() for grant in grants}
    found = {
        (app_label, codename): pk
        for pk, app_label, codename in permission_model.objects.using(using)
        .filter(content_type__app_label__in={app_label for app_label, _ in wanted})
        .values_list("pk", "content_type__app_label", "codename")
        if (app_label, codename) in wanted
    }
    held = {}
    for role in ROLES:
        group, _created = group_model.objects.using(using).get_or_create(name=role)
        grants = [tuple(grant.split(".", 1)) for grant in sorted(ROLE_GRANTS[role])]
        missing = [f"{a}.{c}" for a, c in grants if (a, c) not in found]
        if missing:
            logger.info("role %s: permissions not (yet) in the database: %s", role, ", ".join(missing))
        group.permissions.set([found[grant] for grant in grants if grant in found])
        held[role] = len(grants) - len(missing)
    return held


def roles_ensure_after_migrate(sender, *, apps=None, using: str = "default", **kwargs) -> None:
    """``post_migrate`` receiver (connected in ``SurveysConfig.ready``)."""
    if apps is None:  # flush sends no migration state: the models as they are
        from django.apps import apps as global_apps

        apps = global_apps
    try:
        apps.get_model("auth", "Group")
    except LookupError:
        return  # auth is not in this migration state
    roles_ensure(apps=apps, using=using)


def _ensure_permissions(apps, app_labels: set[str], using: str = "default") -> None:
    """Create the permissions of ``app_labels`` now; Django otherwise adds them after migrate."""
    from django.contrib.auth.management import create_permissions

    for label in app_labels:
        try:
            app_config = apps.get_app_config(label)
        except LookupError:
            continue  # not in this migration state
        if not getattr(app_config, "models_module", None):
            app_config.models_module = True  # a migration state stub has no models module
        create_permissions(app_config, apps=apps, verbosity=0, using=using)


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
