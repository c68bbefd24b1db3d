"""The `candidates` import (INTERCHANGE §2.5): rows per second and peak memory of a candidate
list for Huis van Herstel, first import (every candidate screened and registered) and the same
file again (nothing changes). Screening runs in Python in batches of 2,000 staged rows, so its
cost and memory are what this measures beside the engine's own work (`bench_imports`). Each case
runs in its own process so its peak RSS is its own."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.bench_imports import case


def run(quick: bool = False):
    sizes = [10_000] if quick else [100_000, 1_000_000]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
            path = str(Path(tmp) / f"candidates-{label}.csv")
            case("generate", path, size, prefix=f"K{label}-", kind="candidates")
            megabytes = round(Path(path).stat().st_size / 1e6, 1)
            first = case("engine", path, kind="candidates")
            second = case("engine", path, kind="candidates")
            results.append({"case": f"first-{label}", "rows": size, "file_mb": megabytes,
                            **first})
            results.append({"case": f"again-{label}", "rows": size, **second})
    return results
