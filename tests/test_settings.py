"""Configuration comes from the environment, with secure defaults when DEBUG is off."""

import json
import os
import subprocess
import sys

SNIPPET = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k, None) for k in ['DEBUG', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'ALLOWED_HOSTS', 'HUEY', 'X_FRAME_OPTIONS']} | "
    "{'ENGINE': s.DATABASES['default']['ENGINE'], 'NAME': str(s.DATABASES['default']['NAME'])}, default=str))"
)


def run_settings(tmp_path, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "KEHU_REDIS_URL", "ALLOWED_HOSTS"}
    }
    clean.update(DJANGO_SETTINGS_MODULE="kehu.settings", KEHU_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", SNIPPET], env=clean, capture_output=True, text=True, check=False
    )


def test_production_mode_refuses_the_default_secret(tmp_path):
    result = run_settings(tmp_path)
    assert result.returncode != 0
    assert "refuses to start" in result.stderr


def test_production_mode_is_secure_by_default(tmp_path):
    result = run_settings(tmp_path, SECRET_KEY="x" * 50, ALLOWED_HOSTS="crm.example.com")
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["ALLOWED_HOSTS"] == ["crm.example.com"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # Defaults for one machine: SQLite under the var directory, SQLite-backed task queue.
    assert values["ENGINE"].endswith("sqlite3") and values["NAME"].startswith(str(tmp_path))
    assert values["HUEY"]["huey_class"] == "huey.SqliteHuey"


def test_database_and_redis_come_from_the_environment(tmp_path):
    result = run_settings(
        tmp_path,
        DEBUG="1",
        DATABASE_URL="postgres://u:p@db.example:5432/kehu",
        KEHU_REDIS_URL="redis://127.0.0.1:6379/3",
    )
    values = json.loads(result.stdout)
    assert values["ENGINE"].endswith("postgresql") and values["NAME"] == "kehu"
    assert values["HUEY"]["huey_class"] == "huey.RedisHuey"


def test_debug_pages_are_off_in_production(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"URLconf" not in response.content
