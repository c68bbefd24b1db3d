from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "herstelpad.plans"
    verbose_name = _("Plannen en doelen")

    def ready(self) -> None:
        from herstelpad.plans import timeline_sources  # noqa: F401  (registers sources)
