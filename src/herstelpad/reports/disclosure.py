"""Disclosure control: the one layer every report passes through.

`exact` shows the figures as computed. `public` is for anything published or leaving the
organisation:

1. **Primary suppression.** Every count of persons or cases from 1 to 4 becomes `<5`.
2. **Secondary suppression.** Further counts are suppressed (shown empty) until no suppressed
   value can be recomputed from the published figures. What a reader knows is modelled as an
   integer programme: every declared sum (total rows, sums within a row, and the column totals
   that percentages over a total reveal) is an equation; a `<5` cell lies in 1..4; any other
   suppressed cell is not in 1..4 and, because this layer never picks a zero, at least 5 (the
   code is open source, so a reader may know that). A suppressed value counts as determined when
   its minimum and maximum over that programme coincide; the smallest published count that takes
   part in an equation with it is then suppressed as well, and the check is repeated.
3. **Derived figures.** A percentage computed from a suppressed count is emptied; so is a
   statistic declared `over` a suppressed count.

The integer programmes are solved with HiGHS (`scipy.optimize.milp`); report tables are small.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from herstelpad.reports.definitions import COUNT, NUMBER, PCT, Report, percent

EXACT, PUBLIC = "exact", "public"
MODES = (EXACT, PUBLIC)
PRIMARY_MARK = "<5"
LOW, HIGH = 1, 4
SECONDARY_MIN = 5

Cell = tuple[int, int]  # (row index, column index)


@dataclass
class Equation:
    """sum(parts) == total, where total is a cell or, when `total` is None, the constant
    `constant` (a column total revealed by percentages) or unknown (`constant` None)."""

    parts: list[Cell]
    total: Cell | None = None
    constant: int | None = None


@dataclass
class Disclosed:
    rows: list[list[Any]]  # the values to show
    primary: set[Cell] = field(default_factory=set)
    secondary: set[Cell] = field(default_factory=set)

    @property
    def suppressed(self) -> set[Cell]:
        return self.primary | self.secondary


# --- Building the table and its equations -------------------------------------------------------

def complete_rows(report: Report, exact: list[tuple]) -> list[list[Any]]:
    """Insert the percentage columns, computed from the exact counts."""
    names = report.column_names
    query_names = [c.name for c in report.query_columns]
    rows = [dict(zip(query_names, row, strict=True)) for row in exact]
    totals: dict[tuple[str, tuple], int] = {}
    for column in report.columns:
        if column.kind == PCT and column.of_total is not None:
            for row in rows:
                key = (column.name, tuple(row[d] for d in column.of_total))
                totals[key] = totals.get(key, 0) + (row[column.numerator] or 0)
    result = []
    for row in rows:
        values = []
        for column in report.columns:
            if column.kind != PCT:
                values.append(row[column.name])
            elif column.of_total is not None:
                total = totals[(column.name, tuple(row[d] for d in column.of_total))]
                values.append(percent(row[column.numerator], total))
            else:
                values.append(percent(row[column.numerator], row[column.denominator]))
        result.append(values)
    assert len(names) == len(report.columns)
    return result


def equations_for(report: Report, rows: list[list[Any]]) -> list[Equation]:
    index = {name: i for i, name in enumerate(report.column_names)}
    equations: list[Equation] = []
    spec = report.total_rows
    if spec is not None:
        marker_at = index[spec.marker_column]
        groups: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: {"total": [], "parts": []})
        for r, row in enumerate(rows):
            key = tuple(row[index[g]] for g in spec.group_by)
            groups[key]["total" if row[marker_at] == spec.marker else "parts"].append(r)
        for members in groups.values():
            for total_row in members["total"]:
                for name in spec.columns:
                    c = index[name]
                    equations.append(Equation([(r, c) for r in members["parts"]], (total_row, c)))
    for row_sum in report.row_sums:
        for r in range(len(rows)):
            equations.append(Equation([(r, index[p]) for p in row_sum.parts],
                                      (r, index[row_sum.total])))
    for column in report.columns:
        if column.kind == PCT and column.of_total is not None:
            c = index[column.numerator]
            groups_of: dict[tuple, list[int]] = defaultdict(list)
            for r, row in enumerate(rows):
                groups_of[tuple(row[index[d]] for d in column.of_total)].append(r)
            for members in groups_of.values():
                parts = [(r, c) for r in members]
                equations.append(Equation(parts, None, sum(rows[r][c] or 0 for r in members)))
    return equations


# --- Suppression --------------------------------------------------------------------------------

def apply(report: Report, rows: list[list[Any]], mode: str) -> Disclosed:
    if mode not in MODES:
        raise ValueError(mode)
    if mode == EXACT or not report.person_level:
        return Disclosed([list(r) for r in rows])
    count_cols = [i for i, c in enumerate(report.columns) if c.kind == COUNT]
    values = {(r, c): rows[r][c] or 0 for r in range(len(rows)) for c in count_cols}
    primary = {cell for cell, v in values.items() if LOW <= v <= HIGH}
    equations = equations_for(report, rows)
    secondary = secondary_suppression(values, primary, equations)
    primary -= secondary
    suppressed = primary | secondary
    index = {name: i for i, name in enumerate(report.column_names)}
    out = []
    for r, row in enumerate(rows):
        shown = list(row)
        for c, column in enumerate(report.columns):
            if (r, c) in primary:
                shown[c] = PRIMARY_MARK
            elif (r, c) in secondary:
                shown[c] = None
            elif column.kind == PCT:
                sources = [(r, index[column.numerator])]
                if column.denominator:
                    sources.append((r, index[column.denominator]))
                if any(s in suppressed for s in sources):
                    shown[c] = None
            elif column.kind == NUMBER and column.over:
                overs = (column.over,) if isinstance(column.over, str) else column.over
                if any((r, index[name]) in suppressed for name in overs):
                    shown[c] = None
        out.append(shown)
    return Disclosed(out, primary, secondary)


def _published_constant_known(eq: Equation, suppressed: set[Cell], values: dict) -> bool:
    """A column total revealed by percentages is known once one published, non-zero cell of
    the column carries its percentage."""
    return any(p not in suppressed and values[p] > 0 for p in eq.parts)


def secondary_suppression(values: dict[Cell, int], primary: set[Cell],
                          equations: list[Equation]) -> set[Cell]:
    """The counts to leave out (shown empty). Usually published counts of at least 5; in the
    rare table whose structure alone pins down a `<5` cell (four parts of 1 under a total of 4,
    say), a `<5` total is left out instead, which `apply` then shows empty."""
    secondary: set[Cell] = set()
    relevant = [eq for eq in equations if eq.parts or eq.total]
    if not primary or not relevant:
        return secondary
    for _ in range(2 * len(values) + 2):
        shown_small = primary - secondary
        suppressed = primary | secondary
        determined = find_determined(values, shown_small, secondary, relevant)
        if not determined:
            return secondary
        cell = determined[0]
        candidates = (_candidates(cell, values, suppressed, relevant, {cell})
                      or _candidates(cell, values, suppressed, relevant,
                                     _component(cell, suppressed, relevant)))
        chosen = None
        for candidate in candidates:
            trial = secondary | {candidate}
            if cell not in find_determined(values, shown_small, trial, relevant, only={cell}):
                chosen = candidate
                break
        if chosen is None and candidates:
            chosen = candidates[0]
        if chosen is None:
            # Everything around `cell` is hidden and the structure still pins it down: leave
            # out a `<5` total of its component rather than publish what can be derived.
            totals = sorted(eq.total for eq in relevant if eq.total in shown_small
                            and eq.total in _component(cell, suppressed, relevant))
            if not totals:
                raise RuntimeError("disclosure control cannot protect this table")
            chosen = totals[0]
        secondary.add(chosen)
    raise RuntimeError("disclosure control did not converge")


def _cells(eq: Equation) -> list[Cell]:
    return eq.parts + ([eq.total] if eq.total is not None else [])


def _component(cell: Cell, suppressed: set[Cell], equations: list[Equation]) -> set[Cell]:
    """The suppressed cells linked to `cell` through equations."""
    found, todo = {cell}, [cell]
    while todo:
        current = todo.pop()
        for eq in equations:
            cells = _cells(eq)
            if current in cells:
                for c in cells:
                    if c in suppressed and c not in found:
                        found.add(c)
                        todo.append(c)
    return found


def _candidates(cell: Cell, values, suppressed, equations, around: set[Cell]) -> list[Cell]:
    """Published, non-zero counts in an equation with a cell of `around`: parts before totals,
    then the smallest value first (it hides the least information)."""
    found: dict[Cell, tuple] = {}
    for eq in equations:
        if not around.intersection(_cells(eq)):
            continue
        for c in eq.parts:
            if c not in suppressed and values[c] > 0:
                found[c] = (0, values[c], c)
        if eq.total is not None and eq.total not in suppressed and values[eq.total] > 0:
            found.setdefault(eq.total, (1, values[eq.total], eq.total))
    return [c for c, _key in sorted(found.items(), key=lambda item: item[1])]


def find_determined(values: dict[Cell, int], primary: set[Cell], secondary: set[Cell],
                    equations: list[Equation], only: set[Cell] | None = None) -> list[Cell]:
    """The suppressed cells whose value follows from what is published (sorted)."""
    suppressed = primary | secondary
    # Only equations with a suppressed cell constrain anything.
    active = []
    for eq in equations:
        cells = _cells(eq)
        if not any(c in suppressed for c in cells):
            continue
        if eq.total is None and eq.constant is not None \
                and not _published_constant_known(eq, suppressed, values):
            eq = Equation(eq.parts, None, None)  # total unknown
        active.append(eq)
    if not active:
        return []
    # Connected components of suppressed cells linked by equations.
    parent: dict[Any, Any] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    variables_of = []
    for k, eq in enumerate(active):
        vs = [c for c in _cells(eq) if c in suppressed]
        if eq.total is None and eq.constant is None:
            vs.append(("T", k))
        variables_of.append(vs)
        for v in vs[1:]:
            parent[find(v)] = find(vs[0])
        if vs:
            find(vs[0])
    components: dict[Any, list[int]] = defaultdict(list)
    for k, vs in enumerate(variables_of):
        if vs:
            components[find(vs[0])].append(k)
    big = max(1000, 10 * sum(values.values()))
    determined = []
    for eq_ids in components.values():
        variables = sorted({v for k in eq_ids for v in variables_of[k]}, key=str)
        targets = [v for v in variables if not (isinstance(v, tuple) and v[0] == "T")]
        if only is not None:
            targets = [v for v in targets if v in only]
        if not targets:
            continue
        position = {v: i for i, v in enumerate(variables)}
        matrix, rhs = [], []
        for k in eq_ids:
            eq = active[k]
            row = [0.0] * len(variables)
            constant = 0.0
            for c in eq.parts:
                if c in suppressed:
                    row[position[c]] += 1
                else:
                    constant += values[c]
            if eq.total is not None:
                if eq.total in suppressed:
                    row[position[eq.total]] -= 1
                else:
                    constant -= values[eq.total]
            elif eq.constant is not None:
                constant -= eq.constant
            else:
                row[position[("T", k)]] -= 1
            matrix.append(row)
            rhs.append(-constant)
        lower, upper = [], []
        for v in variables:
            if isinstance(v, tuple) and v[0] == "T":
                lower.append(0), upper.append(big)
            elif v in primary:
                lower.append(LOW), upper.append(HIGH)
            elif values[v] < SECONDARY_MIN:  # a `<5` total left out (see above)
                lower.append(LOW), upper.append(big)
            else:
                lower.append(SECONDARY_MIN), upper.append(big)
        signature = (tuple(map(str, variables)), tuple(map(tuple, matrix)), tuple(rhs),
                     tuple(lower), tuple(upper))
        for v in targets:
            key = (signature, v)
            if key not in _CACHE:
                _CACHE[key] = _is_determined(matrix, rhs, lower, upper, position[v], values[v])
            if _CACHE[key]:
                determined.append(v)
    if len(_CACHE) > 100_000:
        _CACHE.clear()
    return sorted(determined)


_CACHE: dict = {}


def _is_determined(matrix, rhs, lower, upper, index: int, truth: int) -> bool:
    """Is the true value the only feasible one? One solve usually settles it: look for a larger
    value first (unless the truth is already at its upper bound), then for a smaller one."""
    if truth < upper[index]:
        high = _optimise(matrix, rhs, lower, upper, index, -1)
        if high is None or round(high) > truth:
            return False
    low = _optimise(matrix, rhs, lower, upper, index, +1)
    return not (low is None or round(low) < truth)


def _optimise(matrix, rhs, lower, upper, index: int, sign: int) -> float | None:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(lower)
    objective = np.zeros(n)
    objective[index] = sign
    result = milp(objective, integrality=np.ones(n),
                  bounds=Bounds(np.array(lower, dtype=float), np.array(upper, dtype=float)),
                  constraints=LinearConstraint(np.array(matrix), np.array(rhs), np.array(rhs)))
    if result.status != 0:
        return None  # infeasible cannot happen for a real table; unbounded means undetermined
    return sign * result.fun
