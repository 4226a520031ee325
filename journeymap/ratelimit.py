"""A small fixed-window rate limit on the cache, for endpoints people can hammer (log in, join).

With REDIS_URL set the cache is Redis, so the limit holds across server processes.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a proxy rewrites it,
    # and daphne's --proxy-headers already puts the proxy's view into REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR", "unknown")


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
