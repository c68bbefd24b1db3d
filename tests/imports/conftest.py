from __future__ import annotations

import io

import pytest

HEADER = ("widget_ref,owner_ref,owner_name,institution,category,made_on,retired_on,amount,"
          "active,built_in,size,note")


def widget_row(i: int, **overrides) -> str:
    values = {
        "widget_ref": f"W{i}", "owner_ref": f"O{i % 7}", "owner_name": f"Owner {i % 7}",
        "institution": "PI-ARNHEM", "category": "housing", "made_on": "2022-03-01",
        "retired_on": "", "amount": str(i % 1000), "active": "yes", "built_in": "2020",
        "size": "small", "note": f"note {i}",
    }
    values.update(overrides)
    return ",".join(values[c] for c in HEADER.split(","))


def csv_bytes(rows: list[str], header: str = HEADER, bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@pytest.fixture
def do_import(db):
    from herstelpad.imports import services

    def run(data: bytes, *, dry_run: bool = False, user=None, kind: str = "test-widgets",
            on_error=None, language: str = "en"):
        from django.utils import translation

        with translation.override(language):
            result, _run = services.import_file(
                kind, io.BytesIO(data), user=user, channel="cli", filename="test.csv",
                size=len(data), dry_run=dry_run, on_error=on_error)
        return result

    return run
