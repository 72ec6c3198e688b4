"""Tests: PostgreSQL when DATABASE_URL is set (CI), SQLite otherwise; eager Celery for unit tests.

Integration tests start a real worker against the real Redis and switch eager mode off for
themselves (see tests/conftest.py).
"""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, env

SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker started by an integration test writes mail to files the test counts.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Integration tests start a worker with CELERY_TASK_ALWAYS_EAGER=false.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'test.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"].setdefault("TEST", {})
database_prepared_statements_allow(DATABASES["default"])  # noqa: F405
database_jit_off(DATABASES["default"])  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a worker process started by an integration test opens the same
    # test database (it is handed the path); one per test run, so parallel runs never share it.
    # The timeout rides out the worker's short write locks.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"]["NAME"] = str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30, init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"

# Serve static files straight from the finders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
