"""The `goal-domains` report (INTERCHANGE §3.10)."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext_lazy as _

from herstelpad.participants.models import Stay
from herstelpad.plans.models import Goal
from herstelpad.reference.models import Code, CodeList
from herstelpad.reports.definitions import COUNT, DIMENSION, Chart, Col, Report
from herstelpad.reports.registry import register


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


@register
class GoalDomains(Report):
    name = "goal-domains"
    title = _("Doelen per leefgebied")
    description = _(
        "Doelen van deelnemers met een verblijf in de gekozen inrichtingen dat de periode "
        "overlapt, per leefgebied: aantal doelen, deelnemers en de stand van zaken.")
    permission = "plans.reports"
    columns = [
        Col("domain", _("Leefgebied"), DIMENSION, labels="code_list:domains"),
        Col("goals", _("Doelen"), COUNT),
        Col("participants", _("Deelnemers"), COUNT),
        Col("achieved", _("Behaald"), COUNT),
        Col("partially_achieved", _("Deels behaald"), COUNT),
        Col("not_achieved", _("Niet behaald"), COUNT),
        Col("open", _("Loopt nog"), COUNT),
    ]
    chart = Chart("bar", "domain", ("goals", "achieved"))

    def rows(self, ctx):
        """One query: every domain code (zeros included, in list order) left-joined to the
        goals of participants with a stay in scope that overlaps [from, to]."""
        stay_filter = ["st.entered_on <= %s"]
        params: list = [ctx.date_to]
        if ctx.date_from is not None:
            stay_filter.append("(st.left_on IS NULL OR st.left_on >= %s)")
            params.append(ctx.date_from)
        if ctx.institution_ids is not None:
            if not ctx.institution_ids:
                stay_filter.append("1 = 0")
            else:
                stay_filter.append("st.institution_id IN (%s)"
                                   % ", ".join(["%s"] * len(ctx.institution_ids)))
                params += list(ctx.institution_ids)
        in_scope = (f"SELECT st.participant_id FROM {qn(Stay._meta.db_table)} st WHERE "
                    + " AND ".join(stay_filter))

        def status(code: str) -> str:
            return f"COALESCE(SUM(CASE WHEN g.status = '{code}' THEN 1 ELSE 0 END), 0)"

        sql = (
            f"SELECT c.code, COUNT(g.id), COUNT(DISTINCT g.participant_id), "
            f"{status('achieved')}, {status('partially_achieved')}, {status('not_achieved')}, "
            f"{status('open')} "
            f"FROM {qn(Code._meta.db_table)} c JOIN {qn(CodeList._meta.db_table)} l "
            "ON l.id = c.code_list_id AND l.name = 'domains' "
            f"LEFT JOIN {qn(Goal._meta.db_table)} g ON g.domain = c.code "
            f"AND g.participant_id IN ({in_scope}) "
            "GROUP BY c.code, c.position ORDER BY c.position, c.code")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]
