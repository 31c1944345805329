"""WebSocket authentication and origin checks.

Browsers connect with their session cookie (Channels' ``AuthMiddlewareStack``);
other clients pass an API token as ``?token=`` or an ``Authorization: Token``
header. Browsers always send an ``Origin`` header, which must then be one of
``ALLOWED_HOSTS`` (so another site cannot ride on the session cookie);
clients without one must authenticate by token.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token


@database_sync_to_async
def _user_of(key: str) -> Any:
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


def _token_from(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


class TokenAuthMiddleware:
    """Sets ``scope["user"]`` from an API token when one is given (an invalid one means anonymous)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = _token_from(scope)
        if key is not None:
            scope = {**scope, "user": await _user_of(key), "token_auth": True}
        return await self.app(scope, receive, send)


class OriginCheckMiddleware:
    """Browser connections (with an ``Origin``) must come from an allowed host; tokens without one pass."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.validated = AllowedHostsOriginValidator(app)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", []))
        if has_origin:
            return await self.validated(scope, receive, send)
        if not scope.get("token_auth"):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
