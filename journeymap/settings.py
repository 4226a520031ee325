"""Settings for journeymap: one module, driven by environment variables.

Embedded default (no variables set besides DEBUG=1): a SQLite file under var/, the in-memory
channel layer, one daphne process. Production: DATABASE_URL to PostgreSQL, REDIS_URL to Redis,
SECRET_KEY, ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS set. See README.md, "Configuration".
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalized = value.strip().lower()
    if normalized in {"1", "true", "yes", "on"}:
        return True
    if normalized in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

# pytest (8.2+) announces itself in the environment; the test suite needs no secrets.
TESTING = "PYTEST_VERSION" in os.environ


def local_secret_key(path: Path) -> str:
    """This installation's own development key, made on first use and kept in `path` (var/ is
    not in git, readable by its owner only). A key published in the repository signed the
    sessions of every `scripts/serve`: anyone could forge a log-in on anyone's instance."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


# Without SECRET_KEY, production refuses to start (a server that silently signed sessions with a
# guessable key would be worse than one that does not start); DEBUG makes a key of its own for
# this installation (SECRET_KEY_FILE, default var/secret_key); the test suite needs no secret.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "test-only-key-of-the-test-suite"  # noqa: S105
    elif DEBUG:
        SECRET_KEY = local_secret_key(
            Path(os.environ.get("SECRET_KEY_FILE") or BASE_DIR / "var" / "secret_key")
        )
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", LOCAL_HOSTS if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # "changed 3 minutes ago" on the home page
    "channels",
    "django_htmx",
    "maps",
    "workshops",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "journeymap.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "journeymap.urls"
WSGI_APPLICATION = "journeymap.wsgi.application"
ASGI_APPLICATION = "journeymap.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # the header's inbox badge (comments: mentions and replies)
                "maps.inbox_views.inbox_badge",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

SQLITE_PATH = BASE_DIR / "var" / "journeymap.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# 0 for a connection pooler that cannot keep prepared statements (PgBouncer before 1.21 in
# transaction mode): the live room's hot statements are then planned on every run.
PG_PREPARED_STATEMENTS = env_bool("PG_PREPARED_STATEMENTS", default=True)


def database_settings(url: str) -> dict:
    if not url:
        url = f"sqlite:///{SQLITE_PATH}"
    # Persistent connections with health checks: every websocket message runs its ORM work in a
    # worker thread, and opening a PostgreSQL connection per message would cost more than the
    # message itself. Health checks make a restarted PostgreSQL recover on the next message.
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Kept open per thread too (Django never shares one across threads): opening a SQLite
        # connection runs the three PRAGMAs below, which cost more than a note move itself
        # (bench/live_room.py). Health checks are pointless for a file.
        config["CONN_HEALTH_CHECKS"] = False
        config["OPTIONS"] = {
            # Writers take the lock when the transaction starts, so two concurrent websocket
            # writes queue on busy_timeout instead of failing with "database is locked" when a
            # deferred read transaction tries to upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        }
        # Tests use a real file too (not shared-cache memory) so WAL and locking behave as in
        # production.
        # Named after the main file, so two checkouts or runs with different files never share.
        main = Path(config["NAME"])
        config["TEST"] = {"NAME": str(main.with_name(f"test_{main.name}"))}
    elif config["ENGINE"] == "django.db.backends.postgresql" and PG_PREPARED_STATEMENTS:
        # The live room's hottest statements (maps.rows.cursor) are prepared once per
        # connection: Django's own cursors never are, whatever this says.
        config.setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
    return config


DATABASES = {"default": database_settings(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer --------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
CHANNEL_PREFIX = os.environ.get("CHANNEL_PREFIX", "journeymap")
# How many messages may wait for one process on the list-based layer (channels-redis keeps one
# inbox per process, whatever its number of sockets). A process's workshop rooms receive one
# message per join, leave or workshop message of each room it serves, and each socket its own
# votes: a process of 2,000 sockets in 40 rooms stays far below this.
CHANNEL_CAPACITY = int(os.environ.get("CHANNEL_CAPACITY", "5000"))
# Redis connections one process may open at once per layer. redis-py refuses past its pool's
# limit (MaxConnectionsError); a join storm opens one per socket's group_add for a moment.
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000"))

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "workshops.layers.SteadyRedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same 5 s that
                # channels-redis blocks waiting for a message: every idle consumer then died
                # with TimeoutError (1011 to the browser). Reads may block longer than that.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "max_connections": REDIS_MAX_CONNECTIONS,
                    }
                ],
                "prefix": CHANNEL_PREFIX,
                # channels-redis drops group messages silently past capacity (and a send
                # raises ChannelFull, which the rooms log): clients heal from the revision
                # numbers, but a full server should not need to.
                "capacity": CHANNEL_CAPACITY,
                "expiry": 30,
            },
        },
        # Map events: Redis pub/sub, one PUBLISH per event, read once by each process's room
        # for the map (workshops/fanout.py). The list-based layer above spent several Redis
        # commands per event on both ends. Pub/sub keeps nothing for a process that misses a
        # message; neither layer promises delivery, and clients heal gaps from the revisions.
        "rooms": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS}],
                "prefix": CHANNEL_PREFIX,
            },
        },
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # Channels' in-memory layer, sweeping expired messages once a second instead of
            # on every receive (workshops/layers.py explains the cost).
            "BACKEND": "workshops.layers.RoomChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY, "expiry": 30},
        }
    }

