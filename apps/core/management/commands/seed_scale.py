"""Realistic bilingual data at scale, for benchmarks and for trying the portal with a
production-sized catalogue:

    python manage.py seed_scale --opportunities 300000 --firms 20000 --capabilities 100000

Firms with members, agencies and intermediaries (apps/organizations/scale.py), published
capabilities (apps/capabilities/scale.py), opportunities with responses and follows
(apps/opportunities/scale.py), digest subscriptions and intermediaries' partner networks
with their targeting and e-mail link openings (apps/notifications/scale.py), all
written in bulk batches with progress. Idempotent per --seed: a second run with the same
seed creates only what is missing."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.scale import Plan


class Command(BaseCommand):
    help = "Generate realistic bilingual data at scale (idempotent per --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--opportunities", type=int, default=10_000)
        parser.add_argument("--firms", type=int, default=2_000)
        parser.add_argument("--capabilities", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, opportunities, firms, capabilities, seed, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("seed_scale writes generated data; it is disabled in production.")
        if min(opportunities, firms, capabilities) < 0 or firms == 0:
            raise CommandError("Counts must be positive, with at least one firm.")
        plan = Plan(
            seed=seed,
            opportunities=opportunities,
            firms=firms,
            capabilities=capabilities,
            stdout=self.stdout,
        )
        step = {
            name: import_module(f"apps.{name}.scale")
            for name in ("organizations", "capabilities", "opportunities", "notifications")
        }
        orgs = step["organizations"].seed(plan)
        step["capabilities"].seed(plan, orgs["firms"])
        step["opportunities"].seed(plan, orgs["agencies"], orgs["firms"])
        step["notifications"].seed(plan, orgs["firms"])
        step["notifications"].seed_outreach(plan, orgs["intermediaries"], orgs["firms"])
        from django.db import connection

        if connection.vendor == "postgresql" and connection.get_autocommit():
            # Statistics for the planner, and the visibility map that lets counts and
            # ordered pages read indexes without visiting the table.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        plan.say(
            self.style.SUCCESS(
                f"Ready: seed {seed}, {firms:,} firms, {capabilities:,} capabilities, "
                f"{opportunities:,} opportunities."
            )
        )
