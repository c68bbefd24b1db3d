"""`herstelpad mediation rekey` — re-encrypt every sealed value of the mediation compartment
with the first key of HERSTELPAD_MEDIATION_KEY (after putting a new key first; then the old key
can be removed). `herstelpad mediation newkey` — print a new Fernet key.

The rewrite is a plain UPDATE of the token columns (the values do not change, so there is
nothing for the per-object audit to record); the run itself is one audit entry."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from herstelpad.audit.models import Action
from herstelpad.audit.services import acting_as, record
from herstelpad.mediation import crypto


def _models():
    from django.apps import apps

    return [m for m in apps.get_app_config("mediation").get_models() if crypto.sealed_fields(m)]


class Command(BaseCommand):
    help = "Key management of the sealed mediation compartment (rekey, newkey)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        sub.add_parser("rekey", help="re-encrypt every sealed value with the first key")
        sub.add_parser("newkey", help="print a new key for HERSTELPAD_MEDIATION_KEY")

    def handle(self, *args, action, **options):
        if action == "newkey":
            self.stdout.write(Fernet.generate_key().decode())
            return
        total = 0
        quote = connection.ops.quote_name
        with acting_as(None, channel="cli"), transaction.atomic():
            for model in _models():
                columns = [f.column for f in crypto.sealed_fields(model)]
                table = quote(model._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT id, {', '.join(quote(c) for c in columns)} "
                                   f"FROM {table}")
                    rows = cursor.fetchall()
                for pk, *tokens in rows:
                    rotated = [crypto.rotate(t) for t in tokens]
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"UPDATE {table} SET "
                            + ", ".join(f"{quote(c)} = %s" for c in columns)
                            + " WHERE id = %s", [*rotated, pk])
                    total += 1
            record(Action.COMMAND, object_type="mediation", object_id="rekey",
                   details={"rows": total})
        self.stdout.write(f"rekeyed {total} rows of the mediation compartment")
