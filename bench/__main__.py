"""`make bench`: run every benchmark on SQLite and on PostgreSQL, each in a fresh database.

Usage: python -m bench [--only NAME[,NAME]] [--databases sqlite,postgresql] [--quick]
Results are printed as a table and written to bench/results/latest.json; copy the figures
worth keeping into docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/herstelpad_bench")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", default="")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"sqlite": f"sqlite:///{tmp}/bench.sqlite3", "postgresql": PG_URL}
        for name in args.databases.split(","):
            env = {**os.environ, "DATABASE_URL": urls[name], "HERSTELPAD_HOME": tmp,
                   "HERSTELPAD_ENV": "development", "DEBUG": "false",
                   "DJANGO_SETTINGS_MODULE": "bench.settings",
                   "PYTHONPATH": str(ROOT)}
            command = [sys.executable, "-m", "bench.runner", "--database", name]
            if args.only:
                command += ["--only", args.only]
            if args.quick:
                command.append("--quick")
            out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
            sys.stderr.write(out.stderr)
            if out.returncode != 0:
                print(f"benchmarks on {name} failed", file=sys.stderr)
                return out.returncode
            results.extend(json.loads(out.stdout))

    width = max(len(r["benchmark"]) for r in results) if results else 10
    for row in results:
        figures = ", ".join(f"{k}={v}" for k, v in row.items()
                            if k not in {"benchmark", "database"})
        print(f"{row['benchmark'].ljust(width)}  {row['database']:<10}  {figures}")
    target = ROOT / "bench" / "results"
    target.mkdir(exist_ok=True)
    (target / "latest.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
