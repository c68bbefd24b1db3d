"""`herstelpad demo`: load the demo data set and print the demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from herstelpad import demo


class Command(BaseCommand):
    help = "Load a realistic demo data set (never into a database holding non-demo data)."

    def handle(self, *args, **options):
        try:
            context = demo.load()
        except demo.DemoRefused as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for line in context.log:
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(_("Demo-accounts (wachtwoord voor allemaal: %(password)s)")
                          % {"password": context.password})
        width = max(len(username) for username, _role, _where in context.logins)
        for username, role, where in context.logins:
            self.stdout.write(f"  {username.ljust(width)}  {role}{' — ' + where if where else ''}")
