from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "herstelpad.audit"
    verbose_name = _("Audittrail")

    def ready(self) -> None:
        from herstelpad.audit import signals  # noqa: F401
