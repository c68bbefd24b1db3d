"""Disclosure control. The property tests generate tables, apply `public` disclosure and then
*prove*, by solving an integer programme built only from what is published, that no value from
1 to 4 is shown and no suppressed value can be recomputed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from herstelpad.reports import disclosure
from herstelpad.reports.definitions import (
    COUNT, DIMENSION, NUMBER, PCT, Col, Report, RowSum, TotalRows, percent)

# --- Reports over generated tables --------------------------------------------------------------


class GroupedReport(Report):
    """Groups × categories; n = n1 + n2 in every row; a `*` row per group holds the sums."""

    name = "generated-grouped"
    columns = [Col("group", "g", DIMENSION), Col("category", "c", DIMENSION),
               Col("n1", "n1"), Col("n2", "n2"), Col("n", "n"),
               Col("pct1", "%", PCT, numerator="n1", denominator="n"),
               Col("mean", "mean", NUMBER, over="n")]
    total_rows = TotalRows("category", ("group",), ("n1", "n2", "n"))
    row_sums = [RowSum(("n1", "n2"), "n")]


class ShareReport(Report):
    """One count per category and its share of the (unpublished) total."""

    name = "generated-share"
    columns = [Col("category", "c", DIMENSION), Col("cases", "cases"),
               Col("pct", "%", PCT, numerator="cases", of_total=())]


small_counts = st.one_of(st.integers(0, 6), st.integers(0, 40), st.integers(0, 400))


@st.composite
def grouped_tables(draw):
    groups = draw(st.integers(1, 3))
    categories = draw(st.integers(2, 5))
    rows = []
    for g in range(groups):
        parts = [(draw(small_counts), draw(small_counts)) for _ in range(categories)]
        rows.append((g, "*", sum(a for a, _b in parts), sum(b for _a, b in parts),
                     sum(a + b for a, b in parts), 1.5))
        for c, (a, b) in enumerate(parts):
            rows.append((g, f"c{c}", a, b, a + b, 2.5))
    return rows


# --- An independent attacker --------------------------------------------------------------------

BIG = 10**6


def attacker_ranges(variables: dict, equations: list[tuple[dict, int]]) -> dict:
    """variables: name -> (low, high); equations: ({name: coefficient}, constant) meaning
    sum(coefficient × variable) == constant. Returns name -> (min, max) over integer solutions.

    A blank is first taken to be at least 5 (a blank is not `<5`, and zeros are shown); when
    that leaves no solution, the reader concludes a small total was left out and allows 1."""
    try:
        return _ranges(variables, equations)
    except Infeasible:
        relaxed = {n: ((1, high) if (low, high) == (5, BIG) else (low, high))
                   for n, (low, high) in variables.items()}
        return _ranges(relaxed, equations)


class Infeasible(Exception):
    pass


def _ranges(variables: dict, equations: list[tuple[dict, int]]) -> dict:
    names = sorted(variables)
    position = {n: i for i, n in enumerate(names)}
    matrix = np.zeros((len(equations), len(names)))
    rhs = np.zeros(len(equations))
    for k, (coefficients, constant) in enumerate(equations):
        for name, coefficient in coefficients.items():
            matrix[k, position[name]] += coefficient
        rhs[k] = constant
    bounds = Bounds([variables[n][0] for n in names], [variables[n][1] for n in names])
    ranges = {}
    for name in names:
        found = []
        for sign in (1, -1):
            objective = np.zeros(len(names))
            objective[position[name]] = sign
            result = milp(objective, integrality=np.ones(len(names)), bounds=bounds,
                          constraints=[LinearConstraint(matrix, rhs, rhs)] if equations else [])
            if result.status != 0:
                raise Infeasible(name)
            found.append(round(sign * result.fun))
        ranges[name] = tuple(found)
    return ranges


def published_cell(value, name, variables):
    """A published count is a constant; `<5` is 1..4; an empty count is at least 5."""
    assert not (isinstance(value, int) and 1 <= value <= 4), "a count from 1 to 4 was shown"
    if value == disclosure.PRIMARY_MARK:
        variables[name] = (1, 4)
        return name
    if value is None:
        variables[name] = (5, BIG)
        return name
    return value


def linear(terms):
    coefficients, constant = {}, 0
    for sign, term in terms:
        if isinstance(term, str):
            coefficients[term] = coefficients.get(term, 0) + sign
        else:
            constant -= sign * term
    return coefficients, constant


@settings(max_examples=150, deadline=None)
@given(grouped_tables())
def test_grouped_tables_never_show_or_leak_small_counts(table):
    report = GroupedReport()
    rows = disclosure.complete_rows(report, table)
    shown = disclosure.apply(report, rows, disclosure.PUBLIC).rows
    variables: dict = {}
    cells = {}
    for r, row in enumerate(shown):
        for c, name in ((2, "n1"), (3, "n2"), (4, "n")):
            cells[(r, name)] = published_cell(row[c], f"{r}.{name}", variables)
        # percentages and statistics of hidden counts are hidden too
        if row[2] in (None, "<5") or row[4] in (None, "<5"):
            assert row[5] is None
        if row[4] in (None, "<5"):
            assert row[6] is None
    equations = []
    for r in range(len(shown)):
        equations.append(linear([(1, cells[(r, "n1")]), (1, cells[(r, "n2")]),
                                 (-1, cells[(r, "n")])]))
    groups = {}
    for r, row in enumerate(shown):
        groups.setdefault(row[0], {"total": None, "parts": []})
        if row[1] == "*":
            groups[row[0]]["total"] = r
        else:
            groups[row[0]]["parts"].append(r)
    for members in groups.values():
        for name in ("n1", "n2", "n"):
            equations.append(linear([(1, cells[(r, name)]) for r in members["parts"]]
                                     + [(-1, cells[(members["total"], name)])]))
    equations = [e for e in equations if e[0]]
    for name, (low, high) in attacker_ranges(variables, equations).items():
        assert low < high, f"suppressed cell {name} can be recomputed: {low}"


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@settings(max_examples=150, deadline=None)
@given(st.lists(small_counts, min_size=2, max_size=8))
def test_shares_never_reveal_a_small_count_through_the_total(counts):
    report = ShareReport()
    table = [(f"c{i}", n) for i, n in enumerate(counts)]
    shown = disclosure.apply(report, disclosure.complete_rows(report, table),
                             disclosure.PUBLIC).rows
    variables: dict = {}
    terms = []
    candidates = None
    for i, (_category, value, pct) in enumerate(shown):
        term = published_cell(value, f"c{i}", variables)
        terms.append((1, term))
        if isinstance(term, str):
            assert pct is None
        elif term > 0:
            # Every published share narrows down the total.
            fits = {t for t in range(term, 10 * sum(counts) + 10)
                    if round_half_up(Decimal(term) * 100 / t) == pct}
            candidates = fits if candidates is None else candidates & fits
    if not variables:
        return
    if candidates is not None:
        variables["T"] = (min(candidates), max(candidates))
        terms.append((-1, "T"))
        equations = [linear(terms)]
    else:
        equations = []  # no share of a published count: the total is unknown
    for name, (low, high) in attacker_ranges(variables, equations).items():
        if name != "T":
            assert low < high, f"{name} can be recomputed as {low}"


# --- Examples -----------------------------------------------------------------------------------

def test_exact_shows_everything():
    report = GroupedReport()
    rows = disclosure.complete_rows(report, [(0, "*", 3, 7, 10, 1.0), (0, "a", 3, 7, 10, 1.0)])
    assert disclosure.apply(report, rows, disclosure.EXACT).rows == rows


def test_primary_and_secondary_suppression_example():
    report = ShareReport()
    rows = disclosure.complete_rows(report, [("a", 2), ("b", 30), ("c", 50), ("d", 0)])
    shown = disclosure.apply(report, rows, disclosure.PUBLIC).rows
    # 2 becomes <5; the total (82) follows from the share of 50, so 30 must go as well.
    assert shown == [["a", "<5", None], ["b", None, None], ["c", 50, Decimal("61.0")],
                     ["d", 0, Decimal("0.0")]]


def test_a_single_small_count_with_only_zeros_beside_it_is_safe():
    report = ShareReport()
    rows = disclosure.complete_rows(report, [("a", 3), ("b", 0), ("c", 0)])
    assert disclosure.apply(report, rows, disclosure.PUBLIC).rows == [
        ["a", "<5", None], ["b", 0, Decimal("0.0")], ["c", 0, Decimal("0.0")]]


def test_four_parts_of_one_under_a_total_of_four():
    """The structure alone would pin every `<5` down to 1: the total is left out instead."""
    report = ShareReport()
    grouped = GroupedReport()
    table = [(0, "*", 4, 0, 4, 0)] + [(0, f"c{i}", 1, 0, 1, 0) for i in range(4)]
    shown = disclosure.apply(grouped, disclosure.complete_rows(grouped, table),
                             disclosure.PUBLIC).rows
    assert [row[2] for row in shown] == [None, "<5", "<5", "<5", "<5"]
    assert report  # the share report has no total row to leave out


def test_secondary_cell_is_never_a_zero():
    report = GroupedReport()
    table = [(0, "*", 4, 6, 10, 0), (0, "a", 4, 0, 4, 0), (0, "b", 0, 6, 6, 0)]
    shown = disclosure.apply(report, disclosure.complete_rows(report, table),
                             disclosure.PUBLIC)
    values = {(r, c): table[r][c] for r, c in shown.secondary}
    assert values and all(v >= 5 for v in values.values())


@pytest.mark.parametrize("numerator,denominator,expected", [
    (1, 8, "12.5"), (1, 16, "6.3"), (2, 3, "66.7"), (1, 3, "33.3"), (1, 6, "16.7"),
    (5, 200, "2.5"), (1, 40, "2.5"), (1, 400, "0.3"), (0, 7, "0.0"), (7, 7, "100.0"),
    (3, 0, None), (1, 2000, "0.1"), (1, 2001, "0.0"),
])
def test_percentages_round_half_away_from_zero(numerator, denominator, expected):
    value = percent(numerator, denominator)
    assert (None if value is None else str(value)) == expected
