"""The websocket's session: read once at the handshake, never written.

Channels' SessionMiddleware wraps every message the server sends to look for a modified
session to save, which a websocket never does here: with 2,000 sockets that look ran for each
of the thousands of frames a second a busy server sends (bench/capacity.py's profile). This
middleware gives the scope the same lazily loaded session, for channels.auth to find the user
in, and leaves `send` alone.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.middleware import BaseMiddleware
from django.conf import settings


class ReadOnlySessionMiddleware(BaseMiddleware):
    """scope["session"] from the session cookie (under channels.sessions.CookieMiddleware)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        scope = {**scope, "session": store(scope["cookies"].get(settings.SESSION_COOKIE_NAME))}
        return await self.inner(scope, receive, send)
