from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "herstelpad.participants"
    verbose_name = _("Deelnemers")

    def ready(self) -> None:
        from herstelpad.participants import timeline_sources  # noqa: F401  (registers sources)
        from herstelpad.participants.home import attention_panel
        from herstelpad.web import home

        home.register(attention_panel)
