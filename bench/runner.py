"""Runs the benchmarks in one database (selected by DATABASE_URL); prints JSON results."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from urllib.parse import urlparse


def fresh_postgres_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--only", default="")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    if args.database == "postgresql":
        fresh_postgres_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    import bench

    wanted = set(filter(None, args.only.split(",")))
    results = []
    for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not module_info.name.startswith("bench_"):
            continue
        name = module_info.name.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        print(f"running {name} on {args.database}...", file=sys.stderr)
        for row in module.run(quick=args.quick):
            results.append({"benchmark": f"{name}:{row.pop('case')}",
                            "database": args.database, **row})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
