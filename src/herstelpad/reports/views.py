"""Report pages: the list of reports a user may run, a report with its parameters as a form, the
table and the chart, and downloads in every format. All through `reports.services`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from herstelpad import policy
from herstelpad.reports import registry, render as formats, services


def _report_or_404(user, name):
    try:
        report = registry.get(name)
    except registry.UnknownReport:
        raise Http404 from None
    try:
        services.check_allowed(user, report)
    except services.ReportNotAllowed:
        raise PermissionDenied(report.permission) from None
    return report


@policy.requires("reports.use")
def index(request):
    return render(request, "reports/index.html", {
        "reports": registry.reports_for(request.user)})


@policy.requires("reports.use")
def detail(request, name):
    report = _report_or_404(request.user, name)
    submitted = bool(request.GET)
    form = services.bind_form(report, request.user, request.GET if submitted else None)
    context = {"report": report, "form": form, "query": request.GET.urlencode()}
    if submitted and form.is_valid():
        result = services.run_validated(report, request.user, form.cleaned_data, fmt="html")
        context.update(formats.table_context(result))
        context["formats"] = formats.FORMATS
    return render(request, "reports/detail.html", context, status=200 if not submitted
                  or form.is_valid() else 400)


@policy.requires("reports.use")
def download(request, name, fmt):
    report = _report_or_404(request.user, name)
    if fmt not in formats.FORMATS:
        raise Http404
    form = services.bind_form(report, request.user, request.GET)
    if not form.is_valid():
        return render(request, "reports/detail.html", {"report": report, "form": form},
                      status=400)
    result = services.run_validated(report, request.user, form.cleaned_data, fmt=fmt)
    return file_response(result, fmt)


def file_response(result, fmt: str) -> HttpResponse:
    response = HttpResponse(formats.render(result, fmt), content_type=formats.CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "json" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{formats.filename(result, fmt)}"'
    return response
