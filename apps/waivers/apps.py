from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaiversConfig(AppConfig):
    name = "apps.waivers"
    verbose_name = _("Export-control requests")

    def ready(self):
        from apps.opportunities import access
        from apps.waivers.policy import agency_may_open_response_attachment

        access.register_response_attachment_policy(agency_may_open_response_attachment)
