"""Report engine: time of the test report's one aggregation query over many rows, with and
without disclosure control, and of each output format; the number of queries per run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def run(quick: bool = False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.import_case import generate
    from herstelpad.audit.services import acting_as
    from herstelpad.imports import services as imports
    from herstelpad.reports import render, services
    from tests.testapp.models import Widget

    size = 20_000 if quick else 200_000
    with tempfile.TemporaryDirectory() as tmp, acting_as(None, channel="cli"):
        path = Path(tmp) / "report-widgets.csv"
        generate(str(path), size, "R-")
        with open(path, "rb") as handle:
            imports.import_file("test-widgets", handle, channel="cli")
    rows = Widget.objects.count()
    results = []
    for mode in ("exact", "public"):
        with acting_as(None, channel="cli"):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = services.run("test-widgets", None, {"disclosure": mode})
            elapsed = time.perf_counter() - start
        report_queries = [q for q in queries.captured_queries
                          if "testapp_widget" in q["sql"]]
        results.append({"case": f"run-{mode}", "widgets": rows, "table_rows": len(result.rows),
                        "ms": round(1000 * elapsed), "report_queries": len(report_queries),
                        "suppressed": len(result.disclosed.suppressed)})
    for fmt in ("csv", "json", "xlsx", "pdf"):
        start = time.perf_counter()
        content = render.render(result, fmt)
        results.append({"case": f"render-{fmt}", "ms": round(1000 * (time.perf_counter()
                                                                      - start)),
                        "bytes": len(content)})
    return results
