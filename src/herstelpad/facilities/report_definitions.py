"""The facility figures (INTERCHANGE §3.1–§3.3), declared for the report engine: one aggregation
query each. The dashboard's figures (`services.occupancy`, `services.funnel`) reuse the same
queries.

Counting rules (where the specification is silent, decided here):
- institutions: facilities (institutions of type `facility`) in the report's scope;
  `facility-flow` shows a facility with a stay overlapping the period, `facility-occupancy` a
  facility with a capacity history or a stay;
- `facility-flow`: a stay left without an outflow type counts as `outflow_other`;
  `pct_positive` and the length-of-stay figures are emptied in public output when any count
  they derive from is suppressed;
- `facility-occupancy`: without `--from`, the report starts at the first capacity period or
  stay of the selected facilities; `present_at_period_end` is taken on the period's last day
  within the report range; a temporary return keeps the place occupied;
- `candidate-screening`: candidates imported from lists (`source` = list) whose `list_date`
  lies in the period, at the selected facilities.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext_lazy as _

from herstelpad.facilities.dbfunctions import days_sql
from herstelpad.imports.engine import qn
from herstelpad.reports.definitions import DIMENSION, NUMBER, Chart, Col, Param, Report, \
    one_decimal, percent
from herstelpad.reports.registry import register

PERMISSION = "facilities.figures"
TYPE_IS = "s.outflow_type = '%s'"
OTHER_TYPE = ("s.outflow_type NOT IN ('positive_pp', 'positive_end', 'returned', "
              "'transferred')")
FAR = dt.date(9999, 12, 31)
OUTFLOWS = ("outflow_positive_pp", "outflow_positive_end", "outflow_returned",
            "outflow_transferred", "outflow_other")


def _tables():
    from herstelpad.facilities.models import Candidate, CandidateStep, CapacityPeriod, RouteStep
    from herstelpad.organisations.models import Institution
    from herstelpad.participants.models import Stay

    return {"institution": qn(Institution._meta.db_table), "stay": qn(Stay._meta.db_table),
            "capacity": qn(CapacityPeriod._meta.db_table),
            "candidate": qn(Candidate._meta.db_table),
            "step": qn(CandidateStep._meta.db_table), "route": qn(RouteStep._meta.db_table)}


def _p(value):
    """A date parameter as both databases compare it with stored dates."""
    if isinstance(value, dt.date) and connection.vendor == "sqlite":
        return value.isoformat()
    return value


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"MIN({a}, {b})"


def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"MAX({a}, {b})"


def _date(placeholder: str = "%s") -> str:
    return f"CAST({placeholder} AS DATE)" if connection.vendor == "postgresql" else placeholder


def _in_ids(column: str, ids) -> tuple[str, list]:
    if ids is None:
        return "1 = 1", []
    if not ids:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- facility-flow (§3.1) -------------------------------------------------------------------

@register
class FacilityFlow(Report):
    name = "facility-flow"
    title = _("Voorzieningen: instroom en uitstroom")
    description = _("Per voorziening: instroom, aanwezig aan het eind, uitstroom naar soort, het "
                    "aandeel positieve uitstroom en de verblijfsduur bij positieve uitstroom "
                    "(INTERCHANGE §3.1).")
    permission = PERMISSION
    columns = [
        Col("institution", _("Voorziening"), DIMENSION, labels="institution"),
        Col("inflow", _("Instroom (verblijven)")),
        Col("inflow_participants", _("Instroom (personen)")),
        Col("present_at_end", _("Aanwezig aan het eind")),
        Col("outflow_positive_pp", _("Positief met PP")),
        Col("outflow_positive_end", _("Positief einde detentie")),
        Col("outflow_returned", _("Teruggeplaatst")),
        Col("outflow_transferred", _("Overgeplaatst")),
        Col("outflow_other", _("Overig")),
        Col("pct_positive", _("% positief"), NUMBER, over=OUTFLOWS, decimals=1),
        Col("los_positive_mean_days", _("Verblijfsduur positief: gemiddeld (dagen)"), NUMBER,
            over=("outflow_positive_pp", "outflow_positive_end"), decimals=1),
        Col("los_positive_min_days", _("minimum"), NUMBER,
            over=("outflow_positive_pp", "outflow_positive_end")),
        Col("los_positive_max_days", _("maximum"), NUMBER,
            over=("outflow_positive_pp", "outflow_positive_end")),
    ]

    def rows(self, ctx):
        t = _tables()
        date_from = ctx.date_from or dt.date(1, 1, 1)
        date_to = ctx.date_to
        ids_sql, ids = _in_ids("f.id", ctx.institution_ids)
        los = days_sql(connection.vendor, "s.entered_on", "s.left_on")
        left_in = f"s.left_on >= {_date()} AND s.left_on <= {_date()}"
        positive = f"({left_in} AND s.outflow_type IN ('positive_pp', 'positive_end'))"

        def outflow(condition: str) -> str:
            return f"SUM(CASE WHEN {left_in} AND {condition} THEN 1 ELSE 0 END)"

        period = [_p(date_from), _p(date_to)]
        sql = (
            "SELECT f.code, "
            f"SUM(CASE WHEN s.entered_on >= {_date()} AND s.entered_on <= {_date()} "
            "THEN 1 ELSE 0 END), "
            f"COUNT(DISTINCT CASE WHEN s.entered_on >= {_date()} AND s.entered_on <= {_date()} "
            "THEN s.participant_id END), "
            f"SUM(CASE WHEN s.entered_on <= {_date()} AND (s.left_on IS NULL OR s.left_on > "
            f"{_date()}) THEN 1 ELSE 0 END), "
            f"{outflow(TYPE_IS % 'positive_pp')}, "
            f"{outflow(TYPE_IS % 'positive_end')}, "
            f"{outflow(TYPE_IS % 'returned')}, "
            f"{outflow(TYPE_IS % 'transferred')}, "
            f"{outflow(OTHER_TYPE)}, "
            f"SUM(CASE WHEN {positive} THEN {los} END), "
            f"MIN(CASE WHEN {positive} THEN {los} END), "
            f"MAX(CASE WHEN {positive} THEN {los} END) "
            f"FROM {t['institution']} f JOIN {t['stay']} s ON s.institution_id = f.id "
            f"WHERE f.type = 'facility' AND {ids_sql} AND s.entered_on <= {_date()} "
            f"AND (s.left_on IS NULL OR s.left_on >= {_date()}) "
            "GROUP BY f.code ORDER BY f.code")
        params = (period + period + [_p(date_to), _p(date_to)] + period * 5
                  + period * 3 + ids + [_p(date_to), _p(date_from)])
        result = []
        for row in _fetch(sql, params):
            (code, inflow, people, present, pp, end, returned, transferred, other, los_sum,
             minimum, maximum) = row
            counts = [int(v or 0) for v in (inflow, people, present, pp, end, returned,
                                             transferred, other)]
            total_out = sum(counts[3:])
            positives = counts[3] + counts[4]
            # The mean from the exact integer sum (a float average could round x.x5 down).
            mean = Decimal(int(los_sum)) / positives if positives and los_sum is not None \
                else None
            result.append((code, *counts, percent(positives, total_out), one_decimal(mean),
                           minimum, maximum))
        return result


# --- facility-occupancy (§3.2) --------------------------------------------------------------

BY = Param("by", _("Per"), "choice", default="month",
           choices=(("month", _("maand")), ("quarter", _("kwartaal")), ("year", _("jaar"))))


def periods(date_from: dt.date, date_to: dt.date, by: str) -> list[tuple[str, dt.date, dt.date]]:
    """(label, first day, last day) of every month, quarter or year overlapping the range."""
    result = []
    year, month = date_from.year, date_from.month
    if by == "quarter":
        month = 3 * ((month - 1) // 3) + 1
    elif by == "year":
        month = 1
    step = {"month": 1, "quarter": 3, "year": 12}[by]
    while dt.date(year, month, 1) <= date_to:
        first = dt.date(year, month, 1)
        end_month = month + step - 1
        end_year = year + (end_month - 1) // 12
        end_month = (end_month - 1) % 12 + 1
        last = dt.date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
        label = {"month": f"{year}-{month:02d}", "quarter": f"{year}-Q{(month - 1) // 3 + 1}",
                 "year": f"{year}"}[by]
        result.append((label, first, last))
        month += step
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
    return result


def occupancy_rows(facility_ids, date_from: dt.date | None, date_to: dt.date,
                   by: str = "month") -> list[tuple]:
    """(facility code, period, capacity, occupied_place_days, available_place_days,
    present_at_period_end) per facility and period: one query (plus, without `date_from`, one
    to find where the facilities' history starts)."""
    t = _tables()
    ids_sql, ids = _in_ids("f.id", facility_ids)
    has_history = (f"(EXISTS (SELECT 1 FROM {t['capacity']} c WHERE c.facility_id = f.id) OR "
                   f"EXISTS (SELECT 1 FROM {t['stay']} s WHERE s.institution_id = f.id))")
    if date_from is None:
        first = _fetch(
            f"SELECT MIN(x.d) FROM (SELECT MIN(c.effective_from) AS d FROM {t['capacity']} c "
            f"JOIN {t['institution']} f ON f.id = c.facility_id WHERE {ids_sql} UNION ALL "
            f"SELECT MIN(s.entered_on) FROM {t['stay']} s JOIN {t['institution']} f ON f.id = "
            f"s.institution_id WHERE f.type = 'facility' AND {ids_sql}) x", ids + ids)[0][0]
        if first is None:
            return []
        date_from = first if isinstance(first, dt.date) else dt.date.fromisoformat(str(first))
    if date_from > date_to:
        return []
    spans = periods(date_from, date_to, by)
    values, params = [], []
    for position, (label, first, last) in enumerate(spans):
        start = max(first, date_from)
        end = min(last, date_to)
        values.append(f"(%s, %s, {_date()}, {_date()}, {_date()}, {_date()})")
        params += [position, label, _p(start), _p(end + dt.timedelta(days=1)), _p(last),
                   _p(end)]
    vendor = connection.vendor
    far = _p(FAR)
    stay_days = days_sql(vendor, _greatest("s.entered_on", "p.p_start"),
                         _least(f"COALESCE(s.left_on, {_date()})", "p.p_end"))
    cap_days = days_sql(vendor, _greatest("c.c_start", "p.p_start"),
                        _least("c.c_end", "p.p_end"))
    sql = (
        f"WITH periods(pos, label, p_start, p_end, p_last, p_at) AS (VALUES {', '.join(values)}), "
        "cap AS (SELECT facility_id, places, effective_from AS c_start, "
        f"COALESCE(LEAD(effective_from) OVER (PARTITION BY facility_id ORDER BY effective_from), "
        f"{_date()}) AS c_end FROM {t['capacity']}) "
        "SELECT f.code, p.label, "
        f"(SELECT c.places FROM {t['capacity']} c WHERE c.facility_id = f.id AND "
        "c.effective_from <= p.p_last ORDER BY c.effective_from DESC LIMIT 1), "
        f"(SELECT COALESCE(SUM({stay_days}), 0) FROM {t['stay']} s WHERE s.institution_id = f.id "
        "AND s.entered_on < p.p_end AND (s.left_on IS NULL OR s.left_on > p.p_start)), "
        f"(SELECT COALESCE(SUM(c.places * {cap_days}), 0) FROM cap c WHERE c.facility_id = f.id "
        "AND c.c_start < p.p_end AND c.c_end > p.p_start), "
        f"(SELECT COUNT(*) FROM {t['stay']} s WHERE s.institution_id = f.id AND "
        "s.entered_on <= p.p_at AND (s.left_on IS NULL OR s.left_on > p.p_at)) "
        f"FROM {t['institution']} f CROSS JOIN periods p "
        f"WHERE f.type = 'facility' AND {ids_sql} AND {has_history} "
        "ORDER BY f.code, p.pos")
    rows = _fetch(sql, params + [far, far] + ids)
    return [(code, label, capacity, int(occupied or 0), int(available or 0), int(present or 0))
            for code, label, capacity, occupied, available, present in rows]


@register
class FacilityOccupancy(Report):
    name = "facility-occupancy"
    title = _("Voorzieningen: bezetting")
    description = _("Per voorziening en maand, kwartaal of jaar: de capaciteit, de bezette en "
                    "beschikbare plaatsdagen, de bezettingsgraad en het aantal aanwezigen aan "
                    "het eind van de periode (INTERCHANGE §3.2).")
    permission = PERMISSION
    params = [BY]
    columns = [
        Col("institution", _("Voorziening"), DIMENSION, labels="institution"),
        Col("period", _("Periode"), DIMENSION),
        Col("capacity", _("Capaciteit"), NUMBER),
        Col("occupied_place_days", _("Bezette plaatsdagen"), NUMBER),
        Col("available_place_days", _("Beschikbare plaatsdagen"), NUMBER),
        Col("occupancy_pct", _("Bezetting %"), NUMBER, decimals=1),
        Col("present_at_period_end", _("Aanwezig aan het eind")),
    ]
    chart = Chart("line", "period", ("occupancy_pct",), split_by="institution",
                  title=_("Bezetting per periode"))

    def rows(self, ctx):
        by = ctx.params.get("by") or "month"
        return [(code, label, capacity, occupied, available, percent(occupied, available),
                 present)
                for code, label, capacity, occupied, available, present in occupancy_rows(
                    ctx.institution_ids, ctx.date_from, ctx.date_to, by)]


# --- candidate-screening (§3.3) -------------------------------------------------------------

@register
class CandidateScreening(Report):
    name = "candidate-screening"
    title = _("Voorzieningen: screening van kandidatenlijsten")
    description = _("Kandidaten op lijsten met een lijstdatum in de periode, naar de uitkomst "
                    "van de screening: geschikt of de eerste reden van uitsluiting "
                    "(INTERCHANGE §3.3).")
    permission = PERMISSION
    columns = [
        Col("outcome", _("Uitkomst"), DIMENSION, labels="screening_outcome"),
        Col("candidates", _("Kandidaten")),
    ]
    chart = Chart("bar", "outcome", ("candidates",), title=_("Kandidaten naar uitkomst"))

    def rows(self, ctx):
        from herstelpad.reference.models import Code, CodeList

        t = _tables()
        codes, code_lists = qn(Code._meta.db_table), qn(CodeList._meta.db_table)
        ids_sql, ids = _in_ids("c.facility_id", ctx.institution_ids)
        date_from = ctx.date_from or dt.date(1, 1, 1)
        sql = (
            "SELECT o.code, COUNT(c.id) FROM ("
            "SELECT 'eligible' AS code, -1 AS pos UNION ALL "
            f"SELECT x.code, x.position FROM {codes} x JOIN {code_lists} l ON l.id = "
            "x.code_list_id WHERE l.name = 'exclusion_reasons') o "
            f"LEFT JOIN {t['candidate']} c ON c.screening_outcome = o.code AND c.source = 'list' "
            f"AND c.list_date >= {_date()} AND c.list_date <= {_date()} AND {ids_sql} "
            "GROUP BY o.code, o.pos ORDER BY o.pos, o.code")
        return [(code, int(n)) for code, n in _fetch(
            sql, [_p(date_from), _p(ctx.date_to)] + ids)]


def _outcome_labels():
    from herstelpad.reference.models import Code

    labels = [("eligible", str(_("geschikt")))]
    labels += [(c.code, c.label) for c in Code.objects.of("exclusion_reasons")]
    return labels


try:  # label source for the `outcome` dimension in XLSX/PDF/HTML
    from herstelpad.reports.render import register_labels

    register_labels("screening_outcome", _outcome_labels)
except ImportError:  # pragma: no cover
    pass


# --- Funnel and medians for the dashboard ---------------------------------------------------

def funnel_rows(facility_id: int, date_from: dt.date | None,
                date_to: dt.date | None) -> list[tuple]:
    """Per route step of the facility, in order: (step id, entered, positive, negative,
    withdrawn, open now, median days from entering the step to its decision), over candidates
    whose list or application date lies in the period."""
    t = _tables()
    on = qn("on")
    date_from = date_from or dt.date(1, 1, 1)
    date_to = date_to or FAR
    in_period = f"c.list_date >= {_date()} AND c.list_date <= {_date()}"
    period = [_p(date_from), _p(date_to)]
    days = days_sql(connection.vendor, "cs.step_entered_on", f"cs.{on}")
    sql = (
        f"WITH d AS (SELECT cs.route_step_id AS sid, {days} AS days, "
        f"ROW_NUMBER() OVER (PARTITION BY cs.route_step_id ORDER BY {days}) AS rn, "
        "COUNT(*) OVER (PARTITION BY cs.route_step_id) AS n "
        f"FROM {t['step']} cs JOIN {t['candidate']} c ON c.id = cs.candidate_id "
        f"WHERE cs.action = 'decide' AND cs.step_entered_on IS NOT NULL AND c.facility_id = %s "
        f"AND {in_period}), "
        "med AS (SELECT sid, AVG(days) AS median FROM d WHERE rn IN ((n + 1) / 2, (n + 2) / 2) "
        "GROUP BY sid), "
        f"steps AS (SELECT cs.candidate_id, cs.action, cs.decision, cs.route_step_id, "
        f"cs.to_step_id FROM {t['step']} cs JOIN {t['candidate']} c ON c.id = cs.candidate_id "
        f"WHERE c.facility_id = %s AND {in_period}) "
        "SELECT r.id, "
        "(SELECT COUNT(DISTINCT s.candidate_id) FROM steps s WHERE s.to_step_id = r.id AND "
        "s.action IN ('register', 'decide', 'reopen')), "
        "(SELECT COUNT(*) FROM steps s WHERE s.route_step_id = r.id AND s.action = 'decide' "
        "AND s.decision = 'positive'), "
        "(SELECT COUNT(*) FROM steps s WHERE s.route_step_id = r.id AND s.action = 'decide' "
        "AND s.decision = 'negative'), "
        "(SELECT COUNT(*) FROM steps s WHERE s.route_step_id = r.id AND s.action = 'withdraw'), "
        f"(SELECT COUNT(*) FROM {t['candidate']} c WHERE c.step_id = r.id AND c.state = 'open' "
        f"AND {in_period}), "
        "med.median "
        f"FROM {t['route']} r LEFT JOIN med ON med.sid = r.id WHERE r.facility_id = %s "
        f"ORDER BY r.{qn('order')}")
    rows = _fetch(sql, [facility_id, *period, facility_id, *period, *period, facility_id])
    return [(sid, int(a or 0), int(b or 0), int(c or 0), int(d or 0), int(e or 0),
             one_decimal(m)) for sid, a, b, c, d, e, m in rows]


def median_days(qs, field: str):
    """The median of an integer annotation `field` over `qs`, in the database."""
    sql, params = qs.order_by().values(field).query.sql_with_params()
    name = qn(field)
    rows = _fetch(
        f"SELECT AVG(m.v) FROM (SELECT q.{name} AS v, ROW_NUMBER() OVER (ORDER BY q.{name}) AS rn, "
        f"COUNT(*) OVER () AS n FROM ({sql}) q) m WHERE m.rn IN ((m.n + 1) / 2, (m.n + 2) / 2)",
        list(params))
    return one_decimal(rows[0][0]) if rows and rows[0][0] is not None else None
