"""Settings for the test suite: the real settings, with a fast password hasher.

Argon2 is what runs in every real environment (tests/test_settings.py checks that)."""

import os

os.environ.setdefault("HERSTELPAD_ENV", "test")

from herstelpad.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test app: a KIND and a report that exercise the engines (not shipped).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
