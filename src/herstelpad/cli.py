"""The `herstelpad` console script: Django's management commands under the project's settings.

`herstelpad migrate`, `herstelpad import KIND FILE`, `herstelpad report NAME`, `herstelpad demo`,
`herstelpad audit verify`, and every other management command (`herstelpad help` lists them).
Messages follow the LANGUAGE environment variable (gettext order: LANGUAGE, LC_ALL, LC_MESSAGES,
LANG): Dutch when it names Dutch, English otherwise.
"""

from __future__ import annotations

import os
import sys


def cli_language(environ=os.environ) -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            first = value.split(":")[0].lower()
            return "nl" if first.startswith("nl") else "en"
    return "en"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "herstelpad.settings")
    argv = list(sys.argv if argv is None else ["herstelpad", *argv])
    argv[0] = "herstelpad"

    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    translation.activate(cli_language())
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
