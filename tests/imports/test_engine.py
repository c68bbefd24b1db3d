"""The import engine's general rules (INTERCHANGE §2), exercised through the test KIND."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import translation

from herstelpad.audit.models import AuditEntry
from herstelpad.imports import engine
from herstelpad.imports.models import ImportRun, RunStatus
from tests.imports.conftest import HEADER, csv_bytes, widget_row
from tests.testapp.models import Owner, Widget

pytestmark = pytest.mark.django_db


def messages(result) -> list[str]:
    with translation.override("en"):
        return [str(e) for e in result.errors]


# --- The happy path and idempotence -------------------------------------------------------------

def test_valid_file_creates_everything(do_import):
    result = do_import(csv_bytes([widget_row(i) for i in range(20)]))
    assert result.ok and result.written
    assert (result.rows, result.counts.as_dict()) == (20, {"created": 20, "updated": 0,
                                                           "unchanged": 0})
    assert result.targets == {"owners": {"created": 7, "updated": 0, "unchanged": 0}}
    widget = Widget.objects.select_related("owner", "institution").get(ref="W3")
    assert (widget.owner.ref, widget.owner.name, widget.institution.code, widget.category,
            str(widget.made_on), widget.amount, widget.active, widget.note) == \
        ("O3", "Owner 3", "PI-ARNHEM", "housing", "2022-03-01", 3, True, "note 3")


def test_importing_the_same_file_twice_changes_nothing(do_import):
    data = csv_bytes([widget_row(i) for i in range(20)])
    do_import(data)
    before = list(Widget.objects.order_by("ref").values())
    second = do_import(data)
    assert second.ok
    assert second.counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 20}
    assert second.targets["owners"] == {"created": 0, "updated": 0, "unchanged": 7}
    assert list(Widget.objects.order_by("ref").values()) == before


def test_changed_rows_are_updated_and_their_version_raised(do_import):
    do_import(csv_bytes([widget_row(i) for i in range(5)]))
    rows = [widget_row(i) for i in range(5)]
    rows[2] = widget_row(2, amount="999", active="")
    rows.append(widget_row(5))
    result = do_import(csv_bytes(rows))
    assert result.counts.as_dict() == {"created": 1, "updated": 1, "unchanged": 4}
    changed = Widget.objects.get(ref="W2")
    assert (changed.amount, changed.active, changed.version) == (999, None, 2)
    assert Widget.objects.get(ref="W1").version == 1


def test_new_rows_beside_unchanged_ones_are_inserted_alone(do_import):
    # Nothing to update: the engine inserts only the keys not stored yet (no ON CONFLICT).
    do_import(csv_bytes([widget_row(i) for i in range(5)]))
    before = list(Widget.objects.order_by("ref").values())
    result = do_import(csv_bytes([widget_row(i) for i in range(8)]))
    assert result.counts.as_dict() == {"created": 3, "updated": 0, "unchanged": 5}
    assert list(Widget.objects.filter(ref__in=["W0", "W1", "W2", "W3", "W4"])
                .order_by("ref").values()) == before
    assert Widget.objects.count() == 8


def test_a_key_stored_since_the_count_falls_back_to_the_upsert(do_import, monkeypatch):
    # Another transaction stores a key between the count and the insert: the plain INSERT
    # meets the unique key, and the upsert runs instead, so the import still succeeds.
    do_import(csv_bytes([widget_row(1, amount="7")]))
    real_fetch = engine.Stage.fetch

    def fetch(self, sql, params=()):
        rows = real_fetch(self, sql, params)
        if sql.startswith("SELECT COUNT(*), COUNT(x.") and "testapp_widget" in sql:
            return [(rows[0][0], 0, 0)]  # as if W1 had not existed when counted
        return rows

    monkeypatch.setattr(engine.Stage, "fetch", fetch)
    result = do_import(csv_bytes([widget_row(1, amount="8"), widget_row(2)]))
    assert result.ok and result.written
    assert Widget.objects.get(ref="W1").amount == 8
    assert Widget.objects.count() == 2


def test_dry_run_counts_and_writes_nothing(do_import):
    result = do_import(csv_bytes([widget_row(i) for i in range(10)]), dry_run=True)
    assert result.ok and not result.written
    assert result.counts.created == 10
    assert not Widget.objects.exists() and not Owner.objects.exists()


def test_bom_crlf_quoting_and_free_column_order(do_import):
    header = "note,made_on,category,institution,owner_ref,widget_ref"
    data = ('\ufeff' + header + '\r\n'
            '"a note, with a comma and a ""quote""\r\nover two lines",2021-01-31,debts,'
            'PI-ALMELO,O1,W1\r\n').encode("utf-8")
    result = do_import(data)
    assert result.ok, messages(result)
    widget = Widget.objects.get(ref="W1")
    assert widget.note == 'a note, with a comma and a "quote"\r\nover two lines'
    assert widget.institution.code == "PI-ALMELO"


def test_empty_cells_are_not_known(do_import):
    result = do_import(csv_bytes([widget_row(1, amount="", active="", built_in="", size="",
                                             note="", owner_name="")]))
    assert result.ok
    widget = Widget.objects.get(ref="W1")
    assert (widget.amount, widget.active, widget.note) == (None, None, None)


def test_a_file_with_only_a_header_is_valid_and_empty(do_import):
    result = do_import(csv_bytes([]))
    assert result.ok and result.rows == 0 and result.counts.total == 0


# --- Errors: every one listed, nothing written --------------------------------------------------

@pytest.mark.parametrize("column,value,reason", [
    ("made_on", "2022-02-30", "this date does not exist"),
    ("made_on", "01-03-2022", "not a date in the form YYYY-MM-DD"),
    ("active", "ja", "use yes or no"),
    ("amount", "12.5", "not a whole number"),
    ("amount", "1001", "greater than 1000"),
    ("built_in", "1850", "less than 1900"),
    ("built_in", "2999", "greater than"),
    ("category", "wonen", "unknown code in domains"),
    ("size", "medium", "allowed: small, large"),
    ("widget_ref", "W 1", "not a valid key"),
    ("owner_name", "x" * 41, "longer than 40 characters"),
    ("note", "=HYPERLINK(\"http://evil\")", "spreadsheet would run it as a formula"),
    ("note", "+31 6 1234", "spreadsheet would run it as a formula"),
    ("note", "-2+3", "spreadsheet would run it as a formula"),
    ("note", "@SUM(A1)", "spreadsheet would run it as a formula"),
    ("note", "bell\x07", "control characters"),
])
def test_invalid_values_are_listed_and_nothing_is_written(do_import, column, value, reason):
    bad = widget_row(2, **{column: f'"{value}"' if "," in value or '"' in value else value})
    if '"' in value:
        bad = widget_row(2, **{column: '"' + value.replace('"', '""') + '"'})
    result = do_import(csv_bytes([widget_row(1), bad, widget_row(3)]))
    assert not result.ok and not result.written
    assert result.error_count == 1
    message = messages(result)[0]
    assert message.startswith(f'row 2, column {column}, value "')
    assert reason in message
    assert not Widget.objects.exists() and not Owner.objects.exists()


def test_missing_required_value(do_import):
    result = do_import(csv_bytes([widget_row(1, made_on="")]))
    assert messages(result) == ['row 1, column made_on, value "": required; the cell is empty']


def test_rule_within_a_row(do_import):
    result = do_import(csv_bytes([widget_row(1, retired_on="2022-01-01")]))
    assert messages(result) == ['row 1, column retired_on, value "2022-01-01": ligt voor made_on']


def test_cross_row_rules(do_import):
    rows = [widget_row(1), widget_row(2), widget_row(1, owner_ref="O9"),
            widget_row(8, owner_name="Someone else"), widget_row(4, institution="PI-NOWHERE")]
    result = do_import(csv_bytes(rows))
    assert sorted(messages(result)) == sorted([
        'row 3, column widget_ref, value "W1": this key is already in row 1 of this file',
        'row 4, column owner_name, value "Someone else": andere naam dan rij 1 voor deze '
        'eigenaar',
        'row 5, column institution, value "PI-NOWHERE": onbekende inrichting',
    ])
    assert not Widget.objects.exists()


def test_one_bad_row_among_ten_thousand_writes_nothing(do_import):
    rows = [widget_row(i) for i in range(10_000)]
    rows[7_341] = widget_row(7_341, made_on="2022-13-01")
    result = do_import(csv_bytes(rows))
    assert result.rows == 10_000
    assert messages(result) == ['row 7342, column made_on, value "2022-13-01": this date '
                                'does not exist']
    assert not Widget.objects.exists() and not Owner.objects.exists()


def test_every_error_is_counted_and_the_first_thousand_kept(do_import):
    shown = []
    rows = [widget_row(i, made_on="x") for i in range(1500)]
    result = do_import(csv_bytes(rows), on_error=shown.append)
    assert result.error_count == 1500 and len(shown) == 1500
    assert len(result.errors) == engine.MAX_KEPT_ERRORS


def test_errors_are_dutch_by_default(do_import):
    result = do_import(csv_bytes([widget_row(1, active="misschien")]), language="nl")
    with translation.override("nl"):
        assert str(result.errors[0]) == 'rij 1, kolom active, waarde "misschien": gebruik yes of no'


# --- The header ---------------------------------------------------------------------------------

def test_header_errors(do_import):
    header = HEADER.replace("made_on,", "").replace("note", "colour") + ",size"
    result = do_import(csv_bytes([], header=header))
    found = messages(result)
    assert "header, column made_on: required column is missing" in found
    assert any(m.startswith("header, column colour: unknown column; known columns: ")
               for m in found)
    assert "header, column size: this column appears twice in the header" in found


def test_row_with_the_wrong_number_of_fields(do_import):
    result = do_import(csv_bytes([widget_row(1), widget_row(2) + ",extra"]))
    assert messages(result) == ["row 2: this row has 13 fields; the header has 12"]


# --- Hostile files ------------------------------------------------------------------------------

def test_wrong_encoding_is_refused(do_import):
    data = csv_bytes([widget_row(1)]) + "W2,O1,Ren\xe9,PI-ARNHEM,housing,2022-01-01,,,,,,\n" \
        .encode("latin-1")
    result = do_import(data)
    assert not result.ok
    assert messages(result) == ["row 2: the file is not valid UTF-8 text (byte 0xE9); save it "
                                "as CSV in UTF-8"]
    assert not Widget.objects.exists()


def test_binary_file_is_refused(do_import):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20
    result = do_import(png)
    assert not result.ok and result.error_count == 1
    assert "not valid UTF-8" in messages(result)[0] or "binary" in messages(result)[0]


def test_nul_bytes_are_refused(do_import):
    result = do_import(csv_bytes([widget_row(1), "W2\x00,O1"]))
    assert messages(result) == ["row 2: the file contains binary data (NUL characters); only "
                                "CSV text can be imported"]


def test_absurdly_long_cell_is_refused(do_import):
    result = do_import(csv_bytes([widget_row(1, note='"' + "x\n" * 15_000 + '"')]))
    assert messages(result) == [f"row 1: a cell is longer than {engine.MAX_CELL_CHARS} "
                                "characters"]


def test_absurdly_long_line_is_refused(do_import):
    result = do_import(csv_bytes([widget_row(1, note="y" * (engine.MAX_LINE_CHARS + 10))]))
    assert messages(result) == [f"row 1: a line is longer than {engine.MAX_LINE_CHARS} "
                                "characters; this does not look like a CSV file"]


def test_millions_of_columns_are_refused_without_reading_them(do_import):
    header = ",".join(f"c{i}" for i in range(1_000_000))
    result = do_import(csv_bytes([], header=header))
    assert result.error_count == 1
    assert "longer than" in messages(result)[0]


def test_many_columns_within_the_line_limit_are_refused(do_import):
    header = ",".join("c" for _ in range(5000))
    result = do_import(csv_bytes([], header=header))
    assert messages(result) == ["the header has 5000 columns; this kind of import has 12"]


def test_empty_file(do_import):
    result = do_import(b"")
    assert messages(result) == ["the file is empty; the header row is missing"]


def test_broken_quoting(do_import):
    result = do_import(csv_bytes([widget_row(1, note='"unterminated')]))
    assert not result.ok
    assert not Widget.objects.exists()


# --- Audit and history --------------------------------------------------------------------------

def test_import_is_audited_with_digest_actor_and_counts(do_import, make_user):
    from herstelpad.audit.services import acting_as

    user = make_user("functional_admin")
    data = csv_bytes([widget_row(i) for i in range(3)])
    with acting_as(user, channel="web"):
        result = do_import(data, user=user)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    run = ImportRun.objects.get()
    assert (run.status, run.actor, run.rows, run.created, run.sha256) == \
        (RunStatus.SUCCEEDED, user, 3, 3, result.sha256)
    entry = AuditEntry.objects.filter(action="import").get()
    assert entry.actor_id == user.pk and entry.object_id == str(run.pk)
    assert entry.details["sha256"] == result.sha256
    assert (entry.details["created"], entry.details["updated"], entry.details["unchanged"]) == \
        (3, 0, 0)


def test_invalid_import_is_audited_too(do_import):
    data = csv_bytes([widget_row(1, made_on="no")])
    do_import(data)
    run = ImportRun.objects.get()
    assert run.status == RunStatus.INVALID and run.error_count == 1
    assert run.errors[0]["row"] == 1 and run.errors[0]["column"] == "made_on"
    entry = AuditEntry.objects.filter(action="import").get()
    assert entry.details["valid"] is False and entry.details["written"] is False


def test_digest_covers_the_whole_file_even_when_reading_stops(do_import):
    data = csv_bytes([widget_row(1), "W2\x00"]) + b"more bytes after the problem\n" * 100
    result = do_import(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)


def test_user_scope_limits_the_values_a_user_may_import(do_import, make_user):
    user = make_user("functional_admin", institutions=["PI-ARNHEM"])
    from herstelpad.accounts.models import Role
    from herstelpad.imports.engine import ImportKind

    assert user.role == Role.FUNCTIONAL_ADMIN and isinstance(user, object)
    assert ImportKind  # the scope rule of the test KIND uses policy.visible_institutions
    user.role = Role.CASEMANAGER  # not a national role: sees PI Arnhem only
    from herstelpad.imports import registry

    kind = registry.get("test-widgets")
    assert kind.scope_values(user)["institution"] == {"PI-ARNHEM"}


def test_postgresql_statistics_are_refreshed_after_a_large_import(do_import, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(engine, "ANALYZE_AFTER_ROWS", 5)
    with CaptureQueriesContext(connection) as queries:
        do_import(csv_bytes([widget_row(i) for i in range(10)]))
    analyzed = [q["sql"] for q in queries.captured_queries
                if q["sql"].startswith("ANALYZE \"")]
    if connection.vendor == "postgresql":
        assert analyzed == ['ANALYZE "testapp_owner"', 'ANALYZE "testapp_widget"']
    else:
        assert analyzed == []  # SQLite plans without collected statistics
