from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def name_site(sender, using="default", apps=None, **kwargs):
    """The site's name is the issuer authenticator apps show next to the six-digit code."""
    from django.apps import apps as global_apps

    Site = (apps or global_apps).get_model("sites", "Site")
    Site.objects.using(using).update_or_create(
        pk=1, defaults={"domain": "herstelpad", "name": "Herstelpad"})


class WebConfig(AppConfig):
    name = "herstelpad.web"
    verbose_name = _("Webinterface")

    def ready(self) -> None:
        from django.apps import apps

        # Sent for the sites app, right after Django has created the default site.
        post_migrate.connect(name_site, sender=apps.get_app_config("sites"),
                             dispatch_uid="herstelpad-site-name")
