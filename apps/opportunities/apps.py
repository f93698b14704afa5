from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "apps.opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.opportunities import receivers

        post_migrate.connect(receivers.after_migrate, sender=self)
