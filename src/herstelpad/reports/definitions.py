"""How a report is declared.

A report is a class with a name, a permission, parameters, columns and **one database query**
(`rows`) that returns the exact, aggregated figures; the engine adds the percentages (from the
exact counts), applies disclosure control, renders the formats and audits the run. Register it
with `herstelpad.reports.registry.register` in the app's `report_definitions` module.

Columns have a kind:
- `dimension`: a code, a year, a period — never suppressed; codes in CSV/JSON, labels elsewhere;
- `count`: a count of persons or cases — subject to disclosure control;
- `pct`: computed by the engine from `numerator` / `denominator` (columns of the same row), or,
  with `of_total=(dimension, …)`, from the numerator over the sum of that column across the rows
  sharing those dimensions (`()` = the whole table); one decimal, rounded half away from zero;
- `number`: any other figure (days, place-days, capacity); with `over` naming a count column,
  it is emptied in public output when that count is suppressed (a statistic over 1 to 4 people
  would describe them).

The additive structure that disclosure control must respect is declared, not guessed:
`total_rows=TotalRows(marker_column, marker, group_by, columns)` says that the rows whose
`marker_column` equals `marker` (e.g. channel `*`) hold the sum of the other rows with the same
`group_by` dimensions; `row_sums=[RowSum(parts, total)]` says that within a row some counts add
up to another. Percentages over a total imply that total (see `disclosure.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DIMENSION, COUNT, PCT, NUMBER = "dimension", "count", "pct", "number"
TOTAL_MARKER = "*"


@dataclass(frozen=True)
class Col:
    name: str
    label: Any  # lazy Dutch label
    kind: str = COUNT
    labels: str | None = None  # dimension: "code_list:<name>", "institution" or None
    numerator: str | None = None
    denominator: str | None = None
    of_total: tuple[str, ...] | None = None
    over: str | tuple[str, ...] | None = None  # a count column, or several (any suppressed)
    decimals: int = 0


@dataclass(frozen=True)
class Param:
    """A report-specific parameter besides --from, --to and --institution."""

    name: str
    label: Any
    type: str = "choice"  # choice, codes (comma-separated codes of code_list), int, date
    default: Any = None
    choices: tuple[tuple[str, Any], ...] = ()
    code_list: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    help: Any = ""


@dataclass(frozen=True)
class TotalRows:
    marker_column: str
    group_by: tuple[str, ...]
    columns: tuple[str, ...]
    marker: str = TOTAL_MARKER


@dataclass(frozen=True)
class RowSum:
    parts: tuple[str, ...]
    total: str


@dataclass(frozen=True)
class Chart:
    kind: str  # bar or line
    x: str  # the column on the category axis
    series: tuple[str, ...]  # count/number/pct columns drawn
    split_by: str | None = None  # line chart: one line per value of this dimension
    skip_marker_rows: bool = True  # leave out total rows (marker `*`)
    title: Any = ""


@dataclass
class Context:
    """What a report's query gets: validated parameters and the institutions in scope."""

    user: Any
    date_from: date | None
    date_to: date
    institution_ids: list[int] | None  # None: every institution (operator at the CLI)
    params: dict[str, Any] = field(default_factory=dict)
    today: date | None = None


class Report:
    name: str = ""
    title: Any = ""
    description: Any = ""
    permission: str = "reports.use"
    uses_institutions: bool = True
    params: list[Param] = []
    columns: list[Col] = []
    chart: Chart | None = None
    total_rows: TotalRows | None = None
    row_sums: list[RowSum] = []
    person_level: bool = True  # counts persons or cases: disclosure control applies

    def rows(self, ctx: Context) -> list[tuple]:
        """The exact figures: one tuple per output row with a value for every column that is
        not a `pct` column, in column order. Must be one aggregation query."""
        raise NotImplementedError

    # Helpers for the engine
    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def query_columns(self) -> list[Col]:
        return [c for c in self.columns if c.kind != PCT]

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


def percent(numerator: int | None, denominator: int | None) -> Decimal | None:
    """numerator / denominator × 100 with one decimal, rounded half away from zero, from exact
    integers. None when the denominator is 0 or unknown."""
    if numerator is None or not denominator:
        return None
    value = (Decimal(numerator) * 100 / Decimal(denominator))
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
