from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "apps.capabilities"
    verbose_name = _("Capabilities")

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.capabilities import receivers  # also connects the receivers

        post_migrate.connect(receivers.after_migrate, sender=self)
