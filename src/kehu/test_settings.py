"""Settings for the test suite: the real databases, fast hashing, tasks run inline."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "kehu-test-secret-key-not-for-production-0123456789")
if os.environ.get("KEHU_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["KEHU_TEST_DATABASE_URL"]

from .settings import *  # noqa: F403
from .settings import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
HUEY = {"huey_class": "huey.MemoryHuey", "name": "kehu-test", "immediate": True}
# The browser talks to the live server over plain http.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
MEDIA_ROOT = tempfile.mkdtemp(prefix="kehu-media-")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that tests with several threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-kehu.sqlite3")}
