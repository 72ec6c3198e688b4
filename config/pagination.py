"""One page shape for every list in the API: ``{"count", "next", "previous", "results"}``.

``?page=N`` (from 1) and ``?page_size=N`` (1 to API_MAX_PAGE_SIZE, default API_PAGE_SIZE). A
value that is not a whole number in range is a 400 naming the parameter; a page past the last
is a 404. The views are plain APIViews, so they paginate through ``PaginatedApiMixin``.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

INVALID_PAGE = "invalid_page"
MAX_PAGE = 10**9


def _whole_number(raw: str | None, *, name: str, maximum: int | None = None) -> int | None:
    if raw in (None, ""):
        return None
    limit = maximum or MAX_PAGE
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= limit:
        message = _("%(name)s must be a whole number from 1 to %(max)s.") % {"name": name, "max": limit}
        raise exceptions.ValidationError({name: [exceptions.ErrorDetail(message, code=INVALID_PAGE)]})
    return int(raw)


class ApiPagination(PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "page_size"

    @property
    def page_size(self) -> int:
        return settings.API_PAGE_SIZE

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        size = _whole_number(
            request.query_params.get(self.page_size_query_param),
            name=self.page_size_query_param,
            maximum=self.max_page_size,
        )
        return size or self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        _whole_number(
            request.query_params.get(self.page_query_param), name=self.page_query_param
        )  # a 400, not a 404
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class PaginatedApiMixin:
    """For APIViews whose GET is a list: ``self.paginated(items, SerializerClass)``."""

    pagination_class = ApiPagination

    def paginated(self, items: Sequence[Any], serializer_class=None) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, self.request, view=self)
        data = serializer_class(page, many=True).data if serializer_class else list(page)
        return paginator.get_paginated_response(data)
