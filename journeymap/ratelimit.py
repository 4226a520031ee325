"""A small fixed-window rate limit on the cache, for endpoints people can hammer (log in, join).

With REDIS_URL set the cache is Redis, so the limit holds across server processes.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Longest address kept as a rate-limit key (an IPv6 address with a zone fits).
ADDRESS_MAX = 64


def client_address(request: HttpRequest) -> str:
    """Who sent this request, for counting attempts: the peer, or behind a trusted proxy the
    address that proxy saw (forwarded_client)."""
    return forwarded_client(
        request.META.get("REMOTE_ADDR") or "unknown",
        request.META.get("HTTP_X_FORWARDED_FOR"),
        settings.TRUSTED_PROXIES,
    )


def scope_client_address(scope: Mapping[str, Any]) -> str:
    """client_address for an ASGI scope (the websocket's handshake)."""
    peer = (scope.get("client") or ["unknown"])[0] or "unknown"
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers") or []
        if name.lower() == b"x-forwarded-for"
    ]
    return forwarded_client(peer, ",".join(forwarded) or None, settings.TRUSTED_PROXIES)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The client's address from the peer and its X-Forwarded-For header.

    Anyone can send X-Forwarded-For, so it counts only when the peer is one of our `trusted`
    proxies (addresses or networks, settings.TRUSTED_PROXIES). Each proxy appends the address
    it received the request from, so reading from the right, the first hop that is not one of
    ours is the client as our outermost proxy saw it; everything left of it is what the
    client chose to send. (daphne's own --proxy-headers takes the leftmost entry: a new
    address per request walked past every limit.)"""
    networks = _networks(tuple(trusted))
    if not networks or not _is_trusted(peer, networks):
        return peer[:ADDRESS_MAX]
    hops = [hop.strip() for hop in (forwarded_for or "").split(",")[-_MAX_HOPS:]]
    hops = [hop for hop in hops if hop]
    if not hops:
        return peer[:ADDRESS_MAX]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return _host(hop)[:ADDRESS_MAX]
    return _host(hops[0])[:ADDRESS_MAX]


# Proxies in front of one app are a handful; a longer header is the client's own padding.
_MAX_HOPS = 20
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted)


def _host(hop: str) -> str:
    """The address in a hop as proxies write it: `1.2.3.4`, `1.2.3.4:port`, `[v6]:port`."""
    if hop.startswith("["):
        return hop[1:].split("]", 1)[0]
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop


def _is_trusted(hop: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(_host(hop))
    except ValueError:
        return False
    return any(address in network for network in networks)


def _cache_key(scope: str, key: str, window: int) -> str:
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{bucket}"


def exhausted(scope: str, key: str, limit: int, window: int) -> bool:
    """Whether `limit` attempts were already counted in this window (counts nothing)."""
    return (cache.get(_cache_key(scope, key, window)) or 0) >= limit


def hit(scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt; False when `limit` attempts were already made in this window."""
    cache_key = _cache_key(scope, key, window)
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    return count <= limit


def too_many_requests(request: HttpRequest, window: int) -> HttpResponse:
    body = render_to_string("429.html", {"retry_after": window}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(window)
    return response


def rate_limited(
    scope: str, *, setting: str, window: int, methods: tuple[str, ...] = ("POST",)
) -> Callable:
    """Limit a view to settings.<setting> requests per client address per `window` seconds."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            limit = getattr(settings, setting)
            if request.method in methods and not hit(scope, client_address(request), limit, window):
                return too_many_requests(request, window)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
