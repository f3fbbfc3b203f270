"""Settings for the test suite: the normal settings with a test key and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "civicgrid-test-suite-key-not-secret-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from civicgrid.settings import *  # noqa: E402,F403

TESTING = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
