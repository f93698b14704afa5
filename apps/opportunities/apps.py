from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "apps.opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from apps.opportunities import receivers  # noqa: F401 — connects the receivers
