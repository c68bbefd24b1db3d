from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """Exists only in the test suite: a KIND and a report that exercise the engines' general
    rules without shipping them as features."""

    name = "tests.testapp"
    label = "testapp"
