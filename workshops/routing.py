"""Websocket routes: the live board of a workshop (docs/protocol.md)."""

from __future__ import annotations

from django.urls import path

from .consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/w/<str:code>/", BoardConsumer.as_asgi()),
]
