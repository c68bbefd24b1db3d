"""Imports, the one service behind all three doors (command line, web upload, API).

`import_file` runs a KIND over a file, records the run in `ImportRun` and the audit trail (file
digest, actor, counts) and returns the result. The web door stores an upload first
(`store_upload`) and, for large files, runs it as a background task (`imports.tasks`).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from herstelpad import policy
from herstelpad.audit import services as audit
from herstelpad.audit.models import Action
from herstelpad.imports import engine, registry
from herstelpad.imports.models import ImportRun, RunStatus

logger = logging.getLogger(__name__)

# Uploads up to this size are imported during the request; larger ones in the background.
SYNC_LIMIT_BYTES = 2 * 1024 * 1024
UPLOAD_DIR = settings.VAR_DIR / "imports"


class ImportNotAllowed(PermissionError):
    pass


def check_allowed(user, kind: engine.ImportKind) -> None:
    """`user` None is the operator at the command line, who may import every KIND."""
    if user is not None and not policy.has_perm(user, kind.permission):
        raise ImportNotAllowed(kind.name)


def new_run(kind: engine.ImportKind, *, user, channel: str, filename: str = "", size: int = 0,
            dry_run: bool = False) -> ImportRun:
    check_allowed(user, kind)
    actor = audit.current_actor() if user is None else user
    return ImportRun.objects.create(
        kind=kind.name, actor=user, channel=channel, filename=filename[:255], size=size,
        dry_run=dry_run, actor_label=(getattr(actor, "username", "") or "")[:150],
    )


def import_file(kind_name: str, binary, *, user=None, channel: str, filename: str = "",
                size: int | None = None, dry_run: bool = False, run: ImportRun | None = None,
                on_progress=None, on_error=None) -> tuple[engine.ImportResult, ImportRun]:
    """Import `binary` (a file object opened in binary mode). Raises `registry.UnknownKind` or
    `ImportNotAllowed`; an invalid file is not an exception but a result with errors."""
    kind = registry.get(kind_name)
    check_allowed(user, kind)
    if run is None:
        run = new_run(kind, user=user, channel=channel, filename=filename, size=size or 0,
                      dry_run=dry_run)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, phase="reading")

    def progress(p: engine.Progress) -> None:
        ImportRun.objects.filter(pk=run.pk).update(phase=p.phase, rows=p.rows,
                                                   bytes_read=p.bytes_read)
        if on_progress is not None:
            on_progress(p)

    def record(result: engine.ImportResult) -> None:
        _finish(run, result)
        audit.record(Action.IMPORT, obj=run, details={
            "kind": kind.name, "file": filename[:255], "sha256": result.sha256,
            "size": result.size, "rows": result.rows, "dry_run": dry_run,
            "valid": result.ok, "written": result.written, **result.counts.as_dict(),
            "errors": result.error_count,
        })

    try:
        result = engine.run(kind, binary, dry_run=dry_run, total_bytes=size, user=user,
                            on_progress=progress, on_error=on_error, before_commit=record)
    except Exception as exc:
        logger.exception("Import %s #%s failed", kind.name, run.pk)
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, failure=type(exc).__name__, finished_at=timezone.now())
        raise
    if not result.ok:
        with transaction.atomic():
            record(result)
    run.refresh_from_db()
    return result, run


def _finish(run: ImportRun, result: engine.ImportResult) -> None:
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED if result.ok else RunStatus.INVALID, phase="done",
        rows=result.rows, bytes_read=result.size, size=result.size, sha256=result.sha256,
        created=result.counts.created, updated=result.counts.updated,
        unchanged=result.counts.unchanged, targets=result.targets,
        error_count=result.error_count, errors=[e.as_dict() for e in result.errors],
        finished_at=timezone.now(),
    )


# --- Web uploads --------------------------------------------------------------------------------

def store_upload(kind_name: str, uploaded, *, user, dry_run: bool) -> ImportRun:
    """Save an uploaded file under var/imports and create its queued run."""
    kind = registry.get(kind_name)
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"{uuid.uuid4().hex}.csv"
    with open(path, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    run = new_run(kind, user=user, channel="web", filename=uploaded.name or "",
                  size=path.stat().st_size, dry_run=dry_run)
    ImportRun.objects.filter(pk=run.pk).update(upload=str(path))
    run.upload = str(path)
    return run


def process_stored(run_id: int) -> ImportRun:
    """Run a stored upload (in the request for small files, in a background task for large
    ones) and delete the stored file afterwards: only its digest is kept."""
    run = ImportRun.objects.select_related("actor").get(pk=run_id)
    if run.finished:
        return run
    path = Path(run.upload)
    try:
        with audit.acting_as(run.actor, channel=run.channel), open(path, "rb") as handle:
            _result, run = import_file(run.kind, handle, user=run.actor, channel=run.channel,
                                       filename=run.filename, size=run.size,
                                       dry_run=run.dry_run, run=run)
    except (FileNotFoundError, ImportNotAllowed) as exc:
        reason = "upload missing" if isinstance(exc, FileNotFoundError) else "not allowed"
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, failure=reason, finished_at=timezone.now())
        run.refresh_from_db()
    finally:
        path.unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run_id).update(upload="")
    return run


def start_stored(run: ImportRun) -> ImportRun:
    if run.size <= SYNC_LIMIT_BYTES:
        return process_stored(run.pk)
    from herstelpad.imports.tasks import run_stored_import

    run_stored_import.enqueue(run.pk)
    return run


def runs_for(user, kind_name: str | None = None):
    qs = policy.scope(user, ImportRun.objects.all())
    if kind_name:
        qs = qs.filter(kind=kind_name)
    return qs
