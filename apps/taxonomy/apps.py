from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "apps.taxonomy"
    verbose_name = _("Technology taxonomy")

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.taxonomy import signals

        post_migrate.connect(signals.forget_after_migrate, sender=self)
