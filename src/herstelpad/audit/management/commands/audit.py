"""`herstelpad audit verify`: check the audit trail's hash chain.

Exit 0 when the chain is intact; exit 1 naming the first broken entry otherwise."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from herstelpad.audit.services import verify

REASONS = {
    "altered": lambda: _("de inhoud van deze regel is gewijzigd"),
    "previous_missing": lambda: _("een regel vóór deze regel ontbreekt of is ingevoegd"),
    "tail_missing": lambda: _("regels na deze regel ontbreken"),
    "head_mismatch": lambda: _("de kop van de keten klopt niet met de laatste regel"),
    "head_missing": lambda: _("de kop van de keten ontbreekt"),
}


class Command(BaseCommand):
    help = "Audit trail operations: `verify` checks the hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="operation", required=True)
        sub.add_parser("verify", help="verify the integrity of the audit trail")

    def handle(self, *args, operation, **options):
        result = verify()
        if result.ok:
            self.stdout.write(_("Audittrail intact: %(count)d regels gecontroleerd.")
                              % {"count": result.checked})
            return
        raise CommandError(
            _("Audittrail verbroken bij regel #%(id)s: %(reason)s (%(count)d regels ervoor "
              "in orde).") % {"id": result.broken_id, "reason": REASONS[result.reason](),
                              "count": result.checked},
            returncode=1,
        )
