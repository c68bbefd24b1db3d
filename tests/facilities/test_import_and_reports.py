"""The `candidates` KIND (INTERCHANGE §2.5) and the facility reports (§3.1–§3.3), compared with
figures worked out by hand: screening per outcome with the FAC-HVH reference criteria, a
participant who left with PP and came back (two stays), and occupancy against the capacity
history of Huis van Herstel (29 from 2021-01-01, 20 from 2021-02-01, 29 from 2022-03-01)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from herstelpad.facilities import services
from herstelpad.facilities.models import Candidate, CandidateStep
from herstelpad.imports import services as imports
from herstelpad.reports import services as reports

pytestmark = pytest.mark.django_db

CANDIDATES = """candidate_ref,facility,list_date,sex,sentence_end_on,life_sentence,isd,tbs,clinic,immediate_release,pp,municipality,status
C1,FAC-HVH,2021-03-01,male,2021-09-01,,,,,,,Almelo,
C2,FAC-HVH,2021-03-01,female,2021-09-01,,,,,,,Almelo,
C3,FAC-HVH,2021-03-01,male,2021-04-29,,,,,,,Enschede,
C4,FAC-HVH,2021-03-01,male,2022-08-31,,,,,,,,
C5,FAC-HVH,2021-03-01,male,2021-09-01,no,yes,,,,yes,,
C6,FAC-HVH,2021-03-01,male,2021-09-01,,,,,,,Rotterdam,on_intake_list
C7,FAC-HVH,2021-03-01,male,,,,,,,,hengelo,
C8,FAC-HVH,2021-03-01,male,,,,,,,,Utrecht,
C9,FAC-HVH,2021-03-01,male,2021-04-30,,,,,,,,already_placed
"""
# C3: 59 days left (too soon); C9: 60 days (the minimum, eligible); C4: 548 days (maximum,
# eligible). C5: ISD and PP, the first in code-list order is isd. C8: region before other.
SCREENING = {"eligible": 3, "female": 1, "life_sentence": 0, "isd": 1, "tbs": 0, "clinic": 0,
             "immediate_release": 0, "pp": 0, "end_date_too_soon": 1, "end_date_too_far": 0,
             "region": 2, "other": 1}

STAYS = """participant_ref,stay_ref,institution,entered_on,left_on,outflow_type,return_reason,sex
P1,S1,FAC-HVH,2021-02-01,2021-05-01,positive_pp,,male
P1,S2,FAC-HVH,2021-08-01,2021-11-30,positive_end,,male
P2,S3,FAC-HVH,2021-03-01,2021-04-15,returned,substance_use,male
P3,S4,FAC-HVH,2021-06-01,,,,male
P4,S5,FAC-HVH,2021-01-10,2022-02-01,positive_end,,male
"""


def _import(kind: str, text: str):
    result, _run = imports.import_file(kind, io.BytesIO(text.encode()), channel="cli")
    assert result.ok, [str(e) for e in result.errors]
    return result


def _report(name: str, **params):
    data = {"institution": ["FAC-HVH"], "disclosure": "exact", **params}
    result = reports.run(name, None, data)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_screening_counts_per_outcome_with_the_reference_criteria():
    first = _import("candidates", CANDIDATES)
    assert first.counts.created == 9
    rows = _report("candidate-screening", **{"from": "2021-01-01", "to": "2021-12-31"})
    assert [r["outcome"] for r in rows] == list(SCREENING)
    assert {r["outcome"]: r["candidates"] for r in rows} == SCREENING
    c5 = Candidate.objects.get(ref="C5")
    assert c5.reasons == ["isd", "pp"]
    assert Candidate.objects.get(ref="C8").reasons == ["region", "other"]
    # Every candidate enters the route's first step with a recorded registration.
    assert CandidateStep.objects.filter(action="register").count() == 9
    assert set(Candidate.objects.values_list("step__code", flat=True)) == {"screening"}
    again = _import("candidates", CANDIDATES)
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 9)
    assert CandidateStep.objects.count() == 9


def test_a_later_criterion_version_changes_only_lists_dated_after_it():
    from herstelpad.organisations.models import Institution

    hvh = Institution.objects.get(code="FAC-HVH")
    services.add_criterion_set(hvh, actor=None, effective_from=dt.date(2022, 1, 1), criteria=[
        {"kind": "sex", "params": {"allowed": ["male"]}},
        {"kind": "remaining_sentence", "params": {"min_days": 90, "max_days": 548}},
    ])
    later = CANDIDATES.replace("2021-03-01", "2022-03-01").replace(",2021-", ",2022-")
    later = "\n".join(line.replace("C", "L", 1) if i else line
                      for i, line in enumerate(later.splitlines()))
    _import("candidates", CANDIDATES)
    _import("candidates", later)
    early = _report("candidate-screening", **{"from": "2021-01-01", "to": "2021-12-31"})
    assert {r["outcome"]: r["candidates"] for r in early} == SCREENING
    late = {r["outcome"]: r["candidates"] for r in _report(
        "candidate-screening", **{"from": "2022-01-01", "to": "2022-12-31"})}
    # No region criterion any more; C9 (60 days) is now too soon; ISD/PP no longer excluded.
    assert late["region"] == 0
    assert late["isd"] == 0
    assert late["end_date_too_soon"] == 2
    assert Candidate.objects.get(ref="L6").screening_outcome == "eligible"


def test_import_refuses_unknown_facility_and_missing_criteria():
    bad = CANDIDATES.splitlines()[0] + "\nX1,PI-ALMELO,2021-03-01,male,,,,,,,,,\n" \
        "X2,FAC-HVH,2019-03-01,male,,,,,,,,,\n"
    result, _run = imports.import_file("candidates", io.BytesIO(bad.encode()), channel="cli")
    assert not result.ok
    messages = [(e.row, e.column) for e in result.errors]
    assert (1, "facility") in messages and (2, "list_date") in messages
    assert not Candidate.objects.exists()


def test_facility_flow_with_a_participant_who_came_back():
    _import("stays", STAYS)
    (row,) = _report("facility-flow", **{"from": "2021-01-01", "to": "2021-12-31"})
    assert row == {
        "institution": "FAC-HVH", "inflow": 5, "inflow_participants": 4, "present_at_end": 2,
        "outflow_positive_pp": 1, "outflow_positive_end": 1, "outflow_returned": 1,
        "outflow_transferred": 0, "outflow_other": 0, "pct_positive": Decimal("66.7"),
        "los_positive_mean_days": Decimal("105.0"), "los_positive_min_days": 89,
        "los_positive_max_days": 121}


@pytest.mark.parametrize("by, period, expected", [
    ("month", ("2021-01-01", "2021-03-31"), [
        ("2021-01", 29, 22, 899, 1), ("2021-02", 20, 56, 560, 2), ("2021-03", 20, 93, 620, 3)]),
    ("quarter", ("2021-01-01", "2021-03-31"), [("2021-Q1", 20, 171, 2079, 3)]),
    ("year", ("2021-01-01", "2021-12-31"), [("2021", 20, 825, 7579, 2)]),
    ("year", ("2022-01-01", "2022-12-31"), [("2022", 29, 396, 10054, 1)]),
])
def test_facility_occupancy_against_a_changing_capacity(by, period, expected):
    _import("stays", STAYS)
    rows = _report("facility-occupancy", by=by, **{"from": period[0], "to": period[1]})
    got = [(r["period"], r["capacity"], r["occupied_place_days"], r["available_place_days"],
            r["present_at_period_end"]) for r in rows]
    assert got == expected
    for r in rows:
        pct = round(r["occupied_place_days"] * 100 / r["available_place_days"], 1)
        assert float(r["occupancy_pct"]) == pytest.approx(pct)


def test_occupancy_by_quarter_clips_to_the_report_range():
    _import("stays", STAYS)
    rows = _report("facility-occupancy", by="quarter", **{"from": "2021-02-15",
                                                          "to": "2021-04-10"})
    # Q1: 15 Feb–31 Mar = 45 days × 20 places; Q2: 1–10 Apr = 10 days × 20.
    assert [(r["period"], r["available_place_days"]) for r in rows] == [
        ("2021-Q1", 900), ("2021-Q2", 200)]
    # Q2 to 10 Apr: S5, S1, S3 each 10 days; present on 10 Apr: 3.
    assert (rows[1]["occupied_place_days"], rows[1]["present_at_period_end"]) == (30, 3)


def test_reports_through_the_command_line():
    _import("stays", STAYS)
    out = io.StringIO()
    call_command("report", "facility-occupancy", "--by", "quarter", "--from", "2021-01-01",
                 "--to", "2021-03-31", "--institution", "FAC-HVH", stdout=out)
    assert out.getvalue().splitlines() == [
        "institution,period,capacity,occupied_place_days,available_place_days,occupancy_pct,"
        "present_at_period_end", "FAC-HVH,2021-Q1,20,171,2079,8.2,3"]


def test_public_disclosure_hides_small_counts_and_their_statistics():
    _import("stays", STAYS)
    result = reports.run("facility-flow", None, {"institution": ["FAC-HVH"], "from":
                                                 "2021-01-01", "to": "2021-12-31",
                                                 "disclosure": "public"})
    row = dict(zip(result.columns, result.rows[0], strict=True))
    assert row["outflow_positive_pp"] == "<5"
    assert row["pct_positive"] is None and row["los_positive_mean_days"] is None


def test_mean_length_of_stay_rounds_half_away_from_zero_from_exact_counts():
    """19 positive stays of 100 days and one of 101: the mean is exactly 100.05 → 100.1 (a
    floating-point average would give 100.0499… → 100.0)."""
    lines = ["participant_ref,stay_ref,institution,entered_on,left_on,outflow_type,sex"]
    start = dt.date(2022, 1, 1)
    for n in range(20):
        entered = start + dt.timedelta(days=n)
        left = entered + dt.timedelta(days=101 if n == 0 else 100)
        lines.append(f"R{n},RS{n},FAC-HVH,{entered},{left},positive_end,male")
    _import("stays", "\n".join(lines) + "\n")
    (row,) = _report("facility-flow", **{"from": "2022-01-01", "to": "2022-12-31"})
    assert row["los_positive_mean_days"] == Decimal("100.1")
    assert (row["los_positive_min_days"], row["los_positive_max_days"]) == (100, 101)
    assert row["pct_positive"] == Decimal("100.0")
