from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.notifications import services


class Command(BaseCommand):
    help = (
        "Create and send the digests that are due now (or at --as-of). Safe to run again: "
        "each recipient gets one digest per period. Without a broker the sending happens "
        "in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frequency", choices=["daily", "weekly"], required=True)
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing.")
        parser.add_argument("--as-of", help="ISO 8601 date-time (default: now).")

    def handle(self, *args, frequency, dry_run, as_of, **options):
        moment = parse_datetime(as_of) if as_of else timezone.now()
        if moment is None or timezone.is_naive(moment):
            raise CommandError("--as-of must be an ISO 8601 date-time with a time zone.")

        def progress(done, total, created):
            self.stdout.write(f"  {done}/{total} recipients checked, {created} digests queued")

        count = services.digests_enqueue(
            frequency=frequency, as_of=moment, dry_run=dry_run, progress=progress
        )
        verb = "would be queued" if dry_run else "queued"
        self.stdout.write(self.style.SUCCESS(f"{count} {frequency} digests {verb}."))
