"""ASGI entry point: HTTP through Django, websockets through Channels.

Websockets only accept connections whose Origin is in ALLOWED_HOSTS, and see the Django session
user (facilitators and managers log in; guests are identified by their participant cookie).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
# Django must be set up before importing anything that touches models (the routing below).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from journeymap.websocket_session import ReadOnlySessionMiddleware  # noqa: E402
from workshops.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            # Channels' AuthMiddlewareStack, with a session that is read, never saved.
            CookieMiddleware(
                ReadOnlySessionMiddleware(AuthMiddleware(URLRouter(websocket_urlpatterns)))
            )
        ),
    }
)

# The garbage collector, tuned for a server holding thousands of sockets. Its full collections
# walk every object still alive: with 2,000 connections those took 120 to 360 ms each, a stall of
# every room of the process a few times a minute under moves (bench/capacity.py, the tail of
# its latencies). What was loaded at start (Django, the apps, the URL and template machinery)
# is frozen out of every collection, and collections run after 50,000 new objects instead of
# 700, so the older generations are walked far less often. Measured (docs/benchmarks.md,
# "Capacity"): no collection over 5 ms but the youngest, max latency 436 -> 40 ms.
gc.freeze()
gc.set_threshold(50_000, 20, 100)
