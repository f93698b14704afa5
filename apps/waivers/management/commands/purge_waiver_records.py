"""Deletes export-control records past their retention period, and nothing younger.

Records are kept at least RETENTION_YEARS (five) years. A request qualifies only when it
was decided (approved and since expired or revoked, denied, withdrawn) more than the
retention period ago and nothing has happened to it since: its newest audit event is
older too. Its events, documents (and their files) and screening results go with it.

On PostgreSQL the audit trail's trigger refuses every UPDATE and DELETE; it lets this
command delete an event only inside its own transaction (a session setting it sets
locally) and only when the event itself is older than the minimum retention."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.waivers.models import WaiverRequest

RETENTION_YEARS = 5
PURGEABLE = (
    WaiverRequest.Status.EXPIRED,
    WaiverRequest.Status.REVOKED,
    WaiverRequest.Status.DENIED,
    WaiverRequest.Status.WITHDRAWN,
)


class Command(BaseCommand):
    help = "Delete export-control records older than the retention period (at least 5 years)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--years",
            type=int,
            default=RETENTION_YEARS,
            help=f"Keep this many years (at least {RETENTION_YEARS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go; delete nothing."
        )

    def handle(self, *args, years, dry_run, **options):
        if years < RETENTION_YEARS:
            raise CommandError(
                f"Export-control records are kept at least {RETENTION_YEARS} years; "
                f"--years {years} is refused."
            )
        cutoff = timezone.now() - timedelta(days=365 * years + years // 4 + 1)
        candidates = (
            WaiverRequest.objects.filter(status__in=PURGEABLE, decided_at__lt=cutoff)
            .annotate(last_event=Max("events__created_at"))
            .filter(last_event__lt=cutoff)
        )
        rows = list(candidates.values_list("pk", "reference"))
        kept = WaiverRequest.objects.count() - len(rows)
        for _pk, reference in rows:
            self.stdout.write(f"{'would delete' if dry_run else 'deleting'} {reference}")
        if dry_run or not rows:
            self.stdout.write(
                f"{len(rows)} request(s) past {years} years; {kept} kept."
                + (" Nothing deleted (dry run)." if dry_run else "")
            )
            return
        files = self._delete([pk for pk, _reference in rows])
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {len(rows)} request(s) and {files} document file(s); {kept} kept."
            )
        )

    def _delete(self, ids: list[int]) -> int:
        from apps.waivers.models import WaiverDocument

        documents = list(WaiverDocument.objects.filter(request_id__in=ids))
        quote = connection.ops.quote_name
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL kakehashi.purge = 'on'")
            with connection.cursor() as cursor:
                for relation in WaiverRequest._meta.related_objects:
                    model = relation.related_model
                    column = relation.field.column
                    placeholders = ", ".join(["%s"] * len(ids))
                    cursor.execute(
                        f"DELETE FROM {quote(model._meta.db_table)} "  # noqa: S608 — names from the models
                        f"WHERE {quote(column)} IN ({placeholders})",
                        ids,
                    )
                placeholders = ", ".join(["%s"] * len(ids))
                cursor.execute(
                    f"DELETE FROM {quote(WaiverRequest._meta.db_table)} "  # noqa: S608
                    f"WHERE id IN ({placeholders})",
                    ids,
                )
            transaction.on_commit(lambda: [d.file.delete(save=False) for d in documents])
        return len(documents)
