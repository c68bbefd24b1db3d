"""The `herstelpad` console script."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from herstelpad.cli import cli_language

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("env,expected", [
    ({"LANGUAGE": "nl_NL:nl"}, "nl"),
    ({"LANGUAGE": "en"}, "en"),
    ({"LANG": "nl_NL.UTF-8"}, "nl"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "nl_BE.UTF-8", "LANG": "en_US.UTF-8"}, "nl"),
    ({}, "en"),
])
def test_cli_language_follows_gettext_order(env, expected):
    assert cli_language(env) == expected


def test_console_script_is_installed_and_lists_commands(tmp_path):
    script = shutil.which("herstelpad") or str(ROOT / ".venv" / "bin" / "herstelpad")
    env = {**os.environ, "HERSTELPAD_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([script, "help"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    for command in ("migrate", "demo", "audit"):
        assert command in result.stdout


def test_console_script_migrate_demo_verify_on_a_fresh_database(tmp_path):
    """The documented sequence, end to end, on an empty SQLite database."""
    script = shutil.which("herstelpad") or str(ROOT / ".venv" / "bin" / "herstelpad")
    env = {**os.environ, "HERSTELPAD_HOME": str(tmp_path), "LANGUAGE": "en"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)

    def run(*args):
        return subprocess.run([script, *args], capture_output=True, text=True, env=env,
                              timeout=300)

    assert run("migrate", "-v0").returncode == 0
    demo = run("demo")
    assert demo.returncode == 0, demo.stderr
    assert "casemanager" in demo.stdout
    verify = run("audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert (tmp_path / "var" / "herstelpad.sqlite3").exists()
    bad = run("audit", "frobnicate")
    assert bad.returncode == 2
