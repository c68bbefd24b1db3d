"""Import engine: rows per second and peak memory for 100,000 and 1,000,000 rows, first
import (everything created) and second import (everything unchanged), beside a raw baseline
that reads the same CSV and inserts it with executemany (SQLite) or COPY (PostgreSQL) without
validation. Each case runs in its own process so its peak RSS is its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def case(mode: str, path: str, rows: int = 0, prefix: str = "W") -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.import_case", "--mode", mode,
                          "--rows", str(rows), "--prefix", prefix, path],
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
            results.append({"case": f"baseline-{label}", "rows": size, "file_mb": megabytes,
                            **baseline})
            results.append({"case": f"engine-first-{label}", "rows": size, "file_mb": megabytes,
                            **first, "vs_baseline": round(first["rows_per_s"]
                                                          / baseline["rows_per_s"], 2)})
            results.append({"case": f"engine-again-{label}", "rows": size, **second,
                            "vs_baseline": round(second["rows_per_s"]
                                                 / baseline["rows_per_s"], 2)})
    return results
