"""Property-based: whatever the candidate list, the import stores for every row exactly the
screening `screening.evaluate` gives for it with the criteria in force on its date, and a second
import of the same file changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herstelpad.facilities import screening, services
from herstelpad.facilities.models import Candidate, CandidateStep
from herstelpad.imports import services as imports
from herstelpad.organisations.models import Institution

FLAGS = screening.ORDER_FLAGS
HEADER = ("candidate_ref,facility,list_date,sex,sentence_end_on," + ",".join(FLAGS)
          + ",municipality,status")

row = st.fixed_dictionaries({
    "list_date": st.dates(dt.date(2021, 1, 1), dt.date(2024, 12, 31)),
    "sex": st.sampled_from(["male", "female", "other", "unknown"]),
    "remaining": st.one_of(st.none(), st.integers(-30, 900)),
    "flags": st.lists(st.booleans(), min_size=6, max_size=6),
    "municipality": st.sampled_from(["", "Almelo", "hengelo", "Rijssen-Holten", "Utrecht",
                                     "Vlissingen"]),
})


@pytest.mark.django_db(transaction=False)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=12))
def test_import_stores_the_screening_of_every_row(django_db_blocker, rows):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        lines = [HEADER]
        for i, r in enumerate(rows):
            end = "" if r["remaining"] is None else str(
                r["list_date"] + dt.timedelta(days=r["remaining"]))
            lines.append(",".join([f"H{i}", "FAC-HVH", str(r["list_date"]), r["sex"], end,
                                   *["yes" if f else "no" for f in r["flags"]],
                                   r["municipality"], ""]))
        data = ("\n".join(lines) + "\n").encode()
        result, _run = imports.import_file("candidates", io.BytesIO(data), channel="cli")
        assert result.ok, [str(e) for e in result.errors]
        hvh = Institution.objects.get(code="FAC-HVH")
        for i, r in enumerate(rows):
            candidate = Candidate.objects.get(ref=f"H{i}")
            expected = services.screen(candidate, save=False)
            assert (candidate.screening_outcome, candidate.reasons) == (
                expected.outcome, expected.reasons)
            assert candidate.criterion_set == services.criterion_set_on(hvh, r["list_date"])
        again, _run = imports.import_file("candidates", io.BytesIO(data), channel="cli")
        assert again.counts.unchanged == len(rows) and again.counts.updated == 0
        assert CandidateStep.objects.filter(candidate__ref__startswith="H").count() == len(rows)
        transaction.set_rollback(True)
