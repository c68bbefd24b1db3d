"""Accessible SVG charts (bar and line) of a report's disclosed figures.

Drawn on the server as plain SVG with presentation attributes, so the page's content security
policy (no inline styles or scripts) holds, the same markup works in the PDF, and no chart
library has to be trusted with person data. Accessibility: `role="img"` with a title and a
description naming what is drawn; each bar or point has a `<title>` with its value; the table
beside the chart carries the same figures (the text alternative); colours come with a legend
and suppressed values are labelled `<5` rather than drawn.
"""

from __future__ import annotations

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from herstelpad.reports.definitions import TOTAL_MARKER

PALETTE = ["#154273", "#e17000", "#39870c", "#a90061", "#007bc7", "#673327", "#8fcae7",
           "#ffb612"]
WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 70


def _number(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return None


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if value == int(value) else f"{value:.1f}"


def chart_data(result, labeller) -> tuple[list[str], list[tuple[str, list]]] | None:
    """(categories, [(series label, values per category)]) from a report result."""
    report = result.report
    spec = report.chart
    if spec is None:
        return None
    names = report.column_names
    x_at = names.index(spec.x)
    marker_at = (names.index(report.total_rows.marker_column)
                 if report.total_rows is not None else None)
    rows = [r for r in result.rows
            if not (spec.skip_marker_rows and marker_at is not None
                    and r[marker_at] == TOTAL_MARKER)]
    categories: list[str] = []
    for row in rows:
        label = labeller(spec.x, row[x_at])
        if label not in categories:
            categories.append(label)
    series: list[tuple[str, list]] = []
    if spec.split_by:
        split_at = names.index(spec.split_by)
        value_at = names.index(spec.series[0])
        groups: dict[str, dict[str, object]] = {}
        for row in rows:
            groups.setdefault(labeller(spec.split_by, row[split_at]), {})[
                labeller(spec.x, row[x_at])] = row[value_at]
        for label, values in groups.items():
            series.append((label, [values.get(c) for c in categories]))
    else:
        for name in spec.series:
            at = names.index(name)
            values: dict[str, object] = {}
            for row in rows:
                values[labeller(spec.x, row[x_at])] = row[at]
            series.append((str(report.col(name).label), [values.get(c) for c in categories]))
    return categories, series


def svg(result, labeller, *, ident: str = "chart") -> SafeString:
    data = chart_data(result, labeller)
    if not data or not data[0]:
        return mark_safe("")
    categories, series = data
    spec = result.report.chart
    numbers = [_number(v) for _label, values in series for v in values]
    top = max(4.0, _nice_max(max([n for n in numbers if n is not None] or [0])))
    rotate = len(categories) > 8 or max(len(c) for c in categories) > 12
    bottom = BOTTOM + 45 if rotate else BOTTOM  # room for slanted category labels
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - bottom
    x_label = str(result.report.col(spec.x).label)
    series_names = ", ".join(label for label, _v in series)
    kind = _("Staafdiagram") if spec.kind == "bar" else _("Lijndiagram")
    title = str(spec.title or result.report.title)
    description = _("%(kind)s van %(series)s per %(x)s. De tabel op deze pagina bevat dezelfde "
                    "cijfers.") % {"kind": kind, "series": series_names, "x": x_label.lower()}
    out = [
        f'<svg class="hp-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT + 24 * ((len(series) + 2) // 3)}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" width="100%">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    # Grid and y axis
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#cbd5e1" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                   f'fill="#1e1e1e">{_fmt(value)}</text>')
    band = plot_w / len(categories)
    for i, category in enumerate(categories):
        cx = LEFT + band * (i + 0.5)
        limit = 20 if rotate else 22
        text = escape(category if len(category) <= limit else category[:limit - 1] + "…")
        if rotate:
            out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 14}" text-anchor="end" '
                       f'font-size="11" fill="#1e1e1e" transform="rotate(-40 {cx:.1f} '
                       f'{TOP + plot_h + 14})">{text}</text>')
        else:
            out.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" '
                       f'font-size="12" fill="#1e1e1e">{text}</text>')

    def y_of(n: float) -> float:
        return TOP + plot_h - plot_h * n / top

    if spec.kind == "bar":
        width = band * 0.8 / len(series)
        for s, (label, values) in enumerate(series):
            colour = PALETTE[s % len(PALETTE)]
            for i, value in enumerate(values):
                x = LEFT + band * i + band * 0.1 + width * s
                n = _number(value)
                tip = escape(f"{categories[i]}, {label}: {'' if value is None else value}")
                if n is None:
                    if value is not None:  # "<5"
                        out.append(f'<text x="{x + width / 2:.1f}" y="{TOP + plot_h - 4}" '
                                   f'text-anchor="middle" font-size="10" fill="#1e1e1e">'
                                   f'<title>{tip}</title>{escape(str(value))}</text>')
                    continue
                out.append(f'<rect x="{x:.1f}" y="{y_of(n):.1f}" width="{max(width - 2, 1):.1f}" '
                           f'height="{TOP + plot_h - y_of(n):.1f}" fill="{colour}">'
                           f'<title>{tip}</title></rect>')
    else:
        for s, (label, values) in enumerate(series):
            colour = PALETTE[s % len(PALETTE)]
            points = []
            for i, value in enumerate(values):
                n = _number(value)
                if n is None:
                    if len(points) > 1:
                        out.append(_polyline(points, colour))
                    points = []
                    continue
                x = LEFT + band * (i + 0.5)
                points.append((x, y_of(n)))
                tip = escape(f"{categories[i]}, {label}: {value}")
                out.append(f'<circle cx="{x:.1f}" cy="{y_of(n):.1f}" r="3.5" fill="{colour}">'
                           f'<title>{tip}</title></circle>')
            if len(points) > 1:
                out.append(_polyline(points, colour))
    # Axes and legend
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#1e1e1e"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" '
               f'y2="{TOP + plot_h}" stroke="#1e1e1e"/>')
    for s, (label, _values) in enumerate(series):
        lx = LEFT + (s % 3) * 230
        ly = HEIGHT + 4 + 24 * (s // 3)
        out.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" '
                   f'fill="{PALETTE[s % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 20}" y="{ly + 12}" font-size="12" fill="#1e1e1e">'
                   f'{escape(label[:32])}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))


def _polyline(points, colour) -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
