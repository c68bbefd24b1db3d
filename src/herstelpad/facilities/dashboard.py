"""The figures of the facility dashboard (`/voorzieningen/<code>/cijfers/`).

Occupancy and flow run through the report engine (`facility-occupancy` by month and
`facility-flow`), so disclosure control and the audit apply exactly as on the report pages;
the occupancy chart (average occupied places per month against the places in force) is drawn
from the disclosed rows by the shared chart module (accessible SVG; the table is its text
alternative). The funnel, outflow by type and length of stay come from the service layer
(`services.funnel`, `outflow_by_type`, `length_of_stay`: one query each); they are exact
counts, so they are shown only to users who may see exact figures — others get the reports.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils.translation import gettext_lazy

from herstelpad import policy
from herstelpad.facilities import services
from herstelpad.reference import codes
from herstelpad.reports import charts, registry
from herstelpad.reports import render as formats
from herstelpad.reports import services as reports
from herstelpad.reports.definitions import DIMENSION, NUMBER, Chart, Col, Report, one_decimal


class OccupancyChart(Report):
    """Not a registered report: the shape the chart module draws (places against average
    occupied places per month), filled from the disclosed `facility-occupancy` rows."""

    name = "facility-occupancy-chart"
    title = gettext_lazy("Bezetting per maand tegen de capaciteit")
    columns = [
        Col("period", gettext_lazy("Maand"), DIMENSION),
        Col("capacity", gettext_lazy("Plaatsen (capaciteit)"), NUMBER),
        Col("occupied", gettext_lazy("Gemiddeld bezette plaatsen"), NUMBER, decimals=1),
    ]
    chart = Chart("bar", "period", ("capacity", "occupied"),
                  title=gettext_lazy("Bezetting per maand tegen de capaciteit"))


def _run(name: str, user, params: dict):
    report = registry.get(name)
    form = reports.bind_form(report, user, params)
    if not form.is_valid():  # pragma: no cover - the dashboard's own form was validated
        raise ValueError(form.errors)
    return reports.run_validated(report, user, form.cleaned_data, fmt="html")


def _days_in_range(date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    from herstelpad.facilities.report_definitions import periods

    return {label: (min(last, date_to) - max(first, date_from)).days + 1
            for label, first, last in periods(date_from, date_to, "month")}


def occupancy_chart(result, date_from: dt.date, date_to: dt.date):
    names = result.report.column_names
    at = {name: names.index(name) for name in ("period", "capacity", "occupied_place_days")}
    days = _days_in_range(date_from, date_to)
    rows = []
    for row in result.rows:
        period = row[at["period"]]
        occupied = row[at["occupied_place_days"]]
        n = days.get(period)
        average = one_decimal(occupied / n) if isinstance(occupied, (int, float)) and n else None
        rows.append((period, row[at["capacity"]], average))
    report = OccupancyChart()
    shim = SimpleNamespace(report=report, rows=rows)
    return charts.svg(shim, lambda column, value: str(value), ident="occupancy-chart"), rows


def figures(user, facility, date_from: dt.date, date_to: dt.date) -> dict:
    params = {"from": date_from.isoformat(), "to": date_to.isoformat(),
              "institution": [facility.code]}
    occupancy = _run("facility-occupancy", user, {**params, "by": "month"})
    flow = _run("facility-flow", user, params)
    chart, chart_rows = occupancy_chart(occupancy, date_from, date_to)
    context = {
        "occupancy": formats.table_context(occupancy), "occupancy_chart": chart,
        "occupancy_chart_rows": chart_rows, "flow": formats.table_context(flow),
        "public": occupancy.disclosure != "exact",
        "exact": policy.has_perm(user, "reports.exact"),
        "funnel": None, "outflows": None,
    }
    if context["exact"] and not context["public"]:
        labels = codes.labels("outflow_types")["outflow_types"]
        outflows = services.outflow_by_type([facility.pk], date_from, date_to)
        total = sum(row["stays"] for row in outflows)
        from herstelpad.reports.definitions import percent

        context.update({
            "funnel": services.funnel(facility.pk, date_from, date_to),
            "outflows": [{**row, "label": labels.get(row["outflow_type"], row["outflow_type"]),
                          "pct": percent(row["stays"], total)} for row in outflows],
            "outflow_total": total,
            "los": services.length_of_stay([facility.pk], date_from, date_to),
            "los_positive": services.length_of_stay([facility.pk], date_from, date_to,
                                                    positive_only=True),
        })
    return context


