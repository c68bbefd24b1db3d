"""Database functions for report queries."""

from __future__ import annotations

from django.db.models import Func, IntegerField


class Year(Func):
    """The calendar year of a date column, as an integer, computed by the database itself.

    Django's `ExtractYear` calls a Python function per row on SQLite (`django_date_extract`),
    which made a year-grouped report over a million rows take 15–19 s there. SQLite stores a
    `DateField` as `YYYY-MM-DD` text, so the year is its first four characters. Only for
    `DateField`s (no time zone, no time of day)."""

    arity = 1
    output_field = IntegerField()
    template = "CAST(EXTRACT(YEAR FROM %(expressions)s) AS integer)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection,
                           template="CAST(substr(%(expressions)s, 1, 4) AS integer)",
                           **extra_context)
