"""`herstelpad report NAME [--from D] [--to D] [--institution CODE ...] [report options]
[--format csv|json|xlsx|pdf] [--output FILE] [--disclosure exact|public]`.

CSV to standard output by default. Exit 2 on invalid arguments (naming each problem), 1 on any
other failure. The operator at the command line may use every institution and exact figures;
the run is audited like any other."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils.translation import gettext as _

from herstelpad.audit.services import acting_as
from herstelpad.reports import registry, render, services
from herstelpad.reports.disclosure import MODES


class Command(BaseCommand):
    help = "Compute a report (CSV to standard output by default)."

    def add_arguments(self, parser):
        # Django's CommandParser hands `called_from_command_line` on to the subparsers, so an
        # invalid option exits with code 2 and a usage message.
        sub = parser.add_subparsers(dest="name", metavar="NAME", required=True)
        for report in registry.all_reports():
            p = sub.add_parser(report.name, help=str(report.title),
                               description=str(report.description))
            p.add_argument("--from", dest="from", metavar="YYYY-MM-DD")
            p.add_argument("--to", dest="to", metavar="YYYY-MM-DD")
            if report.uses_institutions:
                p.add_argument("--institution", action="append", default=[], metavar="CODE",
                               help="repeatable; default: every institution")
            for param in report.params:
                choices = [c for c, _label in param.choices] if param.type == "choice" else None
                p.add_argument(f"--{param.name}", dest=param.name, choices=choices,
                               help=str(param.help or param.label))
            p.add_argument("--format", choices=render.FORMATS, default="csv")
            p.add_argument("--output", metavar="FILE")
            p.add_argument("--disclosure", choices=MODES)

    def handle(self, *args, name, **options):
        report = registry.get(name)
        data = QueryDict(mutable=True)
        for key in ("from", "to", "disclosure", *[p.name for p in report.params]):
            if options.get(key) is not None:
                data[key] = str(options[key])
        if report.uses_institutions:
            data.setlist("institution", options.get("institution") or [])
        fmt, output = options["format"], options.get("output")
        if fmt in {"xlsx", "pdf"} and not output and sys.stdout.isatty():
            raise CommandError(_("Gebruik --output BESTAND voor %(format)s.") % {"format": fmt},
                               returncode=2)
        try:
            with acting_as(None, channel="cli"):
                result = services.run(name, None, data, fmt=fmt)
        except services.ReportInputError as exc:
            raise CommandError("\n".join(exc.lines()), returncode=2) from None
        content = render.render(result, fmt)
        if output:
            try:
                with open(output, "wb") as handle:
                    handle.write(content)
            except OSError as exc:
                raise CommandError(_("Kan %(file)s niet schrijven: %(reason)s")
                                   % {"file": output, "reason": exc.strerror},
                                   returncode=2) from None
        elif fmt in {"csv", "json"}:
            self.stdout.write(content.decode("utf-8"), ending="" if fmt == "csv" else "\n")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
