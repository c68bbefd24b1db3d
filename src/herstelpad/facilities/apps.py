from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def load_facility_configuration(sender, using="default", apps=None, **kwargs):
    """After every migrate (and every flush of a test database): add the reference facility
    configuration that is missing (see `reference_config.py`); what an administrator changed is
    left alone."""
    from django.apps import apps as global_apps

    from herstelpad.facilities import reference_config

    reference_config.load(apps or global_apps)


class FacilitiesConfig(AppConfig):
    name = "herstelpad.facilities"
    verbose_name = _("Voorzieningen")

    def ready(self) -> None:
        from herstelpad.facilities.home import facility_panel
        from herstelpad.web import home

        post_migrate.connect(load_facility_configuration, sender=self,
                             dispatch_uid="herstelpad-facility-configuration")
        # The facility team's and the selection officer's panels on the home page.
        home.register(facility_panel)
