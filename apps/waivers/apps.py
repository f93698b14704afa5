from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaiversConfig(AppConfig):
    name = "apps.waivers"
    verbose_name = _("Export-control requests")
