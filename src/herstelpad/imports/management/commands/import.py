"""`herstelpad import KIND FILE [--dry-run]`: import a CSV file of one KIND.

Exit 0 when the file was imported (or, with --dry-run, would be); exit 2, listing every error
as `row N, column C, value "V": reason` on standard error, when anything is invalid (nothing is
written then); exit 1 on any other failure."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from herstelpad.audit.services import acting_as
from herstelpad.imports import registry, services


class TerminalProgress:
    """A one-line progress indicator on standard error, only when it is a terminal."""

    def __init__(self, stream, total: int | None):
        self.stream = stream
        self.total = total
        self.active = stream.isatty()

    def __call__(self, progress) -> None:
        if not self.active:
            return
        phases = {"reading": _("lezen"), "checking": _("controleren"), "writing": _("opslaan"),
                  "done": _("klaar")}
        line = f"{phases.get(progress.phase, progress.phase)}: {progress.rows:,} " + _("rijen")
        if self.total:
            fraction = min(1.0, progress.bytes_read / self.total)
            filled = int(fraction * 30)
            line = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%  " + line
        self.stream.write("\r" + line.ljust(78))
        if progress.phase == "done":
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import a CSV file of one KIND (all or nothing; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="the KIND: " + ", ".join(
            k.name for k in registry.all_kinds()))
        parser.add_argument("file", help="the CSV file (UTF-8); - reads standard input")
        parser.add_argument("--dry-run", action="store_true",
                            help="validate and count, write nothing")

    def handle(self, *args, kind, file, dry_run, **options):
        try:
            registry.get(kind)
        except registry.UnknownKind:
            raise CommandError(
                _("Onbekende soort import %(kind)r; bekend: %(kinds)s")
                % {"kind": kind, "kinds": ", ".join(k.name for k in registry.all_kinds())},
                returncode=2) from None
        if file == "-":
            handle, size = sys.stdin.buffer, None
        else:
            try:
                handle = open(file, "rb")
            except OSError as exc:
                raise CommandError(_("Kan %(file)s niet openen: %(reason)s")
                                   % {"file": file, "reason": exc.strerror}, returncode=2) from None
            size = os.fstat(handle.fileno()).st_size
        stderr = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr

        def show_error(error) -> None:
            progress.stream.write("\r") if progress.active else None
            self.stderr.write(str(error))

        progress = TerminalProgress(stderr, size)
        try:
            with acting_as(None, channel="cli"):
                result, _run = services.import_file(
                    kind, handle, channel="cli", filename=os.path.basename(file),
                    size=size, dry_run=dry_run, on_progress=progress, on_error=show_error)
        finally:
            if handle is not sys.stdin.buffer:
                handle.close()
        if not result.ok:
            raise CommandError(result.summary(), returncode=2)
        self.stdout.write(result.summary())
        for name, counts in result.targets.items():
            self.stdout.write("  " + _("%(name)s: %(created)d nieuw, %(updated)d bijgewerkt, "
                                       "%(unchanged)d ongewijzigd") % {"name": name, **counts})
