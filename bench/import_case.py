"""One import case in its own process, so that its peak memory (VmHWM) is its own.

python -m bench.import_case --rows N --prefix P --mode engine|baseline|baseline-target|generate
    [--kind test-widgets|candidates] FILE
Prints one JSON object."""

from __future__ import annotations

import argparse
import csv
import json
import resource
import time

COLUMNS = ["widget_ref", "owner_ref", "owner_name", "institution", "category", "made_on",
           "retired_on", "amount", "active", "built_in", "size", "note"]
CATEGORIES = ["housing", "debts", "care", "identity", "income", "education"]
INSTITUTIONS = ["PI-ARNHEM", "PI-ALMELO", "PI-KRIMPEN", "PI-MIDDELBURG"]


def generate(path: str, rows: int, prefix: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(rows):
            writer.writerow([
                f"{prefix}{i}", f"{prefix}O{i % 5000}", f"Owner {i % 5000}",
                INSTITUTIONS[i % 4], CATEGORIES[i % 6],
                f"20{15 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d}", "", str(i % 1000),
                "yes" if i % 3 else "no", str(2000 + i % 20), "small" if i % 2 else "large",
                f"note number {i}",
            ])


def peak_mb() -> float:
    """Peak resident memory of this process. VmHWM, not ru_maxrss: Linux keeps ru_maxrss
    across fork and exec, so every case reported at least the (larger) benchmark runner's
    memory instead of its own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


CANDIDATE_COLUMNS = ["candidate_ref", "facility", "list_date", "sex", "sentence_end_on",
                     "life_sentence", "isd", "tbs", "clinic", "immediate_release", "pp",
                     "municipality", "status"]
TWENTE = ["Almelo", "Enschede", "Hengelo", "Borne", "Oldenzaal"]


def generate_candidates(path: str, rows: int, prefix: str) -> None:
    """A candidate list for Huis van Herstel (FAC-HVH), list dates spread over five years:
    about a quarter eligible, the others failing on sex, a flag, the remaining sentence (too
    soon, too far) or the region, or without a sentence end (`other`)."""
    import datetime as dt

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CANDIDATE_COLUMNS)
        for i in range(rows):
            list_date = dt.date(2021 + i % 5, 1 + (i // 5) % 12, 1)
            days = (20, 90, 200, 400, 700, None)[i % 6]
            flags = ["yes" if i % 17 == k else ("no" if i % 2 else "") for k in range(6)]
            writer.writerow([
                f"{prefix}{i}", "FAC-HVH", list_date.isoformat(),
                "female" if i % 11 == 0 else "male",
                "" if days is None else (list_date + dt.timedelta(days=days)).isoformat(),
                *flags, "Zwolle" if i % 13 == 0 else TWENTE[i % 5],
                ("", "on_intake_list", "", "already_placed")[i % 4]])


def engine(path: str, kind: str = "test-widgets") -> dict:
    import django

    django.setup()
    from herstelpad.audit.services import acting_as
    from herstelpad.imports import services

    baseline_mb = peak_mb()
    phases: dict[str, float] = {}

    def progress(p) -> None:  # the engine reports the start of each phase
        phases.setdefault(p.phase, time.perf_counter())

    start = phases["start"] = time.perf_counter()
    with acting_as(None, channel="cli", purpose="benchmark"), open(path, "rb") as handle:
        result, _run = services.import_file(kind, handle, channel="cli",
                                            on_progress=progress)
    elapsed = time.perf_counter() - start
    assert result.ok, [str(e) for e in result.errors[:5]]
    # Where the time goes: reading, validating and staging; cross-row checks (with the
    # staging table's indexes); counting and writing (with statistics and the commit).
    split = {f"{name}_s": round(phases[end] - phases[begin], 2) for name, begin, end in (
        ("read_stage", "start", "checking"), ("check", "checking", "writing"),
        ("write", "writing", "done")) if begin in phases and end in phases}
    return {"seconds": round(elapsed, 2), "rows_per_s": round(result.rows / elapsed),
            "created": result.counts.created, "unchanged": result.counts.unchanged,
            **split, "peak_rss_mb": peak_mb(), "rss_after_setup_mb": baseline_mb}


def _raw_write(path: str, columns: list[str], prepared) -> tuple[int, float]:
    """The timed part of a baseline: read `path` with csv.reader, turn each record into the
    values of `columns` with `prepared`, and write them into `bench_raw` in one transaction:
    COPY (PostgreSQL) or executemany in batches of 5,000 (SQLite). Returns the rows written
    and the seconds taken up to and including the commit."""
    from django.db import connection, transaction

    start = time.perf_counter()
    rows = 0
    names = ", ".join(columns)
    with open(path, encoding="utf-8", newline="") as handle, transaction.atomic(), \
            connection.cursor() as cursor:
        reader = csv.reader(handle)
        next(reader)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_raw ({names}) FROM STDIN") as copy:
                for record in reader:
                    copy.write_row(prepared(record))
                    rows += 1
        else:
            marks = ", ".join("?" for _ in columns)
            insert = f"INSERT INTO bench_raw ({names}) VALUES ({marks})"
            raw = cursor.cursor
            batch = []
            for record in reader:
                batch.append(prepared(record))
                if len(batch) == 5000:
                    raw.executemany(insert, batch)
                    rows += len(batch)
                    batch = []
            raw.executemany(insert, batch)
            rows += len(batch)
    return rows, time.perf_counter() - start


def baseline(path: str) -> dict:
    """Raw insert of the same rows: csv.reader, then executemany (SQLite) or COPY
    (PostgreSQL) into a table indexed like the target (unique key, an index per reference);
    empty cells become NULL; no validation, no upsert, no references resolved."""
    import django

    django.setup()
    from django.db import connection

    types = {"made_on": "DATE", "retired_on": "DATE", "amount": "INTEGER",
             "built_in": "INTEGER"}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        # The same rows into a table indexed like the target: a unique key and an index for
        # each reference (the target's foreign keys).
        cursor.execute("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, " + ", ".join(
            f"{c} {types.get(c, 'TEXT')}" + (" UNIQUE" if c == "widget_ref" else "")
            for c in COLUMNS) + ")"
            if connection.vendor == "sqlite" else
            "CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, " + ", ".join(
                f"{c} {types.get(c, 'TEXT')}" + (" UNIQUE" if c == "widget_ref" else "")
                for c in COLUMNS) + ")")
        cursor.execute("CREATE INDEX bench_raw_owner ON bench_raw (owner_ref)")
        cursor.execute("CREATE INDEX bench_raw_institution ON bench_raw (institution)")
    baseline_mb = peak_mb()
    rows, elapsed = _raw_write(path, COLUMNS, lambda record: [cell or None for cell in record])
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw")
    return {"seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed),
            "peak_rss_mb": peak_mb(), "rss_after_setup_mb": baseline_mb}


def _target_clone():
    """A model with the target's table definition (`testapp.Widget`: the same columns, indexes,
    unique key, check and foreign keys, created by Django's schema editor as the migration
    created the original) under another table name."""
    from django.db import models

    from tests.testapp.models import Widget

    attrs = {"__module__": __name__,
             "Meta": type("Meta", (), {"app_label": "testapp", "db_table": "bench_raw"})}
    for field in Widget._meta.local_fields:
        if field.primary_key:
            continue
        _name, path, args, kwargs = field.deconstruct()
        if field.is_relation:
            kwargs["related_name"] = "+"
        attrs[field.name] = type(field)(*args, **kwargs)
    return type("BenchRaw", (models.Model,), attrs)


def baseline_target(path: str) -> dict:
    """Raw insert of the same rows into a table defined exactly like the target (its clone,
    see `_target_clone`): csv.reader, the references looked up in dicts of the stored owners
    and institutions (loaded before the clock starts; it runs after the engine's first import,
    which stored the owners), then COPY (PostgreSQL) or executemany (SQLite). No validation,
    no upsert; the clock stops after the commit, where the deferred foreign keys are checked.
    This is what writing these rows costs the database without the import's work around it."""
    import django

    django.setup()
    from django.db import connection

    model = _target_clone()
    columns = ["ref", "owner_id", "institution_id", "category", "made_on", "retired_on",
               "amount", "active", "note", "version"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute("SELECT ref, id FROM testapp_owner")
        owners = dict(cursor.fetchall())
        cursor.execute("SELECT code, id FROM organisations_institution")
        institutions = dict(cursor.fetchall())
    if not owners:
        raise RuntimeError("the target-schema baseline runs after the engine stored the owners")
    with connection.schema_editor() as editor:
        editor.create_model(model)
    at = {name: COLUMNS.index(name) for name in COLUMNS}
    booleans = {"yes": True, "no": False, "": None}

    def prepared(r: list[str]) -> tuple:
        return (r[0], owners[r[1]], institutions.get(r[at["institution"]]),
                r[at["category"]], r[at["made_on"]], r[at["retired_on"]] or None,
                r[at["amount"]] or None, booleans[r[at["active"]]], r[at["note"]] or None, 1)

    baseline_mb = peak_mb()
    rows, elapsed = _raw_write(path, columns, prepared)
    with connection.schema_editor() as editor:
        editor.delete_model(model)
    return {"seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed),
            "peak_rss_mb": peak_mb(), "rss_after_setup_mb": baseline_mb}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True,
                        choices=["engine", "baseline", "baseline-target", "generate"])
    parser.add_argument("--kind", default="test-widgets",
                        help="the KIND to import (generate: test-widgets or candidates)")
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--prefix", default="W")
    parser.add_argument("file")
    args = parser.parse_args()
    if args.mode == "generate":
        (generate_candidates if args.kind == "candidates" else generate)(
            args.file, args.rows, args.prefix)
        print(json.dumps({}))
    else:
        if args.mode == "engine":
            print(json.dumps(engine(args.file, args.kind)))
        else:
            run = {"baseline": baseline, "baseline-target": baseline_target}
            print(json.dumps(run[args.mode](args.file)))


if __name__ == "__main__":
    main()
