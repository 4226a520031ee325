"""Websocket routes: the live board of a workshop (docs/protocol.md)."""

from __future__ import annotations

from django.urls import path

from .consumers import BoardConsumer

websocket_urlpatterns = [
    # The live page connects by id: a new join code leaves its members' reconnects alone.
    path("ws/workshops/<int:workshop_id>/", BoardConsumer.as_asgi()),
    path("ws/w/<str:code>/", BoardConsumer.as_asgi()),
]
