"""Whole days between two dates, computed in the database (lead times, length of stay)."""

from __future__ import annotations

from django.db import models


class DaysBetween(models.Func):
    """`end − start` in whole days, as an integer, on PostgreSQL and SQLite."""

    output_field = models.IntegerField()
    arity = 2

    def __init__(self, start, end, **extra):
        super().__init__(start, end, **extra)

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL: date − date
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return f"(({end_sql})::date - ({start_sql})::date)", [*end_params, *start_params]

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        return (f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)",
                [*end_params, *start_params])


def days_sql(vendor: str, start: str, end: str) -> str:
    """The same, as an SQL snippet for raw queries."""
    if vendor == "postgresql":
        return f"(({end})::date - ({start})::date)"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"
