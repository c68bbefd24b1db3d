"""The import engine: stream a CSV file, validate every row, stage it, check cross-row rules in
SQL, and write it all or nothing with set-based upserts.

A KIND (see `ImportKind`) declares its columns (type, required, code list, …), its key column,
its cross-row checks and how the staged rows are written. The engine does the rest, the same way
for every door (command line, web upload, API):

1. **Read** (streaming): the file is decoded as UTF-8 (a byte-order mark is accepted) line by line
   with hard limits on line length, cell length and number of columns, so a hostile or binary
   file is refused with a clear message instead of exhausting memory.
2. **Validate** each row against the column declarations; valid rows go, in batches, into a
   temporary staging table in the database (so memory does not grow with the file).
3. **Check** the cross-row rules (duplicate keys, references, agreement between rows, overlaps)
   as SQL over the staging table and the existing data.
4. **Count** created / updated / unchanged per target with SQL, and, unless this is a dry run and
   only if there was no error at all, **write** with `INSERT … ON CONFLICT DO UPDATE` in one
   transaction. Any error means nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# --- Limits -------------------------------------------------------------------------------------

MAX_LINE_CHARS = 256 * 1024  # one physical line of the file
MAX_CELL_CHARS = 20_000  # one cell (csv module limit); columns set their own lower maximum
MAX_COLUMNS = 200
MAX_KEPT_ERRORS = 1000  # errors kept for the web page and the API; the CLI prints every one
BATCH_ROWS = 5000
ANALYZE_AFTER_ROWS = 10_000  # PostgreSQL: refresh the statistics of tables an import changed
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

csv.field_size_limit(MAX_CELL_CHARS)

REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INT_RE = re.compile(r"^-?\d{1,12}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Over a column's cells joined by NUL (the first cell's start is checked apart): a character
# a reference cannot have, a reference starting with punctuation (REF_RE); a cell starting
# like a formula, a control character (the text rules). Two plain searches each: an
# alternation would be four times slower.
DIGITS_BAD_RE = re.compile(r"[^0-9\x00-]")
REF_BAD_CHAR_RE = re.compile(r"[^A-Za-z0-9._:/\x00-]")
REF_BAD_START_RE = re.compile(r"\x00[._:/-]")
REF_BAD_STARTS = frozenset("._:/-")
TEXT_FORMULA_RE = re.compile(r"\x00[=+\-@\t\r]")
TEXT_CONTROL_RE = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_CHARS = frozenset(FORMULA_STARTS)


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, binary content, limits, header)."""

    def __init__(self, error: ImportError_):
        super().__init__(str(error))
        self.error = error


# --- Errors and results -------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportError_:
    """One problem, reported as `row N, column C, value "V": reason`."""

    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(_("rij %(row)d") % {"row": self.row})
        elif self.column is not None:
            parts.append(_("kopregel"))
        if self.column is not None:
            parts.append(_("kolom %(column)s") % {"column": self.column})
        if self.value is not None:
            parts.append(_('waarde "%(value)s"') % {"value": shorten(self.value)})
        prefix = ", ".join(parts)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value,
                "reason": self.reason, "message": str(self)}


def shorten(value: str, limit: int = 80) -> str:
    value = value.replace("\n", "\\n").replace("\r", "\\r").replace('"', '\\"')
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Progress:
    phase: str  # reading, checking, writing, done
    rows: int
    bytes_read: int
    total_bytes: int | None


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    sha256: str
    size: int
    rows: int = 0
    counts: Counts = field(default_factory=Counts)
    targets: dict[str, dict] = field(default_factory=dict)  # secondary targets' counts
    errors: list[ImportError_] = field(default_factory=list)  # the first MAX_KEPT_ERRORS
    error_count: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def summary(self) -> str:
        if not self.ok:
            return ngettext(
                "%(kind)s: %(count)d fout gevonden; er is niets opgeslagen.",
                "%(kind)s: %(count)d fouten gevonden; er is niets opgeslagen.",
                self.error_count,
            ) % {"kind": self.kind, "count": self.error_count}
        text = _("%(kind)s: %(rows)d rijen — %(created)d nieuw, %(updated)d bijgewerkt, "
                 "%(unchanged)d ongewijzigd.") % {
            "kind": self.kind, "rows": self.rows, **self.counts.as_dict()}
        if self.dry_run:
            text += " " + _("Proefimport: er is niets opgeslagen.")
        return text

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "dry_run": self.dry_run, "sha256": self.sha256, "size": self.size,
            "rows": self.rows, "valid": self.ok, "written": self.written,
            **self.counts.as_dict(), "targets": self.targets,
            "error_count": self.error_count, "errors": [e.as_dict() for e in self.errors],
        }


