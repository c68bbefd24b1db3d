from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def load_reference_data(sender, using="default", apps=None, **kwargs):
    """After every migrate (and every test-database flush): add the shipped reference data that
    is missing. Upsert by code: what a functional administrator changed is left alone."""
    from django.apps import apps as global_apps

    from herstelpad.reference import loaders

    apps = apps or global_apps
    loaders.load_all(apps, using=using)


class ReferenceConfig(AppConfig):
    name = "herstelpad.reference"
    verbose_name = _("Referentiegegevens")

    def ready(self) -> None:
        # Connected for this app only, so it runs once per migrate, after all migrations.
        post_migrate.connect(load_reference_data, sender=self,
                             dispatch_uid="herstelpad-reference-data")
