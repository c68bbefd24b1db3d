from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "herstelpad.consent"
    verbose_name = _("Toestemming")

    def ready(self) -> None:
        from herstelpad.consent import timeline_sources  # noqa: F401  (registers the source)
        from herstelpad.participants import dossier

        dossier.register_tab("consent", _("Toestemming"), "consent:list", "participants.view",
                             before="timeline")
