"""Settings come from the environment; production refuses insecure configurations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_settings(env: dict, code: str = "print('ok')") -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items()
                if k not in {"SECRET_KEY", "DEBUG", "HERSTELPAD_ENV", "DJANGO_SETTINGS_MODULE",
                              "DATABASE_URL", "HERSTELPAD_MEDIATION_KEY"}}
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "herstelpad.settings"
    script = "import django; django.setup(); from django.conf import settings; " + code
    return subprocess.run([sys.executable, "-c", script], env=full_env, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


GOOD_KEY = "k" + "x7Qp2vLm9Tz4Rb8Wc1Ny6Hd3Fs5Gj0Ka" * 2
# A valid Fernet key (32 bytes, URL-safe base64) for the sealed mediation compartment.
GOOD_MEDIATION_KEY = "bWVkaWF0aW9uLWNvbXBhcnRtZW50LXRlc3Qta2V5ISE="


def test_production_refuses_the_insecure_default_key():
    result = run_settings({"HERSTELPAD_ENV": "production"})
    assert result.returncode != 0
    assert "insecure SECRET_KEY" in result.stderr


def test_production_refuses_a_short_key():
    result = run_settings({"HERSTELPAD_ENV": "production", "SECRET_KEY": "short"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = run_settings({"HERSTELPAD_ENV": "production", "SECRET_KEY": GOOD_KEY,
                           "DEBUG": "true"})
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_production_starts_with_a_good_key(tmp_path):
    result = run_settings(
        {"HERSTELPAD_ENV": "production", "SECRET_KEY": GOOD_KEY,
         "HERSTELPAD_MEDIATION_KEY": GOOD_MEDIATION_KEY,
         "ALLOWED_HOSTS": "herstelpad.example", "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"},
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.REQUIRE_2FA, "
        "settings.SESSION_COOKIE_SECURE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['herstelpad.example'] True True"


def test_invalid_boolean_is_a_clear_error():
    result = run_settings({"DEBUG": "perhaps"})
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_sqlite_default_is_wal_under_var(tmp_path):
    result = run_settings(
        {"HERSTELPAD_HOME": str(tmp_path)},
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0], settings.DATABASES['default']['NAME'])",
    )
    assert result.returncode == 0, result.stderr
    mode, name = result.stdout.split()
    assert mode == "wal" and name == str(tmp_path / "var" / "herstelpad.sqlite3")


def test_database_url_selects_postgresql():
    result = run_settings({"DATABASE_URL": "postgres://someone@db.example:5433/herstelpad"},
                          "d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "db.example", "5433",
                                      "herstelpad"]


def test_language_code_from_environment():
    assert run_settings({"LANGUAGE_CODE": "en"}, "print(settings.LANGUAGE_CODE)").stdout.strip() \
        == "en"
    assert run_settings({"LANGUAGE_CODE": "de"}).returncode != 0


def test_argon2_is_the_password_hasher_in_real_settings():
    result = run_settings({}, "print(settings.PASSWORD_HASHERS[0])")
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"
