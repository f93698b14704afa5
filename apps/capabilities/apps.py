from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "apps.capabilities"
    verbose_name = _("Capabilities")

    def ready(self):
        from apps.capabilities import receivers  # noqa: F401 — connects the receivers