# --- Columns ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a KIND.

    type: `ref` (a key: letters, digits and . _ : / -), `text`, `date` (YYYY-MM-DD), `bool`
    (yes/no), `int`, `year`, `code` (a code of `code_list`), `choice` (one of `choices`).
    An empty cell means "not known" (None); `required` makes it an error.
    """

    name: str
    type: str = "text"
    required: bool = False
    code_list: str | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 200
    min_value: int | None = None
    max_value: int | None = None
    description: str = ""

    def sql_type(self, vendor: str) -> str:
        if self.type == "date":
            return "DATE" if vendor == "postgresql" else "TEXT"
        if self.type == "bool":
            return "BOOLEAN" if vendor == "postgresql" else "INTEGER"
        if self.type in {"int", "year"}:
            return "BIGINT" if vendor == "postgresql" else "INTEGER"
        return "TEXT"


class Invalid(Exception):
    """Raised by a compiled validator; carries the reason."""


class Validators:
    """Per-import compiled validators: one small function per column (chosen once, not per
    cell), code lists loaded once. A validator takes the stripped, non-empty cell and returns
    the value or raises `Invalid(reason)`."""

    def __init__(self, columns: Iterable[Column], vendor: str):
        from herstelpad.reference.models import Code

        self.vendor = vendor
        lists = {c.code_list for c in columns if c.type == "code"}
        codes: dict[str, set[str]] = {name: set() for name in lists}
        for list_name, code in Code.objects.filter(
                code_list__name__in=lists, active=True).values_list("code_list__name", "code"):
            codes[list_name].add(code)
        self.codes = {name: frozenset(values) for name, values in codes.items()}
        self.today_year = timezone.localdate().year

    def parse(self, column: Column, raw: str) -> tuple[Any, str | None]:
        """(value, None) or (None, reason), for one cell (tests, tools)."""
        try:
            return self.compile(column)(raw), None
        except Invalid as exc:
            return None, str(exc)

    def compile_fast(self, column: Column) -> Callable[[list[str]], list | None]:
        """A validator for a whole column of a batch (stripped cells, "" for empty) that runs
        in C-level loops: the values (None for empty), or None when any cell is invalid (the
        batch is then checked cell by cell to name every problem)."""
        kind = column.type
        required = column.required

        def nonempty(cells):
            return filter(None, cells)

        def or_none(cells):
            return [c or None for c in cells] if "" in cells else cells

        # Reference, date, integer and text columns are checked with a few searches over the
        # column's cells joined by NUL, which no cell can contain (such files are refused).
        if kind == "ref":
            bad_char, bad_start = REF_BAD_CHAR_RE.search, REF_BAD_START_RE.search

            def refs(cells):
                if (required and "" in cells) or max(map(len, cells), default=0) > 64:
                    return None
                joined = "\x00".join(cells)
                if joined[:1] in REF_BAD_STARTS or bad_char(joined) or bad_start(joined):
                    return None
                return or_none(cells)
            return refs
        if kind == "date":
            fromiso, bad_char = date.fromisoformat, DIGITS_BAD_RE.search

            def dates(cells):
                filled = list(nonempty(cells)) if "" in cells else cells
                if (required and filled is not cells) or not filled:
                    return None if required else or_none(cells)
                # YYYY-MM-DD: ten characters, digits but for a dash at the fifth and eighth.
                joined = "\x00".join(filled)
                if set(map(len, filled)) != {10} or bad_char(joined) \
                        or joined.count("-") != 2 * len(filled) \
                        or set(joined[4::11]) != {"-"} or set(joined[7::11]) != {"-"}:
                    return None
                try:
                    for _value in map(fromiso, filled):
                        pass
                except ValueError:
                    return None
                return or_none(cells)  # ISO text: both databases parse it into a date
            return dates
        if kind == "bool":
            answers = {"yes": True, "no": False, "": None}

            def bools(cells):
                lowered = list(map(str.lower, cells))
                if not set(lowered) <= answers.keys() or (required and "" in lowered):
                    return None
                return list(map(answers.__getitem__, lowered))
            return bools
        if kind in {"int", "year"}:
            low, high = column.min_value, column.max_value
            if kind == "year":
                low = 1900 if low is None else low
                high = self.today_year if high is None else high
            bad_char = DIGITS_BAD_RE.search

            def ints(cells):
                empty = "" in cells
                filled = list(nonempty(cells)) if empty else cells
                # Digits and a sign only, at most 12 characters: int() then accepts exactly
                # what INT_RE does (a leading minus, then digits).
                if (required and empty) or max(map(len, filled), default=0) > 12 \
                        or bad_char("\x00".join(filled)):
                    return None
                try:
                    numbers = list(map(int, filled))
                except ValueError:
                    return None
                if numbers and ((low is not None and min(numbers) < low)
                                or (high is not None and max(numbers) > high)):
                    return None
                if not empty:
                    return numbers
                numbered = iter(numbers)
                return [next(numbered) if c else None for c in cells]
            return ints
        if kind in {"code", "choice"}:
            allowed = (self.codes[column.code_list] if kind == "code"
                       else frozenset(column.choices))
            return lambda cells: (None if (required and "" in cells)
                                  or not set(nonempty(cells)) <= allowed else or_none(cells))
        max_length = column.max_length
        formula, control = TEXT_FORMULA_RE.search, TEXT_CONTROL_RE.search

        def texts(cells):
            if (required and "" in cells) or max(map(len, cells), default=0) > max_length:
                return None
            joined = "\x00".join(cells)
            if joined[:1] in FORMULA_CHARS or formula(joined) or control(joined):
                return None
            return or_none(cells)
        return texts

    def compile(self, column: Column) -> Callable[[str], Any]:
        kind = column.type
        if kind == "ref":
            match = REF_RE.match

            def ref(raw):
                if match(raw):
                    return raw
                raise Invalid(_("geen geldige sleutel: gebruik 1 tot 64 letters, cijfers en "
                                ". _ : / - en begin met een letter of cijfer"))
            return ref
        if kind == "date":
            match, fromiso = DATE_RE.match, date.fromisoformat

            def parse_date(raw):
                if not match(raw):
                    raise Invalid(_("geen datum in de vorm JJJJ-MM-DD"))
                try:
                    fromiso(raw)
                except ValueError:
                    raise Invalid(_("deze datum bestaat niet")) from None
                return raw  # ISO text: both databases parse it into a date
            return parse_date
        if kind == "bool":
            answers = {"yes": True, "no": False}

            def parse_bool(raw):
                value = answers.get(raw.lower())
                if value is None:
                    raise Invalid(_("gebruik yes of no"))
                return value
            return parse_bool
        if kind in {"int", "year"}:
            low, high = column.min_value, column.max_value
            if kind == "year":
                low = 1900 if low is None else low
                high = self.today_year if high is None else high
            match = INT_RE.match

            def parse_int(raw):
                if not match(raw):
                    raise Invalid(_("geen jaartal van vier cijfers") if kind == "year"
                                  else _("geen geheel getal"))
                number = int(raw)
                if low is not None and number < low:
                    raise Invalid(_("kleiner dan %(min)d") % {"min": low})
                if high is not None and number > high:
                    raise Invalid(_("groter dan %(max)d") % {"max": high})
                return number
            return parse_int
        if kind in {"code", "choice"}:
            allowed = (self.codes[column.code_list] if kind == "code"
                       else frozenset(column.choices))

            def parse_code(raw):
                if raw in allowed:
                    return raw
                if kind == "choice":
                    raise Invalid(_("toegestaan: %(choices)s")
                                  % {"choices": ", ".join(column.choices)})
                raise Invalid(_("onbekende code in %(list)s; toegestaan: %(codes)s") % {
                    "list": column.code_list, "codes": ", ".join(sorted(allowed)[:15])
                    + (", …" if len(allowed) > 15 else "")})
            return parse_code
        max_length, search = column.max_length, CONTROL_RE.search

        def parse_text(raw):
            if len(raw) > max_length:
                raise Invalid(_("langer dan %(max)d tekens") % {"max": max_length})
            if raw.startswith(FORMULA_STARTS):
                raise Invalid(_("begint met %(char)r: een spreadsheet zou dit als formule "
                                "uitvoeren; haal het teken weg") % {"char": raw[0]})
            if search(raw):
                raise Invalid(_("bevat stuurtekens"))
            return raw
        return parse_text


# --- The KIND declaration -----------------------------------------------------------------------

class ImportKind:
    """Subclass, set the attributes, implement `write` (and optionally `row_errors` and
    `checks`), and register with `herstelpad.imports.registry.register`."""

    name: str = ""
    label: str = ""
    description: str = ""
    permission: str = ""  # the policy permission needed to import this KIND
    key: str = ""  # the key column (`*_ref`)
    columns: list[Column] = []

    def row_errors(self, row: dict[str, Any]) -> Iterable[tuple[str, str]]:
        """Rules within one row (conditional requirements, order of dates): (column, reason)."""
        return ()

    def checks(self, stage: Stage) -> Iterable[ImportError_]:
        """Cross-row rules, usually SQL over `stage`. The default checks duplicate keys."""
        yield from stage.duplicate_keys(self.key)

    def write(self, stage: Stage, *, dry_run: bool) -> tuple[Counts, dict[str, dict]]:
        """Count (and unless `dry_run`, write) the staged rows. Return the counts of the KIND's
        own records and, keyed by name, the counts of other records it touched."""
        raise NotImplementedError

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def scope_values(self, user) -> dict[str, set[str]] | None:
        """Restrict column values to what this user may touch: {column: allowed values}. None
        means no restriction (the command line's operator)."""
        return None


# --- Reading ------------------------------------------------------------------------------------

class CountingReader(io.RawIOBase):
    """Wraps a binary file: counts bytes, computes the SHA-256 as it reads."""

    def __init__(self, raw):
        self.raw = raw
        self.bytes_read = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.bytes_read += n
        self.digest.update(data)
        return n


LINE_RE = re.compile(r"[^\n]*\n|[^\n]+$")
BLOCK_BYTES = 1 << 20


def _blocks(binary, state: dict) -> Iterator[list[str]]:
    """Physical lines (split on \\n only, kept with their end), read and decoded a block at a
    time and handed out a block's list at a time; a problem is reported with the row it is in.
    Raises FileRefused on binary content, invalid UTF-8 or an over-long line, so memory never
    depends on the file."""
    carry = b""
    first = True

    def refuse(reason: str, data: bytes, position: int):
        # The lines handed out before were all consumed: `state["row"]` records are read.
        before = data.count(b"\n", 0, position)
        if state["header_done"]:
            row = state["row"] + 1 + before
        else:
            row = before or None  # line 0 is the header
        raise FileRefused(ImportError_(reason, row=row))

    too_long = _("een regel is langer dan %(max)d tekens; dit lijkt geen CSV-bestand") \
        % {"max": MAX_LINE_CHARS}
    while True:
        block = binary.read(BLOCK_BYTES)
        data = carry + block
        if not data:
            return
        if block:
            cut = data.rfind(b"\n") + 1
            data, carry = data[:cut], data[cut:]
            if len(carry) > MAX_LINE_CHARS:
                refuse(too_long, data + carry, len(data))
            if not data:
                continue
        else:
            carry = b""
        if first:
            data = data.removeprefix(b"\xef\xbb\xbf")
            first = False
        nul = data.find(b"\x00")
        if nul >= 0:
            refuse(_("het bestand bevat binaire gegevens (NUL-tekens); alleen CSV-tekst kan "
                     "worden geïmporteerd"), data, nul)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            refuse(_("het bestand is geen geldige UTF-8-tekst (byte 0x%(byte)02X); sla het op "
                     "als CSV in UTF-8") % {"byte": data[exc.start]}, data, exc.start)
        lines = LINE_RE.findall(text)
        if max(map(len, lines)) > MAX_LINE_CHARS:
            index = next(i for i, line in enumerate(lines) if len(line) > MAX_LINE_CHARS)
            refuse(too_long, data, len("".join(lines[:index]).encode("utf-8")))
        yield lines


def _lines(binary, state: dict) -> Iterator[str]:
    """The file's physical lines, one by one (in C: no Python call per line)."""
    return itertools.chain.from_iterable(_blocks(binary, state))


def read_records(binary, state: dict) -> Iterator[list[str]]:
    """The CSV records of the file. The caller counts the records it took in `state["row"]`,
    so a malformed record is reported with its number."""
    reader = csv.reader(_lines(binary, state), strict=True)
    try:
        yield from reader  # no Python code per record
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            reason = _("een cel is langer dan %(max)d tekens") % {"max": MAX_CELL_CHARS}
        else:
            reason = _("ongeldige CSV-opmaak (%(detail)s); controleer aanhalingstekens en "
                       "scheidingstekens") % {"detail": message}
        raise FileRefused(ImportError_(
            reason, row=state["row"] + 1 if state["header_done"] else None)) from None


# --- Staging ------------------------------------------------------------------------------------

def qn(name: str) -> str:
    return connection.ops.quote_name(name)


class Stage:
    """A temporary table holding the valid rows of one import, with SQL helpers for checks and
    upserts. Column names are the KIND's column names; `_row` is the data row number."""

    def __init__(self, kind: ImportKind, user=None):
        self.kind = kind
        self.user = user  # who imports (None: the operator at the command line)
        self.touched: set[str] = set()  # tables written by `upsert`
        self.vendor = connection.vendor
        self.table = f"hp_stage_{uuid.uuid4().hex[:12]}"
        self.columns = kind.columns
        self.rows = 0

    # SQL helpers
    now = "CURRENT_TIMESTAMP"  # parsed by Django on both databases (UTC)

    @staticmethod
    def qn_table(model: type[models.Model]) -> str:
        return qn(model._meta.db_table)

    @property
    def t(self) -> str:
        return qn(self.table)

    def col(self, name: str, alias: str = "s") -> str:
        return f"{alias}.{qn(name)}"

    def same(self, left: str, right: str) -> str:
        """Null-safe equality."""
        if self.vendor == "postgresql":
            return f"({left} IS NOT DISTINCT FROM {right})"
        return f"({left} IS {right})"

    def fetch(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return cursor.fetchall()

    def scalar(self, sql: str, params: Iterable = ()) -> Any:
        return self.fetch(sql, params)[0][0]

    def execute(self, sql: str, params: Iterable = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return cursor.rowcount

    # Lifecycle
    def create(self) -> None:
        columns = ", ".join(f"{qn(c.name)} {c.sql_type(self.vendor)}" for c in self.columns)
        if self.vendor == "postgresql":
            # No primary key while loading: `index` builds the unique index on `_row` in one
            # go after the load, cheaper than maintaining it row by row during COPY.
            row = "_row BIGINT NOT NULL"
        else:
            row = "_row INTEGER PRIMARY KEY"  # SQLite: the rowid itself, no separate index
        self.execute(f"CREATE TEMPORARY TABLE {self.t} ({row}, {columns})")

    def insert(self, batch: Iterable[tuple]) -> None:
        """Stage rows: tuples of (row number, one value per column of the KIND)."""
        rows = list(batch)
        if rows:
            self.insert_columns([list(column) for column in zip(*rows, strict=True)])

    def insert_columns(self, columns: list[list]) -> None:
        """Stage a batch given column by column: the row numbers, then one list of values per
        column of the KIND (None for empty), as the validators return them."""
        count = len(columns[0])
        if not count:
            return
        names = ", ".join(qn(n) for n in ["_row", *[c.name for c in self.columns]])
        with transaction.atomic(), connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # COPY, row by row: psycopg formats in C and sends while the rows are being
                # written (a text buffer built first measured no faster, and sent later).
                with cursor.cursor.copy(f"COPY {self.t} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in zip(*columns):
                        write(row)
            else:
                marks = ", ".join(["?"] * (len(self.columns) + 1))
                cursor.cursor.executemany(f"INSERT INTO {self.t} ({names}) VALUES ({marks})",
                                          zip(*columns))
        self.rows += count

    def index(self, *column_names: str) -> None:
        # No ANALYZE of the stage: PostgreSQL estimates an unanalysed table's size from its
        # pages, which is enough for these joins on unique keys, and ANALYZE cost a fifth of
        # an import's time (bench/bench_imports.py).
        if self.vendor == "postgresql":
            self.execute(f"CREATE UNIQUE INDEX {qn(self.table + '__row')} ON {self.t} (_row)")
        for name in column_names:
            self.execute(f"CREATE INDEX {qn(self.table + '_' + name)} ON {self.t} ({qn(name)})")

    def drop(self) -> None:
        try:
            self.execute(f"DROP TABLE IF EXISTS {self.t}")
        except Exception:  # pragma: no cover - the connection is gone; so is the temp table
            pass

    # Checks
    def duplicate_keys(self, column: str) -> Iterator[ImportError_]:
        c = qn(column)
        if not self.scalar(f"SELECT COUNT(*) FROM (SELECT {c} FROM {self.t} WHERE {c} IS NOT NULL "
                           f"GROUP BY {c} HAVING COUNT(*) > 1) d"):
            return
        sql = (f"SELECT _row, {c}, first FROM (SELECT _row, {c}, MIN(_row) OVER (PARTITION BY "
               f"{c}) AS first FROM {self.t} WHERE {c} IS NOT NULL) d WHERE _row <> first "
               "ORDER BY _row")
        for row, value, first in self.fetch(sql):
            yield ImportError_(_("deze sleutel staat al in rij %(first)d van dit bestand")
                               % {"first": first}, row, column, value)

    def unknown_references(self, column: str, model: type[models.Model], field_name: str = "ref",
                           *, or_stage_column: str | None = None,
                           reason: str | None = None) -> Iterator[ImportError_]:
        """Rows whose `column` names a record that exists neither in `model` (by `field_name`)
        nor, when given, in this file's `or_stage_column`."""
        c = qn(column)
        target = qn(model._meta.db_table)
        target_col = qn(model._meta.get_field(field_name).column)
        also = (f" AND NOT EXISTS (SELECT 1 FROM {self.t} o WHERE o.{qn(or_stage_column)} = "
                f"s.{c})" if or_stage_column else "")
        sql = (f"SELECT s._row, s.{c} FROM {self.t} s WHERE s.{c} IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM {target} x WHERE x.{target_col} = s.{c}){also} ORDER BY s._row")
        for row, value in self.fetch(sql):
            yield ImportError_(reason or _("bestaat niet"), row, column, value)

    def disagreeing(self, group: str, column: str, reason: str) -> Iterator[ImportError_]:
        """Rows whose non-empty `column` differs from an earlier row of the same `group`."""
        g, c = qn(group), qn(column)
        # One aggregate settles the usual case (everything agrees) without a self-join.
        if not self.scalar(f"SELECT COUNT(*) FROM (SELECT {g} FROM {self.t} WHERE {c} IS NOT NULL "
                           f"GROUP BY {g} HAVING MIN({c}) <> MAX({c})) d"):
            return
        sql = (f"SELECT s._row, s.{c}, MIN(o._row) FROM {self.t} s JOIN {self.t} o ON o.{g} = "
               f"s.{g} AND o._row < s._row AND o.{c} IS NOT NULL AND o.{c} <> s.{c} "
               f"WHERE s.{c} IS NOT NULL GROUP BY s._row, s.{c} ORDER BY s._row")
        for row, value, first in self.fetch(sql):
            yield ImportError_(reason % {"row": first}, row, column, _display(value))

    # Writing
    def upsert(self, model: type[models.Model], *, key: str, key_expr: str,
               fields: dict[str, str], insert_only: dict[str, str] | None = None,
               on_update: dict[str, str] | None = None, source: str | None = None,
               keep_when_empty: Iterable[str] = (), dry_run: bool = False) -> Counts:
        """Insert or update `model` rows from `source` (default: the stage as `s`), matching on
        the unique field `key` = `key_expr`.

        `fields` maps model fields to SQL expressions over the source; they decide whether a row
        is unchanged. Fields in `keep_when_empty` keep their stored value when the expression is
        NULL (an empty cell means "not known", not "erase"). `insert_only` fields are set only
        when a row is created, `on_update` fields only when it changes. By convention the rest
        is filled in: on insert, NOT NULL fields get their model default (`auto_now(_add)`:
        the current time); on a change, `auto_now` fields get the current time and a `version`
        field is incremented."""
        meta = model._meta
        table = qn(meta.db_table)
        if not dry_run:
            self.touched.add(meta.db_table)

        def column(name: str) -> str:
            return qn(meta.get_field(name).column)

        source = source or f"{self.t} s"
        key_col = column(key)
        pk = qn(meta.pk.column)
        keep = set(keep_when_empty)

        def prepared_default(name: str):
            model_field = meta.get_field(name)
            return model_field.get_db_prep_save(model_field.get_default(), connection)

        # A kept field that cannot be NULL is inserted with its default; that default then
        # counts as "not known" too, so it never overwrites a known value.
        defaulted = {f: prepared_default(f) for f in keep
                     if not meta.get_field(f).null and meta.get_field(f).get_default() is not None}
        compare, compare_params = {}, []
        for f, expr in fields.items():
            if f in defaulted:
                compare[f] = f"COALESCE(NULLIF({expr}, %s), x.{column(f)})"
                compare_params.append(defaulted[f])
            elif f in keep:
                compare[f] = f"COALESCE({expr}, x.{column(f)})"
            else:
                compare[f] = expr
        same = " AND ".join(self.same(f"x.{column(f)}", expr) for f, expr in compare.items())
        total, existing, unchanged = self.fetch(
            f"SELECT COUNT(*), COUNT(x.{pk}), COALESCE(SUM(CASE WHEN x.{pk} IS NOT NULL"
            + (f" AND {same}" if same else "") + " THEN 1 ELSE 0 END), 0) "
            f"FROM {source} LEFT JOIN {table} x ON x.{key_col} = {key_expr}",
            compare_params)[0]
        counts = Counts(created=total - existing, updated=existing - unchanged,
                        unchanged=unchanged)
        if dry_run or counts.created + counts.updated == 0:
            return counts  # nothing to write (a second import of the same file)
        insert_only = dict(insert_only or {})
        on_update = dict(on_update or {})

        # (column name, SQL expression, parameters) of the INSERT, in order.
        inserted: list[tuple[str, str, list]] = [(key, key_expr, [])]
        for f, expr in fields.items():
            model_field = meta.get_field(f)
            if f in defaulted:
                inserted.append((f, f"COALESCE({expr}, %s)", [defaulted[f]]))
            else:
                inserted.append((f, expr, []))
        inserted += [(f, expr, []) for f, expr in insert_only.items()]
        named = {key, *fields, *insert_only}
        for field in meta.concrete_fields:
            if field.primary_key or field.name in named:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                inserted.append((field.name, self.now, []))
                if getattr(field, "auto_now", False) and field.name not in on_update:
                    on_update[field.name] = self.now
            elif not field.null and not field.unique and field.get_default() is not None:
                # The model's default, or "" for text fields without one.
                inserted.append((field.name, "%s", [prepared_default(field.name)]))
        if "version" in {f.name for f in meta.concrete_fields} \
                and "version" not in on_update and "version" not in fields:
            on_update["version"] = f"{table}.{column('version')} + 1"
        names = [name for name, _expr, _p in inserted]
        exprs = [expr for _name, expr, _p in inserted]
        ordered_params = [value for _name, _expr, values in inserted for value in values]
        kept = {f: self._kept(f, keep, table, column) for f in fields}
        kept_params = []
        for f in fields:
            if f in defaulted:
                kept[f] = (f"COALESCE(NULLIF(excluded.{column(f)}, %s), "
                           f"{table}.{column(f)})")
                kept_params.append(defaulted[f])
        # `kept` expressions appear twice: in SET (fields order) and in the WHERE (same order).
        changed = " OR ".join(f"NOT {self.same(f'{table}.{column(f)}', kept[f])}"
                              for f in fields)
        sets = [f"{column(f)} = {kept[f]}" for f in fields]
        sets += [f"{column(f)} = {expr}" for f, expr in on_update.items()]
        insert = (f"INSERT INTO {table} ({', '.join(column(n) for n in names)}) "
                  f"SELECT {', '.join(exprs)} FROM {source} WHERE ")
        sql = (insert + f"1 = 1 ON CONFLICT ({key_col}) DO "
               + (f"UPDATE SET {', '.join(sets)} WHERE {changed}" if fields else "NOTHING"))
        if counts.updated == 0:
            # Only new rows to write (a first import, or new rows beside unchanged ones): a
            # plain INSERT of the keys not stored yet, without the cost of ON CONFLICT's
            # speculative insertion (a sixth of PostgreSQL's write). Should another
            # transaction have stored one of those keys since the count, the unique key
            # refuses it and the upsert below runs instead.
            try:
                with transaction.atomic():
                    self.execute(insert + (
                        f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{key_col} = {key_expr})"
                        if counts.unchanged else "1 = 1"), ordered_params)
                return counts
            except IntegrityError:
                pass
        self.execute(sql, ordered_params + kept_params + kept_params)
        return counts

    @staticmethod
    def _kept(field: str, keep: set[str], table: str, column) -> str:
        value = f"excluded.{column(field)}"
        return f"COALESCE({value}, {table}.{column(field)})" if field in keep else value


class WriteRefused(Exception):
    """Raised by a KIND's `write` when a rule that can only be checked while writing fails;
    the transaction is rolled back and the errors are reported like any other."""

    def __init__(self, errors: list[ImportError_]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# --- Running an import --------------------------------------------------------------------------

ProgressCallback = Callable[[Progress], None]
ErrorCallback = Callable[[ImportError_], None]


class _Collector:
    def __init__(self, on_error: ErrorCallback | None):
        self.kept: list[ImportError_] = []
        self.count = 0
        self.on_error = on_error

    def add(self, error: ImportError_) -> None:
        self.count += 1
        if len(self.kept) < MAX_KEPT_ERRORS:
            self.kept.append(error)
        if self.on_error is not None:
            self.on_error(error)


def check_header(kind: ImportKind, header: list[str]) -> list[ImportError_]:
    errors = []
    if len(header) > MAX_COLUMNS:
        return [ImportError_(_("de kopregel heeft %(n)d kolommen; dit soort import kent er "
                               "%(m)d") % {"n": len(header), "m": len(kind.columns)})]
    names = [h.strip() for h in header]
    known = set(kind.column_names)
    seen = set()
    for name in names:
        if name in seen:
            errors.append(ImportError_(_("deze kolom staat twee keer in de kopregel"),
                                       column=name))
        seen.add(name)
        if name not in known:
            errors.append(ImportError_(
                _("onbekende kolom; bekende kolommen: %(columns)s")
                % {"columns": ", ".join(kind.column_names)}, column=name))
    for column in kind.columns:
        if column.required and column.name not in seen:
            errors.append(ImportError_(_("verplichte kolom ontbreekt"), column=column.name))
    return errors


def run(kind: ImportKind, binary, *, dry_run: bool = False, total_bytes: int | None = None,
        user=None, on_progress: ProgressCallback | None = None,
        on_error: ErrorCallback | None = None, progress_every: float = 0.5,
        before_commit: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Import one file (a binary file object) of `kind`. Never writes unless every row is valid.

    Runs outside any transaction of its own for reading and staging (the staging table is
    temporary, so other users are not blocked); the write happens in one transaction, in which
    `before_commit(result)` runs too (the caller's audit entry), so either both land or neither."""
    reader = CountingReader(binary)
    errors = _Collector(on_error)
    state = {"row": 0, "header_done": False}
    stage = Stage(kind, user)
    validators = Validators(kind.columns, stage.vendor)
    allowed = kind.scope_values(user)
    last_report = [0.0]

    def progress(phase: str, force: bool = False) -> None:
        if on_progress is None:
            return
        now = time.monotonic()
        if force or now - last_report[0] >= progress_every:
            last_report[0] = now
            on_progress(Progress(phase, state["row"], reader.bytes_read, total_bytes))

    result = ImportResult(kind=kind.name, dry_run=dry_run, sha256="", size=0)
    file_ok = True
    stage.create()
    try:
        try:
            records = read_records(reader, state)
            header = next(records, None)
            state["header_done"] = True
            if header is None:
                raise FileRefused(ImportError_(_("het bestand is leeg; de kopregel ontbreekt")))
            header_errors = check_header(kind, header)
            for error in header_errors:
                errors.add(error)
            file_ok = not header_errors
            if file_ok:
                _stage_rows(kind, records, [h.strip() for h in header], stage, validators,
                            allowed, errors, state, progress)
        except FileRefused as refused:
            errors.add(refused.error)
            file_ok = False
        _drain(reader)  # the digest covers the whole file, also when reading stopped early
        result.sha256, result.size, result.rows = (reader.digest.hexdigest(),
                                                   reader.bytes_read, state["row"])
        if file_ok and stage.rows:
            progress("checking", force=True)
            stage.index(kind.key)
            for error in kind.checks(stage):
                errors.add(error)
        if errors.count == 0:
            progress("writing", force=True)
            try:
                with transaction.atomic():
                    result.counts, result.targets = kind.write(stage, dry_run=dry_run)
                    result.written = not dry_run
                    result.errors, result.error_count = errors.kept, errors.count
                    if before_commit is not None:
                        before_commit(result)
            except WriteRefused as refused:
                result.counts, result.targets, result.written = Counts(), {}, False
                for error in refused.errors:
                    errors.add(error)
            if result.written and stage.vendor == "postgresql" \
                    and result.counts.created + result.counts.updated >= ANALYZE_AFTER_ROWS:
                # Fresh statistics after a bulk load: without them PostgreSQL may plan the
                # scoped dossier queries badly (seconds instead of milliseconds).
                for table in sorted(stage.touched):
                    stage.execute(f"ANALYZE {qn(table)}")
        progress("done", force=True)
    finally:
        stage.drop()
    result.errors, result.error_count = errors.kept, errors.count
    return result


def _drain(reader: CountingReader) -> None:
    buffer = bytearray(1 << 16)
    while reader.readinto(buffer):
        pass


def _stage_rows(kind, records, header, stage, validators, allowed, errors, state, progress):
    """Validate the records batch by batch, column by column (fast paths in C-level loops;
    cell by cell only for a column that has a problem), and stage the valid rows."""
    width = len(header)
    parsers = []
    for index, column in enumerate(kind.columns):
        position = header.index(column.name) if column.name in header else None
        check = validators.compile(column)
        fast = validators.compile_fast(column)
        if allowed is not None and column.name in allowed:
            check, fast = _restricted(check, allowed[column.name]), None
        parsers.append((index, position, column.name, column.required, check, fast))
    names = [c.name for c in kind.columns]
    row_errors = kind.row_errors if type(kind).row_errors is not ImportKind.row_errors else None
    records_batch: list[list[str]] = []
    numbers: list[int] = []
    strip = str.strip

    def flush() -> None:
        if not records_batch:
            return
        found: list[tuple[int, int, ImportError_]] = []
        bad: set[int] = set()
        columns: list[list] = [numbers]
        transposed = list(zip(*records_batch, strict=True))
        for index, position, name, required, check, fast in parsers:
            if position is None:
                columns.append([None] * len(numbers))
                continue
            cells = list(map(strip, transposed[position]))
            values = fast(cells) if fast is not None else None
            if values is None:
                values = []
                for row_number, raw in zip(numbers, cells, strict=True):
                    if not raw:
                        if required:
                            found.append((row_number, index, ImportError_(
                                _("verplicht; de cel is leeg"), row_number, name, "")))
                            bad.add(row_number)
                        values.append(None)
                        continue
                    try:
                        values.append(check(raw))
                    except Invalid as exc:
                        found.append((row_number, index,
                                      ImportError_(str(exc), row_number, name, raw)))
                        bad.add(row_number)
                        values.append(None)
            columns.append(values)
        if row_errors is not None:
            # One dict per row is the KIND's interface; build them in C (map over zip).
            as_dicts = map(dict, map(zip, itertools.repeat(names), zip(*columns[1:])))
            checked = bad.copy()  # a row with a cell error is not checked further
            for row_number, as_dict in zip(numbers, as_dicts):
                if row_number in checked:
                    continue
                for column_name, reason in row_errors(as_dict):
                    found.append((row_number, names.index(column_name), ImportError_(
                        reason, row_number, column_name, _display(as_dict.get(column_name)))))
                    bad.add(row_number)
        for _row, _index, error in sorted(found, key=lambda item: (item[0], item[1])):
            errors.add(error)
        if bad:
            keep = [i for i, number in enumerate(numbers) if number not in bad]
            columns = [[values[i] for i in keep] for values in columns]
        stage.insert_columns(columns)
        records_batch.clear()
        numbers.clear()
        progress("reading")

    row_number = 0
    for record in records:
        row_number += 1
        state["row"] = row_number
        if len(record) == width:
            records_batch.append(record)
            numbers.append(row_number)
            if len(records_batch) >= BATCH_ROWS:
                flush()
        elif record:  # a blank line is skipped
            flush()  # keep the errors in row order
            errors.add(ImportError_(
                _("deze rij heeft %(n)d velden; de kopregel heeft er %(m)d")
                % {"n": len(record), "m": width}, row=row_number))
    flush()


def _restricted(check, allowed_values):
    def restricted(raw):
        value = check(raw)
        if value not in allowed_values:
            raise Invalid(_("u mag geen gegevens importeren voor %(value)s") % {"value": raw})
        return value
    return restricted


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
