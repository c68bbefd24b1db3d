"""Import engine: rows per second and peak memory for 100,000 and 1,000,000 rows, first
import (everything created) and second import (everything unchanged), beside a raw baseline
that reads the same CSV and inserts it with executemany (SQLite) or COPY (PostgreSQL) without
validation (a plain table: the file's columns, a unique key and an index per reference), and
beside the same rows written raw into a table defined exactly like the target (its indexes and
foreign keys; `baseline-target`). Each case runs in its own process so its peak RSS is its
own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def case(mode: str, path: str, rows: int = 0, prefix: str = "W",
         kind: str = "test-widgets") -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.import_case", "--mode", mode,
                          "--rows", str(rows), "--prefix", prefix, "--kind", kind, path],
                         cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


def run(quick: bool = False):
    sizes = [10_000, 50_000] if quick else [100_000, 1_000_000]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
            path = str(Path(tmp) / f"widgets-{label}.csv")
            case("generate", path, size, prefix=f"S{label}-")
            megabytes = round(Path(path).stat().st_size / 1e6, 1)
            baseline = case("baseline", path)
            first = case("engine", path)
            second = case("engine", path)
            # After the engine's first import, which stored the owners the rows refer to.
            target = case("baseline-target", path)
            results.append({"case": f"baseline-{label}", "rows": size, "file_mb": megabytes,
                            **baseline})
            results.append({"case": f"baseline-target-{label}", "rows": size, **target})
            for name, result in (("first", first), ("again", second)):
                results.append({
                    "case": f"engine-{name}-{label}", "rows": size, **result,
                    "vs_baseline": round(result["rows_per_s"] / baseline["rows_per_s"], 2),
                    "vs_baseline_target": round(result["rows_per_s"] / target["rows_per_s"],
                                                2)})
    return results
