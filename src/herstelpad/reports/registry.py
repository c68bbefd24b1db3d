"""The one place reports are registered (see `definitions.py` for how to declare one)."""

from __future__ import annotations

from herstelpad.reports.definitions import COUNT, DIMENSION, NUMBER, PCT, Report

_REPORTS: dict[str, Report] = {}


class UnknownReport(LookupError):
    pass


def register(report_class: type[Report]) -> type[Report]:
    report = report_class()
    if not report.name or not report.columns:
        raise ValueError(f"{report_class.__name__} must declare a name and columns")
    from herstelpad import policy

    policy.roles_with(report.permission)  # an unknown permission is a programming error
    names = report.column_names
    for column in report.columns:
        if column.kind not in {DIMENSION, COUNT, PCT, NUMBER}:
            raise ValueError(f"{report.name}.{column.name}: unknown kind {column.kind!r}")
        if column.kind == PCT and (column.numerator not in names or (
                column.of_total is None and column.denominator not in names)):
            raise ValueError(f"{report.name}.{column.name}: numerator/denominator unknown")
    _REPORTS[report.name] = report
    return report_class


def get(name: str) -> Report:
    try:
        return _REPORTS[name]
    except KeyError:
        raise UnknownReport(name) from None


def all_reports() -> list[Report]:
    return sorted(_REPORTS.values(), key=lambda r: r.name)


def reports_for(user) -> list[Report]:
    from herstelpad import policy

    return [r for r in all_reports() if policy.has_perm(user, r.permission)]
