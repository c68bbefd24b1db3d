"""Calendar-month arithmetic in the database (INTERCHANGE §3.8).

Adding months keeps the day of the month, or takes the last day of the target month when it
is shorter (2021-01-31 + 1 month = 2021-02-28) — what PostgreSQL's `date + interval` and
`dateutil.relativedelta` do. SQLite's own date modifiers normalise instead (2021-01-31
'+1 month' is 2021-03-03), so on SQLite the expression calls `hp_add_months`, a deterministic
function registered on every connection that uses `relativedelta` itself.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import DateField, Func, Value


def add_months(iso_date: str | None, months: int | None) -> str | None:
    """`YYYY-MM-DD` + `months` calendar months, as PostgreSQL and dateutil add them."""
    if iso_date is None or months is None:
        return None
    day = dt.date.fromisoformat(str(iso_date)[:10])
    return (day + relativedelta(months=int(months))).isoformat()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("hp_add_months", 2, add_months,
                                              deterministic=True)
        connection.hp_add_months = True


class AddMonths(Func):
    """`expression` + `months` calendar months (a date)."""

    output_field = DateField()
    arity = 2

    def __init__(self, expression, months: int, **extra):
        super().__init__(expression, Value(int(months)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        if not getattr(connection, "hp_add_months", False):
            connection.ensure_connection()
            if not getattr(connection, "hp_add_months", False):
                register_sqlite_functions(None, connection)
        return self.as_sql(compiler, connection, function="hp_add_months", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        months = int(self.source_expressions[1].value)
        return f"(({date_sql}) + make_interval(months => {months}))::date", date_params
