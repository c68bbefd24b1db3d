"""Property-based tests of the import engine: generated files of valid and invalid rows.

- A file with at least one invalid row never writes anything, and every invalid row is named.
- A valid file writes exactly its rows; importing it again reports everything unchanged.
"""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad.imports import services
from tests.imports.conftest import csv_bytes, widget_row
from tests.testapp.models import Owner, Widget

pytestmark = pytest.mark.django_db

CATEGORIES = ["housing", "debts", "care", "identity"]
INVALID = {
    "made_on": ["2021-02-29", "2021-1-01", "yesterday", ""],
    "category": ["wonen", "HOUSING", "*"],
    "amount": ["-1", "1001", "1e3", "twelve"],
    "active": ["ja", "true", "1"],
    "institution": ["PI-NERGENS"],
    "widget_ref": ["has space", "-lead", "é"],
    "note": ["=1+1", "@cmd", "+x", "-y"],
    "retired_on": ["2000-01-01"],  # before made_on
}

valid_rows = st.lists(
    st.fixed_dictionaries({
        "category": st.sampled_from(CATEGORIES),
        "made_on": st.dates(min_value=__import__("datetime").date(2015, 1, 1),
                            max_value=__import__("datetime").date(2026, 1, 1)).map(str),
        "amount": st.one_of(st.just(""), st.integers(0, 1000).map(str)),
        "active": st.sampled_from(["yes", "no", ""]),
        "note": st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
                        max_size=30).filter(lambda s: not s.strip().startswith(
                            ("=", "+", "-", "@")) and s == s.strip()),
    }),
    min_size=1, max_size=30,
)


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def build(rows: list[dict]) -> list[str]:
    return [widget_row(i, **{k: quoted(v) if k == "note" else v for k, v in row.items()})
            for i, row in enumerate(rows)]


def run(data: bytes):
    with translation.override("en"):
        result, _run = services.import_file("test-widgets", io.BytesIO(data), channel="cli")
    return result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=valid_rows, bad=st.lists(
    st.tuples(st.integers(0, 29), st.sampled_from(sorted(INVALID)), st.integers(0, 9)),
    min_size=1, max_size=5))
def test_an_invalid_file_never_writes_anything(rows, bad):
    lines = build(rows)
    bad_rows = set()
    for position, column, choice in bad:
        position %= len(lines)
        value = INVALID[column][choice % len(INVALID[column])]
        row = {**rows[position], column: value}
        if column == "note":
            row["note"] = value
        lines[position] = widget_row(position, **{k: quoted(v) if k == "note" else v
                                                  for k, v in row.items()})
        bad_rows.add(position + 1)
    with transaction.atomic():
        result = run(csv_bytes(lines))
        assert not result.ok and not result.written
        assert {e.row for e in result.errors} >= bad_rows
        assert not Widget.objects.exists() and not Owner.objects.exists()
        transaction.set_rollback(True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=valid_rows)
def test_a_valid_file_writes_its_rows_and_is_idempotent(rows):
    data = csv_bytes(build(rows))
    with transaction.atomic():
        first = run(data)
        assert first.ok, [str(e) for e in first.errors]
        assert first.counts.as_dict() == {"created": len(rows), "updated": 0, "unchanged": 0}
        assert Widget.objects.count() == len(rows)
        for i, row in enumerate(rows):
            widget = Widget.objects.get(ref=f"W{i}")
            assert (widget.category, str(widget.made_on), widget.note or "") == \
                (row["category"], row["made_on"], row["note"])
        second = run(data)
        assert second.counts.as_dict() == {"created": 0, "updated": 0, "unchanged": len(rows)}
        transaction.set_rollback(True)
