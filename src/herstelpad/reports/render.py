"""The formats of a report: CSV and JSON exactly as the interchange specification describes
(codes, integers, one-decimal percentages), XLSX and PDF with Dutch labels, the parameters, the
generation date, the disclosure mode and, where the report declares one, a chart."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from herstelpad.reports import charts, disclosure
from herstelpad.reports.definitions import DIMENSION, PCT, TOTAL_MARKER

FORMATS = ("csv", "json", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Label sources other apps register for their dimensions (`Col(labels="<spec>")`), e.g. the
# interventions app's "intervention" (code → name): spec → a function returning {value: label}.
LABEL_SOURCES: dict = {}


def register_labels(spec: str, source) -> None:
    LABEL_SOURCES[spec] = source


class Labeller:
    """Turns dimension values into labels (code lists, institutions, registered sources); one
    query per list."""

    def __init__(self, report):
        self.report = report
        self.maps: dict[str, dict[str, str]] = {}

    def _map(self, spec: str) -> dict[str, str]:
        if spec not in self.maps:
            if spec == "institution":
                from herstelpad.organisations.models import Institution

                self.maps[spec] = dict(Institution.objects.values_list("code", "name"))
            elif spec.startswith("code_list:"):
                from herstelpad.reference.models import Code

                self.maps[spec] = {c.code: c.label for c in Code.objects.of(spec.split(":", 1)[1])}
            elif spec in LABEL_SOURCES:
                self.maps[spec] = dict(LABEL_SOURCES[spec]())
            else:
                self.maps[spec] = {}
        return self.maps[spec]

    def __call__(self, column_name: str, value) -> str:
        if value is None:
            return ""
        if value == TOTAL_MARKER:
            return _("Totaal")
        column = self.report.col(column_name)
        if column.labels:
            return self._map(column.labels).get(str(value), str(value))
        return str(value)


def display(value, kind: str) -> str:
    """A cell as shown on a page or in a PDF."""
    if value is None:
        return "—" if kind != DIMENSION else ""
    if isinstance(value, Decimal):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.1f}"
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS) and text != \
            disclosure.PRIMARY_MARK:
        return "'" + text  # never a formula in a spreadsheet
    return text


def to_csv(result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()


def to_json(result) -> str:
    return json.dumps(result.as_json(), ensure_ascii=False, indent=1)


def parameter_lines(result, labeller: Labeller) -> list[tuple[str, str]]:
    """(label, value) pairs describing the run, for XLSX, PDF and the page."""
    params = result.parameters
    lines = [(_("Vanaf"), params.get("from") or _("het begin")), (_("Tot en met"), params["to"])]
    if "institution" in params:
        codes = params["institution"]
        lines.append((_("Inrichtingen"), ", ".join(labeller._map("institution").get(c, c)
                                                    for c in codes) or _("alle die u mag zien")))
    for param in result.report.params:
        value = params.get(param.name)
        if isinstance(value, list):
            value = ", ".join(value) or _("alle")
        lines.append((str(param.label), "" if value is None else str(value)))
    lines.append((_("Weergave"), _("exact") if result.disclosure == disclosure.EXACT
                  else _("openbaar (aantallen van 1 tot 4 als <5; terugrekenen voorkomen)")))
    return lines


def to_xlsx(result) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    labeller = Labeller(result.report)
    report = result.report
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report.name[:31]

    def put(row: int, col: int, value, bold: bool = False):
        cell = sheet.cell(row=row, column=col)
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"  # a string stays a string: never a formula
        elif isinstance(value, Decimal):
            cell.value = float(value)
            cell.number_format = "0.0"
        else:
            cell.value = value
        if bold:
            cell.font = Font(bold=True)
        return cell

    put(1, 1, str(report.title), bold=True).font = Font(bold=True, size=14)
    row = 2
    for label, value in parameter_lines(result, labeller):
        put(row, 1, label, bold=True)
        put(row, 2, value)
        row += 1
    put(row, 1, _("Gemaakt op"), bold=True)
    put(row, 2, timezone.localtime(result.generated_at).strftime("%Y-%m-%d %H:%M"))
    row += 2
    header_row = row
    for c, column in enumerate(report.columns, start=1):
        put(header_row, c, str(column.label), bold=True)
        sheet.column_dimensions[sheet.cell(row=header_row, column=c).column_letter].width = \
            max(12, min(40, len(str(column.label)) + 4))
    for r, values in enumerate(result.rows, start=header_row + 1):
        for c, (column, value) in enumerate(zip(report.columns, values, strict=True), start=1):
            if column.kind == DIMENSION and (column.labels or value == TOTAL_MARKER):
                put(r, c, labeller(column.name, value))
            else:
                put(r, c, value)
    if report.chart is not None and result.rows:
        spec = report.chart
        chart = BarChart() if spec.kind == "bar" else LineChart()
        chart.title = str(spec.title or report.title)
        chart.height, chart.width = 9, 18
        names = report.column_names
        last = header_row + len(result.rows)
        for name in spec.series:
            col = names.index(name) + 1
            chart.add_data(Reference(sheet, min_col=col, min_row=header_row, max_row=last),
                           titles_from_data=True)
        x = names.index(spec.x) + 1
        chart.set_categories(Reference(sheet, min_col=x, min_row=header_row + 1, max_row=last))
        sheet.add_chart(chart, f"{sheet.cell(row=header_row, column=len(names) + 2).coordinate}")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_context(result) -> dict:
    labeller = Labeller(result.report)
    columns = result.report.columns
    body = []
    for values in result.rows:
        cells = []
        for column, value in zip(columns, values, strict=True):
            if column.kind == DIMENSION:
                text = labeller(column.name, value)
            else:
                text = display(value, column.kind)
            cells.append({"text": text, "kind": column.kind,
                          "numeric": column.kind != DIMENSION,
                          "suppressed": value is None and column.kind != DIMENSION
                          and column.kind != PCT})
        body.append(cells)
    return {
        "report": result.report, "result": result, "columns": columns, "body": body,
        "parameters": parameter_lines(result, labeller),
        "chart": charts.svg(result, labeller, ident=f"chart-{result.report.name}"),
        "public": result.disclosure == disclosure.PUBLIC,
    }


def to_pdf(result) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reports/pdf.html", table_context(result))
    return HTML(string=html).write_pdf()


def render(result, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(result).encode("utf-8")
    if fmt == "json":
        return to_json(result).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(result)
    if fmt == "pdf":
        return to_pdf(result)
    raise ValueError(fmt)


def filename(result, fmt: str) -> str:
    stamp = timezone.localtime(result.generated_at).strftime("%Y%m%d-%H%M")
    return f"herstelpad-{result.report.name}-{stamp}.{fmt}"
