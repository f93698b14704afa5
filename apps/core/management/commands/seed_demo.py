"""Idempotent demo data. Each app that has demo data provides `apps/<app>/demo.py` with
`seed(*, stdout) -> list[str]`; they run in INSTALLED_APPS order (an app's data may rely
on the apps before it) inside one transaction, and the lines they return are printed."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Create or refresh the demo organizations, accounts and content (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo accounts share a published password; seed_demo is disabled in production."
            )
        lines: list[str] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if not config.name.startswith("apps.") or find_spec(module_name) is None:
                    continue
                lines += import_module(module_name).seed(stdout=self.stdout) or []
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        for line in lines:
            self.stdout.write(line)
