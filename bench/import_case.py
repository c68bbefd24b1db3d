"""One import case in its own process, so that its peak memory (VmHWM) is its own.

python -m bench.import_case --rows N --prefix P --mode engine|baseline|generate FILE
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


def engine(path: str) -> dict:
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
        result, _run = services.import_file("test-widgets", handle, channel="cli",
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


def baseline(path: str) -> dict:
    """Raw insert of the same rows: csv.reader, then executemany (SQLite) or COPY
    (PostgreSQL) into a table indexed like the target (unique key, an index per reference);
    empty cells become NULL; no validation, no upsert, no references resolved."""
    import django

    django.setup()
    from django.db import connection, transaction

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
    start = time.perf_counter()
    rows = 0
    with open(path, encoding="utf-8", newline="") as handle, transaction.atomic(), \
            connection.cursor() as cursor:
        reader = csv.reader(handle)
        next(reader)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_raw ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for record in reader:
                    copy.write_row([cell or None for cell in record])
                    rows += 1
        else:
            marks = ", ".join("?" for _ in COLUMNS)
            insert = f"INSERT INTO bench_raw ({', '.join(COLUMNS)}) VALUES ({marks})"
            raw = cursor.cursor
            batch = []
            for record in reader:
                batch.append([cell or None for cell in record])
                if len(batch) == 5000:
                    raw.executemany(insert, batch)
                    rows += len(batch)
                    batch = []
            raw.executemany(insert, batch)
            rows += len(batch)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw")
    return {"seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed),
            "peak_rss_mb": peak_mb(), "rss_after_setup_mb": baseline_mb}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["engine", "baseline", "generate"], required=True)
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--prefix", default="W")
    parser.add_argument("file")
    args = parser.parse_args()
    if args.mode == "generate":
        generate(args.file, args.rows, args.prefix)
        print(json.dumps({}))
    else:
        print(json.dumps(engine(args.file) if args.mode == "engine" else baseline(args.file)))


if __name__ == "__main__":
    main()
