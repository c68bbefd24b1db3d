from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "herstelpad.reports"
    verbose_name = _("Rapportages")

    def ready(self) -> None:
        # Every app declares its reports in a `report_definitions` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("report_definitions")
