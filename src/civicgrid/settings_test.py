"""Settings for the test suite: the normal settings with a test key and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "civicgrid-test-suite-key-not-secret-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from civicgrid.settings import *  # noqa: E402,F403

TESTING = True
HUEY = {**HUEY, "immediate": True}  # noqa: F405  tasks run inline in tests
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SESSION_COOKIE_SECURE = False
# Grace for staff without a second factor, so that client.force_login keeps working for them; the tests of the second
# factor switch it on where they need it (tests/people/test_totp.py).
TOTP_REQUIRED = False
CSRF_COOKIE_SECURE = False

# On SQLite the test database is a file (per process), not shared-cache memory: the concurrency tests then meet
# SQLite's real locking (WAL, IMMEDIATE transactions, busy timeout), as a deployment does.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"civicgrid-test-{os.getpid()}.sqlite3"),
    }
