"""`/api/reports/` and `/api/reports/NAME`: the report engine's API door.

Parameters as query parameters (`from`, `to`, `institution` repeatable, report options,
`disclosure`); `format=json` (default), `csv`, `xlsx` or `pdf`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from herstelpad.reports import registry, render, services
from herstelpad.reports.views import file_response


class IgnoreFormatNegotiation(BaseContentNegotiation):
    """`format` selects the report's file format here, not DRF's renderer."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _describe(report) -> dict:
    return {
        "name": report.name, "title": str(report.title),
        "description": str(report.description),
        "columns": [{"name": c.name, "label": str(c.label), "kind": c.kind}
                    for c in report.columns],
        "parameters": ["from", "to", *(["institution"] if report.uses_institutions else []),
                       *[p.name for p in report.params], "disclosure", "format"],
    }


class ReportListView(APIView):
    permission = "reports.use"

    @extend_schema(summary="The reports you may run", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response({"reports": [_describe(r) for r in registry.reports_for(request.user)]})


class ReportView(APIView):
    permission = "reports.use"
    content_negotiation_class = IgnoreFormatNegotiation

    @extend_schema(
        summary="Run a report",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("institution", OpenApiTypes.STR, many=True),
            OpenApiParameter("disclosure", OpenApiTypes.STR, enum=["exact", "public"]),
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(render.FORMATS)),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, name):
        fmt = request.query_params.get("format", "json")
        if fmt not in render.FORMATS:
            raise ValidationError({"format": [f"use one of {', '.join(render.FORMATS)}"]})
        data = request.query_params.copy()
        data.pop("format", None)
        try:
            result = services.run(name, request.user, data, fmt=fmt)
        except registry.UnknownReport:
            raise NotFound(f"no report named {name!r}") from None
        except services.ReportNotAllowed:
            raise PermissionDenied("you may not run this report") from None
        except services.ReportInputError as exc:
            raise ValidationError(exc.errors) from None
        if fmt == "json":
            return Response(result.as_json())
        return file_response(result, fmt)
