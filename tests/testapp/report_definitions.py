"""The test report `test-widgets`: widgets per year and category with a total row per year,
a percentage, a number over a count, and a chart."""

from django.db.models import Count, Max, Q, Value

from herstelpad.reports.definitions import (
    COUNT,
    DIMENSION,
    NUMBER,
    PCT,
    Chart,
    Col,
    Param,
    Report,
    TotalRows,
)
from herstelpad.reports.functions import Year
from herstelpad.reports.registry import register
from tests.testapp.models import Widget


@register
class WidgetReport(Report):
    name = "test-widgets"
    title = "Widgets per jaar"
    description = "Testrapport"
    permission = "reports.use"
    params = [Param("size", "Maat", "choice", choices=(("", "alle"), ("small", "klein"),
                                                       ("large", "groot")), default="")]
    columns = [
        Col("year", "Jaar", DIMENSION),
        Col("category", "Leefgebied", DIMENSION, labels="code_list:domains"),
        Col("widgets", "Widgets"),
        Col("active", "Actief"),
        Col("pct_active", "% actief", PCT, numerator="active", denominator="widgets"),
        Col("max_amount", "Grootste aantal", NUMBER, over="widgets"),
    ]
    total_rows = TotalRows("category", ("year",), ("widgets", "active"))
    chart = Chart("bar", "year", ("widgets",), split_by="category")

    def rows(self, ctx):
        qs = Widget.objects.filter(made_on__lte=ctx.date_to)
        if ctx.date_from:
            qs = qs.filter(made_on__gte=ctx.date_from)
        if ctx.institution_ids is not None:
            qs = qs.filter(institution_id__in=ctx.institution_ids)
        qs = qs.annotate(year=Year("made_on"))
        measures = {"widgets": Count("id"), "active": Count("id", filter=Q(active=True)),
                    "max_amount": Max("amount")}
        per_category = qs.values("year", "category").annotate(**measures).values_list(
            "year", "category", "widgets", "active", "max_amount")
        per_year = qs.values("year").annotate(cat=Value("*"), **measures).values_list(
            "year", "cat", "widgets", "active", "max_amount")
        return [tuple(r) for r in per_category.union(per_year, all=True).order_by("year", "category")]
