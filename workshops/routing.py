"""Websocket routes. The live-board consumer is added by the live-workshop work (docs/protocol.md)."""

from __future__ import annotations

websocket_urlpatterns: list = []
