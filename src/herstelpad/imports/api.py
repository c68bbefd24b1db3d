"""`/api/imports/`: the import engine's API door. POST a CSV file to `/api/imports/KIND/`
(multipart field `file`, or the CSV itself as the request body with `Content-Type: text/csv`);
`?dry_run=true` validates without writing. The import runs during the request: 200 with the
counts when the file was valid, 400 with every error when it was not (nothing written)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FileUploadParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from herstelpad.imports import registry, services
from herstelpad.imports.models import ImportRun


class CsvBodyParser(FileUploadParser):
    """The CSV file as the raw request body (`Content-Type: text/csv`)."""

    media_type = "text/csv"

    def get_filename(self, stream, media_type, parser_context):
        return super().get_filename(stream, media_type, parser_context) or "upload.csv"


class ImportRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRun
        fields = ["id", "kind", "actor_label", "channel", "filename", "size", "sha256",
                  "dry_run", "status", "rows", "created", "updated", "unchanged", "error_count",
                  "started_at", "finished_at"]


class ImportRunListView(ListAPIView):
    permission = "imports.use"
    serializer_class = ImportRunSerializer

    def get_queryset(self):
        return services.runs_for(self.request.user, self.request.query_params.get("kind"))


class ImportView(APIView):
    permission = "imports.use"
    parser_classes = [MultiPartParser, CsvBodyParser]

    @extend_schema(
        summary="Import a CSV file of one KIND (all or nothing)",
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL)],
        request={"multipart/form-data": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}},
            "text/csv": {"type": "string"}},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request, kind):
        try:
            services.check_allowed(request.user, registry.get(kind))
        except registry.UnknownKind:
            raise NotFound(f"no import KIND named {kind!r}") from None
        except services.ImportNotAllowed:
            raise PermissionDenied("you may not import this KIND") from None
        upload = request.data.get("file")
        if upload is None:
            raise ValidationError({"file": ["send the CSV file as multipart field 'file' or as "
                                            "a text/csv request body"]})
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
        result, run = services.import_file(
            kind, upload, user=request.user, channel="api",
            filename=getattr(upload, "name", "") or "", size=getattr(upload, "size", None),
            dry_run=dry_run)
        body = {"run": run.pk, **result.as_dict()}
        return Response(body, status=200 if result.ok else 400)
