from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "herstelpad.interventions"
    verbose_name = _("Interventies")

    def ready(self) -> None:
        from herstelpad.interventions import timeline_sources  # noqa: F401  (registers it)
        from herstelpad.participants import dossier

        dossier.register_tab("interventions", _("Interventies"), "interventions:dossier",
                             "participants.view", before="timeline")
