"""The audit trail is written on every read of person data: how fast can it append, and how
long does `herstelpad audit verify` take?"""

from __future__ import annotations

import time


def run(quick: bool = False):
    from herstelpad.audit import services

    rows = []
    n = 500 if quick else 5000
    with services.acting_as(None, channel="cli", purpose="benchmark"):
        start = time.perf_counter()
        for i in range(n):
            services.record("read", object_type="bench.thing", object_id=i)
        elapsed = time.perf_counter() - start
    rows.append({"case": "append", "entries": n,
                 "entries_per_s": round(n / elapsed),
                 "ms_per_entry": round(1000 * elapsed / n, 3)})
    start = time.perf_counter()
    result = services.verify()
    elapsed = time.perf_counter() - start
    assert result.ok
    rows.append({"case": "verify", "entries": result.checked,
                 "entries_per_s": round(result.checked / elapsed)})
    return rows
