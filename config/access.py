"""Where the permission map (``config.permissions``) is enforced: the API, the admin's actions,
the admin's own pages and the workspace's pages. Each looks its operation up in the map; an
operation missing from the map is refused."""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.permissions import BasePermission

from config.permissions import (
    ADMIN_ACTIONS,
    ADMIN_VIEWS,
    API_OPERATIONS,
    ROLES,
    WORKSPACE_PAGES,
    admin_action_need,
    admin_view_need,
    api_need,
    role_meets,
    user_meets,
    workspace_page_need,
)

API_PREFIX = "api/v1/"
WRITE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ApiPermission(BasePermission):
    """The need of (URL name, method) from the map. A method the view does not implement is left
    to DRF's 405; OPTIONS is answered to whoever may do one of the endpoint's operations."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        match = getattr(request, "resolver_match", None)
        if match is None:
            return False
        method = request.method
        if method == "OPTIONS":
            return any(
                self._meets(request, API_OPERATIONS[(name, verb)])
                for (name, verb) in API_OPERATIONS
                if name == match.view_name
            )
        requirement = api_need(match.view_name, method)
        if requirement is None:
            # Not an operation of this endpoint: DRF answers 405 Method Not Allowed.
            return not hasattr(view, method.lower())
        return self._meets(request, requirement)

    @staticmethod
    def _meets(request, requirement) -> bool:
        if requirement.source_system:
            # The events API authenticates source systems only (SourceSystemAuthentication).
            return request.user._meta.label_lower == "responses.sourcesystem"
        return user_meets(request.user, requirement)


class MappedActionsAdminMixin:
    """Offers (and so accepts when posted) only the actions the user's permissions allow."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        label = self.model._meta.label_lower
        return {
            name: action
            for name, action in actions.items()
            if user_meets(request.user, admin_action_need(label, name))
        }


def admin_page(site, view, url_name: str):
    """``site.admin_view(view)`` that first checks the page's need in the map."""
    requirement = admin_view_need(f"admin:{url_name}")

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not user_meets(request.user, requirement):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return site.admin_view(checked)


# Reading the registered operations (for the tests and the documentation) ---------------------


def api_operations() -> list[tuple[str, str, str]]:
    """(URL name, route, method) of every operation under /api/v1/, from the URL resolver."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and prefix.startswith(API_PREFIX):
                view_class = getattr(pattern.callback, "cls", None) or getattr(
                    pattern.callback, "view_class", None
                )
                methods = [m for m in WRITE_METHODS if view_class and hasattr(view_class, m.lower())]
                for method in methods or ["GET"]:
                    found.append((f"{namespace}{pattern.name}", "/" + prefix + str(pattern.pattern), method))

    walk(get_resolver().url_patterns, "", "")
    return found


def admin_actions(site) -> list[tuple[str, str]]:
    """(model label, action name) of every action of every registered ModelAdmin."""
    found = []
    for model, model_admin in site._registry.items():
        names = {name for name, _func in site.actions}
        for action in model_admin.actions or []:
            names.add(action if isinstance(action, str) else action.__name__)
        found.extend((model._meta.label_lower, name) for name in sorted(names))
    return sorted(found)


STANDARD_ADMIN_VIEWS = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "i18n_javascript",
    "app_index",
    "autocomplete_view",
    "catch_all_view",
    "shortcut",
    "changelist_view",
    "add_view",
    "change_view",
    "delete_view",
    "history_view",
    "view",  # the redirect of <id>/ to <id>/change/
    "user_change_password",
}


def admin_custom_views(site) -> list[str]:
    """URL names of the admin's own pages beyond the standard ones of the site and each model."""
    found = []
    for pattern in site.get_urls():
        patterns = pattern.url_patterns if isinstance(pattern, URLResolver) else [pattern]
        for item in patterns:
            callback = item.callback
            while hasattr(callback, "__wrapped__"):
                callback = callback.__wrapped__
            if item.name and getattr(callback, "__name__", "") not in STANDARD_ADMIN_VIEWS:
                found.append(f"admin:{item.name}")
    return sorted(found)


ROLE_COLUMNS = (*ROLES, "superuser")


def _yes(role: str, requirement) -> str:
    return "yes" if role_meets(role, requirement) else "-"


def permissions_markdown() -> str:
    """The tables of docs/security.md "Roles and permissions", made from the map."""
    header = "| {} | needs | {} |".format("{}", " | ".join(ROLE_COLUMNS))
    rule = "|" + " --- |" * (2 + len(ROLE_COLUMNS))
    lines = ["### API (`/api/v1/`)", "", header.format("operation"), rule]
    routes = {(name, method): route for name, route, method in api_operations()}
    for (name, method), requirement in API_OPERATIONS.items():
        route = routes.get((name, method), name)
        cells = " | ".join(_yes(role, requirement) for role in ROLE_COLUMNS)
        lines.append(f"| `{method} {route}` | {requirement} | {cells} |")
    lines += ["", "### Admin actions", "", header.format("action"), rule]
    for (model, action), requirement in ADMIN_ACTIONS.items():
        cells = " | ".join(_yes(role, requirement) for role in ROLE_COLUMNS)
        lines.append(f"| `{model}` {action} | {requirement} | {cells} |")
    lines += ["", "### Admin pages", "", header.format("page"), rule]
    for url_name, requirement in ADMIN_VIEWS.items():
        cells = " | ".join(_yes(role, requirement) for role in ROLE_COLUMNS)
        lines.append(f"| `{url_name}` | {requirement} | {cells} |")
    lines += ["", "### Workspace pages (`/workspace/`)", "", header.format("page"), rule]
    for url_name, requirement in WORKSPACE_PAGES.items():
        cells = " | ".join(_yes(role, requirement) for role in ROLE_COLUMNS)
        lines.append(f"| `{url_name}` | {requirement} | {cells} |")
    return "\n".join(lines) + "\n"


def workspace_page(url_name: str):
    """A workspace view decorator: staff login (else the admin's login page, back here after),
    then the page's need in the map (else 403)."""
    requirement = workspace_page_need(url_name)

    def decorator(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            user = request.user
            if not (user.is_authenticated and user.is_active and user.is_staff):
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not user_meets(user, requirement):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        checked.workspace_url_name = url_name
        return checked

    return decorator
