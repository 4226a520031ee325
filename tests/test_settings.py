"""Settings come from the environment; bad or missing values fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from journeymap.settings import database_settings, env_bool, env_list

ROOT = Path(__file__).resolve().parent.parent


def run_settings(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly `env` (plus PATH)."""
    clean = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(
        [sys.executable, "-c", f"import journeymap.settings as s; {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_env_bool_accepts_common_spellings(monkeypatch):
    for raw, expected in [("1", True), ("true", True), ("Yes", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("SOME_FLAG", raw)
        assert env_bool("SOME_FLAG") is expected


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG")


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_default_database_is_sqlite_in_wal_with_immediate_transactions():
    config = database_settings("")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"].endswith("var/journeymap.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_postgres_url_reuses_connections_with_health_checks():
    config = database_settings("postgres://app:secret@db.example:5433/journeys")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "journeys")
    assert config["CONN_MAX_AGE"] > 0
    assert config["CONN_HEALTH_CHECKS"] is True


def test_production_refuses_to_start_without_secret_key():
    result = run_settings({"DEBUG": "0"}, "print('started')")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key_and_no_default_hosts():
    result = run_settings({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "print(s.ALLOWED_HOSTS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_redis_url_selects_the_redis_channel_layer():
    code = "print(s.CHANNEL_LAYERS['default']['BACKEND'], s.CHANNEL_LAYERS['default']['CONFIG']['hosts'])"
    result = run_settings({"DEBUG": "1", "REDIS_URL": "redis://cache.example:6380/2"}, code)
    assert result.returncode == 0, result.stderr
    assert "workshops.layers.SteadyRedisChannelLayer" in result.stdout
    assert "redis://cache.example:6380/2" in result.stdout


def test_no_redis_url_means_in_memory_layer():
    result = run_settings({"DEBUG": "1"}, "print(s.CHANNEL_LAYERS['default']['BACKEND'])")
    # Channels' in-memory layer, with a cheaper expiry sweep (workshops/layers.py).
    assert result.stdout.strip() == "workshops.layers.RoomChannelLayer"


def test_ssl_settings_turn_on_hsts_and_secure_cookies():
    code = "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    result = run_settings({"DEBUG": "0", "SECRET_KEY": "x" * 50, "SECURE_SSL": "1"}, code)
    assert result.stdout.split() == ["31536000", "True", "True"]


def test_trusted_proxies_are_addresses_or_networks():
    code = "print(s.TRUSTED_PROXIES)"
    good = run_settings({"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,::1"}, code)
    assert good.stdout.strip() == "['10.0.0.0/8', '192.0.2.7', '::1']", good.stderr
    bad = run_settings({"DEBUG": "1", "TRUSTED_PROXIES": "proxy.example"}, code)
    assert bad.returncode != 0 and "TRUSTED_PROXIES" in bad.stderr


def test_debug_without_a_secret_key_makes_one_for_this_installation(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    env = {"DEBUG": "1", "SECRET_KEY_FILE": str(key_file)}
    first = run_settings(env, "print(s.SECRET_KEY)")
    again = run_settings(env, "print(s.SECRET_KEY)")
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    # Kept: sessions survive a restart. Made here: nobody else has it (it was published).
    assert again.stdout.strip() == key
    assert len(key) >= 50 and key != "dev-only-insecure-key-do-not-use-in-production"
    assert key_file.read_text().strip() == key
    assert key_file.stat().st_mode & 0o077 == 0  # for its owner's eyes only
    other = run_settings(
        {"DEBUG": "1", "SECRET_KEY_FILE": str(tmp_path / "other")}, "print(s.SECRET_KEY)"
    )
    assert other.stdout.strip() != key  # every installation has its own


def test_a_secret_key_from_the_environment_wins_and_writes_nothing(tmp_path):
    key_file = tmp_path / "secret_key"
    result = run_settings(
        {"DEBUG": "1", "SECRET_KEY": "y" * 50, "SECRET_KEY_FILE": str(key_file)},
        "print(s.SECRET_KEY)",
    )
    assert result.stdout.strip() == "y" * 50
    assert not key_file.exists()


def test_postgres_prepares_the_live_rooms_statements_unless_told_not_to():
    show = "print(s.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'))"
    url = {"DEBUG": "1", "DATABASE_URL": "postgres://app@db.example/journeys"}
    assert run_settings(url, show).stdout.strip() == "1000000"
    off = run_settings({**url, "PG_PREPARED_STATEMENTS": "0"}, show)
    assert off.stdout.strip() == "None", off.stderr


def test_the_server_freezes_its_start_up_objects_out_of_the_garbage_collector():
    """Full collections over 2,000 sockets' objects stalled every room for 120-360 ms."""
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, journeymap.asgi; print(gc.get_threshold()[0] >= 50_000, gc.get_freeze_count() > 10_000)",
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.stdout.split() == ["True", "True"], shown.stderr
