"""The reference configuration of Huis van Herstel, De Compagnie and KV Middelburg: profiles,
capacity history, inflow routes and criterion versions (see `reference_config.py`, which
also runs after every migrate to restore what a flushed test database lost)."""

from django.db import migrations


def load(apps, schema_editor):
    from herstelpad.facilities import reference_config

    reference_config.load(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0001_initial"),
        ("organisations", "0001_initial"),
        ("reference", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
