"""Shared admin helpers."""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Rows written only by services: viewable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
