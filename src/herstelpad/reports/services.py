"""Running a report: the one service behind `herstelpad report`, `/api/reports/NAME` and the
report pages. Validate the parameters, run the report's one query, add percentages, apply
disclosure control, audit the run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.reports import disclosure, registry
from herstelpad.reports.definitions import Context, Report
from herstelpad.reports.forms import ReportForm


class ReportNotAllowed(PermissionError):
    pass


class ReportInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))

    def lines(self) -> list[str]:
        return [f"--{name}: {message}" if name != "__all__" else message
                for name, messages in self.errors.items() for message in messages]


@dataclass
class ReportResult:
    report: Report
    parameters: dict[str, Any]
    rows: list[list[Any]]
    disclosure: str
    generated_at: datetime
    disclosed: disclosure.Disclosed

    @property
    def columns(self) -> list[str]:
        return self.report.column_names

    def as_json(self) -> dict:
        return {
            "report": self.report.name,
            "parameters": self.parameters,
            "columns": self.columns,
            "rows": [[_json_value(v) for v in row] for row in self.rows],
            "disclosure": self.disclosure,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
        }


def _json_value(value):
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def check_allowed(user, report: Report) -> None:
    if user is not None and not (policy.has_perm(user, "reports.use")
                                 and policy.has_perm(user, report.permission)):
        raise ReportNotAllowed(report.name)


def bind_form(report: Report, user, data) -> ReportForm:
    return ReportForm(report, user, data=data)


def run(name: str, user, data, *, fmt: str = "html") -> ReportResult:
    """`data`: a QueryDict or dict of raw strings (lists for `institution`). `user` None is the
    operator at the command line (every institution, exact figures allowed)."""
    report = registry.get(name)
    check_allowed(user, report)
    form = bind_form(report, user, data)
    if not form.is_valid():
        raise ReportInputError({k: [str(m) for m in v] for k, v in form.errors.items()})
    return run_validated(report, user, form.cleaned_data, fmt=fmt)


def run_validated(report: Report, user, cleaned: dict, *, fmt: str) -> ReportResult:
    from herstelpad.organisations.models import Institution

    codes = cleaned.get("institution") or []
    if not report.uses_institutions:
        institution_ids = None
    elif codes:
        institution_ids = list(Institution.objects.filter(code__in=codes)
                               .values_list("pk", flat=True))
    elif user is None:
        institution_ids = None
    else:
        institution_ids = list(policy.visible_institutions(user).values_list("pk", flat=True))
    params = {p.name: cleaned.get(p.name) for p in report.params}
    ctx = Context(user=user, date_from=cleaned.get("from"), date_to=cleaned["to"],
                  institution_ids=institution_ids, params=params, today=timezone.localdate())
    exact = report.rows(ctx)
    rows = disclosure.complete_rows(report, exact)
    mode = cleaned["disclosure"]
    disclosed = disclosure.apply(report, rows, mode)
    parameters = {
        "from": cleaned["from"].isoformat() if cleaned.get("from") else None,
        "to": cleaned["to"].isoformat(),
    }
    if report.uses_institutions:
        parameters["institution"] = list(codes)
    for name, value in params.items():
        parameters[name] = _json_value(value)
    result = ReportResult(report, parameters, disclosed.rows, mode, timezone.now(), disclosed)
    audit.record(Action.REPORT, object_type="report", object_id=report.name, details={
        "parameters": parameters, "disclosure": mode, "format": fmt,
        "rows": len(disclosed.rows), "suppressed": len(disclosed.suppressed),
    })
    return result