# --- Cache (rate limits) ----------------------------------------------------------------------

# Shared across processes through Redis when there is one; per process otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Attempts per client address: log in (per 5 minutes), sign up (per hour), unknown workshop
# codes (per 5 minutes). A person never needs more; a script guessing passwords or codes does.
LOGIN_RATE_LIMIT = int(os.environ.get("LOGIN_RATE_LIMIT", "10"))
SIGNUP_RATE_LIMIT = int(os.environ.get("SIGNUP_RATE_LIMIT", "5"))
CODE_GUESS_LIMIT_DEFAULT = 30
CODE_GUESS_LIMIT = int(os.environ.get("CODE_GUESS_LIMIT", CODE_GUESS_LIMIT_DEFAULT))
# Guest joins with a real code, per client address per 5 minutes: a company's room of 40 sits
# behind one office address, so this is sized for a few large rooms at once, not for one
# person. Guessing codes is what CODE_GUESS_LIMIT stops; this only bounds a script making
# participants in a workshop whose code it has.
JOIN_RATE_LIMIT_DEFAULT = 300
JOIN_RATE_LIMIT = int(os.environ.get("JOIN_RATE_LIMIT", JOIN_RATE_LIMIT_DEFAULT))

# --- Email (comment mentions: maps.operations.inbox, sent by journeymap.mail) ---------------

# The console backend by default: a mention's email is printed to the server's log until SMTP
# is configured. Emails go after commit from a worker thread, never from a request or the
# websocket's event loop.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: one file per email.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Journeymap <journeymap@localhost>")
# At most one email per person per thread in this many seconds: a lively thread that mentions
# someone ten times sends one email, the inbox holds the rest.
COMMENT_EMAIL_INTERVAL = int(os.environ.get("COMMENT_EMAIL_INTERVAL", "300"))
# The address emails link to (no request to read it from in the mail thread).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")

# Live-board connections one workshop participant may hold open on one server process (their
# tabs and devices). Past it a new one closes with 4429: a script opening hundreds held a
# presence entry and a room slot each.
MAX_CONNECTIONS_PER_PARTICIPANT = int(os.environ.get("MAX_CONNECTIONS_PER_PARTICIPANT", "10"))

# The reverse proxies in front of the app (addresses or networks, comma-separated). Only a
# request from one of them has its X-Forwarded-For read, and then only the rightmost hop that
# is not one of them (journeymap.ratelimit.forwarded_client): anyone else's header is ignored,
# so a client cannot pick a new address per request. Empty: every peer is the client.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from _error

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Files browsers ask for at the site's root (favicon.ico): whitenoise serves them there.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

# --- Security -------------------------------------------------------------------------------

# Behind a TLS-terminating proxy set SECURE_SSL=1: cookies become secure, HSTS is sent and the
# proxy's X-Forwarded-Proto header is trusted.
SECURE_SSL = env_bool("SECURE_SSL", default=False)
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
# Preloading is a promise to browsers about the whole domain that takes months to undo, so it is
# opt-in; Django's reminder about it (W021) is silenced, and explained in README.md.
SECURE_HSTS_PRELOAD = SECURE_SSL and env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if SECURE_SSL:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
    },
}
