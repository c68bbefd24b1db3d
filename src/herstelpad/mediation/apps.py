from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "herstelpad.mediation"
    verbose_name = _("Herstelbemiddeling")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from herstelpad.mediation import dbfunctions, timeline_sources  # noqa: F401
        from herstelpad.mediation.home import mediator_panel
        from herstelpad.participants import dossier
        from herstelpad.web import home

        # The prison's view: facts only, consent-filtered (see `prison.py`).
        dossier.register_tab("mediation", _("Herstelbemiddeling"), "mediation:dossier",
                             "mediation.status", before="timeline")
        home.register(mediator_panel)
        # Calendar-month arithmetic for the figures on SQLite (see `dbfunctions.py`).
        connection_created.connect(dbfunctions.register_sqlite_functions,
                                   dispatch_uid="herstelpad-mediation-sqlite-functions")
