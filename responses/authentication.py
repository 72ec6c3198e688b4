"""API-key authentication of source systems (``Authorization: Bearer <key>``)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from responses.models import SourceSystem
from responses.services.sources import source_system_authenticate


class SourceSystemAuthentication(authentication.BaseAuthentication):
    """Authenticates a source system by its API key; ``request.user`` is the SourceSystem.

    Answers 401 (not 403) without a key, because ``authenticate_header`` names the scheme.
    """

    keyword = "Bearer"

    def authenticate(self, request) -> tuple[SourceSystem, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the API key after Bearer, with no spaces."))
        try:
            key = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("The API key is not valid.")) from exc
        system = source_system_authenticate(key=key)
        if system is None:
            raise exceptions.AuthenticationFailed(
                _("The API key is not valid or its source system is disabled.")
            )
        return system, None

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="events"'


class SourceSystemAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "responses.authentication.SourceSystemAuthentication"
    name = "SourceSystemKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": "The API key of a source system."}
