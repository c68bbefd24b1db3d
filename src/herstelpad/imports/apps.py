from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "herstelpad.imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # Every app declares its KINDs in an `import_kinds` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("import_kinds")
