"""Benchmark settings: the real settings plus the test app, whose KIND (`test-widgets`) and
report the import and report benchmarks exercise."""

from herstelpad.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
